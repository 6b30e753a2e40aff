"""Persona coverage of buying committees, defined once, in the database. Every reader uses what is stored
from here: the account list and its filters, the account page, the hierarchy roll-up, the API and the
scheduled checks.

* A contact is **current** as ``accounts.freshness`` defines it (active, verified within
  ``FRESHNESS_DAYS``).
* The **required committee** of an account is the committee of its effective tier (``Account.tier``):
  CommitteeRequirement rows (persona, min_contacts). An account without a tier, or whose tier has no
  requirements, has nothing required: its coverage is undefined (None), never 0 % or 100 %.
* A requirement is **covered** when the account has at least ``min_contacts`` current contacts with that
  persona (``_current_contacts``, the one expression both forms below count with).
* **Coverage** = covered requirements / required requirements, shown as a whole percentage rounded down.
* **Gaps** = the uncovered requirements, each with how many more current contacts it needs.
* Workspace figure: among target accounts with a required committee, the share fully covered (100 %) and
  the share covered at least ``GOOD_COVERAGE`` (70 %, the low end of the 70–80 % goal).

Each account stores ``coverage_required`` and ``coverage_covered`` (and, generated from them by the database,
``coverage_gaps`` and ``coverage_percent``: NULL when nothing is required). ``coverage_store(accounts)``
writes them, in one UPDATE, after every write that can change them (``receivers``: contacts, tiers, imports;
``services``: personas and committee requirements); ``coverage_recount()`` rewrites those of the whole
workspace whose figures changed, for contacts whose freshness expired without a write (the daily coverage
check). ``accounts_with_coverage(queryset)`` annotates the same figures computed now, as ``computed_required``
and ``computed_covered``. ``committee_requirements(account)`` answers one account's requirements, each with its
``current`` count.
"""

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from abs_platform.tenancy.context import workspace_today
from accounts.freshness import current_q
from accounts.models import Account, Contact

from .models import CommitteeRequirement

GOOD_COVERAGE = Fraction(7, 10)
# A whole percentage rounded down is at least 70 exactly when covered / required is at least 7/10.
GOOD_PERCENT = GOOD_COVERAGE.numerator * 100 // GOOD_COVERAGE.denominator


def _count(queryset) -> Subquery:
    """``SELECT COUNT(id) FROM (queryset)`` as a correlated scalar subquery (0 when nothing matches)."""
    counted = queryset.order_by().annotate(_n=Func(F("id"), function="COUNT")).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _current_contacts(account, today: date | None) -> Subquery:
    """Current contacts of the requirement's persona at ``account`` (an id, or an ``OuterRef`` to one)."""
    return _count(
        Contact.objects.filter(current_q(today or workspace_today()), account=account, persona=OuterRef("persona"))
    )


def committee_requirements(account: Account, *, today: date | None = None) -> QuerySet[CommitteeRequirement]:
    """The required committee of the account's tier, by persona name, each requirement with ``current``:
    the account's current contacts of its persona."""
    return (
        CommitteeRequirement.objects.filter(tier_id=account.tier_id)
        .select_related("persona")
        .annotate(current=_current_contacts(account.pk, today))
        .order_by("persona__name", "id")
    )


def _counts(today: date | None) -> dict:
    """``coverage_required`` and ``coverage_covered`` of the account of the outer query, each an aggregate over
    its tier's requirements (0 without any)."""
    requirements = CommitteeRequirement.objects.filter(tier=OuterRef("tier")).order_by().values("tier")
    covered = Count("id", filter=Q(min_contacts__lte=_current_contacts(OuterRef(OuterRef("pk")), today)))
    return {"required": _aggregate(requirements, Count("id")), "covered": _aggregate(requirements, covered)}


def accounts_with_coverage(queryset: QuerySet[Account], *, today: date | None = None) -> QuerySet[Account]:
    """Annotate accounts with ``computed_required`` and ``computed_covered``: their coverage now."""
    counts = _counts(today)
    return queryset.annotate(computed_required=counts["required"], computed_covered=counts["covered"])


def coverage_store(accounts: QuerySet[Account], *, today: date | None = None) -> int:
    """Store the coverage of ``accounts`` (one UPDATE); how many rows were written."""
    counts = _counts(today)
    return accounts.update(coverage_required=counts["required"], coverage_covered=counts["covered"])


def coverage_store_ids(account_ids, *, today: date | None = None) -> int:
    """``coverage_store`` of the accounts with these ids (none: no query)."""
    account_ids = set(account_ids) - {None}
    return coverage_store(Account.objects.filter(pk__in=account_ids), today=today) if account_ids else 0


