"""Reads of the checks' stored results: the per-account list, the stale records and the workspace summary
(formulas in docs/metrics.md)."""

from datetime import timedelta

from django.db.models import Count, F, Max, Q, QuerySet, Sum
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


def last_run(kind: str) -> Job | None:
    """The check's last successful run (``COVERAGE_JOB_KIND``, ``DECAY_JOB_KIND``)."""
    return Job.objects.filter(kind=kind, status=JobStatus.SUCCEEDED).order_by("-finished_at", "-id").first()


def coverage_totals(results: QuerySet[CoverageResult] | None = None) -> dict:
    """Totals of the stored results (all, or those given), one query: ``accounts``, ``without_gap``,
    ``data_complete``, ``team_complete``, ``personas_required``, ``personas_covered`` and ``checked_at`` (the
    latest)."""
    results = CoverageResult.objects.all() if results is None else results
    return results.aggregate(
        accounts=Count("id"),
        without_gap=Count("id", filter=Q(gaps=[])),
        data_complete=Count("id", filter=Q(data_complete=True)),
        team_complete=Count("id", filter=Q(team_complete=True)),
        personas_required=Coalesce(Sum("personas_required"), 0),
        personas_covered=Coalesce(Sum("personas_covered"), 0),
        checked_at=Max("checked_at"),
    )


def stale_by_reason(marks: QuerySet[StaleMark] | None = None) -> dict[str, int]:
    """Open stale marks (all, or those given) per reason, every reason named (one query)."""
    marks = stale_mark_list() if marks is None else marks.filter(cleared_on__isnull=True)
    counts = dict(marks.order_by().values_list("reason").annotate(n=Count("id")).values_list("reason", "n"))
    return {reason: counts.get(reason, 0) for reason in StaleReason.values}


def _personas_share(today, accounts: QuerySet[Account]) -> tuple[int, int]:
    """(required, covered) committee requirements over the target accounts on ``today`` (personas/coverage.py)."""
    totals = accounts_with_coverage(accounts.filter(is_target=True), today=today, counts=True).aggregate(
        required=Coalesce(Sum("coverage_required"), 0), covered=Coalesce(Sum("coverage_covered"), 0)
    )
    return totals["required"], totals["covered"]


def coverage_projections(today, accounts: QuerySet[Account] | None = None) -> list[dict]:
    """Persona coverage of the target accounts (all, or those given) in 30, 60 and 90 days if nothing is
    re-verified (one query each)."""
    accounts = Account.objects.all() if accounts is None else accounts
    projections = []
    for days in PROJECTION_DAYS:
        required, covered = _personas_share(today + timedelta(days=days), accounts)
        projections.append(
            {
                "days": days,
                "personas_required": required,
                "personas_covered": covered,
                "personas_percent": _percent(covered, required),
            }
        )
    return projections


def decay_rate(today, contacts: QuerySet[Contact] | None = None) -> dict:
    """Contacts (all, or those given) that existed a year ago (created on or before the window's start) and
    became stale or invalid within the window (a stale mark, open or cleared, whose ``since`` is in it) over
    those contacts."""
    start = today - timedelta(days=DECAY_WINDOW_DAYS)
    at_start = (Contact.objects.all() if contacts is None else contacts).filter(created_at__date__lte=start)
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
    totals = coverage_totals()
    del totals["checked_at"]
    coverage_run, decay_run = last_run(COVERAGE_JOB_KIND), last_run(DECAY_JOB_KIND)
    return {
        "coverage_checked_at": coverage_run.finished_at if coverage_run else None,
        "decay_checked_at": decay_run.finished_at if decay_run else None,
        **totals,
        "accounts_percent": _percent(totals["without_gap"], totals["accounts"]),
        "accounts_goal": settings.accounts_goal,
        "personas_percent": _percent(totals["personas_covered"], totals["personas_required"]),
        "personas_goal": settings.personas_goal,
        "stale_by_reason": stale_by_reason(),
        "decay": decay_rate(today),
        "projections": coverage_projections(today),
    }
