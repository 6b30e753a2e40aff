from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from abs_platform.jobs.models import Job
from abs_platform.tenancy.models import Role, role_at_least

from . import selectors
from .insights import compute_insights


def page(request, tenant_slug):
    """The ICP builder: a version's criteria, live preview, sign-offs, tiers and the scoring job.

    Criteria, preview, sign-offs and tiers are htmx fragments of the API.
    """
    # The default tiers are created by the tiers fragment this page loads (TierViewSet.list), not here.
    versions = list(selectors.icp_list())
    active = next((icp for icp in versions if icp.is_active), None)
    icp = None
    version = request.GET.get("version", "")
    if version.isdigit():
        icp = next((candidate for candidate in versions if candidate.version == int(version)), None)
        if icp is None:
            raise Http404("No such ICP version.")
    elif versions:  # the newest draft above the active version, else the active one
        icp = versions[0] if active is None or versions[0].version > active.version else active
    editable = icp is not None and selectors.icp_is_editable(icp, active.version if active else None)
    api = lambda name: reverse(f"browser-api:{name}-list", args=[tenant_slug])  # noqa: E731
    return render(
        request,
        "icp/page.html",
        {
            "nav": "icp",
            "icp": icp,
            "active": active,
            "versions": versions,
            "editable": editable,
            "is_admin": role_at_least(request.tenant_role, Role.ADMIN),
            "job": selectors.fit_job_latest(),
            "icps_url": api("icp"),
            "criteria_url": api("criterion"),
            "sign_offs_url": api("sign-off"),
            "tiers_url": api("tier"),
            "insights_url": reverse("icp:insights", args=[tenant_slug]),
        },
    )


def job_progress(request, tenant_slug, job_id):
    """One scoring job's progress bar (htmx polls it while it runs)."""
    job = Job.objects.filter(pk=job_id, kind=selectors.FIT_JOB_KIND).first()
    if job is None:
        raise Http404("No such job.")
    return render(request, "icp/job.html", {"job": job})


def insights(request, tenant_slug):
    """ICP insights: win rate and lift per attribute value over closed deals, explained."""
    return render(
        request,
        "icp/insights.html",
        {
            "nav": "icp",
            "insights": compute_insights(selectors.deal_facts()),
            "is_admin": role_at_least(request.tenant_role, Role.ADMIN),
            "accept_url": reverse("browser-api:icp-accept-insights", kwargs={"tenant_slug": tenant_slug}),
        },
    )
