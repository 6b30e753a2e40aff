"""Engagement of each target account in the period against a baseline period (docs/metrics.md, "Engagement
against the programme baseline").

* An **engagement event** is an activity showing the account engaged: inbound (a reply, a web visit, an ad
  click logged as a visit, event attendance…), or with a meaningful outcome (connected, replied, meeting
  booked), or with at least one click. A touch nobody answered is not one.
* The **baseline** is the ``BASELINE_DAYS`` days before the programme's start (``MetricsSettings``), else the
  ``BASELINE_DAYS`` days before the period, unless the caller gives one. Its count is scaled to the period's
  length (``baseline_per_period``) so a 30-day period compares with a 90-day baseline.
* **change** = events − baseline_per_period; **change_ratio** = change / baseline_per_period, ``None`` when the
  baseline has no event.
* An account **rises sharply** with at least ``SHARP_MIN_EVENTS`` events in the period and a change ratio of
  at least ``SHARP_CHANGE`` (or no baseline event at all); it **falls sharply** with a baseline of at least
  ``SHARP_MIN_EVENTS`` events per period and a change ratio of at most −``SHARP_CHANGE``.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThan
from django.db.models.sql.constants import LOUTER
from django_cte import CTE, with_cte

from accounts.models import Account, Activity, ActivityDirection, BuyingRole
from metrics.services import metrics_settings

from ..filters import MetricFilters, ratio
from .activity import conversation_q, occurred_between_q

BASELINE_DAYS = 90
SHARP_CHANGE = 0.5
SHARP_MIN_EVENTS = 5
ORDERINGS = ("change", "-change", "change_ratio", "-change_ratio", "events", "-events", "account_name")
MOVEMENTS = ("rising", "falling")
MOVERS_LIMIT = 10
ROW_FIELDS = [
    "account_name",
    "tier_name",
    "events",
    "baseline_events",
    "baseline_per_period",
    "change",
    "change_ratio",
    "movement",
    "engaged_contacts",
    *(f"engaged_{role}" for role in BuyingRole.values),
]


def engaged_q(prefix: str = "") -> Q:
    """Activities that are engagement events (see the module's docstring)."""
    return (
        Q(**{f"{prefix}direction": ActivityDirection.INBOUND})
        | conversation_q(prefix)
        | Q(**{f"{prefix}clicks__gt": 0})
    )


@dataclass(frozen=True)
class Baseline:
    start: date
    end: date
    source: str  # "programme_start", "before_period" or "requested"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days, "source": self.source}


def default_baseline(filters: MetricFilters) -> Baseline:
    programme_start = metrics_settings().programme_start_on
    if programme_start is not None:
        return Baseline(
            programme_start - timedelta(days=BASELINE_DAYS), programme_start - timedelta(days=1), "programme_start"
        )
    first = max(filters.start, date.min + timedelta(days=BASELINE_DAYS))  # the calendar's first days have no before
    return Baseline(first - timedelta(days=BASELINE_DAYS), first - timedelta(days=1), "before_period")


def _accounts(filters: MetricFilters, baseline: Baseline):
    """Target accounts with their figures (events in both periods, engaged contacts overall and per buying role,
    change, movement), in one query however many activities they have. The engagement events are counted per
    account and contact first (a CTE), then per account over those rows: a contact is counted once per account
    without a DISTINCT over every event, which would sort them all."""
    period = occurred_between_q(filters.start, filters.end)
    in_baseline = occurred_between_q(baseline.start, baseline.end)
    either = occurred_between_q(min(filters.start, baseline.start), max(filters.end, baseline.end))
    per_contact = CTE(
        Activity.objects.filter(either, engaged_q())
        .order_by()
        .values("account_id", "contact_id", "contact__buying_role")
        .annotate(period_events=Count("id", filter=period), baseline_events=Count("id", filter=in_baseline))
    )
    engaged = GreaterThan(per_contact.col.period_events, 0)

    def contacts_where(condition) -> Count:
        return Count(Case(When(condition, then=per_contact.col.contact_id)))

    contacts = {
        "engaged_contacts": contacts_where(engaged),
        **{
            f"engaged_{role}": contacts_where(engaged & Q(Exact(per_contact.col.contact__buying_role, role)))
            for role in BuyingRole.values
        },
    }
    scaled = ExpressionWrapper(
        F("baseline_events") * Value(filters.days) / Value(float(baseline.days)), output_field=FloatField()
    )
    rising = Q(events__gte=SHARP_MIN_EVENTS) & (Q(baseline_events=0) | Q(change_ratio__gte=SHARP_CHANGE))
    falling = Q(baseline_per_period__gte=SHARP_MIN_EVENTS, change_ratio__lte=-SHARP_CHANGE)
    targets = Account.objects.filter(filters.accounts_q(), is_target=True)
    return (
        with_cte(per_contact, select=per_contact.join(targets, id=per_contact.col.account_id, _join_type=LOUTER))
        .annotate(
            account_name=F("name"),
            tier_name=Coalesce("tier__name", Value("")),
            events=Coalesce(Sum(per_contact.col.period_events), 0),
            baseline_events=Coalesce(Sum(per_contact.col.baseline_events), 0),
            **contacts,
        )
        .annotate(baseline_per_period=scaled)
        .annotate(change=ExpressionWrapper(F("events") - F("baseline_per_period"), output_field=FloatField()))
        .annotate(
            change_ratio=Case(
                When(baseline_events=0, then=Value(None)),
                default=ExpressionWrapper(F("change") / F("baseline_per_period"), output_field=FloatField()),
                output_field=FloatField(),
            )
        )
        .annotate(
            movement=Case(
                When(rising, then=Value("rising")),
                When(falling, then=Value("falling")),
                default=Value(""),
                output_field=CharField(),
            )
        )
    )


def _count(condition: Q) -> Coalesce:
    return Coalesce(Sum(Case(When(condition, then=1), default=0, output_field=IntegerField())), 0)


def engagement(
    filters: MetricFilters,
    *,
    baseline: Baseline | None = None,
    ordering: str = "-change",
    movement: str = "",
    limit: int = 50,
    offset: int = 0,
) -> dict:
    """Totals over the target accounts (events, engaged contacts per buying role, sharp movers) and a page of
    per-account rows sorted by ``ordering``, optionally only the sharp ``movement``: three queries (the settings,
    the totals, the page)."""
    baseline = baseline or default_baseline(filters)
    accounts = _accounts(filters, baseline)
    roles = [f"engaged_{role}" for role in BuyingRole.values]
    # Named apart from the annotations they sum: an aggregate of the same name would replace its annotation.
    sums = ["events", "baseline_events", "engaged_contacts", *roles]
    totals = accounts.aggregate(
        total_accounts=Count("id"),
        total_rising=_count(Q(movement="rising")),
        total_falling=_count(Q(movement="falling")),
        total_listed=_count(Q(movement=movement)) if movement else Count("id"),
        **{f"total_{name}": Coalesce(Sum(name), 0) for name in sums},
    )
    totals = {name.removeprefix("total_"): value for name, value in totals.items()}
    if movement:
        accounts = accounts.filter(movement=movement)
    field = ordering.lstrip("-")
    key = F(field).desc(nulls_last=True) if ordering.startswith("-") else F(field).asc(nulls_last=True)
    page = accounts.order_by(key, "name", "id").values("id", *ROW_FIELDS)[offset : offset + limit]
    baseline_total = totals["baseline_events"] * filters.days / baseline.days
    labels = dict(BuyingRole.choices)
    return {
        "baseline": baseline.as_dict(),
        "thresholds": {"change": SHARP_CHANGE, "min_events": SHARP_MIN_EVENTS},
        "accounts": totals["accounts"],
        "events": totals["events"],
        "baseline_events": totals["baseline_events"],
        "baseline_per_period": round(baseline_total, 2),
        "change": round(totals["events"] - baseline_total, 2),
        "change_ratio": ratio(totals["events"] - baseline_total, baseline_total),
        "engaged_contacts": totals["engaged_contacts"],
        "rising": totals["rising"],
        "falling": totals["falling"],
        "engaged_contacts_by_role": [
            {"buying_role": role, "label": labels[role], "contacts": totals[f"engaged_{role}"]}
            for role in BuyingRole.values
        ],
        "count": totals["listed"],
        "results": [_row(row) for row in page],
    }


def engagement_movers(filters: MetricFilters, *, limit: int = MOVERS_LIMIT) -> list[dict]:
    """The accounts rising sharply (the largest change first), then those falling sharply (the largest fall
    last): at most ``limit`` of each, as rows of ``engagement``'s ``results``. Three queries."""
    accounts = _accounts(filters, default_baseline(filters)).values("id", *ROW_FIELDS)
    rising = accounts.filter(movement="rising").order_by(F("change").desc(), "name", "id")[:limit]
    falling = accounts.filter(movement="falling").order_by(F("change").asc(), "name", "id")[:limit]
    return [_row(row) for row in rising] + [_row(row) for row in reversed(falling)]


def _row(row: dict) -> dict:
    return {
        "account": row.pop("id"),
        **row,
        "baseline_per_period": round(row["baseline_per_period"], 2),
        "change": round(row["change"], 2),
        "change_ratio": None if row["change_ratio"] is None else round(row["change_ratio"], 4),
    }
