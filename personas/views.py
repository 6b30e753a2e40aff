from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from abs_platform.jobs.models import Job
from accounts.freshness import FRESHNESS_DAYS

from . import selectors
from .services import REMATCH_JOB_KIND


def page(request, tenant_slug):
    """The Personas page: personas (htmx fragments from the API), each tier's committee, and coverage."""
    return render(
        request,
        "personas/page.html",
        {
            "nav": "personas",
            "api_url": reverse("browser-api:persona-list", kwargs={"tenant_slug": tenant_slug}),
            "committee_url": reverse("browser-api:committee-requirement-list", kwargs={"tenant_slug": tenant_slug}),
            "coverage": selectors.workspace_coverage_cached(),
            "freshness_days": FRESHNESS_DAYS,
        },
    )


def job_progress(request, tenant_slug, job_id):
    """A persona re-match job's progress (htmx polls it until the job has finished)."""
    job = get_object_or_404(Job.objects.filter(kind=REMATCH_JOB_KIND), pk=job_id)
    return render(request, "personas/job.html", {"job": job, "job_id": job.pk})
