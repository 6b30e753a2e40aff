"""Reads of the checks' stored results: the per-account list, the stale records and the workspace summary
(formulas in docs/metrics.md)."""

from datetime import timedelta

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from abs_platform.jobs.models import Job, JobStatus
from abs_platform.tenancy.context import workspace_today
from accounts.models import Account, Contact
from personas.coverage import accounts_with_coverage

from .models import CheckSettings, CoverageResult, GapKind, StaleMark, StaleReason
from .services import COVERAGE_JOB_KIND, DECAY_JOB_KIND

PROJECTION_DAYS = (30, 60, 90)
EXPECTED_DECAY_PERCENT = 20
DECAY_WINDOW_DAYS = 365

GAP_FILTERS = {
    GapKind.DATA: Q(data_complete=False),
    GapKind.PERSONAS: Q(personas_covered__lt=F("personas_required")),
    GapKind.TEAM: Q(team_complete=False),
}


def coverage_result_list() -> QuerySet[CoverageResult]:
    return CoverageResult.objects.select_related("account", "account__tier")


def stale_mark_list() -> QuerySet[StaleMark]:
    """Open stale marks, newest first."""
    return StaleMark.objects.filter(cleared_on__isnull=True).select_related("account", "contact")


def _percent(part: int, whole: int) -> int | None:
    return part * 100 // whole if whole else None


def _last_run(kind: str) -> Job | None:
    return Job.objects.filter(kind=kind, status=JobStatus.SUCCEEDED).order_by("-finished_at", "-id").first()


def _personas_share(today) -> tuple[int, int]:
    """(required, covered) committee requirements over target accounts on ``today`` (personas/coverage.py)."""
    totals = accounts_with_coverage(Account.objects.filter(is_target=True), today=today).aggregate(
        required=Coalesce(Sum("computed_required"), 0), covered=Coalesce(Sum("computed_covered"), 0)
    )
    return totals["required"], totals["covered"]


def decay_rate(today) -> dict:
    """Contacts that existed a year ago (created on or before the window's start) and became stale or invalid
    within the window (a stale mark, open or cleared, whose ``since`` is in it) over those contacts."""
    start = today - timedelta(days=DECAY_WINDOW_DAYS)
    at_start = Contact.objects.filter(created_at__date__lte=start)
    decayed = at_start.filter(stale_marks__since__gt=start, stale_marks__since__lte=today).distinct().count()
    contacts = at_start.count()
    return {
        "window_start": start,
        "contacts_at_start": contacts,
        "decayed": decayed,
        "percent": _percent(decayed, contacts),
        "expected_percent": EXPECTED_DECAY_PERCENT,
    }


def summary() -> dict:
    """The workspace's figures: coverage totals against the goals (from the stored results), stale records by
    reason, the decay rate and the projected persona coverage in 30/60/90 days."""
    settings = CheckSettings.objects.first() or CheckSettings()
    today = workspace_today()
    totals = CoverageResult.objects.aggregate(
        accounts=Count("id"),
        without_gap=Count("id", filter=Q(gaps=[])),
        data_complete=Count("id", filter=Q(data_complete=True)),
        team_complete=Count("id", filter=Q(team_complete=True)),
        personas_required=Coalesce(Sum("personas_required"), 0),
        personas_covered=Coalesce(Sum("personas_covered"), 0),
    )
    stale = dict(stale_mark_list().order_by().values_list("reason").annotate(n=Count("id")).values_list("reason", "n"))
    projections = []
    for days in PROJECTION_DAYS:
        required, covered = _personas_share(today + timedelta(days=days))
        projections.append(
            {
                "days": days,
                "personas_required": required,
                "personas_covered": covered,
                "personas_percent": _percent(covered, required),
            }
        )
    coverage_run, decay_run = _last_run(COVERAGE_JOB_KIND), _last_run(DECAY_JOB_KIND)
    return {
        "coverage_checked_at": coverage_run.finished_at if coverage_run else None,
        "decay_checked_at": decay_run.finished_at if decay_run else None,
        **totals,
        "accounts_percent": _percent(totals["without_gap"], totals["accounts"]),
        "accounts_goal": settings.accounts_goal,
        "personas_percent": _percent(totals["personas_covered"], totals["personas_required"]),
        "personas_goal": settings.personas_goal,
        "stale_by_reason": {reason: stale.get(reason, 0) for reason in StaleReason.values},
        "decay": decay_rate(today),
        "projections": projections,
    }
