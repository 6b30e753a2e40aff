"""My day and the account page's tasks: the landing page after log-in, completing in place with htmx (the row
updates and the activity is logged), adding a task with the conflict confirm step."""

import re
from datetime import timedelta

import pytest

from abs_platform.tenancy.context import workspace_today
from accounts.models import Activity
from tasks.models import Task, TaskState
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory
from tests.web.test_list_pages import page_links, pager

from .factories import TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


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


def test_members_with_open_tasks_land_on_my_day_others_on_accounts(client_for, tenant_a, acme, member_a, owner_a):
    TaskFactory(tenant=tenant_a, account=acme, assignee=member_a)
    TaskFactory(tenant=tenant_a, account=acme, assignee=owner_a, state=TaskState.DONE)
    assert client_for(member_a).get("/")["Location"] == "/t/alpha/my-day/"
    assert client_for(member_a).get("/t/alpha/")["Location"] == "/t/alpha/my-day/"
    assert client_for(owner_a).get("/")["Location"] == "/t/alpha/dashboard/"


def test_my_day_page_and_nav_entry_first(client_for, member_a):
    page = client_for(member_a).get("/t/alpha/my-day/").content.decode()
    assert 'hx-get="/t/alpha/api/tasks/my-day/"' in page
    nav = page[page.index('class="mainnav"') :]
    assert nav.index(">My day<") < nav.index(">Accounts<")


def test_my_day_fragment_groups_and_empty_state(client_for, tenant_a, acme, jo, member_a, owner_a, today):
    empty = client_for(owner_a).get("/t/alpha/api/tasks/my-day/", **HTMX).content.decode()
    assert "Nothing due today." in empty
    TaskFactory(
        tenant=tenant_a,
        account=acme,
        contact=jo,
        assignee=member_a,
        due_on=today - timedelta(days=2),
        title="Late call",
    )
    TaskFactory(tenant=tenant_a, account=acme, assignee=member_a, due_on=today, title="Send report")
    client = client_for(member_a)
    html = client.get("/t/alpha/api/tasks/my-day/", **HTMX).content.decode()
    lists = group_lists(html)
    assert list(lists) == ["Overdue (1)", "Due today (1)"]
    overdue = client.get(lists["Overdue (1)"], **HTMX).content.decode()
    assert "Late call" in overdue and "Jo Lee" in overdue and "· overdue" in overdue
    assert "Send report" in client.get(lists["Due today (1)"], **HTMX).content.decode()


def group_lists(html: str) -> dict[str, str]:
    """My day's groups: heading → the URL its task list loads from."""
    return {
        f"{title} {count}": url.replace("&amp;", "&")
        for title, count, url in re.findall(
            r'<h2 id="group-\w+">([^<]+) <span class="muted">(\(\d+\))</span></h2>\s*'
            r'<div class="task-section" hx-get="([^"]+)"',
            html,
        )
    }


def test_my_day_lists_a_long_group_a_page_at_a_time(client_for, tenant_a, acme, member_a, today):
    late = [
        TaskFactory(tenant=tenant_a, account=acme, assignee=member_a, due_on=today - timedelta(days=40 - n))
        for n in range(30)
    ]
    TaskFactory(tenant=tenant_a, account=acme, assignee=member_a, due_on=today + timedelta(days=2), title="Soon")
    client = client_for(member_a)
    lists = group_lists(client.get("/t/alpha/api/tasks/my-day/", **HTMX).content.decode())
    assert list(lists) == ["Overdue (30)", "Coming up (1)"]
    assert lists["Coming up (1)"] == (
        f"/t/alpha/api/tasks/?assignee=me&state=open&due_after={today + timedelta(days=1)}"
        f"&due_before={today + timedelta(days=3)}"
    )
    first = client.get(lists["Overdue (30)"], **HTMX).content.decode()
    assert pager(first) == "1–25 of 30 1 2 Later →"
    second = client.get(page_links(first)["2"], **HTMX).content.decode()
    assert pager(second) == "26–30 of 30 ← Earlier 1 2"
    assert [int(pk) for pk in re.findall(r'<li id="task-row-(\d+)"', second)] == [task.pk for task in late[25:]]


