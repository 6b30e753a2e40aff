from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from abs_platform.jobs.models import Job
from abs_platform.tenancy.models import Role, role_at_least

from . import selectors
from .models import StaleReason
from .services import COVERAGE_JOB_KIND, DECAY_JOB_KIND

PAGE_ROWS = 50


def page(request, tenant_slug):
    """Data health: when the checks last ran ("Run now" with progress), coverage against the goals, the gaps,
    stale records by reason, the decay rate and the projected persona coverage."""
    summary = selectors.summary()
    return render(
        request,
        "checks/page.html",
        {
            "nav": "data-health",
            "summary": summary,
            "stale_counts": [(label, summary["stale_by_reason"].get(value, 0)) for value, label in StaleReason.choices],
            "gaps": selectors.coverage_result_list().exclude(gaps=[])[:PAGE_ROWS],
            "stale": selectors.stale_mark_list()[:PAGE_ROWS],
            "can_run": role_at_least(request.tenant_role, Role.MEMBER),
            "coverage_run_url": reverse("browser-api:coverage-run-list", args=[tenant_slug]),
            "decay_run_url": reverse("browser-api:decay-run-list", args=[tenant_slug]),
        },
    )


def job_progress(request, tenant_slug, job_id):
    """A check run's progress (htmx polls it until the job has finished)."""
    job = get_object_or_404(Job.objects.filter(kind__in=(COVERAGE_JOB_KIND, DECAY_JOB_KIND)), pk=job_id)
    return render(request, "checks/job.html", {"job": job})
