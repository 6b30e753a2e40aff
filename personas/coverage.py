"""Persona coverage of buying committees, defined once, in the database. Every reader uses these
functions: the account list and its filters, the account page, the hierarchy roll-up, the API and the
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

``accounts_with_coverage(queryset)`` adds per account, in the same query:
``coverage_required``, ``coverage_covered``, ``coverage_gaps`` (required - covered), ``coverage_percent``
(NULL when nothing is required) and ``coverage_good_margin`` (``10 * covered - 7 * required``; ``>= 0``
means at least 70 %, integer maths). Filter on them like on any field, e.g. ``coverage_gaps__gt=0``.
``committee_requirements(account)`` answers one account's requirements, each with its ``current`` count.
"""

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from django.db.models import Case, Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from abs_platform.tenancy.context import workspace_today
from accounts.freshness import current_q
from accounts.models import Account, Contact

from .models import CommitteeRequirement

GOOD_COVERAGE = Fraction(7, 10)


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


def accounts_with_coverage(queryset: QuerySet[Account], *, today: date | None = None) -> QuerySet[Account]:
    """Annotate accounts with their committee coverage (see the module docstring for the fields)."""
    requirements = CommitteeRequirement.objects.filter(tier=OuterRef("tier"))
    covered = requirements.annotate(_have=_current_contacts(OuterRef(OuterRef("pk")), today)).filter(
        _have__gte=F("min_contacts")
    )
    return queryset.annotate(
        coverage_required=_count(requirements),
        coverage_covered=_count(covered),
        coverage_gaps=F("coverage_required") - F("coverage_covered"),
        coverage_percent=Case(
            When(coverage_required=0, then=Value(None)),
            default=F("coverage_covered") * 100 / F("coverage_required"),
            output_field=IntegerField(),
        ),
        coverage_good_margin=(
            F("coverage_covered") * GOOD_COVERAGE.denominator - F("coverage_required") * GOOD_COVERAGE.numerator
        ),
    )


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

    @property
    def complete_percent(self) -> int | None:
        return self.complete * 100 // self.accounts if self.accounts else None

    @property
    def good_percent(self) -> int | None:
        return self.good * 100 // self.accounts if self.accounts else None


def workspace_coverage(*, today: date | None = None) -> CoverageShares:
    """Share of target accounts with 100 % / at least 70 % coverage (one query)."""
    with_requirements = Q(coverage_required__gt=0)
    totals = accounts_with_coverage(Account.objects.filter(is_target=True), today=today).aggregate(
        accounts=Count("id", filter=with_requirements),
        complete=Count("id", filter=with_requirements & Q(coverage_gaps=0)),
        good=Count("id", filter=with_requirements & Q(coverage_good_margin__gte=0)),
        without=Count("id", filter=Q(coverage_required=0)),
    )
    return CoverageShares(
        accounts=totals["accounts"],
        complete=totals["complete"],
        good=totals["good"],
        without_requirements=totals["without"],
    )