def test_complete_in_place_updates_the_row_and_logs_the_activity(client_for, tenant_a, acme, jo, member_a):
    task = TaskFactory(tenant=tenant_a, account=acme, contact=jo, assignee=member_a, channel="phone", title="Call Jo")
    response = client_for(member_a).post(
        f"/t/alpha/api/tasks/{task.pk}/complete/", {"outcome": "meeting_booked", "notes": "Demo on Friday."}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "objectsChanged"
    assert f'id="task-row-{task.pk}"' in html
    assert "Done · Meeting booked · activity logged" in html
    assert "complete/" not in html
    with as_tenant(tenant_a):
        activity = Activity.objects.get()
    assert (activity.outcome, activity.notes, activity.channel) == ("meeting_booked", "Demo on Friday.", "phone")
    again = client_for(member_a).post(f"/t/alpha/api/tasks/{task.pk}/complete/", {"outcome": ""}, **HTMX)
    assert again.status_code == 400
    assert "Only an open task can be changed; this one is done." in again.content.decode()


def test_account_page_section_and_add_task_form(client_for, tenant_a, acme, jo, member_a):
    page = client_for(member_a).get(f"/t/alpha/accounts/{acme.pk}/").content.decode()
    assert f'hx-get="/t/alpha/api/tasks/?account={acme.pk}&state=open&page_size=10"' in page
    assert f'hx-get="/t/alpha/api/tasks/new/?account={acme.pk}"' in page
    form = client_for(member_a).get(f"/t/alpha/api/tasks/new/?account={acme.pk}", **HTMX).content.decode()
    assert f'<input type="hidden" name="account" value="{acme.pk}">' in form
    assert f'<option value="{jo.pk}">Jo Lee</option>' in form
    assert f'<option value="{member_a.pk}" selected>' in form
    empty = client_for(member_a).get(f"/t/alpha/api/tasks/?account={acme.pk}&state=open", **HTMX).content.decode()
    assert "No tasks here." in empty


def test_a_conflicting_task_asks_to_confirm_then_creates(client_for, tenant_a, acme, jo, member_a, today):
    for n in range(3):
        TaskFactory(tenant=tenant_a, account=acme, contact=jo, due_on=today, title=f"Touch {n}")
    body = {"account": acme.pk, "contact": jo.pk, "assignee": member_a.pk, "title": "Fourth", "due_on": today}
    client = client_for(member_a)
    asked = client.post("/t/alpha/api/tasks/", body, **HTMX)
    html = asked.content.decode()
    assert asked.status_code == 409
    assert f"Jo Lee would get 4 touches around {today:%Y-%m-%d}." in html
    assert 'hx-post="/t/alpha/api/tasks/?proceed=true"' in html
    assert 'value="Fourth"' in html
    with as_tenant(tenant_a):
        assert Task.objects.count() == 3
    created = client.post("/t/alpha/api/tasks/?proceed=true", body, **HTMX)
    assert created.status_code == 201
    assert "Task “Fourth” added" in created.content.decode()
    with as_tenant(tenant_a):
        assert Task.objects.count() == 4


def test_edit_in_place(client_for, tenant_a, acme, jo, member_a, today):
    task = TaskFactory(tenant=tenant_a, account=acme, contact=jo, assignee=member_a, title="Call Jo", due_on=today)
    client = client_for(member_a)
    form = client.get(f"/t/alpha/api/tasks/{task.pk}/edit/", **HTMX).content.decode()
    assert f'hx-put="/t/alpha/api/tasks/{task.pk}/"' in form
    assert 'value="Call Jo"' in form and f'value="{today.isoformat()}"' in form
    assert f'<option value="{jo.pk}" selected>Jo Lee</option>' in form
    body = f"account={acme.pk}&title=Call+Jo+again&due_on={today.isoformat()}&contact={jo.pk}&assignee={member_a.pk}"
    saved = client.put(f"/t/alpha/api/tasks/{task.pk}/", body, content_type="application/x-www-form-urlencoded", **HTMX)
    assert saved.status_code == 200
    assert "<strong>Call Jo again</strong>" in saved.content.decode()
