"""Coverage metrics (docs/metrics.md, "Coverage"): target accounts with complete, fresh data and their persona
coverage as the last coverage check stored them (``checks.CoverageResult``), rolled up through the account
hierarchy; the gaps (which personas are missing where) as ``personas.coverage`` counts them now; the trend from
the daily snapshots."""

from django.db.models import Count, Q, Sum

from accounts.models import Account
from accounts.selectors import TREE_DEPTH
from checks import selectors as checks
from checks.models import CheckSettings, CoverageResult
from personas.coverage import coverage_gap_rows

from ..filters import MetricFilters, ratio
from ..models import DailySnapshot

ACCOUNT_COLUMNS = (
    "account",
    "account_name",
    "tier",
    "parent",
    "checked_at",
    "data_complete",
    "missing_fields",
    "firmographics_verified",
    "personas_required",
    "personas_covered",
    "personas_coverage",
    "gaps",
    "subtree_personas_required",
    "subtree_personas_covered",
    "subtree_personas_coverage",
)
GAP_COLUMNS = ("account", "account_name", "tier", "persona", "persona_name", "min_contacts", "current", "missing")


def _subtree_sums() -> dict[int, tuple[int, int]]:
    """(Σ required, Σ covered) of the stored results of each account and its descendants, down to ``TREE_DEPTH``
    levels: one grouped sum per level (the results by their ancestor at that level), added up per ancestor."""
    sums: dict[int, tuple[int, int]] = {}
    for depth in range(TREE_DEPTH + 1):
        ancestor = "account" + "__parent" * depth
        levels = (
            CoverageResult.objects.filter(**{f"{ancestor}__isnull": False})
            .order_by()
            .values(ancestor)
            .annotate(required=Sum("personas_required"), covered=Sum("personas_covered"))
            .values_list(ancestor, "required", "covered")
        )
        for account, required, covered in levels:
            below = sums.get(account, (0, 0))
            sums[account] = (below[0] + required, below[1] + covered)
    return sums


def _goals() -> dict:
    settings = CheckSettings.objects.first() or CheckSettings()
    return {"accounts_goal": settings.accounts_goal / 100, "personas_goal": settings.personas_goal / 100}


def _narrowed(filters: MetricFilters) -> bool:
    return any(value is not None for value in (filters.tier, filters.team, filters.owner))


def coverage(filters: MetricFilters) -> dict:
    """Totals of the stored results of the target accounts the filters leave, against the workspace's goals;
    per account its own figures and its subtree's (a parent sums its subsidiaries'); the workspace's trend over
    the period from the snapshots (null when narrowed by tier, team or owner: snapshots are workspace-wide).
    A fixed number of queries (one per hierarchy level for the subtrees)."""
    results = CoverageResult.objects.filter(filters.accounts_q("account__"), account__is_target=True)
    totals = checks.coverage_totals(results)
    subtrees = _subtree_sums()
    parents = [account for account, (required, _) in subtrees.items() if required]
    accounts = (
        Account.objects.filter(filters.accounts_q())
        .filter(Q(coverage_result__isnull=False, is_target=True) | Q(pk__in=parents))
        .order_by("name", "id")
        .values(
            "id",
            "name",
            "tier",
            "parent",
            "coverage_result__checked_at",
            "coverage_result__data_complete",
            "coverage_result__missing_fields",
            "coverage_result__firmographics_verified",
            "coverage_result__personas_required",
            "coverage_result__personas_covered",
            "coverage_result__gaps",
        )
    )
    trend = None
    if not _narrowed(filters):
        trend = [
            {
                "day": day,
                "accounts_coverage": ratio(without_gap, checked) if checked is not None else None,
                "personas_coverage": ratio(covered, required) if required is not None else None,
            }
            for day, checked, without_gap, required, covered in DailySnapshot.objects.filter(filters.period_q("day"))
            .order_by("day")
            .values_list("day", "accounts_checked", "accounts_without_gap", "personas_required", "personas_covered")
        ]
    return {
        "checked_at": totals["checked_at"],
        "accounts": totals["accounts"],
        "accounts_without_gap": totals["without_gap"],
        "accounts_coverage": ratio(totals["without_gap"], totals["accounts"]),
        "accounts_data_complete": totals["data_complete"],
        "data_coverage": ratio(totals["data_complete"], totals["accounts"]),
        "personas_required": totals["personas_required"],
        "personas_covered": totals["personas_covered"],
        "personas_coverage": ratio(totals["personas_covered"], totals["personas_required"]),
        **_goals(),
        "trend": trend,
        "results": [_account_row(row, subtrees.get(row["id"], (0, 0))) for row in accounts],
    }


def _account_row(row: dict, subtree: tuple[int, int]) -> dict:
    checked = row["coverage_result__checked_at"] is not None
    return {
        "account": row["id"],
        "account_name": row["name"],
        "tier": row["tier"],
        "parent": row["parent"],
        "checked_at": row["coverage_result__checked_at"],
        "data_complete": row["coverage_result__data_complete"],
        "missing_fields": row["coverage_result__missing_fields"] if checked else None,
        "firmographics_verified": row["coverage_result__firmographics_verified"],
        "personas_required": row["coverage_result__personas_required"],
        "personas_covered": row["coverage_result__personas_covered"],
        "personas_coverage": ratio(row["coverage_result__personas_covered"], row["coverage_result__personas_required"])
        if checked
        else None,
        "gaps": row["coverage_result__gaps"] if checked else None,
        "subtree_personas_required": subtree[0],
        "subtree_personas_covered": subtree[1],
        "subtree_personas_coverage": ratio(subtree[1], subtree[0]),
    }


def coverage_gaps(filters: MetricFilters, persona: int | None = None) -> dict:
    """Which personas are missing where: each uncovered committee requirement of the target accounts the
    filters leave (optionally of one persona), as ``personas.coverage`` counts it today. Two queries."""
    accounts = Account.objects.filter(filters.accounts_q(), is_target=True)
    rows = coverage_gap_rows(accounts)
    if persona is not None:
        rows = rows.filter(persona=persona)
    by_persona = rows.order_by().values("persona", "persona_name").annotate(accounts=Count("id"))
    by_persona = by_persona.order_by("persona_name", "persona")
    return {"by_persona": list(by_persona), "results": list(rows)}
