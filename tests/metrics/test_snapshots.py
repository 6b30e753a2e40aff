"""Daily snapshots (issue 15): today's figures, the back-fill of missed days (recomputed where dated rows allow,
null where only the day could measure), idempotency, the query budget, isolation and the API."""

import csv
import io
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abs_platform.jobs.models import Job
from abs_platform.jobs.services import job_create
from abs_platform.tenancy.context import workspace_today
from checks import services as checks
from checks.models import CoverageResult
from metrics import services
from metrics.models import DailySnapshot
from tasks.models import Task, TaskState
from teams import services as team_services
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    CommitteeRequirementFactory,
    ContactFactory,
    OpportunityFactory,
    PersonaFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db

FIGURES = (
    "backfilled",
    "accounts_checked",
    "accounts_without_gap",
    "personas_required",
    "personas_covered",
    "stale_by_reason",
    "engaged_accounts",
    "touches",
    "open_deals",
    "open_pipeline",
    "tasks_done",
    "tasks_overdue",
)
NO_STALE = {"expired": 0, "unverified": 0, "bounced": 0, "left_company": 0, "firmographics": 0}


def day_start(day):
    """Midnight starting ``day`` in Alpha's time zone (UTC)."""
    return datetime.combine(day, time.min, tzinfo=UTC)


@pytest.fixture
def today(tenant_a):
    with as_tenant(tenant_a):
        return workspace_today()


@pytest.fixture
def workspace(tenant_a, owner_a, today):
    """Target accounts Acme and Beta (tier 1: one CFO required; both on a team; verified 10 days ago), Zed not a
    target. T = today.

    * Coverage: Acme's CFO is current, Beta has none → 2 checked, 1 without gap; 2 personas required, 1 covered.
    * Stale: Beta's Old (verified 400 days ago: expired), Acme's Bo (bounced).
    * Activities: Acme inbound at T−2 and at T−31; Beta outbound "replied" at T−29 and two plain outbound at T;
      Zed inbound at T−1 (not a target: never counts).
    * Deals: Acme 1,000.00 open since T−10 (no close date), Acme 500.00 opened at T, Beta 250.50 opened T−20 and
      won at T−1, Acme 300.00 lost without a close date (closed: never open), Zed 9,999.00 open (not a target).
    * Tasks (created T−10): K1 open due T−3; K2 done today, due T−5; K3 done at T−1 noon, due T−1; K4 skipped
      today, due T−4.
    """
    ago = lambda days: today - timedelta(days=days)  # noqa: E731
    at = lambda days, hour=12: day_start(ago(days)) + timedelta(hours=hour)  # noqa: E731
    tier = TierFactory(tenant=tenant_a, rank=1)
    cfo = PersonaFactory(tenant=tenant_a, name="CFO")
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier, persona=cfo)
    acme = AccountFactory(tenant=tenant_a, name="Acme", tier=tier, owner=owner_a, last_verified_on=ago(10))
    beta = AccountFactory(tenant=tenant_a, name="Beta", tier=tier, owner=owner_a, last_verified_on=ago(10))
    zed = AccountFactory(tenant=tenant_a, name="Zed", is_target=False)
    with as_tenant(tenant_a, owner_a):
        team = team_services.team_create(name="Core")
        team_services.team_account_add(team=team, account=acme)
        team_services.team_account_add(team=team, account=beta)
    ContactFactory(tenant=tenant_a, account=acme, first_name="Ann", persona=cfo, last_verified_on=ago(10))
    ContactFactory(tenant=tenant_a, account=acme, first_name="Bo", status="bounced", last_verified_on=ago(10))
    ContactFactory(tenant=tenant_a, account=beta, first_name="Old", last_verified_on=ago(400))
    for account, direction, outcome, when in (
        (acme, "inbound", "", at(2)),
        (acme, "inbound", "", at(31)),
        (beta, "outbound", "replied", at(29)),
        (beta, "outbound", "", day_start(today) + timedelta(seconds=1)),
        (beta, "outbound", "", day_start(today) + timedelta(seconds=2)),
        (zed, "inbound", "", at(1)),
    ):
        ActivityFactory(tenant=tenant_a, account=account, direction=direction, outcome=outcome, occurred_at=when)
    for account, amount, stage, opened, closed in (
        (acme, "1000.00", "prospecting", ago(10), None),
        (acme, "500.00", "qualification", today, None),
        (beta, "250.50", "closed_won", ago(20), ago(1)),
        (acme, "300.00", "closed_lost", ago(30), None),
        (zed, "9999.00", "prospecting", ago(5), None),
    ):
        OpportunityFactory(
            tenant=tenant_a, account=account, amount=Decimal(amount), stage=stage, opened_on=opened, close_date=closed
        )
    now = timezone.now()
    with as_tenant(tenant_a, owner_a):
        for title, state, due, completed in (
            ("K1", TaskState.OPEN, ago(3), None),
            ("K2", TaskState.DONE, ago(5), now),
            ("K3", TaskState.DONE, ago(1), at(1)),
            ("K4", TaskState.SKIPPED, ago(4), None),
        ):
            Task.objects.create(account=acme, title=title, state=state, due_on=due, completed_at=completed)
        Task.objects.update(created_at=at(10))
    return {"acme": acme, "beta": beta, "zed": zed}


