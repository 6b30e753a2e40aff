"""How target accounts spread over fit scores and coverage, and open pipeline by stage (the dashboard's
distribution charts). One grouped or conditional aggregate each."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from accounts.models import CLOSED_STAGES, Account, Opportunity, OpportunityStage

from ..filters import MetricFilters

# Bands of 0–100 figures: (label, lowest included, highest included).
BANDS = [("0–24", 0, 24), ("25–49", 25, 49), ("50–74", 50, 74), ("75–99", 75, 99), ("100", 100, 100)]


def _banded(queryset, field: str) -> list[dict]:
    counts = queryset.aggregate(
        unknown=Count("id", filter=Q(**{f"{field}__isnull": True})),
        **{label: Count("id", filter=Q(**{f"{field}__range": (low, high)})) for label, low, high in BANDS},
    )
    return [{"band": label, "accounts": counts[label]} for label, _, _ in BANDS] + [
        {"band": "none", "accounts": counts["unknown"]}
    ]


def fit_score_distribution(filters: MetricFilters) -> dict:
    """Target accounts by fit-score band; ``none``: not scored yet. The period does not apply (current scores)."""
    return {"results": _banded(Account.objects.filter(filters.accounts_q(), is_target=True), "fit_score")}


def coverage_distribution(filters: MetricFilters) -> dict:
    """Target accounts by persona-coverage band (``personas.coverage``); ``none``: nothing required of their
    tier. The period does not apply (current contacts)."""
    accounts = Account.objects.filter(filters.accounts_q(), is_target=True)
    return {"results": _banded(accounts, "coverage_percent")}


def pipeline_by_stage(filters: MetricFilters) -> dict:
    """Open opportunities of the accounts in scope by stage, opened on or before the period's end: their count
    and amount (money as a string with two decimals)."""
    rows = (
        Opportunity.objects.filter(filters.accounts_q("account__"), opened_on__lte=filters.end)
        .exclude(stage__in=CLOSED_STAGES)
        .values("stage")
        .annotate(opportunities=Count("id", distinct=True), amount=Coalesce(Sum("amount"), Decimal(0)))
    )
    by_stage = {row["stage"]: row for row in rows}
    return {
        "results": [
            {
                "stage": label,
                "opportunities": by_stage.get(stage, {}).get("opportunities", 0),
                "amount": f"{by_stage.get(stage, {}).get('amount', Decimal(0)):.2f}",
            }
            for stage, label in OpportunityStage.choices
            if stage not in CLOSED_STAGES
        ]
    }
