"""Account-programme figures, computed set-based in the database (one query each)."""

from django.db.models import Count, Q

from abs_platform.tenancy import cache_reads
from abs_platform.tenancy.context import get_current_tenant
from accounts.models import Account, AccountStatus


def account_summary() -> dict:
    """Accounts in the workspace by status and targeting, and how many lack an owner or a domain."""
    totals = Account.objects.aggregate(
        total=Count("id"),
        targets=Count("id", filter=Q(is_target=True)),
        unowned_targets=Count("id", filter=Q(is_target=True, owner__isnull=True)),
        targets_without_domain=Count("id", filter=Q(is_target=True, domain="")),
        **{status.value: Count("id", filter=Q(status=status.value)) for status in AccountStatus},
    )
    return {
        "total": totals["total"],
        "targets": totals["targets"],
        "unowned_targets": totals["unowned_targets"],
        "targets_without_domain": totals["targets_without_domain"],
        "by_status": [(status.label, totals[status.value]) for status in AccountStatus],
    }


def target_accounts_by_industry(limit: int = 10) -> list[dict]:
    return list(
        Account.objects.filter(is_target=True)
        .values("industry")
        .annotate(accounts=Count("id"))
        .order_by("-accounts", "industry")[:limit]
    )


FIGURES_CACHE_SECONDS = 60


def programme_figures_cached() -> dict:
    """The metrics page's figures (two full aggregates per tenant), kept for a minute."""
    return cache_reads.remembered(
        f"programme-figures:{get_current_tenant().pk}",
        FIGURES_CACHE_SECONDS,
        lambda: {"summary": account_summary(), "industries": target_accounts_by_industry()},
    )
