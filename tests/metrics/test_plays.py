"""Play effectiveness per play template: launches, completion, replies, meetings, hand-offs and pipeline
influenced (hand-worked values in the comments)."""

from datetime import date
from decimal import Decimal

import pytest

from metrics.filters import MetricFilters
from metrics.selectors.plays import play_effectiveness
from planning.models import HandOff
from plays.models import PlayRun, PlayRunTask
from tests.conftest import as_tenant
from tests.factories import AccountFactory, OpportunityFactory, TierFactory
from tests.plays.factories import PlayTemplateFactory
from tests.tasks.factories import TaskFactory

from .programme_data import PERIOD, at, log

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics/plays/"


def run(tenant, template, account, started_at, state="running", outcomes=()):
    """A run with one task per outcome, each completed with an activity of that outcome ("" for no activity)."""
    with as_tenant(tenant):
        play_run = PlayRun.objects.create(
            tenant=tenant, template=template, template_version=1, account=account, state=state, started_at=started_at
        )
    for outcome in outcomes:
        activity = log(tenant, account, outcome=outcome, occurred_at=started_at)[0] if outcome else None
        task = TaskFactory(tenant=tenant, account=account, activity=activity, state="done" if activity else "open")
        with as_tenant(tenant):
            PlayRunTask.objects.create(tenant=tenant, run=play_run, task=task, step_position=1)
    return play_run


def hand_off(tenant, account, passed_at):
    with as_tenant(tenant):
        HandOff.objects.create(tenant=tenant, account=account, passed_at=passed_at)


@pytest.fixture
def programme(tenant_a, tenant_b):
    tier = TierFactory(tenant=tenant_a)
    acme = AccountFactory(tenant=tenant_a, name="Acme", tier=tier)
    globex = AccountFactory(tenant=tenant_a, name="Globex", is_target=False)  # plays count on any account
    blitz, nurture, _unused = (PlayTemplateFactory(tenant=tenant_a, name=n) for n in ("Blitz", "Nurture", "Unused"))
    # Blitz: launched on Acme on October 5th (completed: a reply, a meeting, an unanswered touch, an open task)
    # and on Globex on October 20th (running: a reply). A September launch is outside the period.
    run(tenant_a, blitz, acme, at(10, 5, 10), "completed", ["replied", "meeting_booked", "no_answer", ""])
    run(tenant_a, blitz, globex, at(10, 20, 10), "running", ["replied"])
    run(tenant_a, blitz, acme, at(9, 1), "completed", ["replied"])
    # Nurture: launched on Acme on October 10th and cancelled.
    run(tenant_a, nurture, acme, at(10, 10, 10), "cancelled")
    # Hand-offs: Acme's on October 6th follows Blitz's launch (not Nurture's, on the 10th); Globex's on the 21st
    # follows Blitz's. Before any launch: October 4th, and 09:00 on the launch day (launched at 10:00).
    hand_off(tenant_a, acme, at(10, 6))
    hand_off(tenant_a, globex, at(10, 21))
    hand_off(tenant_a, acme, at(10, 4))
    hand_off(tenant_a, acme, at(10, 5, 9))
    # Deals: Acme on the launch day (1000.50) and on day 90 after it (0.25, January 3rd) are Blitz's; January 4th
    # (7.00) is day 91 for Blitz but day 86 for Nurture (launched October 10th), which also gets the 0.25.
    # Globex in November (2000.00), after the period, within 90 days of Blitz's launch. October 4th: before.
    OpportunityFactory(tenant=tenant_a, account=acme, amount=Decimal("1000.50"), opened_on=date(2026, 10, 5))
    OpportunityFactory(tenant=tenant_a, account=acme, amount=Decimal("0.25"), opened_on=date(2027, 1, 3))
    OpportunityFactory(tenant=tenant_a, account=acme, amount=Decimal("7.00"), opened_on=date(2027, 1, 4))
    OpportunityFactory(tenant=tenant_a, account=globex, amount=Decimal("2000.00"), opened_on=date(2026, 11, 15))
    OpportunityFactory(tenant=tenant_a, account=acme, amount=Decimal("50.00"), opened_on=date(2026, 10, 4))
    # Another workspace's play.
    other = AccountFactory(tenant=tenant_b)
    run(tenant_b, PlayTemplateFactory(tenant=tenant_b, name="Theirs"), other, at(10, 5), "completed", ["replied"])
    hand_off(tenant_b, other, at(10, 6))
    return {"tier": tier, "blitz": blitz}


def figures(row):
    return (
        row["template_name"],
        row["launches"],
        row["completed"],
        row["completion"],
        row["replies"],
        row["meetings"],
        row["hand_offs"],
        row["pipeline_influenced"],
    )


def test_per_template(api_a, programme):
    body = api_a.get(URL, PERIOD).json()
    assert [figures(r) for r in body["results"]] == [
        ("Blitz", 2, 1, 0.5, 2, 1, 2, "3000.75"),  # 1000.50 + 0.25 + 2000.00
        ("Nurture", 1, 0, 0.0, 0, 0, 0, "7.25"),  # 0.25 + 7.00
        ("Unused", 0, 0, None, 0, 0, 0, "0.00"),  # never launched: completion null
    ]
    assert body["results"][0]["template"] == programme["blitz"].pk
    assert (body["influence_days"], body["launches"], body["completed"], body["completion"]) == (90, 3, 1, 0.3333)
    assert (body["replies"], body["meetings"]) == (2, 1)


def test_filters_narrow_the_runs_accounts(api_a, programme):
    body = api_a.get(URL, {**PERIOD, "tier": programme["tier"].pk}).json()
    assert [figures(r) for r in body["results"]] == [
        ("Blitz", 1, 1, 1.0, 1, 1, 1, "1000.75"),  # Acme only: 1000.50 + 0.25
        ("Nurture", 1, 0, 0.0, 0, 0, 0, "7.25"),
        ("Unused", 0, 0, None, 0, 0, 0, "0.00"),
    ]


def test_csv_and_no_plays(api_a, tenant_a):
    body = api_a.get(URL, PERIOD).json()
    assert (body["launches"], body["completion"], body["results"]) == (0, None, [])
    template = PlayTemplateFactory(tenant=tenant_a, name="Idle", kind="nurture")
    assert api_a.get(URL, {**PERIOD, "format": "csv"}).content.decode("utf-8-sig").splitlines() == [
        "template,template_name,kind,launches,completed,completion,replies,meetings,hand_offs,pipeline_influenced",
        f"{template.pk},Idle,nurture,0,0,,0,0,0,0.00",
    ]


def test_one_query_whatever_the_data(tenant_a, programme, django_assert_num_queries):
    filters = MetricFilters(start=date(2026, 10, 1), end=date(2026, 10, 30))
    with as_tenant(tenant_a), django_assert_num_queries(1):
        play_effectiveness(filters)
    for account in AccountFactory.create_batch(3, tenant=tenant_a):
        run(tenant_a, programme["blitz"], account, at(10, 7), "completed", ["replied", "meeting_booked"])
        hand_off(tenant_a, account, at(10, 8))
    with as_tenant(tenant_a), django_assert_num_queries(1):
        play_effectiveness(filters)
