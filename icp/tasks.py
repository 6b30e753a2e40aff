"""Background work of the ICP: thin tenant tasks that call services."""

from celery import shared_task

from abs_platform.jobs import services as jobs
from abs_platform.tenancy.tasks import for_each_active_tenant, tenant_task

from . import selectors, services


@tenant_task(atomic=False, exclusive=True, name="icp.fit_scores_recompute")
def fit_scores_recompute(job_id: int | None = None) -> dict:
    """Every account's fit score against the active ICP, in chunks with progress, then the suggested tiers."""
    return services.fit_scores_run(job_id=job_id)


@tenant_task(atomic=False, exclusive=True, name="icp.tiers_resuggest")
def tiers_resuggest(job_id: int | None = None) -> dict:
    """Suggested (and, where not overridden, effective) tiers after the tiers or a fit score changed."""
    return services.tiers_resuggest_jobs()


@tenant_task(atomic=False, exclusive=True, name="icp.fit_scores_age", soft_time_limit=1800, time_limit=1900)
def fit_scores_age(job_id: int | None = None) -> list[dict]:
    """Rescore the accounts whose trigger events aged since the last run (the given job, then any other queued)."""
    if job_id is None:
        job_id = jobs.job_create(kind=selectors.AGING_JOB_KIND).pk
    return jobs.jobs_run_queued(
        kind=selectors.AGING_JOB_KIND, first_job_id=job_id, run=lambda job: services.fit_scores_age(job=job)
    )


@shared_task(name="icp.fit_scores_age_all")
def fit_scores_age_all() -> int:
    """Queue one aging rescoring job per active workspace; how many."""
    return for_each_active_tenant(services.fit_aging_enqueue)
