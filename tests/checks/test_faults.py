"""The scheduled checks under faults, with real processes (``pytest -m faults``): a ``celery worker`` subprocess
on the test database and a redis-server of the test's own (broker and cache), so stopping it disturbs no other
test. A worker killed in the middle of a coverage run, Redis stopped for 30 s, beat down over a daily run."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from abs_platform.jobs import services as job_services
from abs_platform.jobs.models import Job, JobStatus
from abs_platform.jobs.tasks import jobs_relay
from checks.models import CoverageResult
from tasks.models import Task, TaskSource
from tests.conftest import app_connection, as_tenant
from tests.factories import AccountFactory
from tests.jobs.test_outbox_faults import RedisServer, use_broker, wait_for, waiting_for_a_lock

pytestmark = [
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("postgres" not in os.environ.get("DATABASE_URL", ""), reason="needs PostgreSQL"),
]

GAPS = ["data", "team"]  # a target account without industry, tier or team
UNCOMMITTED_RESULT = """
    INSERT INTO checks_coverageresult (tenant_id, account_id, checked_at, data_complete, missing_fields,
        firmographics_verified, personas_required, personas_covered, team_complete, missing_roles, gaps,
        created_at, updated_at)
    VALUES (%s, %s, now(), false, '[]', false, 0, 0, false, '[]', '[]', now(), now())
