from django.shortcuts import render
from django.urls import reverse

from abs_platform.tenancy.selectors import tenant_members

from . import selectors
from .models import AccountStatus


def page(request, tenant_slug):
    """The Accounts page: filters and panels; rows and forms come from the API as htmx fragments."""
    return render(
        request,
        "accounts/page.html",
        {
            "nav": "accounts",
            "api_url": reverse("browser-api:account-list", kwargs={"tenant_slug": tenant_slug}),
            "statuses": AccountStatus.choices,
            "industries": selectors.account_industries(),
            "members": tenant_members(),
        },
    )
