"""What every metric is asked for (``metrics.filters``): the period, the tier/team/owner narrowing, null ratios,
and the 400 naming the parameter for each bad value."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from abs_platform.tenancy.context import workspace_today
from accounts.models import Account, Activity, Contact, Signal
from metrics.filters import MetricFilters, metric_filters, ratio
from teams import services as team_services
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, SignalFactory, TenantFactory, TierFactory

pytestmark = pytest.mark.django_db

UNKNOWN = "Unknown query parameter. Use one of: end, format, owner, period, start, team, tier."


def parse(tenant, query: str) -> MetricFilters:
    with as_tenant(tenant):
        return metric_filters(QueryDict(query))


def refused(tenant, query: str) -> dict:
    with pytest.raises(ValidationError) as error, as_tenant(tenant):
        metric_filters(QueryDict(query))
    return error.value.detail


def test_ratio_is_rounded_to_four_digits_and_null_without_a_denominator():
    assert ratio(1, 3) == 0.3333
    assert ratio(2, 3) == 0.6667
    assert ratio(0, 5) == 0.0
    assert ratio(Decimal("1250.00"), Decimal("5000.00")) == 0.25
    assert ratio(5, 0) is None
    assert ratio(0, None) is None


def test_default_period_is_the_90_days_up_to_today(tenant_a):
    filters = parse(tenant_a, "")
    with as_tenant(tenant_a):
        today = workspace_today()
    assert (filters.start, filters.end) == (today - timedelta(days=89), today)
    assert filters.days == 90
    assert (filters.tier, filters.team, filters.owner) == (None, None, None)
    with as_tenant(tenant_a):
        assert MetricFilters.default() == filters


def test_period_presets_end_today_or_at_the_given_end(tenant_a):
    with as_tenant(tenant_a):
        today = workspace_today()
    assert parse(tenant_a, "period=30d").start == today - timedelta(days=29)
    filters = parse(tenant_a, "period=365d&end=2026-03-31")
    # 365 days ending 2026-03-31, both ends included: 2025-04-01 … 2026-03-31.
    assert (filters.start, filters.end, filters.days) == (date(2025, 4, 1), date(2026, 3, 31), 365)
    filters = parse(tenant_a, "start=2026-01-01&end=2026-01-31")
    assert (filters.start, filters.end, filters.days) == (date(2026, 1, 1), date(2026, 1, 31), 31)
    assert parse(tenant_a, "end=2026-03-31").start == date(2026, 1, 1)  # 90 days: January, February, March


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("period=7d", {"period": ['"7d" is not a valid choice.']}),
        ("period=30d&start=2026-01-01", {"period": ["Give either a period or a start, not both."]}),
        ("start=2026-13-01", {"start": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}),
        ("end=yesterday", {"end": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}),
        ("start=2026-02-01&end=2026-01-31", {"start": ["The start must be on or before the end."]}),
        ("start=2023-01-01&end=2026-01-31", {"start": ["A period spans at most 1098 days."]}),
        ("tier=first", {"tier": ["Expected an id (number), got str."]}),
        ("team=x", {"team": ["Expected an id (number), got str."]}),
        ("owner=0", {"owner": ["Ensure this value is greater than or equal to 1."]}),
        ("owner=me", {"owner": ["A valid integer is required."]}),
        ("periode=30d", {"periode": [UNKNOWN]}),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(tenant_a, query, errors):
    assert refused(tenant_a, query) == errors


def test_another_workspaces_tier_team_and_member_are_refused_as_unknown_ids(tenant_a, tenant_b, owner_a, member_b):
    tier_b = TierFactory(tenant=tenant_b, rank=1)
    with as_tenant(tenant_b):
        team_b = team_services.team_create(name="Bravo team")
    assert refused(tenant_a, f"tier={tier_b.pk}") == {"tier": [f"No tier with id {tier_b.pk} in this workspace."]}
    assert refused(tenant_a, f"team={team_b.pk}") == {"team": [f"No team with id {team_b.pk} in this workspace."]}
    assert refused(tenant_a, f"owner={member_b.pk}") == {
        "owner": [f"No member of this workspace has id {member_b.pk}."]
    }
    # The same ids are fine in their own workspace.
    filters = parse(tenant_b, f"tier={tier_b.pk}&team={team_b.pk}&owner={member_b.pk}")
    assert (filters.tier, filters.team, filters.owner) == (tier_b.pk, team_b.pk, member_b.pk)


def test_accounts_q_narrows_accounts_and_rows_reaching_them(tenant_a, owner_a, member_a):
    """Four accounts: tier 1 owned by owner_a on the team (North), tier 1 owned by member_a (South), tier 2 owned
    by owner_a on the team (East), no tier nor owner (West). One contact each."""
    tier1, tier2 = TierFactory(tenant=tenant_a, rank=1), TierFactory(tenant=tenant_a, rank=2)
    north = AccountFactory(tenant=tenant_a, name="North", tier=tier1, owner=owner_a)
    south = AccountFactory(tenant=tenant_a, name="South", tier=tier1, owner=member_a)
    east = AccountFactory(tenant=tenant_a, name="East", tier=tier2, owner=owner_a)
    west = AccountFactory(tenant=tenant_a, name="West")
    for account in (north, south, east, west):
        ContactFactory(tenant=tenant_a, account=account, first_name=account.name)
    with as_tenant(tenant_a):
        team = team_services.team_create(name="Core")
        team_services.team_account_add(team=team, account=north)
        team_services.team_account_add(team=team, account=east)

        def names(**narrowing):
            filters = MetricFilters(start=date(2026, 1, 1), end=date(2026, 1, 31), **narrowing)
            accounts = sorted(Account.objects.filter(filters.accounts_q()).values_list("name", flat=True))
            contacts = sorted(
                Contact.objects.filter(filters.accounts_q("account__")).values_list("first_name", flat=True)
            )
            assert accounts == contacts
            return accounts

        assert names() == ["East", "North", "South", "West"]
        assert names(tier=tier1.pk) == ["North", "South"]
        assert names(team=team.pk) == ["East", "North"]
        assert names(owner=owner_a.pk) == ["East", "North"]
        assert names(tier=tier1.pk, team=team.pk, owner=owner_a.pk) == ["North"]
        assert names(tier=tier2.pk, owner=member_a.pk) == []


def test_period_q_counts_days_in_the_workspaces_time_zone_whoever_asks(db):
    """Berlin is UTC+1 in winter. Activities at 22:59 and 23:00 UTC on 31 January are 23:59 on 31 January and
    00:00 on 1 February in Berlin; 22:59 UTC on 1 February is 23:59 on 1 February. The period 1 February (one
    day) holds the last two, also when the request runs in UTC (an API key) — before the fix ``__date`` read
    the request's zone and counted the first two."""
    tenant = TenantFactory(time_zone="Europe/Berlin")
    account = AccountFactory(tenant=tenant)
    for hour, minute, day in ((22, 59, 31), (23, 0, 31), (22, 59, 1)):
        month = 1 if day == 31 else 2
        ActivityFactory(
            tenant=tenant, account=account, occurred_at=datetime(2026, month, day, hour, minute, tzinfo=UTC)
        )
    filters = MetricFilters(start=date(2026, 2, 1), end=date(2026, 2, 1))
    with as_tenant(tenant):
        counted = sorted(
            Activity.objects.filter(filters.period_q("occurred_at", datetime=True)).values_list(
                "occurred_at", flat=True
            )
        )
        assert counted == [datetime(2026, 1, 31, 23, 0, tzinfo=UTC), datetime(2026, 2, 1, 22, 59, tzinfo=UTC)]
        assert Activity.objects.filter(filters.period_q("occurred_at", datetime=True), account=account).count() == 2


def test_period_q_on_dates_includes_both_ends(tenant_a):
    account = AccountFactory(tenant=tenant_a)
    for day in (date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 1)):
        SignalFactory(tenant=tenant_a, account=account, occurred_on=day)
    filters = MetricFilters(start=date(2026, 2, 1), end=date(2026, 2, 28))
    with as_tenant(tenant_a):
        days = sorted(Signal.objects.filter(filters.period_q("occurred_on")).values_list("occurred_on", flat=True))
    assert days == [date(2026, 2, 1), date(2026, 2, 28)]
