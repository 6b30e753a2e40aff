"""The daily snapshots as rows (docs/metrics.md, "Snapshots")."""

from decimal import Decimal

from checks.models import StaleReason

from ..filters import MetricFilters, ratio
from ..models import DailySnapshot

STALE_COLUMNS = tuple(f"stale_{reason}" for reason in StaleReason.values)
COLUMNS = (
    "day",
    "backfilled",
    "taken_at",
    "coverage_checked_at",
    "accounts_checked",
    "accounts_without_gap",
    "accounts_coverage",
    "personas_required",
    "personas_covered",
    "personas_coverage",
    *STALE_COLUMNS,
    "stale_total",
    "engaged_accounts",
    "touches",
    "open_deals",
    "open_pipeline",
    "tasks_done",
    "tasks_overdue",
)


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _row(snapshot: DailySnapshot) -> dict:
    stale = snapshot.stale_by_reason
    measured = snapshot.accounts_checked is not None
    return {
        "day": snapshot.day,
        "backfilled": snapshot.backfilled,
        "taken_at": snapshot.taken_at,
        "coverage_checked_at": snapshot.coverage_checked_at,
        "accounts_checked": snapshot.accounts_checked,
        "accounts_without_gap": snapshot.accounts_without_gap,
        "accounts_coverage": ratio(snapshot.accounts_without_gap, snapshot.accounts_checked) if measured else None,
        "personas_required": snapshot.personas_required,
        "personas_covered": snapshot.personas_covered,
        "personas_coverage": ratio(snapshot.personas_covered, snapshot.personas_required) if measured else None,
        **{f"stale_{reason}": None if stale is None else stale.get(reason, 0) for reason in StaleReason.values},
        "stale_total": None if stale is None else sum(stale.values()),
        "engaged_accounts": snapshot.engaged_accounts,
        "touches": snapshot.touches,
        "open_deals": snapshot.open_deals,
        "open_pipeline": money(snapshot.open_pipeline),
        "tasks_done": snapshot.tasks_done,
        "tasks_overdue": snapshot.tasks_overdue,
    }


def snapshots(filters: MetricFilters) -> dict:
    """The stored snapshots of the period's days, oldest first (a day without one has no row). One query."""
    rows = DailySnapshot.objects.filter(filters.period_q("day")).order_by("day")
    return {"days": filters.days, "results": [_row(snapshot) for snapshot in rows]}
