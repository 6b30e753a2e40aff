import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from abs_platform.tenancy.models import ApiKey
from tests.conftest import as_tenant, make_api_client
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_key_is_shown_once_on_creation_then_never_again(client_for, admin_a):
    client = client_for(admin_a)
    created = client.post("/t/alpha/settings/api-keys/", {"name": "CRM sync", "scope": "read_write"})
    assert created.status_code == 200
    raw_key = created.context["new_key"]
    assert raw_key.startswith("abs_")
    assert raw_key in created.content.decode()
    again = client.get("/t/alpha/settings/api-keys/")
    assert raw_key not in again.content.decode()
    assert ApiKey.objects.get().name == "CRM sync"


def test_key_is_stored_hashed_with_a_visible_prefix(api_a):
    api_key = ApiKey.objects.get()
    assert api_key.hashed_key == hashlib.sha256(api_a.raw_key.encode()).hexdigest()
    assert api_a.raw_key.split("_")[1] == api_key.prefix
    stored_values = [str(v) for v in ApiKey.objects.values().get().values()]
    assert api_a.raw_key not in stored_values


def test_valid_key_reads_and_records_last_use(api_a, tenant_a):
    AccountFactory(tenant=tenant_a, name="Alpha Target")
    response = api_a.get("/api/v1/accounts/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Alpha Target"]
    assert ApiKey.objects.get().last_used_at is not None


def test_revoked_key_is_rejected(client_for, admin_a, api_a):
    api_key = ApiKey.objects.get()
    response = client_for(admin_a).post(f"/t/alpha/settings/api-keys/{api_key.pk}/revoke/")
    assert response.status_code == 302
    rejected = api_a.get("/api/v1/accounts/")
    assert rejected.status_code == 401
    assert rejected.json() == {"detail": "Invalid, expired or revoked API key."}


def test_expired_key_is_rejected(api_a):
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_a.get("/api/v1/accounts/").status_code == 401


def test_wrong_or_missing_key_is_rejected(api_a):
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION=api_a.raw_key[:-2] + "xx")
    assert wrong.get("/api/v1/accounts/").status_code == 401
    wrong.credentials(HTTP_AUTHORIZATION="Api-Key " + api_a.raw_key[:-2] + "xx")
    assert wrong.get("/api/v1/accounts/").status_code == 401
    anonymous = APIClient().get("/api/v1/accounts/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Api-Key"


def test_read_only_key_cannot_write(api_a_read, tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Alpha Target")
    assert api_a_read.get(f"/api/v1/accounts/{account.pk}/").status_code == 200
    created = api_a_read.post("/api/v1/accounts/", {"name": "New"}, format="json")
    assert created.status_code == 403
    assert created.json() == {"detail": "This API key is read-only."}
    assert api_a_read.patch(f"/api/v1/accounts/{account.pk}/", {"name": "X"}, format="json").status_code == 403
    assert api_a_read.delete(f"/api/v1/accounts/{account.pk}/").status_code == 403
    with as_tenant(tenant_a):
        assert list(account.__class__.objects.values_list("name", flat=True)) == ["Alpha Target"]


def test_key_of_a_deactivated_workspace_is_rejected(tenant_a, api_a):
    tenant_a.is_active = False
    tenant_a.save()
    assert api_a.get("/api/v1/accounts/").status_code == 401


def test_expiry_in_the_past_is_refused(client_for, admin_a):
    response = client_for(admin_a).post(
        "/t/alpha/settings/api-keys/", {"name": "Old", "scope": "read", "expires_at": "2001-01-01T00:00"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"expires_at": ["The expiry must be in the future."]}
    assert ApiKey.objects.count() == 0


def test_writes_through_a_key_are_attributed_to_its_creator(tenant_a, owner_a):
    api = make_api_client(tenant_a, created_by=owner_a)
    response = api.post("/api/v1/accounts/", {"name": "Via API"}, format="json")
    assert response.status_code == 201
    with as_tenant(tenant_a):
        account = AccountFactory._meta.model.objects.get(name="Via API")
        assert account.created_by == owner_a
        assert account.history.get().history_user == owner_a
