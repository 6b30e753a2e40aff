"""Job bookkeeping. Progress is written in its own short transaction so that pages polling it see it."""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from celery import current_app
from django.db import connection, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone

from abs_platform.tenancy.context import get_current_tenant, tenant_context
from abs_platform.tenancy.db import advisory_lock, is_postgresql, tenant_transaction

from .models import Job, JobStatus

logger = logging.getLogger(__name__)

# Sent with ``job_ids`` and ``error`` when jobs are marked failed, so what a job runs for (an import) follows it.
job_failed = Signal()


def job_create(*, kind: str, total: int = 0, task=None, args=(), once: bool = False) -> Job | None:
    """A job run, in the caller's transaction. With ``task`` it is also the outbox entry of
    ``task(tenant_id, *args, job_id=<its id>)``: sent to the broker once the transaction commits (a broker
    that cannot take it does not fail the request), and again by the relay until a worker claims it. With
    ``once``, a second call in the same transaction for the same task and arguments returns None: a request
    that changes several things asks for one run. (A savepoint rolled back takes its job and callback along.)"""
    tenant = get_current_tenant()
    key = (task.name if task else "", tuple(args))
    if once and _pending_send(key):
        return None
    with tenant_transaction(tenant):
        job = Job.objects.create(kind=kind, total=total, task=key[0], args=list(args))
    if task is not None:

        def send():
            with tenant_context(tenant):
                job_send(job)

        send.enqueue_key = key
        transaction.on_commit(send)
    return job


def _pending_send(key) -> bool:
    return connection.in_atomic_block and any(
        getattr(callback, "enqueue_key", None) == key for _, callback, *_ in connection.run_on_commit
    )


def job_send(job: Job) -> bool:
    """Hand the job's task to the broker; whether it took it. Failing is logged, not raised: the job stays
    queued and the relay sends it again."""
    if job.task not in current_app.tasks:  # a process that has not imported the apps' tasks (a shell, a command)
        current_app.loader.import_default_modules()
    try:
        current_app.tasks[job.task].apply_async(args=[job.tenant_id, *job.args], kwargs={"job_id": job.pk}, retry=False)
    except Exception as error:
        logger.warning("Job %s (%s) not sent, the relay will retry: %s", job.pk, job.task, error)
        return False
    with tenant_transaction(get_current_tenant()):
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(enqueued_at=timezone.now())
    return True


@contextmanager
def job_running(job_id: int):
    """Claim a queued job for this worker: yields it, marked running, or None when it is finished or another
    worker has it (a message delivered twice). On PostgreSQL the worker holds an advisory lock on the job
    until the block ends; the relay takes a job whose lock is free for one whose worker was lost, and so does
    this: a message the broker delivers again after its worker died (``reject_on_worker_lost``) takes over a
    running job whose lock it got, while the job has attempts left (then the relay fails it)."""
    with _job_lock(job_id) as locked:
        job = None
        if locked:
            now = timezone.now()
            claimable = Q(status=JobStatus.QUEUED)
            if is_postgresql():
                claimable |= Q(status=JobStatus.RUNNING, attempts__lt=MAX_ATTEMPTS)
            with tenant_transaction(get_current_tenant()):
                claimed = Job.objects.filter(claimable, pk=job_id).update(
                    status=JobStatus.RUNNING, started_at=now, updated_at=now, attempts=F("attempts") + 1, done=0
                )
                job = Job.objects.get(pk=job_id) if claimed else None
        yield job


def _job_lock(job_id: int):
    """Held while the worker's connection lives, so a killed worker's lock goes with its connection."""
    return advisory_lock(job_id)


def jobs_run_queued(*, kind: str, first_job_id: int, run: Callable[[Job], dict]) -> list[dict]:
    """``run`` the given job of ``kind``, then every other one still queued (their own tasks found this run in
    progress and skipped): each claimed once (``job_running``). A run that raises puts its job back in the queue,
    saying why, when the Celery task will retry it (``will_retry``), else fails it; and raises again. Call
    without a transaction; returns each run's result."""
    results = []
    job_id = first_job_id
    while job_id is not None:
        with job_running(job_id) as job:
            if job is not None and job.kind == kind:  # else finished, or another run has it
                try:
                    results.append(run(job))
                except Exception as error:
                    message = f"{type(error).__name__}: {error}"
                    if will_retry(error):
                        job_requeue(job=job, error=message)
                    else:
                        job_fail(job=job, error=message)
                    raise
        with tenant_transaction(get_current_tenant()):
            job_id = (
                Job.objects.filter(kind=kind, status=JobStatus.QUEUED)
                .order_by("id")
                .values_list("pk", flat=True)
                .first()
            )
    return results


