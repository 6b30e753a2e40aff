"""Review cadence per tier and when an account's next review is due or overdue, with exact dates."""

from datetime import UTC, date, datetime

import pytest

from accounts.models import Account
from planning import selectors, services
from tests.conftest import as_tenant
from tests.factories import AccountFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("base", "months", "due"),
    [
        (date(2026, 10, 31), 1, date(2026, 11, 30)),  # no 31 November: the month's last day
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 9, 30), 3, date(2026, 12, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
    ],
)
def test_next_review_due(base, months, due):
    assert selectors.next_review_due(base, months) == due


@pytest.mark.parametrize("months", [1, 3, 6, 12])
@pytest.mark.parametrize("today", [date(2026, 3, 1), date(2026, 3, 30), date(2026, 2, 28), date(2026, 12, 31)])
def test_the_threshold_splits_overdue_bases_exactly(months, today):
    """``first_base_on_time`` agrees with the rule (overdue when the due day is before today) on every base."""
    threshold = selectors.first_base_on_time(months, today)
    for offset in range(-400, 5):
        base = date.fromordinal(today.toordinal() + offset)
        assert (base < threshold) == (selectors.next_review_due(base, months) < today), base


def test_month_end_boundary():
    """A review period ending 28 February is due on 28 March: on time that day, overdue from the 29th; from
    then on the first base on time is 1 March (due 1 April): February has no later day."""
    assert selectors.first_base_on_time(1, date(2026, 3, 28)) == date(2026, 2, 28)
    assert selectors.first_base_on_time(1, date(2026, 3, 29)) == date(2026, 3, 1)
    assert selectors.first_base_on_time(1, date(2026, 3, 31)) == date(2026, 3, 1)


@pytest.fixture
def tiers(tenant_a):
    return [TierFactory(tenant=tenant_a, rank=rank, name=f"Tier {rank}") for rank in (1, 2, 3)]


def _account(tenant, name, tier, created: date):
    account = AccountFactory(tenant=tenant, name=name, tier=tier)
    with as_tenant(tenant):
        Account.objects.filter(pk=account.pk).update(created_at=datetime(*created.timetuple()[:3], 12, tzinfo=UTC))
    return account


def _review(tenant, account, start, end):
    with as_tenant(tenant):
        services.review_create(account=account, period_start=start, period_end=end, held_on=end, status="green")


def _schedule(tenant, today):
    with as_tenant(tenant):
        return {
            account.name: (
                account.review_months,
                account.last_review_end,
                selectors.next_review_due(account.review_base, account.review_months),
                account.review_overdue,
            )
            for account in selectors.review_schedule(today)
        }


def test_defaults_tier_1_monthly_tier_2_quarterly_tier_3_none(tenant_a, tiers):
    with as_tenant(tenant_a):
        assert {tier.name: tier.review_months for tier in selectors.tier_cadences()} == {
            "Tier 1": 1,
            "Tier 2": 3,
            "Tier 3": 0,
        }


def test_due_and_overdue_at_the_boundaries(tenant_a, tiers):
    tier1, tier2, tier3 = tiers
    reviewed = _account(tenant_a, "Reviewed", tier1, date(2026, 1, 5))
    _review(tenant_a, reviewed, date(2026, 10, 1), date(2026, 10, 31))
    _account(tenant_a, "New", tier1, date(2026, 11, 10))
    quarterly = _account(tenant_a, "Quarterly", tier2, date(2026, 1, 5))
    _review(tenant_a, quarterly, date(2026, 7, 1), date(2026, 9, 30))
    _account(tenant_a, "Untiered-review", tier3, date(2026, 1, 5))
    AccountFactory(tenant=tenant_a, name="No tier")

    assert _schedule(tenant_a, date(2026, 11, 30)) == {
        "Reviewed": (1, date(2026, 10, 31), date(2026, 11, 30), False),  # due today: not overdue yet
        "New": (1, None, date(2026, 12, 10), False),  # no review: due a cadence after it was created
        "Quarterly": (3, date(2026, 9, 30), date(2026, 12, 30), False),
    }
    assert _schedule(tenant_a, date(2026, 12, 1)) == {
        "Reviewed": (1, date(2026, 10, 31), date(2026, 11, 30), True),
        "New": (1, None, date(2026, 12, 10), False),
        "Quarterly": (3, date(2026, 9, 30), date(2026, 12, 30), False),
    }
    assert _schedule(tenant_a, date(2026, 12, 11))["New"][3] is True
    assert _schedule(tenant_a, date(2026, 12, 31))["Quarterly"][3] is True


def test_a_workspace_cadence_replaces_the_default(tenant_a, tiers):
    tier1, _, tier3 = tiers
    _account(tenant_a, "Big", tier3, date(2026, 1, 1))
    with as_tenant(tenant_a):
        services.review_cadence_set(tier=tier3, months=6)
        services.review_cadence_set(tier=tier1, months=0)
    assert _schedule(tenant_a, date(2026, 7, 1)) == {"Big": (6, None, date(2026, 7, 1), False)}
    assert _schedule(tenant_a, date(2026, 7, 2)) == {"Big": (6, None, date(2026, 7, 1), True)}


def test_schedule_api_filters_overdue(api_a, tenant_a, tiers, admin_a, client_for):
    late = _account(tenant_a, "Late", tiers[0], date(2020, 1, 1))
    _account(tenant_a, "Fresh", tiers[1], date(2099, 1, 1))
    body = api_a.get("/api/v1/review-schedule/?overdue=true").json()
    assert [(row["id"], row["name"], row["review_overdue"]) for row in body["results"]] == [(late.pk, "Late", True)]
    assert api_a.get("/api/v1/review-schedule/?overdue=maybe").status_code == 400


def test_cadence_api_admins_change_members_read(api_a, tenant_a, tiers, member_a, client_for):
    response = api_a.patch(f"/api/v1/review-cadences/{tiers[2].pk}/", {"review_months": 12}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"id": tiers[2].pk, "name": "Tier 3", "rank": 3, "review_months": 12}
    browser = client_for(member_a)
    url = f"/t/{tenant_a.slug}/api/review-cadences/{tiers[2].pk}/"
    assert browser.patch(url, {"review_months": 1}, content_type="application/json").status_code == 403
    assert browser.get(url).json()["review_months"] == 12
