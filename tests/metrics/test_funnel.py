"""The sales-development funnel on a small hand-built workspace (period 1 February – 31 March 2026)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.filters import MetricFilters
from metrics.selectors.funnel import funnel
from planning.models import HandOff
from plays.models import PlayRun
from teams.models import Team, TeamAccount
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ActivityFactory, TierFactory
from tests.plays.factories import PlayTemplateFactory

pytestmark = pytest.mark.django_db

PERIOD = "start=2026-02-01&end=2026-03-31"


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def touch(account, when, *, direction="outbound", outcome=""):
    return ActivityFactory(
        tenant=account.tenant, account=account, occurred_at=when, direction=direction, outcome=outcome
    )


def hand_off(account, user, when, state="passed"):
    with as_tenant(account.tenant):
        return HandOff.objects.create(account=account, from_user=user, to_user=user, passed_at=when, state=state)


@pytest.fixture
def workspace(tenant_a, tenant_b, owner_a, member_b):
    tier1, tier2 = TierFactory(tenant=tenant_a, rank=1), TierFactory(tenant=tenant_a, rank=2)
    a1, a2 = (AccountFactory(tenant=tenant_a, name=name, tier=tier1) for name in ("A1", "A2"))
    a3, a4, a5 = (AccountFactory(tenant=tenant_a, name=name, tier=tier2) for name in ("A3", "A4", "A5"))
    a6 = AccountFactory(tenant=tenant_a, name="A6")
    other = AccountFactory(tenant=tenant_a, name="Not a target", is_target=False)
    # A1: touched, connected by phone, a hand-off accepted. A2: touched, a hand-off rejected (passed all the same).
    touch(a1, at(2, 1), outcome="no_answer")
    touch(a1, at(2, 2), outcome="connected")
    hand_off(a1, owner_a, at(2, 10), state="accepted")
    touch(a2, at(2, 3))
    hand_off(a2, owner_a, at(2, 12), state="rejected")
    # A3: a reply to the touch. A4: touched only. A5: touched and met before the period only.
    touch(a3, at(2, 5))
    touch(a3, at(2, 6), direction="inbound", outcome="replied")
    touch(a4, at(2, 6), outcome="no_answer")
    touch(a5, at(12, 20, 2025), outcome="meeting_booked")
    hand_off(a5, owner_a, at(1, 10))
    # A6: an inbound reply but no outbound touch: not prospected. Non-targets and workspace B never count.
    touch(a6, at(2, 7), direction="inbound", outcome="replied")
    touch(other, at(2, 7), outcome="connected")
    bravo = AccountFactory(tenant=tenant_b, name="Bravo")
    touch(bravo, at(2, 7), outcome="connected")
    hand_off(bravo, member_b, at(2, 8))
    with as_tenant(tenant_a):
        east = Team.objects.create(name="East")
        TeamAccount.objects.bulk_create([TeamAccount(tenant=tenant_a, team=east, account=a) for a in (a1, a3)])
        intro, old = (
            PlayTemplateFactory(tenant=tenant_a, name="Intro"),
            PlayTemplateFactory(tenant=tenant_a, name="Old"),
        )
        for template, account, when in ((intro, a2, at(2, 1)), (intro, a5, at(2, 1)), (old, a1, at(12, 1, 2025))):
            PlayRun.objects.create(template=template, template_version=1, account=account, started_at=when)
    return {"tier1": tier1, "tier2": tier2, "east": east, "intro": intro}


def row(dimension, key, name, counts, rates, statuses):
    return {
        "dimension": dimension,
        "id": key,
        "name": name,
        **dict(zip(("prospected", "connected", "passed", "accepted"), counts, strict=True)),
        **dict(zip(("connect_rate", "connect_status"), (rates[0], statuses[0]), strict=True)),
        **dict(zip(("pass_rate", "pass_status"), (rates[1], statuses[1]), strict=True)),
        **dict(zip(("pipeline_rate", "pipeline_status"), (rates[2], statuses[2]), strict=True)),
    }


def test_rates_against_their_bands_overall_and_by_tier_team_and_play(api_a, workspace):
    body = api_a.get(f"/api/v1/metrics/funnel/?{PERIOD}").json()
    # Prospected: A1–A4 (4). Connected: A1, A3 → 2/4 = 0.5, above 30–35 %. Passed: A1, A2 → 2/4 = 0.5, at
    # least 10 %. Accepted: A1 → 1/2 = 0.5, below 70 %.
    assert {key: body[key] for key in ("prospected", "connected", "passed", "accepted")} == {
        "prospected": 4,
        "connected": 2,
        "passed": 2,
        "accepted": 1,
    }
    assert body["connect_rate"] == {"value": 0.5, "status": "above", "low": 0.3, "high": 0.35}
    assert body["pass_rate"] == {"value": 0.5, "status": "within", "low": 0.1, "high": None}
    assert body["pipeline_rate"] == {"value": 0.5, "status": "below", "low": 0.7, "high": None}
    tier1, tier2, east, intro = workspace["tier1"], workspace["tier2"], workspace["east"], workspace["intro"]
    assert body["results"] == [
        # Tier 1: A1, A2 prospected; A1 connected (1/2); both passed (2/2); A1 accepted (1/2).
        row("tier", tier1.pk, "Tier 1", (2, 1, 2, 1), (0.5, 1.0, 0.5), ("above", "within", "below")),
        # Tier 2: A3, A4 prospected; A3 connected; nothing passed: no pipeline rate.
        row("tier", tier2.pk, "Tier 2", (2, 1, 0, 0), (0.5, 0.0, None), ("above", "below", None)),
        # No tier: A6, never prospected: no rate at all.
        row("tier", None, "No tier", (0, 0, 0, 0), (None, None, None), (None, None, None)),
        # East: A1, A3, both connected (2/2); A1 passed (1/2) and accepted (1/1).
        row("team", east.pk, "East", (2, 2, 1, 1), (1.0, 0.5, 1.0), ("above", "within", "within")),
        # Intro launched in the period on A2 (prospected) and A5 (not); "Old" was launched before the period.
        row("play", intro.pk, "Intro", (1, 0, 1, 0), (0.0, 1.0, 0.0), ("below", "within", "below")),
    ]


def test_the_filters_narrow_the_accounts(api_a, workspace):
    body = api_a.get(f"/api/v1/metrics/funnel/?{PERIOD}&team={workspace['east'].pk}").json()
    assert [body[key] for key in ("prospected", "connected", "passed", "accepted")] == [2, 2, 1, 1]
    body = api_a.get(f"/api/v1/metrics/funnel/?{PERIOD}&tier={workspace['tier2'].pk}").json()
    assert [body[key] for key in ("prospected", "connected", "passed", "accepted")] == [2, 1, 0, 0]


def test_nothing_prospected_gives_null_rates_never_zero(api_a, workspace):
    body = api_a.get("/api/v1/metrics/funnel/?start=2025-06-01&end=2025-06-30").json()
    assert [body[key] for key in ("prospected", "connected", "passed", "accepted")] == [0, 0, 0, 0]
    assert [body[name]["value"] for name in ("connect_rate", "pass_rate", "pipeline_rate")] == [None, None, None]
    assert [body[name]["status"] for name in ("connect_rate", "pass_rate", "pipeline_rate")] == [None, None, None]


def test_another_workspace_sees_only_its_own(api_b, workspace):
    body = api_b.get(f"/api/v1/metrics/funnel/?{PERIOD}").json()
    # Bravo: touched and connected, a hand-off passed, not accepted.
    assert [body[key] for key in ("prospected", "connected", "passed", "accepted")] == [1, 1, 1, 0]


def test_csv_holds_the_breakdown_rows(api_a, workspace):
    response = api_a.get(f"/api/v1/metrics/funnel/?{PERIOD}&format=csv")
    assert response["Content-Disposition"] == 'attachment; filename="funnel.csv"'
    lines = response.content.decode().lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "dimension,id,name,prospected,connected,passed,accepted,connect_rate,connect_status,pass_rate,pass_status,"
        "pipeline_rate,pipeline_status"
    )
    assert lines[2] == f"tier,{workspace['tier2'].pk},Tier 2,2,1,0,0,0.5,above,0.0,below,,"


def test_the_query_count_does_not_grow_with_the_data(tenant_a, workspace, owner_a):
    filters = MetricFilters(start=datetime(2026, 2, 1).date(), end=datetime(2026, 3, 31).date())

    def queries() -> int:
        with as_tenant(tenant_a), CaptureQueriesContext(connection) as captured:
            funnel(filters)
        return len(captured)

    before = queries()
    for n in range(5):
        account = AccountFactory(tenant=tenant_a, name=f"More {n}", tier=workspace["tier1"])
        touch(account, at(3, 1), outcome="connected")
        hand_off(account, owner_a, at(3, 2), state="accepted")
    assert queries() == before == 4
