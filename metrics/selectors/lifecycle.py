"""The customer lifecycle: retention and churn over a period (read from the account status-change log, so any
past period can be measured), customer lifetime value, acquisition cost from the spend ledger, LTV:CAC."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Greatest, Least

from accounts.models import Account, AccountStatus, AccountStatusChange, Opportunity, OpportunityStage

from ..filters import MetricFilters, ratio
from ..models import SpendEntry

CENT = Decimal("0.01")
YEAR_DAYS = 365


class DaysBetween(Func):
    """``end - start`` in whole days, for two dates (PostgreSQL subtracts dates into days; SQLite has julianday)."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def money(value) -> str | None:
    """Money as the API writes it: a string with two decimals (None stays None)."""
    return None if value is None else str(Decimal(value).quantize(CENT))


def _status_on(day, *, before: bool = False) -> Subquery:
    """An account's status at the end of ``day`` (``before``: at its start), from the status-change log."""
    changes = AccountStatusChange.objects.filter(
        account=OuterRef("pk"), **{"changed_on__lt" if before else "changed_on__lte": day}
    )
    return Subquery(changes.order_by("-changed_on", "-id").values("status")[:1])


def _churn_counts(accounts, start, end, prefix: str) -> dict:
    """Customers at ``start``, those of them who churned by ``end`` (once or more) and those who are customers
    at ``end``, and accounts that became customers in between (new or back)."""
    in_period = AccountStatusChange.objects.filter(account=OuterRef("pk"), changed_on__range=(start, end))
    at_start = Q(**{f"{prefix}start": AccountStatus.CUSTOMER})
    # Every figure needs a customer by ``end`` (at the start, won in the period, or churned after being one): only
    # accounts the log shows as one by then are read, found through its status index, not every account.
    customers_by_end = AccountStatusChange.objects.filter(status=AccountStatus.CUSTOMER, changed_on__lte=end)
    # Every correlated subquery is an annotation: the aggregate then reads them from one inner query.
    return (
        accounts.filter(pk__in=customers_by_end.values("account_id"))
        .annotate(
            **{
                f"{prefix}start": _status_on(start, before=True),
                f"{prefix}end": _status_on(end),
                f"{prefix}churned": Exists(in_period.filter(status=AccountStatus.CHURNED)),
                f"{prefix}won": Exists(in_period.filter(status=AccountStatus.CUSTOMER)),
            }
        )
        .aggregate(
            customers_at_start=Count("pk", filter=at_start),
            churned=Count("pk", filter=at_start & Q(**{f"{prefix}churned": True})),
            retained=Count("pk", filter=at_start & Q(**{f"{prefix}end": AccountStatus.CUSTOMER})),
            new_customers=Count("pk", filter=Q(**{f"{prefix}won": True})),
        )
    )


def period_spend(filters: MetricFilters) -> Decimal:
    """The ledger's spend in the period: each entry's amount spread evenly over its days, the period's share."""
    overlap = DaysBetween(Least(F("period_end"), Value(filters.end)), Greatest(F("period_start"), Value(filters.start)))
    share = F("amount") * (overlap + 1) / (DaysBetween(F("period_end"), F("period_start")) + 1)
    total = SpendEntry.objects.filter(period_start__lte=filters.end, period_end__gte=filters.start).aggregate(
        spend=Sum(share, output_field=DecimalField(max_digits=20, decimal_places=6))
    )["spend"]
    return Decimal(total or 0)


def lifecycle(filters: MetricFilters) -> dict:
    """Retention and churn of the period; LTV from the year ending with the period; CAC and LTV:CAC. Four
    queries."""
    accounts = Account.objects.filter(filters.accounts_q())
    period = _churn_counts(accounts, filters.start, filters.end, "period_")
    year_start = filters.end - timedelta(days=YEAR_DAYS - 1)
    year = _churn_counts(accounts, year_start, filters.end, "year_")
    won = Opportunity.objects.filter(
        account__in=accounts.values("pk"),
        stage=OpportunityStage.CLOSED_WON,
        close_date__range=(year_start, filters.end),
    ).aggregate(revenue=Sum("amount"), customers=Count("account_id", distinct=True))
    spend = period_spend(filters)

    yearly_revenue = won["revenue"] / won["customers"] if won["customers"] else None
    yearly_churn = ratio(year["churned"], year["customers_at_start"])
    lifetime_years = round(1 / yearly_churn, 4) if yearly_churn else None
    ltv = yearly_revenue * Decimal(str(lifetime_years)) if yearly_revenue is not None and lifetime_years else None
    cac = spend / period["new_customers"] if period["new_customers"] else None
    return {
        "customers_at_start": period["customers_at_start"],
        "churned": period["churned"],
        "retained": period["retained"],
        "new_customers": period["new_customers"],
        "churn_rate": ratio(period["churned"], period["customers_at_start"]),
        "retention_rate": ratio(period["retained"], period["customers_at_start"]),
        "yearly_churn_rate": yearly_churn,
        "average_yearly_revenue": money(yearly_revenue),
        "average_lifetime_years": lifetime_years,
        "ltv": money(ltv),
        "spend": money(spend),
        "cac": money(cac),
        "ltv_to_cac": ratio(ltv, cac, digits=2) if ltv is not None else None,
    }


def spend_entries():
    return SpendEntry.objects.select_related("created_by")
