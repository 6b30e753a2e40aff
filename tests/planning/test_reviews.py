"""Account reviews: the same format every time, prioritized actions that become tasks, side by side."""

from datetime import date

import pytest

from planning import services
from tasks.models import Task
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")


def test_review_with_attendees_and_actions_that_become_tasks(api_a, tenant_a, acme, member_a, viewer_a, admin_a):
    response = api_a.post(
        "/api/v1/account-reviews/",
        {
            "account": acme.pk,
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "held_on": "2026-11-03",
            "status": "amber",
            "progress": "Pilot live",
            "lessons_learned": "Involve IT earlier",
            "attendees": [member_a.pk, viewer_a.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    review = response.json()
    assert sorted(review["attendee_names"]) == sorted([member_a.get_full_name(), viewer_a.get_full_name()])
    for title, position in [("Book the QBR", None), ("Send the business case", 1), ("Map IT", None)]:
        body = {"review": review["id"], "title": title, "assignee": member_a.pk, "due_on": "2026-11-20"}
        if position:
            body["position"] = position
        created = api_a.post("/api/v1/review-actions/", body, format="json")
        assert created.status_code == 201, created.json()
    actions = api_a.get(f"/api/v1/account-reviews/{review['id']}/").json()["actions"]
    assert [(action["position"], action["title"]) for action in actions] == [
        (1, "Send the business case"),
        (2, "Book the QBR"),
        (3, "Map IT"),
    ]
    with as_tenant(tenant_a):
        tasks = list(Task.objects.order_by("id").values_list("title", "source", "assignee_id", "due_on", "account_id"))
    assert tasks == [
        ("Book the QBR", "review", member_a.pk, date(2026, 11, 20), acme.pk),
        ("Send the business case", "review", member_a.pk, date(2026, 11, 20), acme.pk),
        ("Map IT", "review", member_a.pk, date(2026, 11, 20), acme.pk),
    ]
    assert [action["task"] for action in actions] == _task_ids(tenant_a, actions)
    edited = api_a.patch(f"/api/v1/review-actions/{actions[0]['id']}/", {"due_on": "2026-11-25"}, format="json")
    assert edited.status_code == 200
    with as_tenant(tenant_a):
        assert Task.objects.get(pk=actions[0]["task"]).due_on == date(2026, 11, 25)


def _task_ids(tenant, actions):
    with as_tenant(tenant):
        return [Task.objects.get(title=action["title"]).pk for action in actions]


def test_an_action_needs_an_assignee_who_can_own_records(api_a, tenant_a, acme, viewer_a):
    with as_tenant(tenant_a):
        review = services.review_create(
            account=acme, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), status="green"
        )
    response = api_a.post(
        "/api/v1/review-actions/",
        {"review": review.pk, "title": "Call", "assignee": viewer_a.pk, "due_on": "2026-02-01"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["assignee"]


def test_period_rules(api_a, acme):
    body = {"account": acme.pk, "period_start": "2026-10-01", "period_end": "2026-09-30", "status": "green"}
    response = api_a.post("/api/v1/account-reviews/", body, format="json")
    assert response.json() == {"period_end": ["The period cannot end before it starts."]}
    body["period_end"] = "2026-10-31"
    assert api_a.post("/api/v1/account-reviews/", body, format="json").status_code == 201
    again = api_a.post("/api/v1/account-reviews/", body, format="json")
    assert again.status_code == 400
    assert again.json() == {"period_start": ["This account already has a review of this period."]}


def test_two_reviews_side_by_side(client_for, tenant_a, acme, member_a):
    other_account = AccountFactory(tenant=tenant_a, name="Other")
    with as_tenant(tenant_a, member_a):
        september = services.review_create(
            account=acme,
            period_start=date(2026, 9, 1),
            period_end=date(2026, 9, 30),
            status="red",
            progress="Stalled at legal",
        )
        october = services.review_create(
            account=acme,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            status="green",
            progress="Signed",
        )
        services.review_action_create(review=october, title="Kick-off", assignee=member_a, due_on=date(2026, 11, 5))
        elsewhere = services.review_create(
            account=other_account, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31), status="green"
        )
    client = client_for(member_a)
    page = client.get(f"/t/{tenant_a.slug}/planning/reviews/{october.pk}/compare/{september.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    # The older one on the left, whichever order the address names them in.
    assert html.index("Stalled at legal") < html.index("Signed")
    assert "Kick-off" in html
    assert client.get(f"/t/{tenant_a.slug}/planning/reviews/{october.pk}/compare/{elsewhere.pk}/").status_code == 404
