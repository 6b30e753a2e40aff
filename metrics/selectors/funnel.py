"""The sales-development funnel, per account: of the target accounts prospected in the period (an outbound touch),
how many reached a meaningful conversation (connect rate), yielded a qualified lead passed to sales (pass rate),
and of those passed, how many sales accepted (pipeline rate); each against its healthy band."""

from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import Account, Activity, ActivityDirection, ActivityOutcome
from planning.models import HandOff, HandOffState
from plays.models import PlayRun
from teams.models import TeamAccount

from ..filters import MetricFilters, ratio

MEANINGFUL_OUTCOMES = (ActivityOutcome.CONNECTED, ActivityOutcome.REPLIED, ActivityOutcome.MEETING_BOOKED)
# (lowest healthy value, highest healthy value or None): the seeds' bands (docs/metrics.md).
BANDS = {"connect_rate": (0.30, 0.35), "pass_rate": (0.10, None), "pipeline_rate": (0.70, None)}
STAGES = ("prospected", "connected", "passed", "accepted")


def band_status(value: float | None, rate: str) -> str | None:
    """``below``, ``within`` or ``above`` the rate's healthy band (its lowest value counts as within)."""
    if value is None:
        return None
    low, high = BANDS[rate]
    if value < low:
        return "below"
    return "above" if high is not None and value > high else "within"


def _stage_counts(filters: MetricFilters, ref: str) -> dict:
    """Count (distinct accounts at ``ref``) per funnel stage: each stage also needs the ones before it, but a
    passed lead need not have been connected first."""
    activities = Activity.objects.filter(account=OuterRef(ref)).filter(filters.period_q("occurred_at", datetime=True))
    hand_offs = HandOff.objects.filter(account=OuterRef(ref)).filter(filters.period_q("passed_at", datetime=True))
    prospected = Q(Exists(activities.filter(direction=ActivityDirection.OUTBOUND)))
    # Each stage's own (rarer) condition first: PostgreSQL stops at the first false one, so the common earlier
    # stages are not probed again for most accounts.
    passed = Q(Exists(hand_offs)) & prospected
    stages = {
        "prospected": prospected,
        "connected": Q(Exists(activities.filter(outcome__in=MEANINGFUL_OUTCOMES))) & prospected,
        "passed": passed,
        "accepted": Q(Exists(hand_offs.filter(state=HandOffState.ACCEPTED))) & passed,
    }
    return {name: Count(ref, distinct=True, filter=condition) for name, condition in stages.items()}


def _rates(counts: dict) -> dict:
    rates = {
        "connect_rate": ratio(counts["connected"], counts["prospected"]),
        "pass_rate": ratio(counts["passed"], counts["prospected"]),
        "pipeline_rate": ratio(counts["accepted"], counts["passed"]),
    }
    return {name: {"value": value, "status": band_status(value, name)} for name, value in rates.items()}


def _row(dimension: str, key, name: str, counts: dict) -> dict:
    rates = _rates(counts)
    return {
        "dimension": dimension,
        "id": key,
        "name": name,
        **{stage: counts[stage] for stage in STAGES},
        **{
            field: rate[part]
            for rate_name, rate in rates.items()
            for part, field in (("value", rate_name), ("status", rate_name.replace("_rate", "_status")))
        },
    }


def funnel(filters: MetricFilters) -> dict:
    """The three rates overall (with their bands) and by tier, team and play (``results``). Four queries."""
    targets = Account.objects.filter(is_target=True).filter(filters.accounts_q())
    overall = targets.aggregate(**_stage_counts(filters, "pk"))
    by_tier = (
        targets.values("tier_id", "tier__name", "tier__rank")
        .annotate(**_stage_counts(filters, "pk"))
        .order_by("tier__rank", "tier_id")
    )
    by_team = (
        TeamAccount.objects.filter(account__in=targets.values("pk"))
        .values("team_id", "team__name")
        .annotate(**_stage_counts(filters, "account_id"))
        .order_by("team__name", "team_id")
    )
    by_play = (
        PlayRun.objects.filter(account__in=targets.values("pk"))
        .filter(filters.period_q("started_at", datetime=True))
        .values("template_id", "template__name")
        .annotate(**_stage_counts(filters, "account_id"))
        .order_by("template__name", "template_id")
    )
    rows = [
        *(_row("tier", row["tier_id"], row["tier__name"] or "No tier", row) for row in by_tier),
        *(_row("team", row["team_id"], row["team__name"], row) for row in by_team),
        *(_row("play", row["template_id"], row["template__name"], row) for row in by_play),
    ]
    rates = _rates(overall)
    for name, rate in rates.items():
        low, high = BANDS[name]
        rate.update(low=low, high=high)
    return {**{stage: overall[stage] for stage in STAGES}, **rates, "results": rows}
