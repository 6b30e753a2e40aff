"""A request body naming a field the endpoint does not have answers 400 naming it (it used to be dropped)."""

import pytest

from accounts.models import Account
from icp.models import Criterion
from tests.conftest import as_tenant
from tests.factories import AccountFactory, IcpFactory

pytestmark = pytest.mark.django_db

ACCOUNT_WRITABLE = (
    "name, domain, website, industry, employee_count, annual_revenue, country, status, owner, is_target, parent, tier"
)


@pytest.fixture
def accounts(tenant_a):
    return {
        "target": AccountFactory(tenant=tenant_a, name="Target", is_target=True),
        "other": AccountFactory(tenant=tenant_a, name="Other", is_target=False),
    }


class TestUnknownBodyFields:
    def test_create_with_an_unknown_field_is_a_400_and_writes_nothing(self, api_a, tenant_a):
        response = api_a.post("/api/v1/accounts/", {"name": "Acme", "employees": 1200}, format="json")
        assert response.status_code == 400
        assert response.json() == {"employees": [f"Unknown field. Send only: {ACCOUNT_WRITABLE}."]}
        with as_tenant(tenant_a):
            assert not Account.objects.exists()

    def test_update_with_an_unknown_field_is_a_400(self, api_a, tenant_a, accounts):
        response = api_a.patch(f"/api/v1/accounts/{accounts['target'].pk}/", {"employees": 5}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["employees"]

    def test_read_only_fields_sent_back_are_ignored(self, api_a, tenant_a, accounts):
        url = f"/api/v1/accounts/{accounts['target'].pk}/"
        body = api_a.get(url).json()
        response = api_a.put(url, {**body, "name": "Renamed", "fit_score": 99}, format="json")
        assert response.status_code == 200, response.json()
        assert (response.json()["name"], response.json()["fit_score"]) == ("Renamed", None)

    def test_an_actions_own_body_is_checked_too(self, api_a, accounts):
        response = api_a.post(
            "/api/v1/accounts/bulk/",
            {"ids": [accounts["other"].pk], "action": "mark_target", "owners": 1},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {"owners": ["Unknown field. Send only: ids, action, owner, tier, reason."]}

    def test_a_dashboard_form_post_with_its_csrf_token_is_accepted(self, client_for, member_a, tenant_a):
        response = client_for(member_a).post(
            "/t/alpha/api/accounts/",
            {"csrfmiddlewaretoken": "token", "name": "Form Co", "status": "prospect", "is_target": "on"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 201
        with as_tenant(tenant_a):
            assert list(Account.objects.values_list("name", flat=True)) == ["Form Co"]


def test_a_criterion_form_posts_its_params_as_fields_of_their_own(client_for, admin_a, tenant_a):
    icp = IcpFactory(tenant=tenant_a)
    response = client_for(admin_a).post(
        "/t/alpha/api/criteria/",
        {"csrfmiddlewaretoken": "token", "icp": icp.pk, "kind": "employees", "min": "100", "max": "", "weight": "20"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 201
    with as_tenant(tenant_a):
        assert list(Criterion.objects.values_list("kind", "params", "weight")) == [
            ("employees", {"min": 100, "max": None}, 20)
        ]


def test_form_only_keys_are_refused_in_json(api_a, tenant_a):
    icp = IcpFactory(tenant=tenant_a)
    response = api_a.post("/api/v1/criteria/", {"icp": icp.pk, "kind": "employees", "min": 100}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["min"]


@pytest.mark.parametrize("body", [5835, [1, 2], "text"])
@pytest.mark.parametrize("path", ["/api/v1/accounts/", "/api/v1/accounts/bulk/"])
def test_a_body_that_is_not_an_object_is_a_400_not_a_server_error(api_a, path, body):
    response = api_a.post(path, body, format="json")
    assert response.status_code == 400
