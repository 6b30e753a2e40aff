"""The touch-conflict guard at its boundaries: exactly N touches in M days allowed, N + 1 refused; the window's
edges (day M - 1 shares a window with day 0, day M does not); activities count by the workspace's day."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tasks.conflicts import TOO_MANY, TWO_TEAMS_SAME_DAY, PlannedTouch, TouchConflict, touch_conflicts
from tasks.models import TaskState
from tasks.services import touch_limit_update
from teams.models import Team, TeamAccount, TeamMember
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ActivityFactory, ContactFactory

from .factories import TaskFactory

pytestmark = pytest.mark.django_db

DAY0 = date(2026, 3, 2)


def day(n):
    return DAY0 + timedelta(days=n)


@pytest.fixture
def jo(tenant_a):
    return ContactFactory(tenant=tenant_a, account=AccountFactory(tenant=tenant_a), first_name="Jo", last_name="Lee")


def tasks_on(tenant, contact, *days, state=TaskState.OPEN):
    for n in days:
        TaskFactory(tenant=tenant, account=contact.account, contact=contact, due_on=day(n), title=f"T{n}", state=state)


def conflicts(tenant, *planned):
    with as_tenant(tenant):
        return touch_conflicts(list(planned))


def test_exactly_n_touches_are_allowed(tenant_a, jo):
    tasks_on(tenant_a, jo, 0, 1)
    assert conflicts(tenant_a, PlannedTouch(jo.pk, day(2), label="New")) == []


def test_n_plus_one_is_a_conflict_naming_the_touches(tenant_a, jo):
    tasks_on(tenant_a, jo, 0, 1, 2)
    assert conflicts(tenant_a, PlannedTouch(jo.pk, day(2), label="New")) == [
        TouchConflict(
            jo.pk,
            "Jo Lee",
            day(2),
            TOO_MANY,
            ["Task due 2026-03-02: T0", "Task due 2026-03-03: T1", "New", "Task due 2026-03-04: T2"],
        )
    ]


def test_window_edges_day_m_minus_1_counts_day_m_does_not(tenant_a, jo):
    tasks_on(tenant_a, jo, 0, 1, 2)
    assert [c.kind for c in conflicts(tenant_a, PlannedTouch(jo.pk, day(6)))] == [TOO_MANY]
    assert conflicts(tenant_a, PlannedTouch(jo.pk, day(7))) == []
    assert conflicts(tenant_a, PlannedTouch(jo.pk, day(-4))) == [
        TouchConflict(
            jo.pk,
            "Jo Lee",
            day(-4),
            TOO_MANY,
            ["Planned touch", "Task due 2026-03-02: T0", "Task due 2026-03-03: T1", "Task due 2026-03-04: T2"],
        )
    ]
    assert conflicts(tenant_a, PlannedTouch(jo.pk, day(-5))) == []


def test_closed_tasks_and_inbound_activities_do_not_count_outbound_ones_do(tenant_a, jo):
    tasks_on(tenant_a, jo, 0, 1, state=TaskState.DONE)
    zone = ZoneInfo("Europe/Berlin")
    with as_tenant(tenant_a):
        tenant_a.time_zone = "Europe/Berlin"
        tenant_a.save()
    # 23:30 UTC on day 0 is already day 1 in Berlin.
    ActivityFactory(
        tenant=tenant_a,
        account=jo.account,
        contact=jo,
        occurred_at=datetime(2026, 3, 2, 23, 30, tzinfo=ZoneInfo("UTC")),
        subject="Sent",
    )
    ActivityFactory(
        tenant=tenant_a,
        account=jo.account,
        contact=jo,
        direction="inbound",
        occurred_at=datetime(2026, 3, 3, 9, tzinfo=zone),
    )
    tasks_on(tenant_a, jo, 1, 2)
    assert [c.touches for c in conflicts(tenant_a, PlannedTouch(jo.pk, day(3), label="New"))] == [
        ["Logged 2026-03-03: Sent", "Task due 2026-03-03: T1", "Task due 2026-03-04: T2", "New"]
    ]
    assert conflicts(tenant_a, PlannedTouch(jo.pk, day(8))) == []


def test_the_workspace_limit_applies(tenant_a, jo):
    tasks_on(tenant_a, jo, 0)
    with as_tenant(tenant_a):
        touch_limit_update(max_touches=1, window_days=2)
    assert [c.kind for c in conflicts(tenant_a, PlannedTouch(jo.pk, day(1)))] == [TOO_MANY]
    assert conflicts(tenant_a, PlannedTouch(jo.pk, day(2))) == []


def test_planned_touches_count_each_other_and_two_teams_same_day(tenant_a, jo):
    found = conflicts(
        tenant_a,
        PlannedTouch(jo.pk, day(0), team_id=1, label="Sales call"),
        PlannedTouch(jo.pk, day(0), team_id=2, label="Marketing e-mail"),
    )
    assert found == [TouchConflict(jo.pk, "Jo Lee", day(0), TWO_TEAMS_SAME_DAY, ["Marketing e-mail", "Sales call"])]


def test_two_teams_the_same_contact_the_same_day(tenant_a, jo, member_a, admin_a):
    """An existing task's team is its assignee's team covering the account; a planned touch of another team on
    the same day is a conflict, the day after is not, and the same team twice is not."""
    with as_tenant(tenant_a):
        sales, marketing = Team.objects.create(name="Sales"), Team.objects.create(name="Marketing")
        for team, user in ((sales, member_a), (marketing, admin_a)):
            TeamMember.objects.create(team=team, user=user, role="sdr")
            TeamAccount.objects.create(team=team, account=jo.account)
    TaskFactory(tenant=tenant_a, account=jo.account, contact=jo, assignee=member_a, due_on=day(0), title="Call")
    assert conflicts(tenant_a, PlannedTouch(jo.pk, day(0), team_id=marketing.pk, label="Webinar invite")) == [
        TouchConflict(jo.pk, "Jo Lee", day(0), TWO_TEAMS_SAME_DAY, ["Task due 2026-03-02: Call", "Webinar invite"])
    ]
    assert conflicts(tenant_a, PlannedTouch(jo.pk, day(1), team_id=marketing.pk)) == []
    assert conflicts(tenant_a, PlannedTouch(jo.pk, day(0), team_id=sales.pk)) == []