def run_checks(tenant):
    with as_tenant(tenant):
        checks.coverage_check(job=job_create(kind=checks.COVERAGE_JOB_KIND))
        checks.decay_check(job=job_create(kind=checks.DECAY_JOB_KIND))


def take(tenant) -> dict:
    with as_tenant(tenant):
        return services.snapshot_take()


def stored(tenant) -> dict:
    with as_tenant(tenant):
        return {row["day"]: {key: row[key] for key in FIGURES} for row in DailySnapshot.objects.values()}


def test_todays_snapshot_holds_the_headline_figures(tenant_a, workspace, today):
    run_checks(tenant_a)
    assert take(tenant_a) == {"day": today.isoformat(), "backfilled": 0}
    assert stored(tenant_a) == {
        today: {
            "backfilled": False,
            "accounts_checked": 2,
            "accounts_without_gap": 1,  # Acme; Beta lacks its CFO
            "personas_required": 2,
            "personas_covered": 1,
            "stale_by_reason": NO_STALE | {"expired": 1, "bounced": 1},
            "engaged_accounts": 2,  # Acme (inbound T−2), Beta (replied T−29); Zed is no target
            "touches": 2,  # Beta's two outbound today
            "open_deals": 2,  # Acme's 1,000.00 and 500.00
            "open_pipeline": Decimal("1500.00"),
            "tasks_done": 1,  # K2
            "tasks_overdue": 1,  # K1 (K4 was skipped)
        }
    }


def test_without_a_recent_check_coverage_and_staleness_stay_null(tenant_a, workspace, today):
    run_checks(tenant_a)
    with as_tenant(tenant_a):
        two_days_ago = timezone.now() - timedelta(days=2)
        CoverageResult.objects.update(checked_at=two_days_ago)
        Job.objects.update(finished_at=two_days_ago)
    take(tenant_a)
    figures = stored(tenant_a)[today]
    assert [figures[key] for key in ("accounts_checked", "personas_required", "stale_by_reason")] == [None] * 3
    assert figures["open_pipeline"] == Decimal("1500.00")


def test_missed_days_are_backfilled_from_dated_rows_and_never_invented(tenant_a, workspace, today):
    """The last snapshot was taken at T−3 (its measured coverage 7 of 9, a stale touch count of 99). The run at T
    back-fills T−2 and T−1 and brings T−3's recomputable figures to the end of its day."""
    ago = lambda days: today - timedelta(days=days)  # noqa: E731
    with as_tenant(tenant_a):
        DailySnapshot.objects.create(
            day=ago(3),
            taken_at=day_start(ago(3)) + timedelta(hours=3),
            accounts_checked=9,
            accounts_without_gap=7,
            personas_required=4,
            personas_covered=3,
            stale_by_reason=NO_STALE,
            engaged_accounts=0,
            touches=99,
            open_deals=0,
            open_pipeline=0,
            tasks_done=0,
            tasks_overdue=0,
        )
    run_checks(tenant_a)
    assert take(tenant_a) == {"day": today.isoformat(), "backfilled": 2}
    missed = dict.fromkeys(("accounts_checked", "accounts_without_gap", "personas_required", "personas_covered"))
    missed |= {"backfilled": True, "stale_by_reason": None}
    snapshots = stored(tenant_a)
    assert sorted(snapshots) == [ago(3), ago(2), ago(1), today]
    # T−3: engaged Acme (T−31 is in T−32…T−3) and Beta (T−29); deals open at its end: 1,000.00 and 250.50;
    # overdue: K1 (due T−3) is not yet, K2 (due T−5) and K4 (due T−4) are.
    assert snapshots[ago(3)] == {
        "backfilled": False,
        "accounts_checked": 9,
        "accounts_without_gap": 7,
        "personas_required": 4,
        "personas_covered": 3,
        "stale_by_reason": NO_STALE,
        "engaged_accounts": 2,
        "touches": 0,
        "open_deals": 2,
        "open_pipeline": Decimal("1250.50"),
        "tasks_done": 0,
        "tasks_overdue": 2,
    }
    # T−2: Acme's T−2 inbound and Beta's T−29 reply; T−31 has left the window. K1, K2, K4 overdue.
    assert snapshots[ago(2)] == missed | {
        "engaged_accounts": 2,
        "touches": 0,
        "open_deals": 2,
        "open_pipeline": Decimal("1250.50"),
        "tasks_done": 0,
        "tasks_overdue": 3,
    }
    # T−1: Beta's deal was won that day; K3 done that day; K1, K2 (done later), K4 (skipped later) overdue.
    assert snapshots[ago(1)] == missed | {
        "engaged_accounts": 2,
        "touches": 0,
        "open_deals": 1,
        "open_pipeline": Decimal("1000.00"),
        "tasks_done": 1,
        "tasks_overdue": 3,
    }
    assert snapshots[today]["backfilled"] is False
    assert snapshots[today]["accounts_checked"] == 2


