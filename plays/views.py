from django.shortcuts import render
from django.urls import reverse

from .models import Effort, LifecycleStage, OfferFormat


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
            "format_choices": OfferFormat.choices,
            "effort_choices": Effort.choices,
            "stage_choices": LifecycleStage.choices,
        },
    )
