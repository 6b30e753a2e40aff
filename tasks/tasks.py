"""Background work of tasks: the daily scheduling run (``CELERY_BEAT_SCHEDULE``), one job per workspace."""

from celery import shared_task

from abs_platform.jobs import services as jobs
from abs_platform.tenancy.tasks import for_each_active_tenant, tenant_task

from . import services


@tenant_task(name="tasks.task_schedule", atomic=False, exclusive=True, soft_time_limit=900, time_limit=1000)
def task_schedule(job_id: int | None = None) -> list[dict]:
    """Run the given scheduling job, then any other one of the workspace still queued."""
    if job_id is None:
        return [services.task_schedule()]
    return jobs.jobs_run_queued(
        kind=services.SCHEDULE_JOB_KIND, first_job_id=job_id, run=lambda job: services.task_schedule(job=job)
    )


@shared_task(name="tasks.task_schedule_all")
def task_schedule_all() -> int:
    """Queue one scheduling job per active workspace; how many."""
    return for_each_active_tenant(services.task_schedule_enqueue)
