"""Reads for the ICP, tiers and scoring: set-based, a constant number of queries however many accounts."""

import operator
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from abs_platform.jobs.models import Job
from accounts.models import Account, AccountTechnology, Signal, Technology

from .models import Criterion, Department, IdealCustomerProfile, SignOff, Tier
from .scoring import AccountFacts, CriterionSpec, criterion_label, signal_lookback_days

FIT_JOB_KIND = "icp.fit_recompute"
TIERS_JOB_KIND = "icp.tiers_resuggest"
AGING_JOB_KIND = "icp.fit_aging"
FACT_FIELDS = (
    "id",
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "company_type",
    "growth_rate",
    "status",
)


def tier_list() -> QuerySet[Tier]:
    return Tier.objects.order_by("rank", "id")


@dataclass(frozen=True)
class TierLoad:
    tier: Tier
    count: int
    capacity: int | None
    over_by: int


def tier_loads() -> list[TierLoad]:
    """Per tier: accounts in it (effective tier), its capacity and how far over capacity it is (one query)."""
    loads = []
    for tier in Tier.objects.annotate(account_count=Count("accounts")).order_by("rank", "id"):
        over_by = max(0, tier.account_count - tier.capacity) if tier.capacity is not None else 0
        loads.append(TierLoad(tier=tier, count=tier.account_count, capacity=tier.capacity, over_by=over_by))
    return loads


def icp_list() -> QuerySet[IdealCustomerProfile]:
    return IdealCustomerProfile.objects.annotate(criteria_count=Count("criteria", distinct=True)).order_by("-version")


def icp_active() -> IdealCustomerProfile | None:
    return IdealCustomerProfile.objects.filter(is_active=True).first()


def icp_is_editable(icp: IdealCustomerProfile, active_version: int | None = ...) -> bool:
    """The active version and drafts newer than it are editable; previous versions are read-only."""
    if icp.is_active:
        return True
    if active_version is ...:
        active_version = IdealCustomerProfile.objects.filter(is_active=True).values_list("version", flat=True).first()
    return active_version is None or icp.version > active_version


def criterion_list() -> QuerySet[Criterion]:
    return Criterion.objects.select_related("icp").order_by("icp_id", "position", "id")


def criteria_weight_subquery() -> Subquery:
    """The sum of the weights of an ICP version's criteria, to annotate the version with (``OuterRef("pk")``)."""
    return Subquery(
        Criterion.objects.filter(icp=OuterRef("pk"))
        .order_by()
        .values("icp")
        .annotate(total=Sum("weight"))
        .values("total")
    )


def technology_names() -> dict[int, str]:
    return dict(Technology.objects.values_list("id", "name"))


def criteria_specs(criteria, names: dict[int, str] | None = None) -> list[CriterionSpec]:
    names = technology_names() if names is None else names
    return [
        CriterionSpec(
            kind=criterion.kind,
            params=criterion.params,
            weight=criterion.weight,
            must_have=criterion.must_have,
            label=criterion_label(criterion.kind, criterion.params, names),
        )
        for criterion in criteria
    ]


def active_criteria_specs() -> list[CriterionSpec]:
    """The active ICP's criteria (two queries: criteria, technology names only when needed)."""
    criteria = list(Criterion.objects.filter(icp__is_active=True).order_by("position", "id"))
    needs_names = any(criterion.kind == "technology" for criterion in criteria)
    return criteria_specs(criteria, technology_names() if needs_names else {})


def _facts_from_row(row: dict, technologies: dict[int, set], signals: dict[int, list]) -> AccountFacts:
    return AccountFacts(
        industry=row["industry"] or "",
        employee_count=row["employee_count"],
        annual_revenue=row["annual_revenue"],
        country=str(row["country"] or ""),
        company_type=row["company_type"] or "",
        growth_rate=row["growth_rate"],
        status=row["status"] or "",
        technology_ids=frozenset(technologies.get(row["id"], ())),
        signals=tuple(signals.get(row["id"], ())),
    )


def _needs(criteria: list[CriterionSpec]) -> tuple[bool, int | None]:
    return any(spec.kind == "technology" for spec in criteria), signal_lookback_days(criteria)


