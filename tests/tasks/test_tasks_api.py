"""The task API (/tasks/): create and read back, validation naming the field, the touch-conflict 409 and its
override, filters, the state actions (complete logs the activity), My day, roles, query budgets."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abs_platform.tenancy.context import workspace_today
from accounts.models import Activity
from tasks.models import Task, TaskState
from tests.conftest import as_tenant, make_api_client
from tests.factories import AccountFactory, ContactFactory

from .factories import TaskFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/tasks/"


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme")


@pytest.fixture
def jo(tenant_a, acme):
    return ContactFactory(tenant=tenant_a, account=acme, first_name="Jo", last_name="Lee")


@pytest.fixture
def today(tenant_a):
    with as_tenant(tenant_a):
        return workspace_today()


def days(today, n):
    return (today + timedelta(days=n)).isoformat()


def titles(response):
    return [task["title"] for task in response.json()["results"]]


def test_create_and_read_back(api_a, acme, jo, member_a, today):
    response = api_a.post(
        URL,
        {
            "account": acme.pk,
            "contact": jo.pk,
            "assignee": member_a.pk,
            "title": "Call Jo",
            "due_on": days(today, 1),
            "channel": "phone",
            "team_role": "sdr",
            "instructions": "Ask about the budget.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in body if key not in ("id", "created_at", "updated_at")} == {
        "title": "Call Jo",
        "account": acme.pk,
        "account_name": "Acme",
        "contact": jo.pk,
        "contact_name": "Jo Lee",
        "assignee": member_a.pk,
        "assignee_name": member_a.get_full_name() or "member_a",
        "team_role": "sdr",
        "channel": "phone",
        "due_on": days(today, 1),
        "instructions": "Ask about the budget.",
        "message": "",
        "state": "open",
        "source": "manual",
        "completed_at": None,
        "activity": None,
        "outcome": "",
        "overdue": False,
    }
    assert api_a.get(f"{URL}{body['id']}/").json() == body


def test_validation_names_the_field(api_a, tenant_a, acme, today):
    elsewhere = ContactFactory(tenant=tenant_a)
    response = api_a.post(
        URL, {"account": acme.pk, "contact": elsewhere.pk, "title": "X", "due_on": days(today, 0)}, format="json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"contact": ["This contact does not work at the task's account."]},
    )
    missing = api_a.post(URL, {"account": acme.pk}, format="json").json()
    assert sorted(missing) == ["due_on", "title"]


def test_a_conflicting_task_is_a_409_unless_told_to_proceed(api_a, tenant_a, acme, jo, today):
    for n in range(3):
        TaskFactory(tenant=tenant_a, account=acme, contact=jo, due_on=today + timedelta(days=n), title=f"Touch {n}")
    body = {"account": acme.pk, "contact": jo.pk, "title": "One more", "due_on": days(today, 2)}
    refused = api_a.post(URL, body, format="json")
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "This task would give a contact too many touches; send ?proceed=true to create it anyway.",
        "conflicts": [
            {
                "contact": jo.pk,
                "contact_name": "Jo Lee",
                "on": days(today, 2),
                "kind": "too_many",
                "touches": [
                    f"Task due {days(today, 0)}: Touch 0",
                    f"Task due {days(today, 1)}: Touch 1",
                    f"Task due {days(today, 2)}: Touch 2",
                    "This task: One more",
                ],
                "message": f"Jo Lee would get 4 touches around {days(today, 2)}.",
            }
        ],
    }
    with as_tenant(tenant_a):
        assert Task.objects.count() == 3
    assert api_a.post(f"{URL}?proceed=true", body, format="json").status_code == 201
    # Days 0, 1, 2, 2 now: a fifth touch on day 8 shares its 7-day window with the two of day 2 only.
    assert api_a.post(URL, {**body, "due_on": days(today, 8)}, format="json").status_code == 201


def test_filters(api_a, tenant_a, acme, jo, owner_a, member_a, today):
    other = AccountFactory(tenant=tenant_a, name="Other")
    TaskFactory(
        tenant=tenant_a, account=acme, contact=jo, assignee=owner_a, due_on=today - timedelta(days=1), title="Late"
    )
    TaskFactory(tenant=tenant_a, account=acme, assignee=member_a, due_on=today, title="Today")
    TaskFactory(tenant=tenant_a, account=other, assignee=owner_a, due_on=today + timedelta(days=5), title="Later")
    TaskFactory(
        tenant=tenant_a, account=other, assignee=owner_a, due_on=today - timedelta(days=3), title="Done", state="done"
    )
    assert titles(api_a.get(URL)) == ["Done", "Late", "Today", "Later"]
    # An API key's "me" is the member who created it (owner_a).
    assert titles(api_a.get(URL, {"assignee": "me"})) == ["Done", "Late", "Later"]
    assert titles(api_a.get(URL, {"assignee": member_a.pk})) == ["Today"]
    assert titles(api_a.get(URL, {"state": "open", "account": other.pk})) == ["Later"]
    assert titles(api_a.get(URL, {"contact": jo.pk})) == ["Late"]
    assert titles(api_a.get(URL, {"overdue": "true"})) == ["Late"]
    assert titles(api_a.get(URL, {"overdue": "false"})) == ["Done", "Today", "Later"]
    assert titles(api_a.get(URL, {"due_after": days(today, 0), "due_before": days(today, 5)})) == ["Today", "Later"]
    assert api_a.get(URL, {"assignee": "you"}).json() == {"assignee": ["Give a user id or “me”."]}


def test_complete_logs_the_activity_and_closed_tasks_refuse_changes(api_a, tenant_a, acme, jo, member_a):
    task = TaskFactory(tenant=tenant_a, account=acme, contact=jo, assignee=member_a, channel="email", title="Mail Jo")
    done = api_a.post(f"{URL}{task.pk}/complete/", {"outcome": "replied", "notes": "Interested."}, format="json")
    assert done.status_code == 200
    body = done.json()
    assert (body["state"], body["outcome"]) == ("done", "replied")
    with as_tenant(tenant_a):
        activity = Activity.objects.get()
    assert (activity.pk, activity.subject, activity.notes, activity.contact_id, activity.owner_id) == (
        body["activity"],
        "Mail Jo",
        "Interested.",
        jo.pk,
        member_a.pk,
    )
    assert api_a.get(f"/api/v1/activities/{activity.pk}/").json()["task"] == task.pk
    again = api_a.post(f"{URL}{task.pk}/complete/", {"outcome": "replied"}, format="json")
    assert (again.status_code, again.json()) == (
        400,
        {"state": ["Only an open task can be changed; this one is done."]},
    )
    edit = api_a.patch(f"{URL}{task.pk}/", {"title": "Other"}, format="json")
    assert edit.json() == {"state": ["Only an open task can be changed; this one is done."]}
    bad = TaskFactory(tenant=tenant_a, account=acme)
    assert api_a.post(f"{URL}{bad.pk}/complete/", {"outcome": "maybe"}, format="json").json() == {
        "outcome": ['"maybe" is not a valid choice.']
    }


def test_skip_cancel_reopen_and_no_delete(api_a, tenant_a, acme):
    task = TaskFactory(tenant=tenant_a, account=acme)
    assert api_a.post(f"{URL}{task.pk}/skip/").json()["state"] == "skipped"
    assert api_a.post(f"{URL}{task.pk}/reopen/").json()["state"] == "open"
    assert api_a.post(f"{URL}{task.pk}/cancel/").json()["state"] == "cancelled"
    assert api_a.delete(f"{URL}{task.pk}/").status_code == 405
    with as_tenant(tenant_a):
        assert list(Task.objects.get().history.values_list("state", flat=True)) == [
            "cancelled",
            "open",
            "skipped",
            "open",
        ]


def test_my_day_groups_the_users_open_tasks(client_for, tenant_a, acme, member_a, owner_a, today):
    for n, title in [(-3, "Oldest"), (-1, "Late"), (0, "Now"), (2, "Soon"), (4, "Too far")]:
        TaskFactory(tenant=tenant_a, account=acme, assignee=member_a, due_on=today + timedelta(days=n), title=title)
    TaskFactory(tenant=tenant_a, account=acme, assignee=member_a, due_on=today, title="Done", state=TaskState.DONE)
    TaskFactory(tenant=tenant_a, account=acme, assignee=owner_a, due_on=today, title="Someone else's")
    body = client_for(member_a).get("/t/alpha/api/tasks/my-day/").json()
    assert body["today"] == today.isoformat()
    assert {group: [task["title"] for task in body[group]] for group in ("overdue", "due_today", "upcoming")} == {
        "overdue": ["Oldest", "Late"],
        "due_today": ["Now"],
        "upcoming": ["Soon"],
    }
    assert [task["overdue"] for task in body["overdue"]] == [True, True]


def test_viewers_read_members_write(client_for, viewer_a, tenant_a, acme, today):
    task = TaskFactory(tenant=tenant_a, account=acme)
    client = client_for(viewer_a)
    assert client.get("/t/alpha/api/tasks/").status_code == 200
    assert client.post(f"/t/alpha/api/tasks/{task.pk}/complete/", {"outcome": ""}).status_code == 403
    assert client.post("/t/alpha/api/tasks/", {"account": acme.pk, "title": "X", "due_on": today}).status_code == 403


def test_another_workspace_never_shows(api_a, api_b, tenant_a, tenant_b, acme):
    TaskFactory(tenant=tenant_a, account=acme, title="Alpha task")
    foreign = TaskFactory(tenant=tenant_b, title="Bravo task")
    assert titles(api_a.get(URL)) == ["Alpha task"]
    assert api_a.get(f"{URL}{foreign.pk}/").status_code == 404
    assert api_a.post(f"{URL}{foreign.pk}/complete/", {"outcome": ""}, format="json").status_code == 404
    assert titles(api_b.get(URL)) == ["Bravo task"]


def test_touch_limit_read_by_all_set_by_admins(api_a, tenant_a, owner_a, member_a, client_for):
    assert api_a.get("/api/v1/touch-limit/").json() == {"max_touches": 3, "window_days": 7}
    member = client_for(member_a).post("/t/alpha/api/touch-limit/", {"max_touches": 5})
    assert member.status_code == 403
    changed = api_a.post("/api/v1/touch-limit/", {"max_touches": 5}, format="json")
    assert (changed.status_code, changed.json()) == (200, {"max_touches": 5, "window_days": 7})
    assert api_a.get("/api/v1/touch-limit/").json() == {"max_touches": 5, "window_days": 7}
    assert api_a.post("/api/v1/touch-limit/", {"window_days": 0}, format="json").json() == {
        "window_days": ["Ensure this value is greater than or equal to 1."]
    }
    read_only = make_api_client(tenant_a, scope="read", created_by=owner_a)
    assert read_only.post("/api/v1/touch-limit/", {"max_touches": 2}, format="json").status_code == 403


@pytest.mark.parametrize("path", ["tasks/?page_size=200", "tasks/my-day/"])
@pytest.mark.parametrize("htmx", [False, True])
def test_query_budget_constant_in_rows(client_for, tenant_a, owner_a, path, htmx, today):
    """The task list and My day (JSON and htmx rows) take the same queries for 5 tasks and for 50."""
    client = client_for(owner_a)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = f"/t/alpha/api/{path}"

    def make(count):
        for n in range(count):
            contact = ContactFactory(tenant=tenant_a)
            TaskFactory(
                tenant=tenant_a,
                account=contact.account,
                contact=contact,
                assignee=owner_a,
                due_on=today + timedelta(days=n % 3 - 1),
                state="done" if n % 5 == 0 else "open",
            )

    def count():
        client.get(url, **headers)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **headers).status_code == 200
        return len(queries)

    make(5)
    few = count()
    make(45)
    # One task query (account, contact, assignee and activity joined), +4: session, user and membership from
    # the cache, the transaction and its tenant setting.
    assert few == count() == 5
