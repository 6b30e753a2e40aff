"""The periodic clean-up of job runs whose worker was lost (``CELERY_BEAT_SCHEDULE`` in settings)."""

from celery import shared_task
from celery.utils.log import get_task_logger

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.models import Tenant

from . import services

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
