"""A message delivered again (its worker process died: ``reject_on_worker_lost``) takes over the running job whose
worker's lock went with its connection, while the job has starts left; never one whose worker is alive
(ADR 0032)."""

import os

import pytest

from abs_platform.jobs import services
from abs_platform.jobs.models import JobStatus
from tests.conftest import app_connection, as_tenant
from tests.jobs.test_relay import make_job

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("postgres" not in os.environ.get("DATABASE_URL", ""), reason="needs PostgreSQL"),
]


def claim(tenant, job_id):
    with as_tenant(tenant), services.job_running(job_id) as job:
        return None if job is None else (job.status, job.attempts)


def test_a_running_job_whose_worker_is_gone_is_taken_over_while_it_has_starts_left(tenant_a):
    lost = make_job(tenant_a, "lost", JobStatus.RUNNING, attempts=1)
    lost_twice = make_job(tenant_a, "lost twice", JobStatus.RUNNING, attempts=2)
    lost_thrice = make_job(tenant_a, "lost thrice", JobStatus.RUNNING, attempts=3)
    assert claim(tenant_a, lost) == (JobStatus.RUNNING, 2)
    assert claim(tenant_a, lost_twice) == (JobStatus.RUNNING, 3)
    assert claim(tenant_a, lost_thrice) is None  # the relay fails it


def test_a_running_job_whose_worker_holds_its_lock_is_not_taken(tenant_a):
    alive = make_job(tenant_a, "alive", JobStatus.RUNNING, attempts=1)
    with app_connection(autocommit=True) as worker:
        worker.execute("SELECT pg_advisory_lock(%s::bigint)", [alive])
        assert claim(tenant_a, alive) is None
        # Released here, not by closing: a closed connection's backend lets go of its locks a moment later.
        worker.execute("SELECT pg_advisory_unlock(%s::bigint)", [alive])
        assert claim(tenant_a, alive) == (JobStatus.RUNNING, 2)


def test_a_finished_job_is_not_run_again(tenant_a):
    done = make_job(tenant_a, "done", JobStatus.SUCCEEDED, attempts=1)
    assert claim(tenant_a, done) is None
