"""The relay of the job outbox: what it sends again, requeues or gives up on (ADR 0018)."""

import base64
import json
import os
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from abs_platform.celery import app
from abs_platform.jobs import services
from abs_platform.jobs.models import Job, JobStatus
from abs_platform.jobs.tasks import jobs_relay
from tests.conftest import app_connection, as_tenant
from tests.jobs.test_outbox_faults import broker  # noqa: F401 (a broker of the test's own)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("postgres" not in os.environ.get("DATABASE_URL", ""), reason="needs PostgreSQL"),
]


def make_job(tenant, kind: str, status: str, *, attempts: int = 0, enqueued_minutes_ago: float | None = None) -> int:
    enqueued_at = timezone.now() - timedelta(minutes=enqueued_minutes_ago) if enqueued_minutes_ago else None
    with as_tenant(tenant):
        job = Job.objects.create(
            kind=kind, status=status, task="icp.fit_scores_recompute", attempts=attempts, enqueued_at=enqueued_at
        )
    return job.pk


def test_the_relay_sends_requeues_and_gives_up_as_it_should(broker, tenant_a):  # noqa: F811
    never_sent = make_job(tenant_a, "never sent", JobStatus.QUEUED)
    lost_message = make_job(tenant_a, "lost message", JobStatus.QUEUED, enqueued_minutes_ago=11)
    waiting = make_job(tenant_a, "waiting", JobStatus.QUEUED, enqueued_minutes_ago=2)
    make_job(tenant_a, "worker lost", JobStatus.RUNNING, attempts=1)
    make_job(tenant_a, "worker lost thrice", JobStatus.RUNNING, attempts=3)
    alive = make_job(tenant_a, "worker alive", JobStatus.RUNNING, attempts=1)
    with app_connection(autocommit=True) as worker:
        worker.execute("SELECT pg_advisory_lock(%s::bigint)", [alive])  # as a running worker holds it
        assert jobs_relay.apply().get() == 3

    with as_tenant(tenant_a):
        jobs = {job.kind: job for job in Job.objects.all()}
    assert {kind: (job.status, job.attempts, job.error) for kind, job in jobs.items()} == {
        "never sent": ("queued", 0, ""),
        "lost message": ("queued", 0, ""),
        "waiting": ("queued", 0, ""),
        "worker lost": ("queued", 1, ""),
        "worker lost thrice": ("failed", 3, services.LOST_WORKER_ERROR),
        "worker alive": ("running", 1, ""),
    }
    assert sorted(sent_job_ids(broker)) == sorted([never_sent, lost_message, jobs["worker lost"].pk])
    assert waiting not in sent_job_ids(broker)


def sent_job_ids(broker) -> list[int]:  # noqa: F811
    """The ``job_id`` of every message waiting in the broker (Celery's message: a base64 JSON body
    ``[args, kwargs, embed]``)."""
    messages = redis.Redis(port=broker.port).lrange("celery", 0, -1)
    return [json.loads(base64.b64decode(json.loads(message)["body"]))[1]["job_id"] for message in messages]


def test_the_relay_runs_every_minute():
    assert app.conf.beat_schedule["jobs-relay"] == {"task": "jobs.relay", "schedule": 60.0}
    assert "jobs.relay" in app.tasks
