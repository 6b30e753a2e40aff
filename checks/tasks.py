"""Background work of the checks: the daily fan-out (``CELERY_BEAT_SCHEDULE``) and the per-workspace run."""

from celery import shared_task

from abs_platform.jobs import services as jobs
from abs_platform.tenancy.tasks import for_each_active_tenant, tenant_task

from . import services


@tenant_task(name="checks.coverage_check", atomic=False, exclusive=True, soft_time_limit=1800, time_limit=1900)
def coverage_check(job_id: int | None = None) -> list[dict]:
    """Run the given coverage check job, then any other one of the workspace still queued."""
    if job_id is None:
        return [services.coverage_check()]
    return jobs.jobs_run_queued(
        kind=services.COVERAGE_JOB_KIND, first_job_id=job_id, run=lambda job: services.coverage_check(job=job)
    )


@shared_task(name="checks.coverage_check_all")
def coverage_check_all() -> int:
    """Queue one coverage check job per active workspace; how many."""
    return for_each_active_tenant(services.coverage_check_enqueue)


@tenant_task(name="checks.decay_check", atomic=False, exclusive=True, soft_time_limit=1800, time_limit=1900)
def decay_check(job_id: int | None = None) -> list[dict]:
    """Run the given data-decay check job, then any other one of the workspace still queued."""
    if job_id is None:
        return [services.decay_check()]
    return jobs.jobs_run_queued(
        kind=services.DECAY_JOB_KIND, first_job_id=job_id, run=lambda job: services.decay_check(job=job)
    )


@shared_task(name="checks.decay_check_all")
def decay_check_all() -> int:
    """Queue one data-decay check job per active workspace; how many."""
    return for_each_active_tenant(services.decay_check_enqueue)
