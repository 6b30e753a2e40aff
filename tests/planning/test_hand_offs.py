"""Hand-offs: an SDR passes a lead to the account's AE, who accepts it into an opportunity or rejects it."""

import pytest

from accounts.models import Opportunity
from tasks.models import Task
from teams import services as team_services
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")


@pytest.fixture
def ae(tenant_a, admin_a, acme):
    """admin_a is the account executive of Acme's team."""
    with as_tenant(tenant_a):
        team = team_services.team_create(name="East")
        team_services.team_member_add(team=team, user=admin_a, role="account_executive")
        team_services.team_account_add(team=team, account=acme)
    return admin_a


def _pass(client, tenant, body):
    return client.post(f"/t/{tenant.slug}/api/hand-offs/", body, content_type="application/json")


def test_passed_to_the_accounts_ae_with_a_task(client_for, tenant_a, acme, ae, member_a):
    jo = ContactFactory(tenant=tenant_a, account=acme, first_name="Jo", last_name="Lee")
    response = _pass(client_for(member_a), tenant_a, {"account": acme.pk, "contacts": [jo.pk], "notes": "BANT ok"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("from_user", "to_user", "state", "contact_names", "decided_at")} == {
        "from_user": member_a.pk,
        "to_user": ae.pk,
        "state": "passed",
        "contact_names": ["Jo Lee"],
        "decided_at": None,
    }
    with as_tenant(tenant_a):
        task = Task.objects.get(pk=body["task"])
    assert (task.assignee_id, task.source, task.contact_id, task.state, task.instructions) == (
        ae.pk,
        "hand_off",
        jo.pk,
        "open",
        "BANT ok",
    )


def test_without_an_ae_the_receiver_must_be_named(client_for, tenant_a, acme, member_a, owner_a):
    response = _pass(client_for(member_a), tenant_a, {"account": acme.pk})
    assert response.status_code == 400
    assert response.json() == {
        "to_user": ["Nobody is the account executive on this account's teams: name who receives the lead."]
    }
    assert _pass(client_for(member_a), tenant_a, {"account": acme.pk, "to_user": owner_a.pk}).status_code == 201


def test_contacts_must_be_of_the_account(client_for, tenant_a, acme, ae, member_a):
    stranger = ContactFactory(tenant=tenant_a, first_name="Sam", last_name="Stranger")
    response = _pass(client_for(member_a), tenant_a, {"account": acme.pk, "contacts": [stranger.pk]})
    assert response.status_code == 400
    assert response.json() == {"contacts": ["Not contacts of Acme: Sam Stranger."]}


def test_accept_into_a_new_opportunity(api_a, client_for, tenant_a, acme, ae, member_a):
    hand_off = _pass(client_for(member_a), tenant_a, {"account": acme.pk}).json()
    response = api_a.post(
        f"/api/v1/hand-offs/{hand_off['id']}/accept/", {"opportunity_name": "Acme platform"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["state"], body["opportunity_name"], body["decided_at"] is not None) == (
        "accepted",
        "Acme platform",
        True,
    )
    with as_tenant(tenant_a):
        opportunity = Opportunity.objects.get(pk=body["opportunity"])
        assert (opportunity.account_id, opportunity.stage) == (acme.pk, "prospecting")
        assert Task.objects.get(pk=hand_off["task"]).state == "cancelled"
    again = api_a.post(f"/api/v1/hand-offs/{hand_off['id']}/reject/", {"reason": "Changed my mind"}, format="json")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This hand-off was already accepted."]}


def test_accept_linking_an_open_opportunity_of_the_account(api_a, client_for, tenant_a, acme, ae, member_a):
    open_deal = OpportunityFactory(tenant=tenant_a, account=acme, name="Open deal")
    closed = OpportunityFactory(
        tenant=tenant_a, account=acme, name="Won", stage="closed_won", close_date="2026-01-31", opened_on="2026-01-01"
    )
    elsewhere = OpportunityFactory(tenant=tenant_a, name="Elsewhere")
    hand_off = _pass(client_for(member_a), tenant_a, {"account": acme.pk}).json()
    url = f"/api/v1/hand-offs/{hand_off['id']}/accept/"
    assert api_a.post(url, {}, format="json").json() == {
        "opportunity": ["Link an open opportunity of the account or name a new one."]
    }
    assert api_a.post(url, {"opportunity": closed.pk}, format="json").json() == {
        "opportunity": ["This opportunity is closed: link an open one."]
    }
    assert api_a.post(url, {"opportunity": elsewhere.pk}, format="json").json() == {
        "opportunity": ["This opportunity is of another account."]
    }
    accepted = api_a.post(url, {"opportunity": open_deal.pk}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["opportunity"] == open_deal.pk


def test_reject_needs_a_reason(api_a, client_for, tenant_a, acme, ae, member_a):
    hand_off = _pass(client_for(member_a), tenant_a, {"account": acme.pk}).json()
    url = f"/api/v1/hand-offs/{hand_off['id']}/reject/"
    assert api_a.post(url, {"reason": "  "}, format="json").json() == {"reason": ["Say why the lead is rejected."]}
    response = api_a.post(url, {"reason": "No budget this year"}, format="json")
    assert (response.json()["state"], response.json()["rejection_reason"]) == ("rejected", "No budget this year")


def test_hand_offs_to_me_on_the_planning_page(client_for, tenant_a, acme, ae, member_a):
    _pass(client_for(member_a), tenant_a, {"account": acme.pk, "notes": "Hot lead"})
    client = client_for(ae)
    page = client.get(f"/t/{tenant_a.slug}/planning/")
    assert page.status_code == 200
    listing = client.get(
        f"/t/{tenant_a.slug}/api/hand-offs/?to_user={ae.pk}&state=passed", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Hot lead" in listing and "Accept" in listing
