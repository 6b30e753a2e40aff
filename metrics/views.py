from django.shortcuts import render

from . import selectors


def page(request, tenant_slug):
    return render(
        request,
        "metrics/page.html",
        {
            "nav": "metrics",
            "summary": selectors.account_summary(),
            "industries": selectors.target_accounts_by_industry(),
        },
    )
