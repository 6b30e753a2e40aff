"""Contact freshness (accounts.freshness) with hand-computed values."""

from datetime import date

from accounts.freshness import FRESHNESS_DAYS, freshness, freshness_cutoff, needs_verification

TODAY = date(2026, 6, 30)


def test_freshness_boundary_is_365_days():
    assert FRESHNESS_DAYS == 365
    assert freshness_cutoff(TODAY) == date(2025, 6, 30)
    assert [
        freshness(status="active", last_verified_on=date(2025, 6, 30), today=TODAY),
        freshness(status="active", last_verified_on=date(2025, 6, 29), today=TODAY),
        freshness(status="active", last_verified_on=None, today=TODAY),
        freshness(status="left_company", last_verified_on=TODAY, today=TODAY),
        freshness(status="bounced", last_verified_on=TODAY, today=TODAY),
    ] == ["current", "stale", "unverified", "inactive", "inactive"]


def test_needs_verification_is_never_or_outside_the_window_whatever_the_status():
    assert needs_verification(last_verified_on=date(2025, 6, 30), today=TODAY) is False
    assert needs_verification(last_verified_on=date(2025, 6, 29), today=TODAY) is True
    assert needs_verification(last_verified_on=None, today=TODAY) is True
