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


def _figures(prefix: str, channel: str | None = None) -> dict:
    on = Q(channel=channel) if channel else Q()
    return {
        f"{prefix}activities": Count("id", filter=on),
        f"{prefix}accounts_reached": Count("account_id", filter=on, distinct=True),
        f"{prefix}accounts_engaged": Count("account_id", filter=on & ENGAGED, distinct=True),
        f"{prefix}impressions": _sum("impressions", on),
        f"{prefix}clicks": _sum("clicks", on),
        f"{prefix}clicks_with_impressions": _sum("clicks", on & Q(impressions__isnull=False)),
        f"{prefix}conversions": _sum("conversions", on),
        f"{prefix}conversions_with_clicks": _sum("conversions", on & Q(clicks__isnull=False)),
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
    # Every figure is prefixed: an aggregate named like a field ("clicks") would stand for it in the others.
    figures = campaign.aggregate(
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
