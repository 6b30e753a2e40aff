"""Demo tasks: every member who can own work gets overdue, today's, coming and done tasks (with outcomes)."""

from datetime import timedelta

import pytest

from abs_platform.tenancy.context import workspace_today
from accounts.models import Activity
from tasks.demo import load_demo
from tasks.models import Task, TaskState
from tasks.selectors import my_day
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_demo_tasks_make_my_day_alive_and_load_once(tenant_a, owner_a, member_a, viewer_a):
    for _ in range(5):
        ContactFactory(tenant=tenant_a, account=AccountFactory(tenant=tenant_a))
    assert load_demo(tenant_a, seed=23) == 28  # 14 for each of the two members who can own work
    with as_tenant(tenant_a):
        today = workspace_today()
        day = my_day(owner_a, today)
        assert (len(day.overdue), len(day.due_today), len(day.upcoming)) == (3, 3, 3)
        assert not Task.objects.filter(assignee=viewer_a).exists()
        done = Task.objects.filter(state=TaskState.DONE)
        assert done.count() == 8
        assert not done.filter(activity=None).exists()
        assert Activity.objects.exclude(outcome="").count() == 8
        assert Task.objects.filter(state=TaskState.OPEN, due_on=today + timedelta(days=6)).count() == 2
    assert load_demo(tenant_a, seed=23) == 0
