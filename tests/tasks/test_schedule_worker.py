"""Beat's daily entries fan out one job per active workspace, and a real Celery worker (the broker of
`make test`) runs them: each job row records the run and its counts, and a second day's run the same day
changes nothing."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from abs_platform.celery import app
from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import workspace_today
from accounts.models import Account
from icp.tasks import fit_scores_age_all
from planning.tasks import review_schedule_all
from tasks.models import Task
from tasks.tasks import task_schedule_all
from tests.conftest import as_tenant
from tests.factories import AccountFactory, TierFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db(transaction=True)
FAN_OUTS = (fit_scores_age_all, review_schedule_all, task_schedule_all)  # in the order of their beat times


def run_day(tenant) -> list[tuple]:
    """Fan out as beat does, each entry's jobs run by a worker before the next; this day's jobs' (kind, status,
    result) in that order."""
    with as_tenant(tenant):
        before = Job.objects.count()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        for fan_out in FAN_OUTS:
            assert fan_out.run() == 1
            deadline = time.monotonic() + 90  # only so a broken run ends
            while time.monotonic() < deadline:
                with as_tenant(tenant):
                    if not Job.objects.exclude(status__in=("succeeded", "failed")).exists():
                        break
                time.sleep(0.2)
    with as_tenant(tenant):
        return list(Job.objects.order_by("id").values_list("kind", "status", "result"))[before:]


def test_the_daily_entries_run_per_workspace_on_a_real_worker(tenant_a, tenant_b, owner_a):
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} >= {
        "tasks.task_schedule_all",
        "planning.review_schedule_all",
        "icp.fit_scores_age_all",
    }
    tenant_b.is_active = False
    tenant_b.save()
    with as_tenant(tenant_a):
        today = workspace_today()
    TaskFactory(tenant=tenant_a, title="Call back", assignee=owner_a, due_on=today - timedelta(days=1))
    tier = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    account = AccountFactory(tenant=tenant_a, name="Acme", tier=tier, owner=owner_a)
    with as_tenant(tenant_a):
        Account.objects.filter(pk=account.pk).update(created_at=datetime(2024, 1, 10, 12, tzinfo=UTC))

    day = today.isoformat()
    # The review task (owner_a's: Acme has no team) was due a month after Acme was created: due and overdue.
    assert run_day(tenant_a) == [
        ("icp.fit_aging", "succeeded", {"day": day, "accounts": 0, "changed": 0}),
        ("review_schedule", "succeeded", {"due": 1, "tasks_opened": 1, "tasks_closed": 0}),
        ("task_schedule", "succeeded", {"became_due": 2, "reminded": 2, "emails": 1}),
    ]
    assert [message.to for message in mail.outbox] == [["owner_a@example.com"]]

    assert run_day(tenant_a) == [
        ("icp.fit_aging", "succeeded", {"day": day, "accounts": 0, "changed": 0}),
        ("review_schedule", "succeeded", {"due": 1, "tasks_opened": 0, "tasks_closed": 0}),
        ("task_schedule", "succeeded", {"became_due": 0, "reminded": 0, "emails": 0}),
    ]
    assert len(mail.outbox) == 1
    with as_tenant(tenant_a):
        assert sorted(Task.objects.values_list("title", "due_on", "became_due_on")) == [
            ("Call back", today - timedelta(days=1), today),
            ("Hold the account review of Acme", date(2024, 2, 10), today),
        ]
    with as_tenant(tenant_b):
        assert Job.objects.count() == 0
