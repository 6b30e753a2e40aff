from django.shortcuts import render
from django.urls import reverse

from abs_platform.tenancy.models import Role, role_at_least


def page(request, tenant_slug):
    """The Teams page: teams, staffing, gaps and the roles each tier requires, each an htmx fragment of the
    API."""

    def api(route):
        return reverse(f"browser-api:{route}", kwargs={"tenant_slug": tenant_slug})

    return render(
        request,
        "teams/page.html",
        {
            "nav": "teams",
            "api_url": api("team-list"),
            "staffing_url": api("staffing-list"),
            "gaps_url": api("team-gap-list"),
            "requirements_url": api("role-requirement-list"),
            "can_edit": role_at_least(request.tenant_role, Role.MEMBER),
            "can_admin": role_at_least(request.tenant_role, Role.ADMIN),
        },
    )
