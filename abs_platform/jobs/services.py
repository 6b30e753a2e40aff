"""Job bookkeeping. Progress is written in its own short transaction so that pages polling it see it."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from abs_platform.tenancy.context import get_current_tenant
from abs_platform.tenancy.db import tenant_transaction

from .models import Job, JobStatus


def job_create(*, kind: str, total: int = 0) -> Job:
    with tenant_transaction(get_current_tenant()):
        return Job.objects.create(kind=kind, total=total)


def job_start(*, job: Job, total: int | None = None) -> Job:
    fields = {"status": JobStatus.RUNNING, "started_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    return _update(job, **fields)


def job_progress(*, job: Job, done: int) -> Job:
    return _update(job, done=done)


def job_succeed(*, job: Job, result: dict | None = None) -> Job:
    return _update(job, status=JobStatus.SUCCEEDED, done=job.total, result=result or {}, finished_at=timezone.now())


def job_fail(*, job: Job, error: str) -> Job:
    return _update(job, status=JobStatus.FAILED, error=error[:5000], finished_at=timezone.now())


# A running job reports progress after every chunk (seconds apart). One silent for longer than the broker's
# redelivery delay (Redis visibility_timeout, 2 h) lost its worker and was not picked up again.
STALLED_AFTER = timedelta(hours=3)
NEVER_STARTED_AFTER = timedelta(hours=24)
STALLED_ERROR = "The worker running this job stopped: no progress for 3 hours. Start it again."
NEVER_STARTED_ERROR = "No worker picked this job up within 24 hours. Start it again."


def jobs_fail_stalled(*, now=None) -> int:
    """Mark the current workspace's jobs whose worker was lost (running, silent for ``STALLED_AFTER``) or that
    no worker ever started (queued for ``NEVER_STARTED_AFTER``) as failed, saying why; how many."""
    now = now or timezone.now()
    failed = {"status": JobStatus.FAILED, "finished_at": now, "updated_at": now}
    with tenant_transaction(get_current_tenant()):
        stalled = Job.objects.filter(status=JobStatus.RUNNING, updated_at__lt=now - STALLED_AFTER).update(
            **failed, error=STALLED_ERROR
        )
        never_started = Job.objects.filter(status=JobStatus.QUEUED, created_at__lt=now - NEVER_STARTED_AFTER).update(
            **failed, error=NEVER_STARTED_ERROR
        )
    return stalled + never_started


def _update(job: Job, **fields) -> Job:
    with tenant_transaction(get_current_tenant()):
        Job.objects.filter(pk=job.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(job, name, value)
    return job


def on_commit_enqueue(task, *args) -> None:
    """Enqueue after the surrounding transaction commits, so the worker sees the rows it needs."""
    transaction.on_commit(lambda: task.delay(*args))


def on_commit_enqueue_once(task, *args) -> None:
    """Like ``on_commit_enqueue``, but once per transaction for the same task and arguments: a request that
    changes several things asks for one run. (A savepoint rolled back takes its callbacks along, so a later
    call in the transaction registers the callback again.)"""
    key = (task.name, args)
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(callback, "enqueue_key", None) == key for _, callback, *_ in connection.run_on_commit
    ):
        return

    def enqueue():
        task.delay(*args)

    enqueue.enqueue_key = key
    transaction.on_commit(enqueue)
