"""Celery tasks of accounts: thin wrappers around the services, run for one tenant."""

from abs_platform.jobs.services import job_fail, job_progress, job_running, job_start, job_succeed
from abs_platform.tenancy.context import get_current_tenant
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.tasks import tenant_task

from . import imports
from .models import ImportBatch, ImportStatus

IMPORT_JOB_KIND = "import"


@tenant_task(atomic=False)
def import_batch_run(batch_id: int, phase: str, job_id: int) -> dict:
    """The dry run or the commit of a large import, with progress on its job.

    Not one transaction as a whole: the planning reads in short transactions and reports progress as it goes;
    the write phase of a commit is one transaction (see ``imports.batch_commit``). Runs once per job: a second
    message for it (redelivered, or sent again by the relay) does nothing.
    """
    with job_running(job_id) as job:
        if job is None:
            return {"skipped": job_id}
        return _run(job, batch_id, phase)


def _run(job, batch_id: int, phase: str) -> dict:
    with tenant_transaction(get_current_tenant()):
        batch = ImportBatch.objects.filter(pk=batch_id).first()
    running, finished = (
        (ImportStatus.COMMITTING, ImportStatus.COMMITTED)
        if phase == "commit"
        else (ImportStatus.VALIDATING, ImportStatus.VALIDATED)
    )
    if batch is not None and batch.status == finished:  # a lost worker finished the phase before it went
        counts = batch.report.get("counts", {})
        job_succeed(job=job, result={"phase": phase, "batch": batch.pk, **counts})
        return counts
    if batch is None or batch.status != running:
        job_fail(job=job, error=imports.DELETED_ERROR if batch is None else f"The import is {batch.status}.")
        return {"skipped": job.pk}
    job_start(job=job, total=2 * batch.row_count)

    def progress(done: int) -> None:
        job_progress(job=job, done=done)

    try:
        if phase == "commit":
            batch = imports.batch_commit(batch=batch, progress=progress)
        else:
            batch = imports.batch_dry_run(batch=batch, progress=progress)
    except Exception as error:
        message = str(error) or type(error).__name__
        if batch.status != ImportStatus.FAILED:
            imports.batch_fail(batch=batch, error=message)
        job_fail(job=job, error=message)
        if isinstance(error, (imports.ImportCommitError, imports.ImportFileError, imports.ImportMappingError)):
            return {"error": message}
        raise
    counts = batch.report.get("counts", {})
    job_succeed(job=job, result={"phase": phase, "batch": batch.pk, **counts})
    return counts
