"""Background work of the ICP: thin tenant tasks that call services."""

from abs_platform.tenancy.tasks import tenant_task

from . import services


@tenant_task(atomic=False, exclusive=True, name="icp.fit_scores_recompute")
def fit_scores_recompute(job_id: int | None = None) -> dict:
    """Every account's fit score against the active ICP, in chunks with progress, then the suggested tiers."""
    return services.fit_scores_run(job_id=job_id)


@tenant_task(atomic=False, exclusive=True, name="icp.tiers_resuggest")
def tiers_resuggest(job_id: int | None = None) -> dict:
    """Suggested (and, where not overridden, effective) tiers after the tiers or a fit score changed."""
    return services.tiers_resuggest_jobs()
