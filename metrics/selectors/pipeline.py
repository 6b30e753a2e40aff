"""Pipeline and revenue of the target accounts beside two non-target cohorts (ADR 0035): a seeded random sample
of non-target customers as large as the target cohort, and the non-target accounts that look like target ones
(same size band and industry)."""

from decimal import Decimal

from django.db.models import Avg, Case, CharField, Count, Exists, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import MD5, Cast, Concat

from accounts.models import CLOSED_STAGES, Account, AccountStatus, Opportunity, OpportunityStage

from ..filters import MetricFilters, ratio
from .lifecycle import DaysBetween, money

# Employee-count bands the look-alike cohort is matched on: (band, the first count of the next band).
SIZE_BANDS = ((1, 50), (2, 200), (3, 1000), (4, 5000))
TOP_SIZE_BAND = 5
COHORTS = ("target", "random_customers", "look_alike")


def size_band() -> Case:
    """1: under 50 employees, 2: 50–199, 3: 200–999, 4: 1,000–4,999, 5: 5,000 and more; null when unknown."""
    return Case(
        *(When(employee_count__lt=limit, then=Value(band)) for band, limit in SIZE_BANDS),
        When(employee_count__isnull=False, then=Value(TOP_SIZE_BAND)),
        output_field=IntegerField(),
    )


def cohorts(filters: MetricFilters, seed: int) -> dict:
    """Each cohort's accounts as a queryset. The filters narrow the target cohort; the comparison cohorts come from
    the whole workspace (the sample is drawn to the narrowed target cohort's size, the look-alikes match it)."""
    targets = Account.objects.filter(is_target=True).filter(filters.accounts_q())
    size = targets.count()
    sample = (
        Account.objects.filter(is_target=False, status=AccountStatus.CUSTOMER)
        .annotate(draw=MD5(Concat(Value(f"{seed}:"), Cast("pk", CharField()))))
        .order_by("draw", "pk")
        .values("pk")[:size]
    )
    like_targets = (
        targets.annotate(band=size_band())
        .filter(industry=OuterRef("industry"), band=OuterRef("band"))
        .exclude(industry="")
    )
    look_alike = (
        Account.objects.filter(is_target=False).annotate(band=size_band()).filter(Exists(like_targets)).values("pk")
    )
    return {
        "target": (targets.values("pk"), size),
        "random_customers": (sample, None),
        "look_alike": (look_alike, None),
    }


def _cohort_figures(accounts, filters: MetricFilters) -> dict:
    opened = Q(opened_on__range=(filters.start, filters.end))
    closed = Q(stage__in=CLOSED_STAGES, close_date__range=(filters.start, filters.end))
    won = closed & Q(stage=OpportunityStage.CLOSED_WON)
    figures = Opportunity.objects.filter(account__in=accounts).aggregate(
        pipeline_created=Count("pk", filter=opened),
        pipeline_created_amount=Sum("amount", filter=opened),
        closed=Count("pk", filter=closed),
        won=Count("pk", filter=won),
        won_amount=Sum("amount", filter=won),
        cycle_days=Avg(DaysBetween("close_date", "opened_on"), filter=won),
        won_without_close_date=Count("pk", filter=Q(stage=OpportunityStage.CLOSED_WON, close_date__isnull=True)),
        open_deals=Count("pk", filter=~Q(stage__in=CLOSED_STAGES) & Q(opened_on__lte=filters.end)),
    )
    win_rate = ratio(figures["won"], figures["closed"])
    average = figures["won_amount"] / figures["won"] if figures["won"] else None
    cycle = round(float(figures["cycle_days"]), 1) if figures["cycle_days"] is not None else None
    velocity = (
        Decimal(figures["open_deals"]) * Decimal(str(win_rate)) * average / Decimal(str(cycle))
        if win_rate is not None and average is not None and cycle
        else None
    )
    return {
        "pipeline_created": figures["pipeline_created"],
        "pipeline_created_amount": money(figures["pipeline_created_amount"] or 0),
        "closed": figures["closed"],
        "won": figures["won"],
        "win_rate": win_rate,
        "average_deal_size": money(average),
        "sales_cycle_days": cycle,
        "won_without_close_date": figures["won_without_close_date"],
        "open_deals": figures["open_deals"],
        "deal_velocity": money(velocity),
    }


def pipeline(filters: MetricFilters, seed: int = 0) -> dict:
    """Per cohort (``results``, one row each): its size, pipeline created, win rate, average deal size, sales
    cycle and deal velocity. Six queries."""
    rows = []
    for name, (accounts, size) in cohorts(filters, seed).items():
        if size is None:
            size = Account.objects.filter(pk__in=accounts).count()
        rows.append({"cohort": name, "accounts": size, **_cohort_figures(accounts, filters)})
    return {"seed": seed, "results": rows}
