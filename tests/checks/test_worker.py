"""A coverage check asked for through the API runs on a real Celery worker (the broker of `make test`), and its
job row shows the run: started, finished, succeeded, the counts."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from abs_platform.celery import app
from abs_platform.jobs.models import Job, JobStatus
from checks.models import CoverageResult
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db(transaction=True)


def finished(tenant, job_id) -> bool:
    with as_tenant(tenant):
        return Job.objects.get(pk=job_id).is_finished


def test_a_coverage_check_runs_on_the_worker_and_its_job_records_the_run(api_a, tenant_a):
    AccountFactory(tenant=tenant_a, name="Acme", industry="")
    response = api_a.post("/api/v1/checks/coverage/run/")
    assert response.status_code == 202
    job_id = response.json()["id"]
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        deadline = time.monotonic() + 60  # only so a broken run ends
        while not finished(tenant_a, job_id) and time.monotonic() < deadline:
            time.sleep(0.1)
    job = api_a.get(response["Location"]).json()
    assert (job["status"], job["result"], job["attempts"]) == (
        JobStatus.SUCCEEDED,
        {"accounts": 1, "with_gap": 1, "tasks_opened": 1, "tasks_closed": 0},
        1,
    )
    assert job["started_at"] is not None and job["finished_at"] is not None
    with as_tenant(tenant_a):
        # No tier: no committee is required, so no persona gap.
        assert list(CoverageResult.objects.values_list("account__name", "gaps")) == [("Acme", ["data", "team"])]
