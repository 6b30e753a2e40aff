"""Task services: creation (one and bulk, with history), validation naming the field, completion logging the
activity, and the state changes."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Activity
from tasks import services
from tasks.models import Task, TaskSource, TaskState
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, UserFactory

from .factories import TaskFactory

pytestmark = pytest.mark.django_db

DUE = date(2026, 3, 10)


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme")


@pytest.fixture
def jo(tenant_a, acme):
    return ContactFactory(tenant=tenant_a, account=acme, first_name="Jo", last_name="Lee")


def test_create_stores_every_field_with_history(tenant_a, acme, jo, member_a):
    with as_tenant(tenant_a, member_a):
        task = services.task_create(
            account=acme,
            title="Call Jo",
            due_on=DUE,
            assignee=member_a,
            contact=jo,
            team_role="sdr",
            channel="phone",
            instructions="Ask about the budget.",
            message="Hi Jo",
            source=TaskSource.PLAY,
        )
        stored = Task.objects.values(
            "title", "due_on", "assignee", "contact", "team_role", "channel", "instructions", "message", "source"
        ).get(pk=task.pk)
        history = list(task.history.values_list("history_type", "history_user_id"))
    assert stored == {
        "title": "Call Jo",
        "due_on": DUE,
        "assignee": member_a.pk,
        "contact": jo.pk,
        "team_role": "sdr",
        "channel": "phone",
        "instructions": "Ask about the budget.",
        "message": "Hi Jo",
        "source": "play",
    }
    assert history == [("+", member_a.pk)]


def test_contact_of_another_account_and_outsider_assignee_are_refused(tenant_a, acme, member_a):
    elsewhere = ContactFactory(tenant=tenant_a)
    outsider = UserFactory(username="outsider")
    with as_tenant(tenant_a, member_a):
        with pytest.raises(ValidationError) as contact_error:
            services.task_create(account=acme, title="Call", due_on=DUE, contact=elsewhere)
        with pytest.raises(ValidationError) as assignee_error:
            services.task_create(account=acme, title="Call", due_on=DUE, assignee=outsider)
        assert Task.objects.count() == 0
    assert contact_error.value.message_dict == {"contact": [services.CONTACT_ELSEWHERE]}
    assert assignee_error.value.message_dict == {"assignee": [services.ASSIGNEE_NOT_MEMBER]}


def test_bulk_create_writes_history_rows_and_validates_all(tenant_a, acme, jo, member_a):
    with as_tenant(tenant_a, member_a):
        tasks = services.tasks_create(
            [
                {"account": acme, "title": "E-mail Jo", "due_on": DUE, "contact": jo, "source": TaskSource.PLAY},
                {"account": acme, "title": "Call Jo", "due_on": date(2026, 3, 12), "assignee": member_a},
            ]
        )
        assert [task.title for task in Task.objects.order_by("due_on")] == ["E-mail Jo", "Call Jo"]
        assert Task.history.filter(history_type="+").count() == 2
        assert all(task.pk for task in tasks)
        with pytest.raises(ValidationError) as error:
            services.tasks_create([{"account": acme, "title": "", "due_on": DUE}])
    assert list(error.value.message_dict) == ["title"]


def test_complete_logs_the_activity_with_the_outcome(tenant_a, acme, jo, member_a):
    task = TaskFactory(tenant=tenant_a, account=acme, contact=jo, assignee=member_a, channel="phone", title="Call Jo")
    when = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    with as_tenant(tenant_a, member_a):
        activity = services.task_complete(task, outcome="connected", notes="Budget in Q3.", occurred_at=when)
        logged = Activity.objects.values(
            "account", "contact", "channel", "direction", "occurred_at", "subject", "notes", "owner", "outcome"
        ).get(pk=activity.pk)
    assert logged == {
        "account": acme.pk,
        "contact": jo.pk,
        "channel": "phone",
        "direction": "outbound",
        "occurred_at": when,
        "subject": "Call Jo",
        "notes": "Budget in Q3.",
        "owner": member_a.pk,
        "outcome": "connected",
    }
    assert (task.state, task.activity_id) == (TaskState.DONE, activity.pk)
    assert task.completed_at is not None


def test_a_closed_task_cannot_be_completed_twice_and_reopens_only_when_skipped(tenant_a, acme, member_a):
    task = TaskFactory(tenant=tenant_a, account=acme)
    with as_tenant(tenant_a, member_a):
        services.task_complete(task, outcome="no_answer")
        with pytest.raises(ValidationError) as twice:
            services.task_complete(task, outcome="no_answer")
        with pytest.raises(ValidationError) as reopen_done:
            services.task_reopen(task)
        assert Activity.objects.count() == 1
        other = TaskFactory(tenant=tenant_a, account=acme)
        assert services.task_skip(other).state == TaskState.SKIPPED
        assert services.task_reopen(other).state == TaskState.OPEN
        assert services.task_cancel(other).state == TaskState.CANCELLED
    assert twice.value.message_dict == {"state": ["Only an open task can be changed; this one is done."]}
    assert reopen_done.value.message_dict == {
        "state": ["Only a skipped or cancelled task can be reopened; this one is done."]
    }
