from decimal import Decimal

import pytest

from accounts.models import Opportunity
from tests.conftest import as_tenant
from tests.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")


def test_create_in_the_workspace_currency(api_a, tenant_a, acme):
    tenant_a.currency = "EUR"
    tenant_a.save()
    response = api_a.post(
        "/api/v1/opportunities/",
        {"account": acme.pk, "name": "Acme platform", "amount": "120000.00", "opened_on": "2026-01-10"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("name", "kind", "amount", "currency", "stage", "is_open", "opened_on")} == {
        "name": "Acme platform",
        "kind": "new_logo",
        "amount": "120000.00",
        "currency": "EUR",
        "stage": "prospecting",
        "is_open": True,
        "opened_on": "2026-01-10",
    }


def test_closed_lost_needs_a_reason_and_close_date_not_before_open(api_a, tenant_a, acme):
    response = api_a.post(
        "/api/v1/opportunities/",
        {"account": acme.pk, "name": "Lost", "stage": "closed_lost", "opened_on": "2026-02-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "lost_reason": ["Say why the deal was lost."],
        "close_date": ["A closed deal needs its close date."],
    }
    response = api_a.post(
        "/api/v1/opportunities/",
        {"account": acme.pk, "name": "Odd", "opened_on": "2026-02-01", "close_date": "2026-01-31"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"close_date": ["The close date cannot be before the open date."]}
    negative = api_a.post("/api/v1/opportunities/", {"account": acme.pk, "name": "Neg", "amount": "-1"}, format="json")
    assert negative.json() == {"amount": ["Ensure this value is greater than or equal to 0."]}
    with as_tenant(tenant_a):
        assert Opportunity.objects.count() == 0


def test_closing_lost_by_patch_needs_the_reason(api_a, tenant_a, acme):
    deal = OpportunityFactory(tenant=tenant_a, account=acme, name="Deal", opened_on="2026-01-01")
    response = api_a.patch(
        f"/api/v1/opportunities/{deal.pk}/", {"stage": "closed_lost", "close_date": "2026-03-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"lost_reason": ["Say why the deal was lost."]}
    response = api_a.patch(
        f"/api/v1/opportunities/{deal.pk}/",
        {"stage": "closed_lost", "lost_reason": "Chose a competitor", "close_date": "2026-03-01"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["is_open"], response.json()["lost_reason"]) == (False, "Chose a competitor")


def test_a_closed_deal_needs_its_close_date_and_only_a_lost_deal_has_a_lost_reason(api_a, tenant_a, acme):
    won = api_a.post(
        "/api/v1/opportunities/",
        {"account": acme.pk, "name": "Won", "stage": "closed_won", "opened_on": "2026-02-01"},
        format="json",
    )
    open_with_reason = api_a.post(
        "/api/v1/opportunities/",
        {"account": acme.pk, "name": "Open", "opened_on": "2026-02-01", "lost_reason": "Budget"},
        format="json",
    )
    deal = OpportunityFactory(
        tenant=tenant_a,
        account=acme,
        stage="closed_lost",
        lost_reason="Budget",
        opened_on="2026-01-01",
        close_date="2026-02-01",
    )
    reopened = api_a.patch(f"/api/v1/opportunities/{deal.pk}/", {"stage": "negotiation"}, format="json")
    reopened_cleared = api_a.patch(
        f"/api/v1/opportunities/{deal.pk}/",
        {"stage": "negotiation", "lost_reason": "", "close_date": None},
        format="json",
    )

    assert (won.status_code, won.json()) == (400, {"close_date": ["A closed deal needs its close date."]})
    assert (open_with_reason.status_code, open_with_reason.json()) == (
        400,
        {"lost_reason": ["Only a closed-lost deal has a lost reason."]},
    )
    assert (reopened.status_code, reopened.json()) == (
        400,
        {"lost_reason": ["Only a closed-lost deal has a lost reason."]},
    )
    assert reopened_cleared.status_code == 200
    assert (reopened_cleared.json()["stage"], reopened_cleared.json()["is_open"]) == ("negotiation", True)


def test_filters(api_a, tenant_a, acme):
    OpportunityFactory(tenant=tenant_a, account=acme, name="Open", opened_on="2026-01-02")
    OpportunityFactory(
        tenant=tenant_a,
        account=acme,
        name="Won",
        stage="closed_won",
        opened_on="2026-01-01",
        kind="expansion",
        amount=Decimal("5.00"),
    )
    OpportunityFactory(tenant=tenant_a, name="Other", opened_on="2025-01-01")

    def names(query=""):
        return [row["name"] for row in api_a.get(f"/api/v1/opportunities/{query}").json()["results"]]

    assert names() == ["Open", "Won", "Other"]
    assert names(f"?account={acme.pk}&is_open=true") == ["Open"]
    assert names("?is_open=false") == ["Won"]
    assert names("?kind=expansion") == ["Won"]
    assert names("?stage=prospecting") == ["Open", "Other"]


def test_htmx_list_and_form(client_for, member_a, tenant_a, acme):
    OpportunityFactory(tenant=tenant_a, account=acme, name="Big deal", amount=Decimal("9000.00"))
    client = client_for(member_a)
    html = client.get(f"/t/alpha/api/opportunities/?account={acme.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert "Big deal" in html
    assert "$9,000" in html
    bad = client.post(
        "/t/alpha/api/opportunities/",
        {"account": acme.pk, "name": "X", "stage": "closed_lost", "opened_on": "2026-01-01", "amount": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 400
    assert '<p class="error">Say why the deal was lost.</p>' in bad.content.decode()


def test_a_full_update_without_opened_on_keeps_it(api_a, tenant_a, acme):
    """``opened_on`` defaults to today on create only: a PUT that leaves it out keeps the date."""
    created = api_a.post(
        "/api/v1/opportunities/",
        {"account": acme.pk, "name": "Acme platform", "amount": "1000.00", "opened_on": "2026-01-10"},
        format="json",
    ).json()
    response = api_a.put(
        f"/api/v1/opportunities/{created['id']}/",
        {"account": acme.pk, "name": "Acme platform, phase 1", "amount": "1500.00", "stage": "discovery"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["amount"], body["stage"], body["opened_on"]) == (
        "Acme platform, phase 1",
        "1500.00",
        "discovery",
        "2026-01-10",
    )
    with as_tenant(tenant_a):
        assert str(Opportunity.objects.get(pk=created["id"]).opened_on) == "2026-01-10"
