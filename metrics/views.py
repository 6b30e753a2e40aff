from django.shortcuts import render

from . import selectors


def page(request, tenant_slug):
    return render(
        request,
        "metrics/page.html",
        {
            "nav": "metrics",
            **selectors.programme_figures_cached(),
        },
    )
