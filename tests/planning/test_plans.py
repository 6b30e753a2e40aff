"""Account plans: one per account, written through the API, with a readable change list."""

import pytest

from tests.conftest import page_as_loaded
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")


def test_create_read_and_one_plan_per_account(api_a, acme, member_a):
    response = api_a.post(
        "/api/v1/account-plans/",
        {"account": acme.pk, "owner": member_a.pk, "business_objectives": "Cut churn", "strategy": "Land finance"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("account", "account_name", "owner", "owner_name", "business_objectives")} == {
        "account": acme.pk,
        "account_name": "Acme",
        "owner": member_a.pk,
        "owner_name": member_a.get_full_name(),
        "business_objectives": "Cut churn",
    }
    again = api_a.post("/api/v1/account-plans/", {"account": acme.pk}, format="json")
    assert again.status_code == 400
    assert again.json() == {"account": ["This account already has a plan: change that one."]}
    assert [plan["id"] for plan in api_a.get(f"/api/v1/account-plans/?account={acme.pk}").json()["results"]] == [
        body["id"]
    ]


def test_the_change_list_says_who_changed_what_and_when(client_for, tenant_a, acme, member_a, admin_a):
    member = client_for(member_a)
    base = f"/t/{tenant_a.slug}/api/account-plans/"
    created = member.post(base, {"account": acme.pk, "challenges": "Legacy ERP"}, content_type="application/json")
    plan_id = created.json()["id"]
    admin = client_for(admin_a)
    changed = admin.patch(
        f"{base}{plan_id}/",
        {"challenges": "Legacy ERP, no budget", "owner": admin_a.pk, "next_steps": "Meet the CFO"},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.json()
    admin.patch(f"{base}{plan_id}/", {"challenges": "Legacy ERP, no budget"}, content_type="application/json")

    versions = admin.get(f"{base}{plan_id}/changes/").json()
    assert [(version["user"], version["created"], version["changes"]) for version in versions] == [
        (
            admin_a.get_full_name(),
            False,
            [
                {"field": "Owner", "old": "", "new": admin_a.get_full_name()},
                {"field": "Challenges", "old": "Legacy ERP", "new": "Legacy ERP, no budget"},
                {"field": "Next steps", "old": "", "new": "Meet the CFO"},
            ],
        ),
        (member_a.get_full_name(), True, [{"field": "Challenges", "old": "", "new": "Legacy ERP"}]),
    ]
    page = admin.get(f"{base}{plan_id}/changes/", HTTP_HX_REQUEST="true").content.decode()
    assert "Legacy ERP, no budget" in page and admin_a.get_full_name() in page


def test_viewers_read_but_do_not_write(client_for, tenant_a, acme, viewer_a):
    viewer = client_for(viewer_a)
    response = viewer.post(
        f"/t/{tenant_a.slug}/api/account-plans/", {"account": acme.pk}, content_type="application/json"
    )
    assert response.status_code == 403


def test_the_account_page_shows_the_plan_section(client_for, tenant_a, acme, member_a):
    page = page_as_loaded(client_for(member_a), f"/t/{tenant_a.slug}/accounts/{acme.pk}/")
    assert "No plan for this account yet." in page
    assert f"/t/{tenant_a.slug}/planning/accounts/{acme.pk}/timeline/" in page


def test_chosen_plays_and_their_changes(api_a, tenant_a, acme, owner_a):
    from tests.plays.factories import PlayTemplateFactory

    land, expand, nurture = (PlayTemplateFactory(tenant=tenant_a, name=name) for name in ("Land", "Expand", "Nurture"))
    created = api_a.post(
        "/api/v1/account-plans/", {"account": acme.pk, "chosen_plays": [land.pk, expand.pk]}, format="json"
    )
    assert created.status_code == 201, created.json()
    plan_id = created.json()["id"]
    assert sorted(created.json()["chosen_play_names"]) == ["Expand", "Land"]
    changed = api_a.patch(f"/api/v1/account-plans/{plan_id}/", {"chosen_plays": [expand.pk, nurture.pk]}, format="json")
    assert sorted(changed.json()["chosen_play_names"]) == ["Expand", "Nurture"]
    plays = [
        (change["old"], change["new"])
        for version in api_a.get(f"/api/v1/account-plans/{plan_id}/changes/").json()
        for change in version["changes"]
        if change["field"] == "Chosen plays"
    ]
    assert sorted(plays) == sorted([("", "Land"), ("", "Expand"), ("Land", ""), ("", "Nurture")])
    assert all(
        version["user"] == owner_a.get_full_name()
        for version in api_a.get(f"/api/v1/account-plans/{plan_id}/changes/").json()
    )
