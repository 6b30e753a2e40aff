"""Job runs whose worker was lost do not stay "running" (or "queued") for ever: the periodic clean-up fails them
with a reason, in every active workspace."""

from datetime import timedelta

import pytest
from django.utils import timezone

from abs_platform.celery import app
from abs_platform.jobs import services
from abs_platform.jobs.models import Job, JobStatus
from abs_platform.jobs.tasks import jobs_fail_stalled
from tests.conftest import as_tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def job(tenant, name: str, status: str, *, created_hours_ago: float, updated_hours_ago: float) -> int:
    now = timezone.now()
    with as_tenant(tenant):
        created = Job.objects.create(kind=name, status=status)
        Job.objects.filter(pk=created.pk).update(
            created_at=now - timedelta(hours=created_hours_ago), updated_at=now - timedelta(hours=updated_hours_ago)
        )
    return created.pk


def states(tenant) -> dict[str, tuple[str, str, bool]]:
    with as_tenant(tenant):
        return {
            kind: (status, error, finished_at is not None)
            for kind, status, error, finished_at in Job.objects.values_list("kind", "status", "error", "finished_at")
        }


def test_stalled_and_never_started_jobs_fail_with_a_reason_in_every_active_workspace(tenant_a, tenant_b):
    job(tenant_a, "lost", JobStatus.RUNNING, created_hours_ago=5, updated_hours_ago=4)
    job(tenant_a, "working", JobStatus.RUNNING, created_hours_ago=5, updated_hours_ago=1)
    job(tenant_a, "never started", JobStatus.QUEUED, created_hours_ago=25, updated_hours_ago=25)
    job(tenant_a, "waiting", JobStatus.QUEUED, created_hours_ago=2, updated_hours_ago=2)
    job(tenant_a, "done", JobStatus.SUCCEEDED, created_hours_ago=48, updated_hours_ago=48)
    job(tenant_b, "lost", JobStatus.RUNNING, created_hours_ago=4, updated_hours_ago=3.5)
    closed = TenantFactory(name="Closed", slug="closed", is_active=False)
    job(closed, "lost", JobStatus.RUNNING, created_hours_ago=9, updated_hours_ago=9)

    assert jobs_fail_stalled.apply().get() == 3

    assert states(tenant_a) == {
        "lost": ("failed", services.STALLED_ERROR, True),
        "working": ("running", "", False),
        "never started": ("failed", services.NEVER_STARTED_ERROR, True),
        "waiting": ("queued", "", False),
        "done": ("succeeded", "", False),
    }
    assert states(tenant_b) == {"lost": ("failed", services.STALLED_ERROR, True)}
    assert states(closed) == {"lost": ("running", "", False)}
    assert jobs_fail_stalled.apply().get() == 0


def test_the_clean_up_is_scheduled_every_ten_minutes():
    assert app.conf.beat_schedule["jobs-fail-stalled"] == {"task": "jobs.fail_stalled", "schedule": 600.0}
    assert "jobs.fail_stalled" in app.tasks
