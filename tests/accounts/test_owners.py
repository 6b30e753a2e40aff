"""Viewers only read: they are never offered as owners, and no path makes one the owner of a record."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_the_owner_pickers_offer_members_but_not_viewers(client_for, owner_a, member_a, viewer_a):
    html = client_for(member_a).get("/t/alpha/accounts/").content.decode()

    assert f'<option value="{member_a.pk}"' in html
    assert f'<option value="{owner_a.pk}"' in html
    assert f'<option value="{viewer_a.pk}"' not in html


def test_the_api_refuses_a_viewer_as_owner(api_a, tenant_a, viewer_a, member_a):
    account = AccountFactory(tenant=tenant_a, name="Acme")

    refused = api_a.patch(f"/api/v1/accounts/{account.pk}/", {"owner": viewer_a.pk}, format="json")
    taken = api_a.patch(f"/api/v1/accounts/{account.pk}/", {"owner": member_a.pk}, format="json")

    assert (refused.status_code, refused.json()) == (
        400,
        {"owner": [f"No member of this workspace who can own records has id {viewer_a.pk} (viewers cannot)."]},
    )
    assert (taken.status_code, taken.json()["owner"]) == (200, member_a.pk)


def test_the_import_refuses_a_viewer_as_owner(api_a, tenant_a, viewer_a):
    text = f"Company,Website,Owner\nAcme,acme.com,{viewer_a.username}\n"
    upload = SimpleUploadedFile("accounts.csv", text.encode(), content_type="text/csv")

    body = api_a.post("/api/v1/imports/", {"kind": "accounts", "file": upload}, format="multipart").json()

    assert body["rows"][0]["errors"] == [
        {
            "field": "owner",
            "column": "Owner",
            "value": viewer_a.username,
            "message": "No member of this workspace who can own records (not a viewer) has the e-mail or user name "
            f"“{viewer_a.username}”.",
        }
    ]
    with as_tenant(tenant_a):
        assert Account.objects.count() == 0