def test_a_second_run_stores_the_same_figures(tenant_a, workspace, today):
    with as_tenant(tenant_a):
        DailySnapshot.objects.create(
            day=today - timedelta(days=5),
            taken_at=timezone.now(),
            engaged_accounts=0,
            touches=0,
            open_deals=0,
            open_pipeline=0,
            tasks_done=0,
            tasks_overdue=0,
        )
    run_checks(tenant_a)
    take(tenant_a)
    first = stored(tenant_a)
    assert take(tenant_a) == {"day": today.isoformat(), "backfilled": 0}
    assert stored(tenant_a) == first
    assert len(first) == 6


def test_the_backfill_reaches_back_90_days_at_most(tenant_a, today):
    old = today - timedelta(days=200)
    with as_tenant(tenant_a):
        DailySnapshot.objects.create(
            day=old,
            taken_at=timezone.now(),
            engaged_accounts=0,
            touches=5,
            open_deals=0,
            open_pipeline=0,
            tasks_done=0,
            tasks_overdue=0,
        )
    assert take(tenant_a) == {"day": today.isoformat(), "backfilled": 90}
    days = sorted(stored(tenant_a))
    assert (days[0], days[1], days[-1], len(days)) == (old, today - timedelta(days=90), today, 92)
    assert stored(tenant_a)[old]["touches"] == 5  # out of reach: left as it was


def test_a_run_costs_the_same_queries_whatever_the_gap_and_the_data(tenant_a, owner_a, workspace, today):
    run_checks(tenant_a)

    def queries(gap_days: int) -> int:
        with as_tenant(tenant_a):
            DailySnapshot.objects.all().delete()
            DailySnapshot.objects.create(
                day=today - timedelta(days=gap_days),
                taken_at=timezone.now(),
                engaged_accounts=0,
                touches=0,
                open_deals=0,
                open_pipeline=0,
                tasks_done=0,
                tasks_overdue=0,
            )
        with CaptureQueriesContext(connection) as captured:
            take(tenant_a)
        return len(captured)

    few = queries(2)
    for n in range(5):
        account = AccountFactory(tenant=tenant_a, name=f"More {n}")
        ActivityFactory(tenant=tenant_a, account=account, direction="inbound")
        OpportunityFactory(tenant=tenant_a, account=account, opened_on=today)
    assert queries(60) == few


def test_another_workspaces_rows_never_count(tenant_a, tenant_b, workspace, today):
    beta_b = AccountFactory(tenant=tenant_b, name="Bravo target")
    ActivityFactory(tenant=tenant_b, account=beta_b, direction="inbound", occurred_at=timezone.now())
    OpportunityFactory(tenant=tenant_b, account=beta_b, amount=Decimal("77.00"), opened_on=today)
    take(tenant_a)
    take(tenant_b)
    a, b = stored(tenant_a)[today], stored(tenant_b)[today]
    assert (a["engaged_accounts"], a["open_deals"], a["open_pipeline"]) == (2, 2, Decimal("1500.00"))
    assert (b["engaged_accounts"], b["open_deals"], b["open_pipeline"]) == (1, 1, Decimal("77.00"))
    assert (b["tasks_done"], b["tasks_overdue"], b["touches"]) == (0, 0, 0)


