"""Background work of planning: the daily review schedule (``CELERY_BEAT_SCHEDULE``), one job per workspace."""

from celery import shared_task

from abs_platform.jobs import services as jobs
from abs_platform.tenancy.tasks import for_each_active_tenant, tenant_task

from . import services


@tenant_task(name="planning.review_schedule", atomic=False, exclusive=True, soft_time_limit=900, time_limit=1000)
def review_schedule(job_id: int | None = None) -> list[dict]:
    """Run the given review-schedule job, then any other one of the workspace still queued."""
    if job_id is None:
        return [services.review_schedule_run()]
    return jobs.jobs_run_queued(
        kind=services.REVIEW_JOB_KIND, first_job_id=job_id, run=lambda job: services.review_schedule_run(job=job)
    )


@shared_task(name="planning.review_schedule_all")
def review_schedule_all() -> int:
    """Queue one review-schedule job per active workspace; how many."""
    return for_each_active_tenant(services.review_schedule_enqueue)
