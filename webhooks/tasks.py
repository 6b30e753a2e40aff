"""Sending webhooks: one task per delivery attempt, and the periodic send (``CELERY_BEAT_SCHEDULE``) of what is
due — retries, deliveries whose task was lost — which also disables endpoints failing for 24 h."""

import uuid

from celery import shared_task
from django.utils import timezone

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import ops_transaction
from abs_platform.tenancy.models import Tenant
from abs_platform.tenancy.tasks import tenant_task

from . import services
from .models import OPEN_STATES, WebhookDelivery, WebhookEndpoint


@tenant_task(name="webhooks.deliver", atomic=False, soft_time_limit=60, time_limit=90)
def deliver(delivery_id: int, claim: str) -> int | None:
    """One attempt of the delivery, if this task still holds its claim; the attempt's number."""
    attempt = services.delivery_attempt(delivery_id=delivery_id, claim=uuid.UUID(claim))
    return attempt.number if attempt else None


@shared_task(name="webhooks.send_due")
def send_due() -> int:
    """``services.deliveries_send_due`` in every active workspace with a due delivery or an endpoint failing for
    24 h; how many deliveries were queued."""
    now = timezone.now()
    with ops_transaction():
        tenant_ids = set(
            WebhookDelivery.all_tenants.filter(state__in=OPEN_STATES, next_attempt_at__lte=now).values_list(
                "tenant_id", flat=True
            )
        ) | set(
            WebhookEndpoint.all_tenants.filter(
                failing_since__lte=now - services.FAILURE_WINDOW, is_active=True
            ).values_list("tenant_id", flat=True)
        )
    total = 0
    for tenant in Tenant.objects.filter(pk__in=tenant_ids, is_active=True).order_by("id"):
        with tenant_context(tenant):
            total += services.deliveries_send_due(now=now)
    return total