def coverage_recount(*, today: date | None = None) -> int:
    """Store the coverage of every account of the workspace whose stored figures are no longer what they
    compute to (contacts whose verification expired); how many changed."""
    stale = accounts_with_coverage(Account.objects.all(), today=today).exclude(
        coverage_required=F("computed_required"), coverage_covered=F("computed_covered")
    )
    return coverage_store(Account.objects.filter(pk__in=stale.values("pk")), today=today)


def _aggregate(requirements, aggregate) -> Coalesce:
    """``aggregate`` over the tier's requirements; 0 without any."""
    return Coalesce(Subquery(requirements.annotate(n=aggregate).values("n"), output_field=IntegerField()), Value(0))


@dataclass(frozen=True)
class Gap:
    persona_id: int
    persona_name: str
    min_contacts: int
    current: int
    missing: int


@dataclass(frozen=True)
class Coverage:
    required: int
    covered: int
    gaps: list[Gap] = field(default_factory=list)

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.covered, self.required) if self.required else None

    @property
    def percent(self) -> int | None:
        return None if not self.required else self.covered * 100 // self.required

    @property
    def is_complete(self) -> bool:
        return bool(self.required) and self.covered == self.required


def coverage_of(requirements) -> Coverage:
    """One account's coverage from ``committee_requirements`` (already counted, no query of its own)."""
    gaps = [
        Gap(req.persona_id, req.persona.name, req.min_contacts, req.current, req.min_contacts - req.current)
        for req in requirements
        if req.current < req.min_contacts
    ]
    return Coverage(required=len(requirements), covered=len(requirements) - len(gaps), gaps=gaps)


@dataclass(frozen=True)
class CoverageShares:
    accounts: int  # target accounts with a required committee
    complete: int  # … fully covered
    good: int  # … covered at least GOOD_COVERAGE
    without_requirements: int  # target accounts with nothing required (no tier, or an empty committee)


def workspace_coverage() -> CoverageShares:
    """Share of target accounts with 100 % / at least 70 % coverage (one query over the stored figures)."""
    totals = Account.objects.filter(is_target=True).aggregate(
        accounts=Count("id", filter=Q(coverage_percent__isnull=False)),
        complete=Count("id", filter=Q(coverage_percent=100)),
        good=Count("id", filter=Q(coverage_percent__gte=GOOD_PERCENT)),
        without=Count("id", filter=Q(coverage_percent__isnull=True)),
    )
    return CoverageShares(
        accounts=totals["accounts"],
        complete=totals["complete"],
        good=totals["good"],
        without_requirements=totals["without"],
    )


def coverage_gap_rows(accounts: QuerySet[Account], *, today: date | None = None) -> QuerySet[CommitteeRequirement]:
    """Every uncovered requirement of the given accounts, one row each (one query), by account then persona
    name: ``values()`` with ``account``, ``account_name``, ``tier``, ``persona``, ``persona_name``,
    ``min_contacts``, ``current`` and ``missing`` — the gaps ``coverage_of`` lists for one account."""
    return (
        CommitteeRequirement.objects.filter(tier__accounts__in=accounts)
        .annotate(current=_current_contacts(OuterRef("tier__accounts"), today))
        .filter(current__lt=F("min_contacts"))
        .order_by("tier__accounts__name", "tier__accounts", "persona__name", "persona")
        .values(
            "min_contacts",
            "current",
            "persona",
            "tier",
            account=F("tier__accounts"),
            account_name=F("tier__accounts__name"),
            persona_name=F("persona__name"),
            missing=F("min_contacts") - F("current"),
        )
    )


def missing_personas(account_ids, *, today: date | None = None) -> dict[int, list[dict]]:
    """``{account id: [{"id", "name", "missing"}, …]}``: the personas each of these accounts misses, by name, with
    how many more current contacts each needs ([] when none; one query, none without ids)."""
    missing = {account_id: [] for account_id in account_ids}
    if missing:
        for row in coverage_gap_rows(Account.objects.filter(pk__in=missing), today=today):
            missing[row["account"]].append(
                {"id": row["persona"], "name": row["persona_name"], "missing": row["missing"]}
            )
    return missing


def missing_persona_q(persona_id: int, *, today: date | None = None) -> Exists:
    """Accounts whose tier requires the persona and that have fewer current contacts of it than required."""
    return Exists(
        CommitteeRequirement.objects.filter(
            tier=OuterRef("tier"),
            persona_id=persona_id,
            min_contacts__gt=_current_contacts(OuterRef(OuterRef("pk")), today),
        )
    )
