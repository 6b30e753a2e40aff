"""Marketing: engagement rate, click-through rate and conversions of the advertising, web-visit and e-mail
activities at the programme's accounts (docs/metrics.md, "Marketing").

* **engagement rate** = accounts engaged on the channel / accounts with an activity on the channel, where an
  account is engaged by an engagement event on it (``engagement.engaged_q``);
* **click-through rate** = Σ clicks / Σ impressions, both over the activities that record their impressions
  (clicks logged without impressions are not in it);
* **conversions** = Σ conversions; **conversion rate** = Σ conversions / Σ clicks, over the activities that
  record their clicks.
"""

from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import CAMPAIGN_CHANNELS, ActivityChannel

from ..filters import MetricFilters, ratio
from .activity import programme_activities
from .engagement import engaged_q

ENGAGED = engaged_q()


def _sum(field: str, condition: Q) -> Coalesce:
    return Coalesce(Sum(field, filter=condition), Value(0), output_field=IntegerField())


# Per account and channel first (one grouped pass over the period's activities), then the figures over those
# rows: counting accounts then needs no DISTINCT over every activity. Prefixed: a name like a field ("clicks")
# would stand for it.
PER_ACCOUNT_AND_CHANNEL = {
    "n_activities": Count("id"),
    "n_engaged": Count("id", filter=ENGAGED),
    "n_impressions": Sum("impressions"),
    "n_clicks": Sum("clicks"),
    "n_clicks_with_impressions": Sum("clicks", filter=Q(impressions__isnull=False)),
    "n_conversions": Sum("conversions"),
    "n_conversions_with_clicks": Sum("conversions", filter=Q(clicks__isnull=False)),
}


def _figures(prefix: str, channel: str | None = None) -> dict:
    on = Q(channel=channel) if channel else Q()
    # One row per account and channel: an account is counted once per channel, and once (distinct) across them.
    accounts = {"distinct": channel is None}
    return {
        f"{prefix}activities": _sum("n_activities", on),
        f"{prefix}accounts_reached": Count("account_id", filter=on, **accounts),
        f"{prefix}accounts_engaged": Count("account_id", filter=on & Q(n_engaged__gt=0), **accounts),
        f"{prefix}impressions": _sum("n_impressions", on),
        f"{prefix}clicks": _sum("n_clicks", on),
        f"{prefix}clicks_with_impressions": _sum("n_clicks_with_impressions", on),
        f"{prefix}conversions": _sum("n_conversions", on),
        f"{prefix}conversions_with_clicks": _sum("n_conversions_with_clicks", on),
    }


def _row(figures: dict, prefix: str) -> dict:
    value = {name.removeprefix(prefix): figure for name, figure in figures.items() if name.startswith(prefix)}
    return {
        "activities": value["activities"],
        "accounts_reached": value["accounts_reached"],
        "accounts_engaged": value["accounts_engaged"],
        "engagement_rate": ratio(value["accounts_engaged"], value["accounts_reached"]),
        "impressions": value["impressions"],
        "clicks": value["clicks"],
        "click_through_rate": ratio(value["clicks_with_impressions"], value["impressions"]),
        "conversions": value["conversions"],
        "conversion_rate": ratio(value["conversions_with_clicks"], value["clicks"]),
    }


def marketing(filters: MetricFilters) -> dict:
    """The three channels together and one row per channel, in one aggregate query."""
    campaign = programme_activities(filters).filter(channel__in=CAMPAIGN_CHANNELS)
    per_account = campaign.values("account_id", "channel").annotate(**PER_ACCOUNT_AND_CHANNEL)
    # Every figure is prefixed: an aggregate named like a field ("clicks") would stand for it in the others.
    figures = per_account.aggregate(
        **_figures("all_"),
        **{name: f for channel in CAMPAIGN_CHANNELS for name, f in _figures(f"{channel}_", channel).items()},
    )
    labels = dict(ActivityChannel.choices)
    return {
        **_row(figures, "all_"),
        "results": [
            {"channel": str(channel), "channel_label": labels[channel], **_row(figures, f"{channel}_")}
            for channel in CAMPAIGN_CHANNELS
        ],
    }
