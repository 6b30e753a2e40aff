from django.shortcuts import render

from .selectors import summary


def page(request, tenant_slug):
    return render(
        request,
        "metrics/page.html",
        {
            "nav": "metrics",
            **summary.programme_figures_cached(),
        },
    )
