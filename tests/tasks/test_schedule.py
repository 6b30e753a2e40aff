"""The daily task scheduling: tasks whose day has come are marked due once (``tasks_due``), and each assignee
gets one e-mail a day listing their overdue tasks."""

import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import workspace_today
from tasks import events, services
from tasks.models import Task, TaskState
from tests.conftest import as_tenant
from tests.factories import AccountFactory, UserFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(request):
    """The task ids of each ``tasks_due`` sent during the test."""
    calls = []

    def record(sender, *, tasks, **kwargs):
        calls.append([task.pk for task in tasks])

    events.tasks_due.connect(record)
    request.addfinalizer(lambda: events.tasks_due.disconnect(record))
    return calls


@pytest.fixture
def far_zone(tenant_a) -> zoneinfo.ZoneInfo:
    """A workspace time zone whose date differs from UTC's right now."""
    zone = "Pacific/Kiritimati" if timezone.now().hour >= 10 else "Pacific/Pago_Pago"
    tenant_a.time_zone = zone
    tenant_a.save()
    assert timezone.localdate(timezone=zoneinfo.ZoneInfo(zone)) != timezone.now().date()
    return zoneinfo.ZoneInfo(zone)


def run(tenant):
    with as_tenant(tenant):
        return services.task_schedule()


def test_open_tasks_whose_day_has_come_become_due_once_in_the_workspace_day(tenant_a, owner_a, far_zone, sent):
    today = timezone.localdate(timezone=far_zone)
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    task = lambda title, days, **fields: TaskFactory(  # noqa: E731
        tenant=tenant_a, account=acme, title=title, due_on=today + timedelta(days=days), **fields
    )
    yesterday, due_today, tomorrow = task("Yesterday", -1), task("Today", 0), task("Tomorrow", 1)
    task("Done yesterday", -1, state=TaskState.DONE)
    task("Cancelled today", 0, state=TaskState.CANCELLED)

    assert run(tenant_a) == {"became_due": 2, "reminded": 0, "emails": 0}
    assert sent == [[yesterday.pk, due_today.pk]]
    with as_tenant(tenant_a):
        assert dict(Task.objects.values_list("title", "became_due_on")) == {
            "Yesterday": today,
            "Today": today,
            "Tomorrow": None,
            "Done yesterday": None,
            "Cancelled today": None,
        }

    assert run(tenant_a) == {"became_due": 0, "reminded": 0, "emails": 0}
    assert sent == [[yesterday.pk, due_today.pk]]
    assert tomorrow.pk not in sent[0]


def test_a_rescheduled_task_becomes_due_again_on_its_new_day(tenant_a, owner_a, sent):
    with as_tenant(tenant_a, owner_a):
        today = workspace_today()
    task = TaskFactory(tenant=tenant_a, due_on=today)
    run(tenant_a)
    with as_tenant(tenant_a, owner_a):
        services.task_update(Task.objects.get(pk=task.pk), due_on=today - timedelta(days=1))
        assert Task.objects.get(pk=task.pk).became_due_on is None
    run(tenant_a)
    assert sent == [[task.pk], [task.pk]]


def test_assignees_get_one_reminder_a_day_listing_their_overdue_tasks(tenant_a, owner_a, member_a):
    with as_tenant(tenant_a):
        today = workspace_today()
    nomail = UserFactory(username="nomail", email="")
    tenant_a.memberships.create(user=nomail, role="member")
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    bolt = AccountFactory(tenant=tenant_a, name="Bolt")
    owner_a.first_name = "Olivia"
    owner_a.save()

    def task(title, days, assignee, account=acme, **fields):
        return TaskFactory(
            tenant=tenant_a,
            account=account,
            title=title,
            due_on=today - timedelta(days=days),
            assignee=assignee,
            **fields,
        )

    task("Call the CFO", 3, owner_a)
    task("Send the deck", 1, owner_a, account=bolt)
    task("Due today", 0, owner_a)
    task("Done late", 5, owner_a, state=TaskState.DONE)
    task("Follow up", 2, member_a)
    task("Nobody's", 2, None)
    task("No address", 2, nomail)

    assert run(tenant_a) == {"became_due": 6, "reminded": 3, "emails": 2}
    my_day = "http://127.0.0.1:8000/t/alpha/my-day/"
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (
            ["owner_a@example.com"],
            "2 overdue task(s) in Alpha Corp",
            "Hello Olivia,\n\nThese tasks of yours in Alpha Corp are past their due date:\n\n"
            f"- {today - timedelta(days=3)} · Acme: Call the CFO\n"
            f"- {today - timedelta(days=1)} · Bolt: Send the deck\n\n"
            f"Complete, reschedule or skip them on My day: {my_day}\n",
        ),
        (
            ["member_a@example.com"],
            "1 overdue task(s) in Alpha Corp",
            f"Hello {member_a.first_name},\n\nThese tasks of yours in Alpha Corp are past their due date:\n\n"
            f"- {today - timedelta(days=2)} · Acme: Follow up\n\n"
            f"Complete, reschedule or skip them on My day: {my_day}\n",
        ),
    ]
    with as_tenant(tenant_a):
        assert sorted(Task.objects.filter(reminded_on=today).values_list("title", flat=True)) == [
            "Call the CFO",
            "Follow up",
            "Send the deck",
        ]

    assert run(tenant_a) == {"became_due": 0, "reminded": 0, "emails": 0}
    assert len(mail.outbox) == 2


def test_a_task_reminded_yesterday_is_reminded_again_today(tenant_a, owner_a):
    with as_tenant(tenant_a):
        today = workspace_today()
    task = TaskFactory(tenant=tenant_a, assignee=owner_a, due_on=today - timedelta(days=4))
    with as_tenant(tenant_a):
        Task.objects.filter(pk=task.pk).update(reminded_on=today - timedelta(days=1), became_due_on=today)
    assert run(tenant_a) == {"became_due": 0, "reminded": 1, "emails": 1}
    assert mail.outbox[0].to == ["owner_a@example.com"]


def test_a_run_touches_only_its_workspace(tenant_a, tenant_b, owner_a, member_b, sent):
    with as_tenant(tenant_b):
        today = workspace_today()
    TaskFactory(tenant=tenant_a, assignee=owner_a, due_on=today - timedelta(days=2))
    theirs = TaskFactory(tenant=tenant_b, assignee=member_b, due_on=today - timedelta(days=2))
    assert run(tenant_b) == {"became_due": 1, "reminded": 1, "emails": 1}
    assert sent == [[theirs.pk]]
    assert [m.to for m in mail.outbox] == [["member_b@example.com"]]
    with as_tenant(tenant_a):
        assert Task.objects.get().became_due_on is None


def test_members_run_it_now_through_the_api_and_poll_its_job(api_a, tenant_a, owner_a, client_for, viewer_a):
    with as_tenant(tenant_a):
        today = workspace_today()
    TaskFactory(tenant=tenant_a, assignee=owner_a, due_on=today - timedelta(days=1))
    assert client_for(viewer_a).post("/t/alpha/api/tasks/schedule/run/").status_code == 403
    response = api_a.post("/api/v1/tasks/schedule/run/")
    assert response.status_code == 202
    assert (response.json()["kind"], response.json()["status"]) == ("task_schedule", "queued")
    assert response["Location"] == f"/api/v1/jobs/{response.json()['id']}/"
    with as_tenant(tenant_a):
        services.task_schedule(job=Job.objects.get(pk=response.json()["id"]))
    job = api_a.get(response["Location"]).json()
    assert (job["status"], job["result"]) == ("succeeded", {"became_due": 1, "reminded": 1, "emails": 1})
