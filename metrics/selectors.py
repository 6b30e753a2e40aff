"""Account-programme figures, computed set-based in the database (one query each)."""

from django.db.models import Count, Q

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
