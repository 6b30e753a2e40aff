"""Engagement maths (accounts/engagement.py) with hand-computed values, and the set-based selector against it."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import selectors
from accounts.engagement import (
    ActivityFact,
    Change,
    Counts,
    Engagement,
    engagement_of,
    engagement_windows,
)
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ActivityFactory, ContactFactory

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
REFERENCE = date(2026, 3, 31)


def test_windows_are_whole_days_in_the_workspace_time_zone():
    windows = engagement_windows(REFERENCE, BERLIN)
    # Current: 1 January … 31 March 2026 (90 days); baseline: 3 October … 31 December 2025 (90 days).
    assert windows.current_start == datetime(2026, 1, 1, tzinfo=BERLIN)
    assert windows.baseline_start == datetime(2025, 10, 3, tzinfo=BERLIN)
    assert windows.end == datetime(2026, 4, 1, tzinfo=BERLIN)
    # Berlin is on summer time at both ends: UTC+2 (and UTC+1 in between).
    assert windows.baseline_start.astimezone(UTC) == datetime(2025, 10, 2, 22, tzinfo=UTC)
    assert windows.current_start.astimezone(UTC) == datetime(2025, 12, 31, 23, tzinfo=UTC)
    assert windows.end.astimezone(UTC) == datetime(2026, 3, 31, 22, tzinfo=UTC)


def test_window_length_can_change():
    windows = engagement_windows(date(2026, 1, 10), BERLIN, days=7)
    assert (windows.baseline_start, windows.current_start, windows.end) == (
        datetime(2025, 12, 28, tzinfo=BERLIN),
        datetime(2026, 1, 4, tzinfo=BERLIN),
        datetime(2026, 1, 11, tzinfo=BERLIN),
    )


def test_engagement_of_counts_each_window_and_its_edges():
    windows = engagement_windows(REFERENCE, BERLIN)
    tick = timedelta(microseconds=1)
    facts = [
        # current window
        ActivityFact(windows.current_start, "outbound", contact_id=1),  # first instant: current
        ActivityFact(windows.end - tick, "outbound", contact_id=1),  # last instant: current
        ActivityFact(datetime(2026, 2, 14, 9, tzinfo=BERLIN), "outbound", contact_id=None),
        ActivityFact(datetime(2026, 2, 15, 9, tzinfo=BERLIN), "inbound", contact_id=2),
        ActivityFact(datetime(2026, 3, 1, 9, tzinfo=BERLIN), "inbound", contact_id=3),
        # baseline
        ActivityFact(windows.current_start - tick, "inbound", contact_id=1),
        ActivityFact(windows.baseline_start, "outbound", contact_id=4),
        ActivityFact(datetime(2025, 11, 5, 9, tzinfo=BERLIN), "outbound", contact_id=None),
        # outside both
        ActivityFact(windows.end, "inbound", contact_id=5),
        ActivityFact(windows.baseline_start - tick, "inbound", contact_id=6),
    ]
    engagement = engagement_of(facts, windows)
    assert engagement.current == Counts(touches=3, responses=2, engaged_contacts=3)
    assert engagement.baseline == Counts(touches=2, responses=1, engaged_contacts=2)
    assert (engagement.touches.absolute, engagement.touches.percent, engagement.touches.trend) == (1, 50, "up")
    assert (engagement.responses.absolute, engagement.responses.percent) == (1, 100)
    assert (engagement.engaged_contacts.absolute, engagement.engaged_contacts.percent) == (1, 50)


@pytest.mark.parametrize(
    ("current", "baseline", "absolute", "percent", "trend"),
    [
        (4, 3, 1, 33, "up"),  # 33.3 %
        (5, 3, 2, 67, "up"),  # 66.7 %
        (9, 8, 1, 13, "up"),  # 12.5 %: halves away from zero
        (7, 8, -1, -13, "down"),  # −12.5 %
        (0, 5, -5, -100, "down"),
        (12, 4, 8, 200, "up"),
        (6, 6, 0, 0, "flat"),
        (3, 0, 3, None, "new"),  # no baseline: no percentage
        (0, 0, 0, None, "none"),
    ],
)
def test_change_against_the_baseline(current, baseline, absolute, percent, trend):
    change = Change(current, baseline)
    assert (change.absolute, change.percent, change.trend) == (absolute, percent, trend)


def test_engagements_add_up_window_by_window():
    parent = Engagement(current=Counts(2, 1, 1), baseline=Counts(0, 0, 0))
    child = Engagement(current=Counts(3, 0, 2), baseline=Counts(5, 2, 2))
    total = parent + child
    assert total == Engagement(current=Counts(5, 1, 3), baseline=Counts(5, 2, 2))
    assert (total.touches.trend, total.responses.percent, total.engaged_contacts.percent) == ("flat", -50, 50)
    assert Engagement().is_empty and not total.is_empty


@pytest.mark.django_db
class TestEngagementByAccount:
    """The grouped query gives the pure function's numbers, for many accounts in one query."""

    @pytest.fixture
    def berlin(self, tenant_a):
        tenant_a.time_zone = "Europe/Berlin"
        tenant_a.save()
        return tenant_a

    def test_matches_the_pure_function_in_one_query(self, berlin):
        acme = AccountFactory(tenant=berlin, name="Acme")
        globex = AccountFactory(tenant=berlin, name="Globex")
        quiet = AccountFactory(tenant=berlin, name="Quiet")
        ada = ContactFactory(tenant=berlin, account=acme)
        bob = ContactFactory(tenant=berlin, account=acme)
        windows = engagement_windows(REFERENCE, BERLIN)
        plan = [
            (acme, ada, "outbound", datetime(2026, 3, 30, 15, tzinfo=BERLIN)),
            (acme, ada, "inbound", datetime(2026, 3, 31, 23, 59, tzinfo=BERLIN)),  # last local minute: current
            (acme, bob, "outbound", datetime(2026, 1, 1, 0, 0, tzinfo=BERLIN)),  # first local minute: current
            (acme, None, "inbound", datetime(2026, 2, 1, 12, tzinfo=BERLIN)),
            (acme, bob, "outbound", datetime(2025, 12, 31, 23, 59, tzinfo=BERLIN)),  # baseline
            (acme, None, "outbound", datetime(2025, 10, 3, 0, 0, tzinfo=BERLIN)),  # baseline's first minute
            (acme, ada, "inbound", datetime(2026, 4, 1, 0, 0, tzinfo=BERLIN)),  # after the reference day
            (acme, ada, "inbound", datetime(2025, 10, 2, 23, 59, tzinfo=BERLIN)),  # before the baseline
            (globex, None, "outbound", datetime(2025, 11, 1, 10, tzinfo=BERLIN)),
            (globex, None, "outbound", datetime(2025, 11, 2, 10, tzinfo=BERLIN)),
            (globex, None, "inbound", datetime(2026, 3, 2, 10, tzinfo=BERLIN)),
        ]
        for account, contact, direction, moment in plan:
            ActivityFactory(tenant=berlin, account=account, contact=contact, direction=direction, occurred_at=moment)
        ActivityFactory(tenant=AccountFactory().tenant, occurred_at=datetime(2026, 3, 1, tzinfo=BERLIN))  # elsewhere

        with as_tenant(berlin), CaptureQueriesContext(connection) as queries:
            result = selectors.engagement_by_account([acme.pk, globex.pk, quiet.pk], reference=REFERENCE)
        assert len(queries) == 1
        assert result[acme.pk] == Engagement(current=Counts(2, 2, 2), baseline=Counts(2, 0, 1))
        assert result[globex.pk] == Engagement(current=Counts(0, 1, 0), baseline=Counts(2, 0, 0))
        assert result[quiet.pk] == Engagement()
        for account in (acme, globex):
            facts = [
                ActivityFact(moment, direction, contact.pk if contact else None)
                for owner, contact, direction, moment in plan
                if owner == account
            ]
            assert result[account.pk] == engagement_of(facts, windows)

    def test_reference_defaults_to_today_in_the_workspace(self, berlin):
        account = AccountFactory(tenant=berlin)
        ActivityFactory(tenant=berlin, account=account, direction="inbound")  # a day ago
        ActivityFactory(tenant=berlin, account=account, occurred_at=datetime.now(UTC) - timedelta(days=100))
        with as_tenant(berlin):
            assert selectors.engagement_by_account([account.pk])[account.pk] == Engagement(
                current=Counts(0, 1, 0), baseline=Counts(1, 0, 0)
            )
