"""Activity: touches per account, channel, team and person; attempts per conversation; conversations per meeting.

The definitions (docs/metrics.md, "Activity"), shared by the engagement and marketing families:

* the programme's activities: those at target accounts (narrowed by tier, team, owner) whose time falls on a
  day of the period in the workspace's time zone;
* a **touch** is an outbound activity; a **conversation** an activity, either direction, whose outcome is
  connected, replied or meeting booked; a **meeting** an activity whose outcome is meeting booked (a meeting
  held, channel ``meeting``, is counted apart as ``meetings_held``).
"""

from datetime import date, timedelta

from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from abs_platform.tenancy.context import workspace_zone
from accounts.engagement import day_start
from accounts.models import Activity, ActivityChannel, ActivityDirection, ActivityOutcome

from ..filters import MetricFilters, ratio

MEANINGFUL_OUTCOMES = (ActivityOutcome.CONNECTED, ActivityOutcome.REPLIED, ActivityOutcome.MEETING_BOOKED)
TOUCH = Q(direction=ActivityDirection.OUTBOUND)


def conversation_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}outcome__in": MEANINGFUL_OUTCOMES})


CONVERSATION = conversation_q()
MEETING = Q(outcome=ActivityOutcome.MEETING_BOOKED)
MEETING_HELD = Q(channel=ActivityChannel.MEETING)

OWNER_NAME = Coalesce(
    NullIf(Trim(Concat("owner__first_name", Value(" "), "owner__last_name")), Value("")),
    "owner__username",
    Value(""),
)
# Per grouping: the row's key columns (name → expression); the first one is what rows are grouped by.
GROUPS = {
    "account": {"account": F("account_id"), "account_name": F("account__name")},
    "channel": {"channel": F("channel")},
    "team": {
        "team": F("account__team_links__team_id"),
        "team_name": Coalesce("account__team_links__team__name", Value("")),
    },
    "owner": {"owner": F("owner_id"), "owner_name": OWNER_NAME},
}
ORDERINGS = ("touches", "-touches", "conversations", "-conversations", "meetings", "-meetings")


def occurred_between_q(start: date, end: date, field: str = "occurred_at") -> Q:
    """``field`` on a day from ``start`` to ``end`` (both included) in the workspace's time zone, as an
    index-friendly range of instants."""
    zone = workspace_zone()
    q = Q(**{f"{field}__gte": day_start(start, zone)})
    if end < date.max:
        q &= Q(**{f"{field}__lt": day_start(end + timedelta(days=1), zone)})
    return q


def programme_activities(filters: MetricFilters, *, start: date | None = None, end: date | None = None) -> QuerySet:
    """Activities at the target accounts the filters select, from ``start`` to ``end`` (default: the period)."""
    return Activity.objects.filter(
        occurred_between_q(start or filters.start, end or filters.end),
        filters.accounts_q("account__"),
        account__is_target=True,
    )


def _figures() -> dict:
    return {
        "touches": Count("id", filter=TOUCH),
        "conversations": Count("id", filter=CONVERSATION),
        "meetings": Count("id", filter=MEETING),
        "meetings_held": Count("id", filter=MEETING_HELD),
    }


def _with_ratios(figures: dict) -> dict:
    return {
        **figures,
        "attempts_per_conversation": ratio(figures["touches"], figures["conversations"]),
        "conversations_per_meeting": ratio(figures["conversations"], figures["meetings"]),
    }


def activity(
    filters: MetricFilters, *, by: str = "account", ordering: str = "-touches", limit: int = 50, offset: int = 0
) -> dict:
    """The period's totals and one row per account, channel, team or person (``by``) that has activity, in three
    queries: totals, the number of rows, the page of rows."""
    activities = programme_activities(filters)
    columns = GROUPS[by]
    key = next(iter(columns))
    totals = activities.aggregate(**_figures())
    groups = (
        activities.annotate(**{f"group_{name}": expression for name, expression in columns.items()})
        .values(*(f"group_{name}" for name in columns))
        .annotate(**_figures())
    )
    descending, field = ordering.startswith("-"), ordering.lstrip("-")
    order = [F(field).desc() if descending else F(field).asc(), F(f"group_{key}").asc(nulls_last=True)]
    rows = [
        _with_ratios({name: row.pop(f"group_{name}") for name in columns} | row)
        for row in groups.order_by(*order)[offset : offset + limit]
    ]
    if by == "channel":
        labels = dict(ActivityChannel.choices)
        rows = [{"channel": row["channel"], "channel_label": labels[row["channel"]], **row} for row in rows]
    return {**_with_ratios(totals), "by": by, "count": groups.count(), "results": rows}
