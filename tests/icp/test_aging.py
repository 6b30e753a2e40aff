"""Fit scores whose trigger events age are recomputed daily for the accounts whose score could have changed, and
the bulk recomputation after an ICP change or an import reports its progress chunk by chunk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from abs_platform.jobs import services as job_services
from abs_platform.tenancy.context import workspace_today
from accounts import services as account_services
from accounts.models import Account
from icp import services
from icp.tasks import fit_scores_age, fit_scores_recompute
from tests.conftest import as_tenant
from tests.factories import AccountFactory, CriterionFactory, IcpFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """``clock(days)``: move the current time that many days past the real now."""
    real_now = timezone.now

    def move(days: int):
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(days=days))

    return move


def software_and_funding(tenant):
    """Software: 80 points; funding within 30 days: 20."""
    icp = IcpFactory(tenant=tenant, version=1, is_active=True)
    CriterionFactory(tenant=tenant, icp=icp, kind="industry", params={"values": ["Software"]}, weight=80)
    CriterionFactory(
        tenant=tenant, icp=icp, kind="trigger_event", params={"signal_types": ["funding"], "within_days": 30}, weight=20
    )


def signal(tenant, account, kind, days_ago):
    with as_tenant(tenant):
        today = workspace_today()
        account_services.signal_create(
            account=account, signal_type=kind, occurred_on=today - timedelta(days=days_ago), title=f"{kind} {days_ago}"
        )


def age(tenant):
    (result,) = fit_scores_age.apply(args=[tenant.pk]).get()
    return result


def scores(tenant):
    with as_tenant(tenant):
        return dict(Account.objects.values_list("name", "fit_score"))


def written(tenant, name):
    """How often the account's row was written (its audit trail) and when its score last changed."""
    with as_tenant(tenant):
        account = Account.objects.get(name=name)
        return Account.history.filter(id=account.pk).count(), account.fit_scored_at


@pytest.fixture
def accounts(tenant_a, tenant_b):
    """Aging: funding 29 days ago. Steady: funding 5 days ago. Old news: funding 200 days ago. Hiring: a
    leadership hire 29 days ago (no criterion reads it). Bravo (another workspace): funding 29 days ago."""
    software_and_funding(tenant_a)
    software_and_funding(tenant_b)
    for name, kind, days in (
        ("Aging", "funding", 29),
        ("Steady", "funding", 5),
        ("Old news", "funding", 200),
        ("Hiring", "leadership_hire", 29),
    ):
        signal(tenant_a, AccountFactory(tenant=tenant_a, name=name), kind, days)
    signal(tenant_b, AccountFactory(tenant=tenant_b, name="Bravo"), "funding", 29)
    assert scores(tenant_a) == {"Aging": 100, "Steady": 100, "Old news": 80, "Hiring": 80}


def test_a_signal_counts_until_it_leaves_its_window_then_only_its_account_is_rescored(
    tenant_a, tenant_b, accounts, clock
):
    today = timezone.localdate()
    steady_before = written(tenant_a, "Steady")
    assert age(tenant_a) == {"day": today.isoformat(), "accounts": 0, "changed": 0}
    assert age(tenant_a) == {"day": today.isoformat(), "accounts": 0, "changed": 0}

    clock(1)  # the signal is 30 days old: still inside a 30-day window
    assert age(tenant_a) == {"day": (today + timedelta(days=1)).isoformat(), "accounts": 0, "changed": 0}
    assert scores(tenant_a)["Aging"] == 100

    clock(2)  # 31 days old: out
    assert age(tenant_a) == {"day": (today + timedelta(days=2)).isoformat(), "accounts": 1, "changed": 1}
    assert scores(tenant_a) == {"Aging": 80, "Steady": 100, "Old news": 80, "Hiring": 80}
    with as_tenant(tenant_a):
        reason = Account.objects.get(name="Aging").fit_explanation[1]["reason"]
    assert reason == f"no matching event since {(today - timedelta(days=28)).isoformat()}"
    assert written(tenant_a, "Steady") == steady_before
    assert age(tenant_a)["accounts"] == 0
    assert scores(tenant_b) == {"Bravo": 100}


def test_days_without_a_run_are_caught_up(tenant_a, accounts, clock):
    age(tenant_a)
    clock(5)
    assert age(tenant_a)["accounts"] == 1
    assert scores(tenant_a)["Aging"] == 80


def test_the_aging_job_and_the_bulk_recomputation_report_progress_per_chunk(tenant_a, monkeypatch, clock):
    software_and_funding(tenant_a)
    for number in range(5):
        signal(tenant_a, AccountFactory(tenant=tenant_a, name=f"Account {number}"), "funding", 29)
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)
    progress = []
    report = job_services.job_progress
    monkeypatch.setattr(
        job_services,
        "job_progress",
        lambda *, job, done: progress.append((job.kind, done, job.total)) or report(job=job, done=done),
    )
    age(tenant_a)
    clock(2)
    assert age(tenant_a) == {"day": (workspace_day(tenant_a)).isoformat(), "accounts": 5, "changed": 5}
    assert progress == [("icp.fit_aging", 2, 5), ("icp.fit_aging", 4, 5), ("icp.fit_aging", 5, 5)]

    progress.clear()
    with as_tenant(tenant_a):
        job = services.fit_recompute_enqueue()
    fit_scores_recompute.apply(args=[tenant_a.pk, job.pk]).get()
    assert progress == [("icp.fit_recompute", 2, 5), ("icp.fit_recompute", 4, 5), ("icp.fit_recompute", 5, 5)]


def workspace_day(tenant):
    with as_tenant(tenant):
        return workspace_today()


def test_the_jobs_are_pollable_through_the_api(api_a, tenant_a, accounts):
    age(tenant_a)
    jobs = api_a.get("/api/v1/jobs/?kind=icp.fit_aging").json()["results"]
    assert [(job["status"], job["result"]["accounts"], job["percent"]) for job in jobs] == [("succeeded", 0, 100)]
