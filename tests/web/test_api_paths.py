"""Under /api/v1/ a path works with or without its trailing slash, and every error is JSON."""

import pytest

from accounts.models import Opportunity
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(tenant_a):
    return {
        "target": AccountFactory(tenant=tenant_a, name="Target", is_target=True),
        "other": AccountFactory(tenant=tenant_a, name="Other", is_target=False),
    }


class TestPathsAndErrors:
    def test_a_post_without_the_trailing_slash_creates(self, api_a, tenant_a, accounts):
        response = api_a.post(
            "/api/v1/opportunities", {"account": accounts["target"].pk, "name": "No slash"}, format="json"
        )
        assert response.status_code == 201, response.content
        with as_tenant(tenant_a):
            assert list(Opportunity.objects.values_list("name", flat=True)) == ["No slash"]

    def test_a_detail_without_the_trailing_slash_is_served(self, api_a, accounts):
        response = api_a.patch(f"/api/v1/accounts/{accounts['target'].pk}", {"industry": "Retail"}, format="json")
        assert response.status_code == 200
        assert response.json()["industry"] == "Retail"

    @pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v1/nothing", "/api/v1/accounts/1.5/", "/api/v1/"])
    def test_an_unknown_path_is_a_json_404(self, api_a, path):
        response = api_a.post(path, {}, format="json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}

    def test_an_unknown_path_without_a_key_is_a_json_404(self, client):
        response = client.get("/api/v1/nothing/")
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})

    def test_a_method_not_allowed_is_json(self, api_a):
        response = api_a.delete("/api/v1/accounts/")
        assert (response.status_code, response.json()) == (405, {"detail": 'Method "DELETE" not allowed.'})
