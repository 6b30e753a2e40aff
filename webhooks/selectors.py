from django.db.models import OuterRef, Prefetch, Subquery

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoint_list():
    """The workspace's endpoints with their last delivery's state and time."""
    last = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id")
    return WebhookEndpoint.objects.annotate(
        last_delivery_state=Subquery(last.values("state")[:1]),
        last_delivery_at=Subquery(last.values("created_at")[:1]),
    )


def delivery_list():
    """Deliveries with their endpoint's URL and their attempts in order."""
    return WebhookDelivery.objects.select_related("endpoint").prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number"))
    )
