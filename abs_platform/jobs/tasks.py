"""The periodic relay of the job outbox and clean-up of job runs whose worker was lost (``CELERY_BEAT_SCHEDULE``
in settings)."""

from celery import shared_task
from celery.utils.log import get_task_logger

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import ops_transaction
from abs_platform.tenancy.models import Tenant

from . import services
from .models import Job, JobStatus

logger = get_task_logger(__name__)


@shared_task(name="jobs.fail_stalled")
def jobs_fail_stalled() -> int:
    """``services.jobs_fail_stalled`` in every active workspace, one short transaction each; how many failed."""
    total = 0
    for tenant in Tenant.objects.filter(is_active=True).order_by("id"):
        with tenant_context(tenant):
            failed = services.jobs_fail_stalled()
        if failed:
            logger.warning("Marked %s stalled job(s) of workspace %s as failed.", failed, tenant.slug)
        total += failed
    return total


@shared_task(name="jobs.relay")
def jobs_relay() -> int:
    """``services.jobs_relay`` in every active workspace with a queued or running job; how many were sent."""
    with ops_transaction():
        tenant_ids = set(
            Job.all_tenants.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
            .exclude(task="")
            .values_list("tenant_id", flat=True)
        )
    total = 0
    for tenant in Tenant.objects.filter(pk__in=tenant_ids, is_active=True).order_by("id"):
        with tenant_context(tenant):
            total += services.jobs_relay()
    return total
