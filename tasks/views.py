from django.shortcuts import render
from django.urls import reverse


def my_day(request, tenant_slug):
    """My day: the signed-in member's open tasks, loaded as a fragment from the task API (``my-day``)."""
    return render(
        request,
        "tasks/my_day.html",
        {
            "nav": "my-day",
            "api_url": reverse("browser-api:task-list", kwargs={"tenant_slug": tenant_slug}),
            "touch_limit_url": reverse("browser-api:touch-limit-list", kwargs={"tenant_slug": tenant_slug}),
        },
    )
