from django.shortcuts import render
from django.urls import reverse

from abs_platform.tenancy.models import Role
from abs_platform.tenancy.views import require_role

from .models import DeliveryState, WebhookEvent


@require_role(Role.ADMIN)
def page(request, tenant_slug):
    """Settings → Webhooks: the endpoints (add, edit, test, rotate the secret, switch on again) and the recent
    deliveries with their attempts, all through the webhooks API (htmx)."""
    return render(
        request,
        "webhooks/page.html",
        {
            "nav": "webhooks",
            "endpoints_url": reverse("browser-api:webhook-endpoint-list", args=[tenant_slug]),
            "deliveries_url": reverse("browser-api:webhook-delivery-list", args=[tenant_slug]),
            "event_choices": WebhookEvent.choices,
            "state_choices": DeliveryState.choices,
        },
    )
