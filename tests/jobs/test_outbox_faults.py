"""Fault tests with real processes: a broker (its own redis-server) stopped during writes, a worker process
killed during an import. What the issue asks: no server error for a committed write, no job lost, no import
stuck, and every job runs once the broker and a worker are back (the outbox and its relay, ADR 0018)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from abs_platform.celery import app
from abs_platform.jobs.models import Job, JobStatus
from abs_platform.jobs.tasks import jobs_relay
from accounts.models import Account, ImportBatch
from tests.accounts.test_import import upload
from tests.conftest import app_connection, as_tenant
from tests.factories import AccountFactory, CriterionFactory, IcpFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 501  # one more than the requests run themselves: a background job


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, what: str, seconds: float = 60):
    """Poll ``condition`` until it returns something truthy (a deadline only so a broken run ends)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Gave up waiting for {what}.")


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)

        def answers():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_for(answers, "redis-server to start")

    def stop(self):
        self.process.terminate()
        self.process.wait()


def use_broker(url: str) -> None:
    """Point the Celery app of this process at another broker: it builds its connection pools again (those of
    the other broker stay open for when it is pointed back)."""
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.update(broker_url=url, broker_read_url=url, broker_write_url=url)


@pytest.fixture
def broker():
    """A redis-server of the test's own, as the broker; the test may stop and start it."""
    server = RedisServer()
    server.start()
    saved = app.conf.broker_url
    use_broker(server.url)
    yield server
    use_broker(saved)
    if server.process.poll() is None:
        server.stop()


def jobs_of(tenant) -> list[tuple]:
    with as_tenant(tenant):
        return list(Job.objects.order_by("id").values_list("kind", "status", "attempts"))


def all_finished(tenant) -> bool:
    with as_tenant(tenant):
        return not Job.objects.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).exists()


def import_file() -> str:
    return "Name,Domain\n" + "".join(f"Co {i},co{i}.example\n" for i in range(ROWS))


def test_writes_while_the_broker_is_down_answer_and_their_jobs_run_once_it_is_back(broker, api_a, tenant_a):
    with as_tenant(tenant_a):
        active = IcpFactory(tenant=tenant_a, version=1, is_active=True)
        CriterionFactory(tenant=tenant_a, icp=active, kind="industry", params={"values": ["Retail"]}, weight=10)
        AccountFactory(tenant=tenant_a, name="Old", industry="Software")
        draft = IcpFactory(tenant=tenant_a, version=2)
        CriterionFactory(tenant=tenant_a, icp=draft, kind="industry", params={"values": ["Software"]}, weight=10)
    broker.stop()

    account = {"name": "Acme", "industry": "Software", "is_target": True}
    created = api_a.post("/api/v1/accounts/", account, format="json")
    activated = api_a.post(f"/api/v1/icps/{draft.pk}/activate/")
    imported = api_a.post("/api/v1/imports/", {"kind": "accounts", "file": upload("a.csv", import_file())})

    assert (created.status_code, activated.status_code, imported.status_code) == (201, 200, 202)
    assert jobs_of(tenant_a) == [
        ("icp.tiers_resuggest", "queued", 0),  # Acme's score (0) can move target accounts between tiers
        ("icp.fit_recompute", "queued", 0),
        ("import", "queued", 0),
    ]
    with as_tenant(tenant_a):
        assert list(Job.objects.values_list("enqueued_at", flat=True)) == [None, None, None]
    assert jobs_relay.apply().get() == 0  # the relay cannot send them either, and keeps them

    broker.start()
    assert jobs_relay.apply().get() == 3
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        wait_for(lambda: all_finished(tenant_a), "the jobs to run")
    assert jobs_of(tenant_a) == [
        ("icp.tiers_resuggest", "succeeded", 0),  # done by the first run that covered it
        ("icp.fit_recompute", "succeeded", 1),
        ("import", "succeeded", 1),
    ]
    with as_tenant(tenant_a):
        assert sorted(Account.objects.filter(name__in=("Old", "Acme")).values_list("name", "fit_score")) == [
            ("Acme", 100),
            ("Old", 100),
        ]
        batch = ImportBatch.objects.get(pk=imported.json()["id"])
        assert (batch.status, batch.report["counts"]["create"]) == ("validated", ROWS)


def worker_process(broker_url: str) -> subprocess.Popen:
    """A real ``celery worker`` on the test database and the given broker."""
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    env = {**os.environ, "DATABASE_URL": database, "CELERY_BROKER_URL": broker_url}
    command = [sys.executable, "-m", "celery", "-A", "abs_platform", "worker", "--pool=solo", "--loglevel=WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(command, cwd=Path(settings.BASE_DIR), env=env, stdout=subprocess.DEVNULL)


@pytest.mark.skipif("postgres" not in os.environ.get("DATABASE_URL", ""), reason="needs PostgreSQL")
def test_a_worker_killed_during_an_import_loses_no_job_and_leaves_no_import_stuck(broker, api_a, tenant_a):
    imported = api_a.post("/api/v1/imports/", {"kind": "accounts", "file": upload("a.csv", import_file())})
    assert imported.status_code == 202
    batch_id, job_id = imported.json()["id"], imported.json()["job"]["id"]

    # Hold the import's row so the worker stops where it records the dry run's result, then kill it there.
    with app_connection() as holder:
        holder.execute("SELECT set_config('app.tenant_id', %s, false)", [str(tenant_a.pk)])
        holder.execute("SELECT 1 FROM accounts_importbatch WHERE id = %s FOR UPDATE", [batch_id])
        worker = worker_process(broker.url)
        try:
            wait_for(lambda: jobs_of(tenant_a) == [("import", "running", 1)] and waiting_for_a_lock(), "the worker")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        holder.rollback()

    assert jobs_of(tenant_a) == [("import", "running", 1)]
    # The killed worker's connection goes, and with it its lock on the job: the relay queues the job again.
    wait_for(lambda: jobs_relay.apply().get() == 1, "the relay to send the job again")
    assert jobs_of(tenant_a) == [("import", "queued", 1)]
    assert api_a.get(f"/api/v1/imports/{batch_id}/").json()["status"] == "validating"

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        wait_for(lambda: all_finished(tenant_a), "the job to run again")
    assert jobs_of(tenant_a) == [("import", "succeeded", 2)]
    answer = api_a.get(f"/api/v1/imports/{batch_id}/").json()
    assert (answer["status"], answer["job"]["id"], answer["counts"]["create"]) == ("validated", job_id, ROWS)
    assert api_a.post(f"/api/v1/imports/{batch_id}/commit/").status_code == 202


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0