def will_retry(error: Exception) -> bool:
    """Whether the Celery task running now retries after ``error``: its ``autoretry_for`` takes it (and its
    ``dont_autoretry_for`` does not) and it has retries left. A task called as a function is never retried."""
    task = current_app.current_task
    if task is None or task.request.called_directly:
        return False
    if not isinstance(error, tuple(getattr(task, "autoretry_for", ()))):
        return False
    if isinstance(error, tuple(getattr(task, "dont_autoretry_for", ()))):
        return False
    return task.max_retries is None or task.request.retries < task.max_retries


def job_requeue(*, job: Job, error: str) -> Job:
    """Back in the queue for the retry its task sends, with the error of the attempt that failed; the relay sends
    it again if that retry is lost."""
    logger.warning("Job %s (%s) failed and is retried: %s", job.pk, job.task, error)
    return _update(job, status=JobStatus.QUEUED, done=0, error=error[:5000], enqueued_at=timezone.now())


def job_start(*, job: Job, total: int | None = None) -> Job:
    fields = {"status": JobStatus.RUNNING, "started_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    return _update(job, **fields)


def job_progress(*, job: Job, done: int) -> Job:
    return _update(job, done=done)


def job_succeed(*, job: Job, result: dict | None = None) -> Job:
    return _update(
        job, status=JobStatus.SUCCEEDED, done=job.total, result=result or {}, error="", finished_at=timezone.now()
    )


def jobs_succeed(*, job_ids, result: dict) -> None:
    """Mark the given jobs done by a run that covered them (those another run claimed meanwhile are left)."""
    now = timezone.now()
    with tenant_transaction(get_current_tenant()):
        Job.objects.filter(pk__in=job_ids, status=JobStatus.QUEUED).update(
            status=JobStatus.SUCCEEDED, result=result, error="", started_at=now, finished_at=now, updated_at=now
        )


def job_fail(*, job: Job, error: str) -> Job:
    job = _update(job, status=JobStatus.FAILED, error=error[:5000], finished_at=timezone.now())
    job_failed.send(sender=Job, job_ids=[job.pk], error=job.error)
    return job


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
    count = 0
    with tenant_transaction(get_current_tenant()):
        for jobs, error in (
            (Job.objects.filter(status=JobStatus.RUNNING, updated_at__lt=now - STALLED_AFTER), STALLED_ERROR),
            (
                Job.objects.filter(status=JobStatus.QUEUED, created_at__lt=now - NEVER_STARTED_AFTER),
                NEVER_STARTED_ERROR,
            ),
        ):
            ids = list(jobs.select_for_update().values_list("pk", flat=True))
            if ids:
                Job.objects.filter(pk__in=ids).update(**failed, error=error)
                job_failed.send(sender=Job, job_ids=ids, error=error)
            count += len(ids)
    return count


# The relay: sends what the broker never took or lost, and requeues jobs whose worker was lost.
RESEND_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3
LOST_WORKER_ERROR = "The worker running this job stopped 3 times. Start it again."


def jobs_relay(*, now=None) -> int:
    """Send the current workspace's queued jobs not yet taken by the broker (or sent ``RESEND_AFTER`` ago and
    still queued: a lost message), after putting back in the queue the running jobs whose worker is gone
    (their advisory lock is free; PostgreSQL only). A job is claimed once, so a second message for it is
    harmless. How many were sent."""
    tenant = get_current_tenant()
    now = now or timezone.now()
    if is_postgresql():
        with tenant_transaction(tenant):
            running = list(Job.objects.filter(status=JobStatus.RUNNING).exclude(task="").values_list("pk", flat=True))
        for job_id in running:
            _requeue_if_lost(job_id)
    with tenant_transaction(tenant):
        due = list(
            Job.objects.filter(status=JobStatus.QUEUED)
            .exclude(task="")
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - RESEND_AFTER))
            .order_by("id")
        )
    return sum(job_send(job) for job in due)


def _requeue_if_lost(job_id: int) -> None:
    with _job_lock(job_id) as free:
        if not free:
            return  # its worker holds the lock: alive
        with tenant_transaction(get_current_tenant()):
            job = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).select_for_update().first()
            if job is None:
                return
            if job.attempts < MAX_ATTEMPTS:
                Job.objects.filter(pk=job_id).update(
                    status=JobStatus.QUEUED, done=0, enqueued_at=None, updated_at=timezone.now()
                )
                logger.warning("Job %s (%s) lost its worker; queued again.", job_id, job.task)
                return
        job_fail(job=job, error=LOST_WORKER_ERROR)


def _update(job: Job, **fields) -> Job:
    with tenant_transaction(get_current_tenant()):
        Job.objects.filter(pk=job.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(job, name, value)
    return job
