from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from accounts.models import ActivityChannel
from teams.selectors import account_teams

from . import selectors
from .models import ReviewCadence


def page(request, tenant_slug):
    """The Planning page: hand-offs passed to me, reviews due, the review cadence per tier (htmx from the API)."""
    return render(
        request,
        "planning/page.html",
        {
            "nav": "planning",
            "hand_offs_url": reverse("browser-api:hand-off-list", args=[tenant_slug]),
            "schedule_url": reverse("browser-api:review-schedule-list", args=[tenant_slug]),
            "cadences_url": reverse("browser-api:review-cadence-list", args=[tenant_slug]),
            "cadence_choices": ReviewCadence.Every.choices,
        },
    )


def review_compare(request, tenant_slug, review_id, other_id):
    """Two reviews of one account side by side, field by field (the other one: any review of that account)."""
    review = get_object_or_404(selectors.review_list(), pk=review_id)
    other = get_object_or_404(selectors.review_list().filter(account_id=review.account_id), pk=other_id)
    older, newer = sorted([review, other], key=lambda item: (item.period_end, item.pk))
    return render(
        request,
        "planning/compare.html",
        {
            "nav": "accounts",
            "account": review.account,
            "older": older,
            "newer": newer,
            "comparison": [older, newer],
            "reviews": selectors.review_list().filter(account_id=review.account_id),
        },
    )


def account_timeline(request, tenant_slug, account_id):
    """One account's timeline with its filters; the events come from the timeline API (htmx)."""
    account = get_object_or_404(selectors.accounts_for_timeline(), pk=account_id)
    return render(
        request,
        "planning/timeline_page.html",
        {
            "nav": "accounts",
            "account": account,
            "contacts": selectors.account_contacts(account.pk),
            "channels": ActivityChannel.choices,
            "teams": account_teams(account),
            "api_url": reverse("browser-api:timeline-list", args=[tenant_slug]),
        },
    )
