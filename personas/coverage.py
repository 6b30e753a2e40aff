"""Persona coverage of buying committees: plain functions, no database.

Definitions (used by the API, the pages, the admin and the workers alike):

* A contact is **current** when its status is *active* and it was verified
  within the last ``FRESHNESS_DAYS`` days (``last_verified_on >= today -
  FRESHNESS_DAYS``). Data decays by about 20 % a year, so a contact not
  re-verified for a year no longer counts; a contact never verified does not
  count either.
* The **required committee** of an account is the committee of its effective
  tier (``Account.tier``): CommitteeRequirement rows (persona, min_contacts).
  An account without a tier, or whose tier has no requirements, has nothing
  required: its coverage is undefined (None), never 0 % or 100 %.
* A requirement is **covered** when the account has at least ``min_contacts``
  current contacts with that persona.
* **Coverage** = covered requirements / required requirements (a share 0–1;
  shown as a whole percentage, rounded down).
* **Gaps** = the uncovered requirements, each with how many more current
  contacts it needs (``min_contacts - current``).
* Workspace figure: among target accounts with a required committee, the
  share fully covered (100 %) and the share covered at least
  ``GOOD_COVERAGE`` (70 %, the low end of the 70–80 % goal).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

FRESHNESS_DAYS = 365
GOOD_COVERAGE = Fraction(7, 10)
ACTIVE = "active"


@dataclass(frozen=True)
class Requirement:
    persona_id: int
    persona_name: str
    min_contacts: int


@dataclass(frozen=True)
class ContactFacts:
    persona_id: int | None
    status: str
    last_verified_on: date | None


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


def freshness_cutoff(today: date) -> date:
    """The oldest verification date that still counts as current."""
    return today - timedelta(days=FRESHNESS_DAYS)


def needs_verification(*, last_verified_on: date | None, today: date) -> bool:
    """Whether a contact is due for re-verification: never verified, or last verified before the freshness
    window (whatever its status). The contact list's ``stale`` filter and its marker use this definition."""
    return last_verified_on is None or last_verified_on < freshness_cutoff(today)


def is_current(*, status: str, last_verified_on: date | None, today: date) -> bool:
    return status == ACTIVE and last_verified_on is not None and last_verified_on >= freshness_cutoff(today)


def freshness(*, status: str, last_verified_on: date | None, today: date) -> str:
    """A label for one contact: ``current``, ``stale`` (verified too long ago), ``unverified`` or ``inactive``."""
    if status != ACTIVE:
        return "inactive"
    if last_verified_on is None:
        return "unverified"
    return "current" if last_verified_on >= freshness_cutoff(today) else "stale"


def current_counts(contacts: Iterable[ContactFacts], *, today: date) -> dict[int, int]:
    """Current contacts per persona id."""
    counts: dict[int, int] = {}
    for contact in contacts:
        if contact.persona_id is not None and is_current(
            status=contact.status, last_verified_on=contact.last_verified_on, today=today
        ):
            counts[contact.persona_id] = counts.get(contact.persona_id, 0) + 1
    return counts


def account_coverage(requirements: Iterable[Requirement], contacts: Iterable[ContactFacts], *, today: date) -> Coverage:
    """Coverage of one account's required committee by its contacts."""
    counts = current_counts(contacts, today=today)
    required, covered, gaps = 0, 0, []
    for requirement in requirements:
        required += 1
        have = counts.get(requirement.persona_id, 0)
        if have >= requirement.min_contacts:
            covered += 1
        else:
            gaps.append(
                Gap(
                    persona_id=requirement.persona_id,
                    persona_name=requirement.persona_name,
                    min_contacts=requirement.min_contacts,
                    current=have,
                    missing=requirement.min_contacts - have,
                )
            )
    return Coverage(required=required, covered=covered, gaps=gaps)


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


def coverage_shares(pairs: Iterable[tuple[int, int]]) -> CoverageShares:
    """Workspace figure from (covered, required) per target account."""
    accounts = complete = good = without = 0
    for covered, required in pairs:
        if not required:
            without += 1
            continue
        accounts += 1
        complete += covered >= required
        good += Fraction(covered, required) >= GOOD_COVERAGE
    return CoverageShares(accounts=accounts, complete=complete, good=good, without_requirements=without)
