import pytest

from accounts.models import AccountTechnology
from tests.conftest import as_tenant
from tests.factories import AccountFactory, TechnologyFactory

pytestmark = pytest.mark.django_db


def test_admins_write_the_catalogue_members_read(client_for, admin_a, member_a):
    body = {"name": "Salesforce", "category": "CRM", "relation": "competitor"}
    member = client_for(member_a)
    assert member.post("/t/alpha/api/technologies/", body, content_type="application/json").status_code == 403
    admin = client_for(admin_a)
    created = admin.post("/t/alpha/api/technologies/", body, content_type="application/json")
    assert created.status_code == 201
    again = admin.post("/t/alpha/api/technologies/", {"name": " salesforce "}, content_type="application/json")
    assert again.status_code == 400
    assert again.json() == {"name": ["This technology is already in the catalogue."]}
    assert [row["name"] for row in member.get("/t/alpha/api/technologies/").json()["results"]] == ["Salesforce"]


def test_set_account_technologies(api_a, tenant_a, tenant_b):
    account = AccountFactory(tenant=tenant_a, name="Acme")
    crm = TechnologyFactory(tenant=tenant_a, name="HubSpot")
    dwh = TechnologyFactory(tenant=tenant_a, name="Snowflake")
    bi = TechnologyFactory(tenant=tenant_a, name="Looker")
    foreign = TechnologyFactory(tenant=tenant_b, name="Secret tool")

    response = api_a.post(
        "/api/v1/account-technologies/set/", {"account": account.pk, "technologies": [crm.pk, dwh.pk]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [row["technology_name"] for row in response.json()] == ["HubSpot", "Snowflake"]

    response = api_a.post(
        "/api/v1/account-technologies/set/", {"account": account.pk, "technologies": [dwh.pk, bi.pk]}, format="json"
    )
    assert [row["technology_name"] for row in response.json()] == ["Looker", "Snowflake"]
    with as_tenant(tenant_a):
        assert sorted(AccountTechnology.objects.values_list("technology__name", flat=True)) == ["Looker", "Snowflake"]
        # Every change is in the audit history (one create per link, one delete).
        assert AccountTechnology.history.filter(history_type="-").count() == 1

    refused = api_a.post(
        "/api/v1/account-technologies/set/", {"account": account.pk, "technologies": [foreign.pk]}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json() == {"technologies": [f"No technology with id {foreign.pk} in this workspace."]}
    listed = api_a.get(f"/api/v1/account-technologies/?account={account.pk}").json()["results"]
    assert sorted(row["technology_name"] for row in listed) == ["Looker", "Snowflake"]


def test_adding_a_technology_twice_is_refused(api_a, tenant_a):
    account = AccountFactory(tenant=tenant_a)
    tool = TechnologyFactory(tenant=tenant_a, name="Marketo")
    first = api_a.post("/api/v1/account-technologies/", {"account": account.pk, "technology": tool.pk}, format="json")
    assert first.status_code == 201
    second = api_a.post("/api/v1/account-technologies/", {"account": account.pk, "technology": tool.pk}, format="json")
    assert second.status_code == 400
    assert second.json() == {"technology": ["The account already uses this technology."]}