def facts_for_rows(rows: list[dict], criteria: list[CriterionSpec], *, today: date) -> dict[int, AccountFacts]:
    """Facts for already-loaded account rows (with FACT_FIELDS): at most two more queries, for the ids given."""
    ids = [row["id"] for row in rows]
    needs_technology, lookback = _needs(criteria)
    technologies: dict[int, set] = defaultdict(set)
    signals: dict[int, list] = defaultdict(list)
    if needs_technology and ids:
        for account_id, technology_id in AccountTechnology.objects.filter(account_id__in=ids).values_list(
            "account_id", "technology_id"
        ):
            technologies[account_id].add(technology_id)
    if lookback is not None and ids:
        for account_id, kind, occurred in Signal.objects.filter(
            account_id__in=ids, occurred_on__gte=today - timedelta(days=lookback)
        ).values_list("account_id", "signal_type", "occurred_on"):
            signals[account_id].append((kind, occurred))
    return {row["id"]: _facts_from_row(row, technologies, signals) for row in rows}


def accounts_with_aged_signals(criteria: list[CriterionSpec], *, since: date, today: date) -> list[int]:
    """Ids of the accounts whose trigger-event criteria can match differently on ``today`` than on ``since``:
    a signal of a criterion's types came into its window (occurred after ``since``, up to ``today``) or left it
    (occurred before ``today`` minus the window, and not before ``since`` minus it). One query."""
    conditions = []
    for spec in criteria:
        if spec.kind == "trigger_event":
            window = timedelta(days=int(spec.params.get("within_days", 0)))
            conditions.append(
                Q(signal_type__in=spec.params.get("signal_types", []))
                & (
                    Q(occurred_on__gt=since, occurred_on__lte=today)
                    | Q(occurred_on__gte=since - window, occurred_on__lt=today - window)
                )
            )
    if not conditions:
        return []
    aged = Signal.objects.filter(reduce(operator.or_, conditions))
    return list(aged.values_list("account_id", flat=True).distinct().order_by("account_id"))


@dataclass(frozen=True)
class PreviewRow:
    id: int
    name: str
    fit_score: int | None
    tier_id: int | None
    tier_override: bool
    facts: AccountFacts


def target_accounts_for_preview(criteria: list[CriterionSpec], *, today: date) -> list[PreviewRow]:
    """Every target account with its facts, current score and tier, in at most three queries (no IN lists)."""
    rows = list(
        Account.objects.filter(is_target=True)
        .order_by("id")
        .values(*FACT_FIELDS, "name", "fit_score", "tier_id", "tier_override_reason")
    )
    needs_technology, lookback = _needs(criteria)
    technologies: dict[int, set] = defaultdict(set)
    signals: dict[int, list] = defaultdict(list)
    if needs_technology:
        for account_id, technology_id in AccountTechnology.objects.filter(account__is_target=True).values_list(
            "account_id", "technology_id"
        ):
            technologies[account_id].add(technology_id)
    if lookback is not None:
        for account_id, kind, occurred in Signal.objects.filter(
            account__is_target=True, occurred_on__gte=today - timedelta(days=lookback)
        ).values_list("account_id", "signal_type", "occurred_on"):
            signals[account_id].append((kind, occurred))
    return [
        PreviewRow(
            id=row["id"],
            name=row["name"],
            fit_score=row["fit_score"],
            tier_id=row["tier_id"],
            tier_override=bool(row["tier_override_reason"]),
            facts=_facts_from_row(row, technologies, signals),
        )
        for row in rows
    ]


def sign_off_list() -> QuerySet[SignOff]:
    return SignOff.objects.select_related("signed_by", "icp").order_by("icp_id", "department")


def departments_missing(icp: IdealCustomerProfile, signed: list[SignOff] | None = None) -> list[tuple[str, str]]:
    """Departments (value, label) that have not signed off ``icp``."""
    if signed is None:
        done = set(SignOff.objects.filter(icp=icp).values_list("department", flat=True))
    else:
        done = {sign_off.department for sign_off in signed}
    return [(value, label) for value, label in Department.choices if value not in done]


