"""A job whose task raises an error Celery retries (a network error) goes back in the queue for the retry, which
runs it; it fails once the retries are used up, or at once for any other error."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail

from abs_platform.jobs.models import Job, JobStatus
from abs_platform.tenancy.context import workspace_today
from abs_platform.tenancy.tasks import TENANT_TASK_DEFAULTS
from checks import services as check_services
from checks.models import CoverageResult
from checks.tasks import coverage_check
from tasks import services as task_services
from tasks.models import Task
from tasks.tasks import task_schedule
from tests.conftest import as_tenant
from tests.factories import AccountFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db

RESULT = {"accounts": 1, "with_gap": 1, "tasks_opened": 1, "tasks_closed": 0}


@pytest.fixture
def job(tenant_a):
    AccountFactory(tenant=tenant_a, name="Acme", industry="")
    with as_tenant(tenant_a):
        return check_services.coverage_check_enqueue()


def failing(monkeypatch, *errors):
    """Make the coverage check raise ``errors`` on its first calls, then run; the calls that got through."""
    real = check_services.coverage_check
    pending, ran = list(errors), []

    def check(**kwargs):
        if pending:
            raise pending.pop(0)
        ran.append(kwargs["job"].pk)
        return real(**kwargs)

    monkeypatch.setattr(check_services, "coverage_check", check)
    return ran


def run(tenant, job):
    """The task as a worker runs it (eagerly here: Celery applies its retries at once, without their delay)."""
    outcome = coverage_check.apply(args=[tenant.pk], kwargs={"job_id": job.pk})
    with as_tenant(tenant):
        job = Job.objects.get(pk=job.pk)
        effects = (list(CoverageResult.objects.values_list("account__name", "gaps")), Task.objects.count())
    return outcome.state, (job.status, job.attempts, job.error, job.result), effects


def test_a_network_error_once_is_retried_and_the_check_runs_once(monkeypatch, tenant_a, job):
    ran = failing(monkeypatch, ConnectionError("Connection reset by peer"))
    assert run(tenant_a, job) == (
        "SUCCESS",
        (JobStatus.SUCCEEDED, 2, "", RESULT),
        ([("Acme", ["data", "team"])], 1),
    )
    assert ran == [job.pk]


def test_a_network_error_on_every_attempt_fails_the_job_once_the_retries_are_used_up(monkeypatch, tenant_a, job):
    attempts = TENANT_TASK_DEFAULTS["max_retries"] + 1
    ran = failing(monkeypatch, *[TimeoutError(f"attempt {number}") for number in range(1, attempts + 1)])
    assert run(tenant_a, job) == (
        "FAILURE",
        (JobStatus.FAILED, 6, "TimeoutError: attempt 6", {}),
        ([], 0),
    )
    assert ran == []


def test_any_other_error_fails_the_job_at_once(monkeypatch, tenant_a, job):
    failing(monkeypatch, ValueError("a bug"))
    assert run(tenant_a, job) == ("FAILURE", (JobStatus.FAILED, 1, "ValueError: a bug", {}), ([], 0))


def test_a_mail_server_dropping_the_connection_once_delays_the_reminders_without_doubling_them(
    monkeypatch, tenant_a, owner_a
):
    """The task schedule's run is one transaction ending with the mail: the failed attempt leaves nothing."""
    with as_tenant(tenant_a):
        today = workspace_today()
    TaskFactory(tenant=tenant_a, assignee=owner_a, due_on=today - timedelta(days=2))
    with as_tenant(tenant_a):
        job = task_services.task_schedule_enqueue()
    real = task_services.get_connection
    dropped = []

    def drop(messages):
        dropped.append(len(messages))
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def connection():
        backend = real()
        if not dropped:
            backend.send_messages = drop
        return backend

    monkeypatch.setattr(task_services, "get_connection", connection)
    outcome = task_schedule.apply(args=[tenant_a.pk], kwargs={"job_id": job.pk})
    with as_tenant(tenant_a):
        job = Job.objects.get(pk=job.pk)
        became_due = list(Task.objects.values_list("became_due_on", "reminded_on"))
    assert (outcome.state, job.status, job.attempts, job.error, job.result) == (
        "SUCCESS",
        JobStatus.SUCCEEDED,
        2,
        "",
        {"became_due": 1, "reminded": 1, "emails": 1},
    )
    assert became_due == [(today, today)]
    assert dropped == [1]
    assert [message.to for message in mail.outbox] == [["owner_a@example.com"]]