"""


@pytest.fixture
def redis_server(settings):
    """A redis-server of the test's own, as this process's broker and cache."""
    server = RedisServer()
    server.start()
    saved = settings.CELERY_BROKER_URL
    use_broker(server.url)
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": cache_url(server)}}
    yield server
    use_broker(saved)
    if server.process.poll() is None:
        server.stop()


def cache_url(server) -> str:
    return f"redis://127.0.0.1:{server.port}/1"


def start(server, program: str, *options: str) -> subprocess.Popen:
    """``celery worker`` or ``celery beat`` in its own process group, on the test database and ``server``."""
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    env = {**os.environ, "DATABASE_URL": database, "CELERY_BROKER_URL": server.url, "CACHE_URL": cache_url(server)}
    command = [sys.executable, "-m", "celery", "-A", "abs_platform", program, "--loglevel=WARNING", *options]
    return subprocess.Popen(
        command, cwd=Path(settings.BASE_DIR), env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )


def start_worker(server) -> subprocess.Popen:
    """A worker whose pool has one child process: the process that runs the tasks."""
    options = ["--pool=prefork", "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return start(server, "worker", *options)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def pool_child(worker: subprocess.Popen) -> int | None:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    return int(children[0]) if children else None


def jobs_of(tenant) -> list[tuple]:
    with as_tenant(tenant):
        return list(Job.objects.order_by("id").values_list("kind", "status", "attempts"))


def job_status(tenant, job_id) -> str:
    with as_tenant(tenant):
        return Job.objects.get(pk=job_id).status


def coverage(tenant) -> tuple[list, list]:
    """The stored results (account, gaps) and the coverage tasks (account, state)."""
    with as_tenant(tenant):
        results = list(CoverageResult.objects.order_by("account__name").values_list("account__name", "gaps"))
        tasks = list(
            Task.objects.filter(source=TaskSource.COVERAGE)
            .order_by("account__name", "id")
            .values_list("account__name", "state")
        )
    return results, tasks


def relayed_until_finished(tenant, job_id) -> bool:
    """Whether the job finished; else run the relay once, as beat does every minute."""
    if job_status(tenant, job_id) in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return True
    jobs_relay.apply()
    return False


def test_a_worker_killed_in_the_middle_of_a_coverage_run_loses_and_doubles_nothing(redis_server, api_a, tenant_a):
    accounts = [AccountFactory(tenant=tenant_a, name=name, industry="") for name in ("Acme", "Bolt", "Core")]
    worker = start_worker(redis_server)
    try:
        # An uncommitted result for one account: the run's upsert waits for it, in the middle of its transaction.
        with app_connection() as holder:
            holder.execute("SELECT set_config('app.tenant_id', %s, false)", [str(tenant_a.pk)])
            holder.execute(UNCOMMITTED_RESULT, [tenant_a.pk, accounts[0].pk])
            response = api_a.post("/api/v1/checks/coverage/run/")
            assert response.status_code == 202
            job_id = response.json()["id"]
            wait_for(
                lambda: jobs_of(tenant_a) == [("coverage_check", "running", 1)] and waiting_for_a_lock(),
                "the run to start and wait",
            )
            child = pool_child(worker)
            os.kill(child, signal.SIGKILL)
            holder.rollback()
        # The pool starts a new child and the message comes back (acks_late, reject_on_worker_lost); the dead
        # connection took its locks along, so the new child takes the job over (or the relay queues it again).
        wait_for(lambda: relayed_until_finished(tenant_a, job_id), "the run to complete after the kill", 90)
        assert pool_child(worker) not in (None, child)
    finally:
        stop(worker)
    assert jobs_of(tenant_a) == [("coverage_check", "succeeded", 2)]
    job = api_a.get(f"/api/v1/jobs/{job_id}/").json()
    assert job["result"] == {"accounts": 3, "with_gap": 3, "tasks_opened": 3, "tasks_closed": 0}
    assert coverage(tenant_a) == (
        [("Acme", GAPS), ("Bolt", GAPS), ("Core", GAPS)],
        [("Acme", "open"), ("Bolt", "open"), ("Core", "open")],
    )
    with as_tenant(tenant_a):
        assert job_services.jobs_fail_stalled() == 0


def test_with_redis_stopped_for_30_seconds_pages_and_the_api_answer_and_run_now_is_kept_and_runs_after(
    redis_server, client, member_a, api_a, tenant_a
):
    AccountFactory(tenant=tenant_a, name="Acme", industry="")
    client.force_login(member_a)
    worker = start_worker(redis_server)
    try:
        redis_server.stop()
        down_until = time.monotonic() + 30
        answers = set()
        queued = []
        while time.monotonic() < down_until:
            for path in ("/t/alpha/data-health/", "/t/alpha/accounts/", "/t/alpha/api/checks/summary/"):
                answers.add((path, client.get(path).status_code))
            answers.add(("api", api_a.get("/api/v1/checks/coverage/").status_code))
            if not queued:
                run_now = api_a.post("/api/v1/checks/coverage/run/")
                queued.append((run_now.status_code, run_now.json()["status"]))
            time.sleep(1)
        assert answers == {
            ("/t/alpha/data-health/", 200),
            ("/t/alpha/accounts/", 200),
            ("/t/alpha/api/checks/summary/", 200),
            ("api", 200),
        }
        # "Run now" answered with its job queued in the outbox: not sent, kept.
        assert queued == [(202, "queued")]
        with as_tenant(tenant_a):
            job = Job.objects.get()
            assert (job.status, job.enqueued_at) == (JobStatus.QUEUED, None)
        assert jobs_relay.apply().get() == 0  # the relay cannot send it either, and keeps it

        redis_server.start()
        wait_for(lambda: relayed_until_finished(tenant_a, job.pk), "the relay to send the run and the worker to run it")
        assert worker.poll() is None  # the worker outlived the outage
    finally:
        stop(worker)
    assert jobs_of(tenant_a) == [("coverage_check", "succeeded", 1)]
    assert coverage(tenant_a) == ([("Acme", GAPS)], [("Acme", "open")])
    assert client.get("/t/alpha/data-health/").status_code == 200


def test_a_daily_run_missed_while_beat_was_down_runs_once_beat_is_back(redis_server, tenant_a):
    AccountFactory(tenant=tenant_a, name="Acme", industry="")
    daily = CrontabSchedule.objects.create(minute="0", hour="2", timezone="UTC")
    PeriodicTask.objects.create(
        name="checks-coverage",
        task="checks.coverage_check_all",
        crontab=daily,
        last_run_at=timezone.now() - timedelta(days=2),  # beat was down over yesterday's 02:00
    )
    worker, beat = start_worker(redis_server), start(redis_server, "beat")
    try:
        wait_for(lambda: jobs_of(tenant_a) == [("coverage_check", "succeeded", 1)], "the missed run", 90)
    finally:
        stop(beat)
        stop(worker)
    caught_up = PeriodicTask.objects.get(name="checks-coverage")
    assert caught_up.total_run_count == 1  # once, not once per missed day
    assert coverage(tenant_a) == ([("Acme", GAPS)], [("Acme", "open")])