def test_the_fan_out_queues_one_job_per_active_workspace(tenant_a, tenant_b, django_capture_on_commit_callbacks):
    from metrics.tasks import snapshot_take_all

    tenant_b.is_active = False
    tenant_b.save()
    with django_capture_on_commit_callbacks():
        assert snapshot_take_all.run() == 1
    with as_tenant(tenant_a):
        assert list(Job.objects.values_list("kind", "task")) == [("daily_snapshot", "metrics.snapshot_take")]


def test_the_task_runs_the_job_and_records_its_counts(tenant_a, today):
    from metrics.tasks import snapshot_take

    with as_tenant(tenant_a):
        job = services.snapshot_enqueue()
    assert snapshot_take.run(tenant_a.pk, job_id=job.pk) == [{"day": today.isoformat(), "backfilled": 0}]
    with as_tenant(tenant_a):
        job.refresh_from_db()
        assert (job.status, job.result) == ("succeeded", {"day": today.isoformat(), "backfilled": 0})


class TestApi:
    def test_the_days_of_the_period_as_json(self, api_a, tenant_a, workspace, today):
        with as_tenant(tenant_a):
            DailySnapshot.objects.create(
                day=today - timedelta(days=2),
                taken_at=timezone.now(),
                engaged_accounts=0,
                touches=0,
                open_deals=0,
                open_pipeline=0,
                tasks_done=0,
                tasks_overdue=0,
            )
        run_checks(tenant_a)
        take(tenant_a)
        start = (today - timedelta(days=1)).isoformat()
        body = api_a.get("/api/v1/metrics/snapshots/", {"start": start, "end": today.isoformat()}).json()
        assert (body["metric"], body["days"], [row["day"] for row in body["results"]]) == (
            "snapshots",
            2,
            [start, today.isoformat()],
        )
        backfilled, latest = body["results"]
        assert {
            key: backfilled[key] for key in ("backfilled", "accounts_coverage", "stale_total", "open_pipeline")
        } == {
            "backfilled": True,
            "accounts_coverage": None,
            "stale_total": None,
            "open_pipeline": "1000.00",
        }
        assert {
            key: latest[key]
            for key in (
                "accounts_coverage",
                "personas_coverage",
                "stale_expired",
                "stale_bounced",
                "stale_total",
                "engaged_accounts",
                "open_pipeline",
                "tasks_overdue",
            )
        } == {
            "accounts_coverage": 0.5,  # 1 of 2
            "personas_coverage": 0.5,  # 1 of 2
            "stale_expired": 1,
            "stale_bounced": 1,
            "stale_total": 2,
            "engaged_accounts": 2,
            "open_pipeline": "1500.00",
            "tasks_overdue": 1,
        }

    def test_csv_has_a_header_and_a_row_per_day(self, api_a, tenant_a, workspace, today):
        take(tenant_a)
        response = api_a.get("/api/v1/metrics/snapshots/", {"format": "csv", "period": "30d"})
        rows = list(csv.reader(io.StringIO(response.content.decode()[1:])))
        assert rows[0][:4] == ["day", "backfilled", "taken_at", "coverage_checked_at"]
        assert len(rows) == 2 and rows[1][0] == today.isoformat()
        assert rows[1][rows[0].index("open_pipeline")] == "1500.00"
        empty = api_a.get("/api/v1/metrics/snapshots/", {"format": "csv", "end": "2020-01-31"})
        assert len(list(csv.reader(io.StringIO(empty.content.decode()[1:])))) == 1

    def test_tier_team_and_owner_do_not_apply(self, api_a, tenant_a, owner_a, workspace):
        tier = workspace["acme"].tier
        response = api_a.get("/api/v1/metrics/snapshots/", {"tier": tier.pk, "owner": owner_a.pk})
        assert response.status_code == 400
        message = "Snapshots are the whole workspace's figures: tier, team and owner do not apply."
        assert response.json() == {"tier": [message], "owner": [message]}

    def test_a_viewer_reads_them_and_another_workspace_sees_its_own(
        self, client_for, viewer_a, api_b, tenant_a, workspace
    ):
        take(tenant_a)
        assert len(client_for(viewer_a).get("/t/alpha/api/metrics/snapshots/").json()["results"]) == 1
        assert api_b.get("/api/v1/metrics/snapshots/").json()["results"] == []
