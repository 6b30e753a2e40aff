"""Coverage maths with hand-computed values (pure functions, no database)."""

from datetime import date
from fractions import Fraction

from personas.coverage import (
    FRESHNESS_DAYS,
    ContactFacts,
    Gap,
    Requirement,
    account_coverage,
    coverage_shares,
    freshness,
    freshness_cutoff,
    is_current,
    needs_verification,
)

TODAY = date(2026, 6, 30)
CFO, CIO, CHAMP = 1, 2, 3
REQUIREMENTS = [
    Requirement(CFO, "Finance leader", 1),
    Requirement(CIO, "IT leader", 2),
    Requirement(CHAMP, "Champion", 1),
]


def contact(persona, status="active", verified=date(2026, 1, 1)):
    return ContactFacts(persona_id=persona, status=status, last_verified_on=verified)


def test_freshness_boundary_is_365_days():
    assert FRESHNESS_DAYS == 365
    assert freshness_cutoff(TODAY) == date(2025, 6, 30)
    assert is_current(status="active", last_verified_on=date(2025, 6, 30), today=TODAY) is True
    assert is_current(status="active", last_verified_on=date(2025, 6, 29), today=TODAY) is False
    assert is_current(status="active", last_verified_on=None, today=TODAY) is False
    assert is_current(status="bounced", last_verified_on=TODAY, today=TODAY) is False
    assert [
        freshness(status="active", last_verified_on=date(2025, 6, 30), today=TODAY),
        freshness(status="active", last_verified_on=date(2025, 6, 29), today=TODAY),
        freshness(status="active", last_verified_on=None, today=TODAY),
        freshness(status="left_company", last_verified_on=TODAY, today=TODAY),
    ] == ["current", "stale", "unverified", "inactive"]


def test_needs_verification_is_never_or_outside_the_window_whatever_the_status():
    assert needs_verification(last_verified_on=date(2025, 6, 30), today=TODAY) is False
    assert needs_verification(last_verified_on=date(2025, 6, 29), today=TODAY) is True
    assert needs_verification(last_verified_on=None, today=TODAY) is True


def test_partial_coverage_with_gaps():
    contacts = [
        contact(CFO),  # covers CFO (needs 1)
        contact(CIO),  # 1 of 2 IT leaders
        contact(CIO, verified=date(2025, 1, 1)),  # stale: does not count
        contact(CIO, status="left_company"),  # inactive: does not count
        contact(None),  # no persona
        contact(CHAMP, verified=None),  # never verified: does not count
    ]
    coverage = account_coverage(REQUIREMENTS, contacts, today=TODAY)
    assert (coverage.required, coverage.covered, coverage.percent) == (3, 1, 33)
    assert coverage.ratio == Fraction(1, 3)
    assert coverage.is_complete is False
    assert coverage.gaps == [
        Gap(persona_id=CIO, persona_name="IT leader", min_contacts=2, current=1, missing=1),
        Gap(persona_id=CHAMP, persona_name="Champion", min_contacts=1, current=0, missing=1),
    ]


def test_full_coverage():
    contacts = [contact(CFO), contact(CIO), contact(CIO, verified=date(2025, 6, 30)), contact(CHAMP), contact(CHAMP)]
    coverage = account_coverage(REQUIREMENTS, contacts, today=TODAY)
    assert (coverage.required, coverage.covered, coverage.percent, coverage.gaps, coverage.is_complete) == (
        3,
        3,
        100,
        [],
        True,
    )


def test_nothing_required_is_undefined_not_zero():
    coverage = account_coverage([], [contact(CFO)], today=TODAY)
    assert (coverage.required, coverage.covered, coverage.percent, coverage.ratio) == (0, 0, None, None)
    assert coverage.is_complete is False


def test_workspace_shares():
    # (covered, required) per target account: 3/3, 7/10 (exactly 70 %), 2/3 (66 %), 0/2, and two with nothing required.
    shares = coverage_shares([(3, 3), (7, 10), (2, 3), (0, 2), (0, 0), (0, 0)])
    assert (shares.accounts, shares.complete, shares.good, shares.without_requirements) == (4, 1, 2, 2)
    assert (shares.complete_percent, shares.good_percent) == (25, 50)
    assert coverage_shares([]).complete_percent is None
