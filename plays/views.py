from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .models import Effort, LifecycleStage, OfferFormat, PlayRun


def page(request, tenant_slug):
    """The Plays page: the playbook, the runs in flight and the offers library (htmx fragments from the API)."""

    def api(name):
        return reverse(f"browser-api:{name}-list", kwargs={"tenant_slug": tenant_slug})

    return render(
        request,
        "plays/page.html",
        {
            "nav": "plays",
            "templates_url": api("play-template"),
            "offers_url": api("offer"),
            "runs_url": api("play-run"),
            "triggers_url": api("trigger-rule"),
            "format_choices": OfferFormat.choices,
            "effort_choices": Effort.choices,
            "stage_choices": LifecycleStage.choices,
        },
    )


def run_page(request, tenant_slug, run_id):
    """One run: its progress and tasks (the run's API detail as an htmx fragment)."""
    run = get_object_or_404(PlayRun.objects.select_related("template", "account"), pk=run_id)
    return render(
        request,
        "plays/run_page.html",
        {
            "nav": "plays",
            "run": run,
            "runs_url": reverse("browser-api:play-run-list", kwargs={"tenant_slug": tenant_slug}),
        },
    )
