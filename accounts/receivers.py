"""Receivers of signals from lower layers."""

from django.dispatch import receiver

from abs_platform.jobs.services import job_failed

from . import imports


@receiver(job_failed, dispatch_uid="accounts_imports_follow_jobs")
def _imports_follow_failed_jobs(sender, job_ids, error, **kwargs):
    imports.batches_fail_with_jobs(job_ids=job_ids, error=error)
