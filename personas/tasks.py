"""Background work of personas: thin tenant tasks calling services."""

from abs_platform.tenancy.tasks import tenant_task

from . import services


@tenant_task(atomic=False, exclusive=True)
def personas_rematch(job_id: int | None = None) -> list[dict]:
    """Re-match automatically matched contacts to personas (chunked, with job progress)."""
    return services.run_rematch_jobs(job_id)