def fit_job_latest() -> Job | None:
    return Job.objects.filter(kind=FIT_JOB_KIND).order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class TierChange:
    id: int
    name: str
    old_score: int | None
    new_score: int | None
    old_rank: int | None
    new_rank: int | None
    old_tier: str
    new_tier: str

    @property
    def rank_change(self) -> int:
        if self.old_rank is None or self.new_rank is None:
            return 10**9  # entering or leaving the ranking outranks any move
        return abs(self.old_rank - self.new_rank)


@dataclass(frozen=True)
class Preview:
    targets: int
    matching: int
    threshold: int
    buckets: list[dict]
    tier_changes: list[TierChange]
    tier_change_count: int
    unscored: int
    elapsed_ms: float


def icp_preview(
    criteria: list[CriterionSpec], *, today: date, tiers: list[Tier] | None = None, limit: int = 20
) -> Preview:
    """What the given criteria would do, without saving anything.

    Scores every target account in Python in one pass (three to five queries
    whatever the number of accounts): how many would match (score ≥
    MATCH_THRESHOLD), the score distribution in 10-point buckets, and the
    accounts whose tier would change, the largest rank moves first.
    """
    import time

    from .scoring import MATCH_THRESHOLD, score_account, score_buckets, suggest_tiers

    started = time.perf_counter()
    rows = target_accounts_for_preview(criteria, today=today)
    tiers = list(tier_list()) if tiers is None else tiers
    tier_names = {tier.pk: tier.name for tier in tiers}
    new_scores = {row.id: score_account(row.facts, criteria, today=today).score for row in rows}
    scored = [score for score in new_scores.values() if score is not None]

    def ranking(scores: dict[int, int | None]) -> dict[int, int]:
        ranked = sorted((pk for pk, score in scores.items() if score is not None), key=lambda pk: (-scores[pk], pk))
        return {pk: position for position, pk in enumerate(ranked, start=1)}

    old_rank = ranking({row.id: row.fit_score for row in rows})
    new_rank = ranking(new_scores)
    suggestion = suggest_tiers(
        {pk: score for pk, score in new_scores.items() if score is not None},
        [(tier.pk, tier.capacity) for tier in tiers],
    )
    changes = []
    for row in rows:
        if row.tier_override:
            continue  # an override keeps its tier
        new_tier = suggestion.get(row.id)
        if new_tier != row.tier_id:
            changes.append(
                TierChange(
                    id=row.id,
                    name=row.name,
                    old_score=row.fit_score,
                    new_score=new_scores[row.id],
                    old_rank=old_rank.get(row.id),
                    new_rank=new_rank.get(row.id),
                    old_tier=tier_names.get(row.tier_id, "—"),
                    new_tier=tier_names.get(new_tier, "—"),
                )
            )
    changes.sort(key=lambda change: (-change.rank_change, change.new_rank or 10**9, change.id))
    return Preview(
        targets=len(rows),
        matching=sum(1 for score in scored if score >= MATCH_THRESHOLD),
        threshold=MATCH_THRESHOLD,
        buckets=score_buckets(scored),
        tier_changes=changes[:limit],
        tier_change_count=len(changes),
        unscored=len(rows) - len(scored),
        elapsed_ms=round(1000 * (time.perf_counter() - started), 1),
    )


def deal_facts() -> list:
    """Closed deals with their account's attributes, for ICP insights (two queries)."""
    from accounts.models import CLOSED_STAGES, Opportunity, OpportunityStage

    from .insights import DealFacts

    deals = list(
        Opportunity.objects.filter(stage__in=CLOSED_STAGES)
        .order_by("id")
        .values_list("account_id", "stage", "account__industry", "account__employee_count", "account__country")
    )
    technologies: dict[int, list] = defaultdict(list)
    for account_id, technology_id, name in (
        AccountTechnology.objects.filter(account__opportunities__stage__in=CLOSED_STAGES)
        .distinct()
        .order_by("account_id", "technology_id")
        .values_list("account_id", "technology_id", "technology__name")
    ):
        technologies[account_id].append((technology_id, name))
    return [
        DealFacts(
            won=stage == OpportunityStage.CLOSED_WON,
            industry=industry or "",
            employee_count=employees,
            country=str(country or ""),
            technologies=tuple(technologies.get(account_id, ())),
        )
        for account_id, stage, industry, employees, country in deals
    ]
