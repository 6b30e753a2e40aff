"""Background work of the metrics: the daily snapshot fan-out (``CELERY_BEAT_SCHEDULE``) and the per-workspace run."""

from celery import shared_task

from abs_platform.jobs import services as jobs
from abs_platform.tenancy.tasks import for_each_active_tenant, tenant_task

from . import services


@tenant_task(name="metrics.snapshot_take", atomic=False, exclusive=True, soft_time_limit=600, time_limit=660)
def snapshot_take(job_id: int | None = None) -> list[dict]:
    """Take the given snapshot job, then any other one of the workspace still queued."""
    if job_id is None:
        return [services.snapshot_take()]
    return jobs.jobs_run_queued(
        kind=services.SNAPSHOT_JOB_KIND, first_job_id=job_id, run=lambda job: services.snapshot_take(job=job)
    )


@shared_task(name="metrics.snapshot_take_all")
def snapshot_take_all() -> int:
    """Queue one snapshot job per active workspace; how many."""
    return for_each_active_tenant(services.snapshot_enqueue)
