"""Pipeline and revenue by cohort on a small hand-built workspace (period 1 January – 31 March 2026)."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.filters import MetricFilters
from metrics.selectors.pipeline import pipeline
from tests.conftest import as_tenant
from tests.factories import AccountFactory, OpportunityFactory, TierFactory

pytestmark = pytest.mark.django_db

PERIOD = "start=2026-01-01&end=2026-03-31"


def deal(account, amount, opened, stage="prospecting", close=None, **extra):
    if stage == "closed_lost":
        extra.setdefault("lost_reason", "Budget")
    return OpportunityFactory(
        tenant=account.tenant, account=account, amount=amount, opened_on=opened, stage=stage, close_date=close, **extra
    )


@pytest.fixture
def workspace(tenant_a, tenant_b):
    t1 = AccountFactory(tenant=tenant_a, name="T1", industry="Software", employee_count=250)
    t2 = AccountFactory(tenant=tenant_a, name="T2", industry="Retail", employee_count=40)
    t3 = AccountFactory(tenant=tenant_a, name="T3", industry="Software", employee_count=250)
    deal(t1, 10000, date(2026, 1, 10), "closed_won", date(2026, 3, 10))  # 59 days
    deal(t1, 5000, date(2025, 12, 1), "closed_lost", date(2026, 2, 1))  # opened before the period
    deal(t2, 20000, date(2026, 2, 1), "closed_won", date(2026, 2, 21))  # 20 days
    deal(t2, 7000, date(2026, 3, 1), "proposal")
    deal(t3, 3000, date(2026, 1, 15), "closed_won")  # won without a close date (older data)
    customers = [
        AccountFactory(
            tenant=tenant_a, name=f"C{n}", is_target=False, status="customer", industry="Finance", employee_count=9000
        )
        for n in range(1, 5)
    ]
    for n, customer in enumerate(customers, start=1):
        deal(customer, 1000 * n, date(2026, 1, 1), "closed_won", date(2026, 1, 31))  # 30 days
    # Look-alikes: L1 (Software, 200–999) and L3 (Retail, under 50) match a target; L2 (Software, 50–199) not.
    l1 = AccountFactory(tenant=tenant_a, name="L1", is_target=False, industry="Software", employee_count=300)
    l2 = AccountFactory(tenant=tenant_a, name="L2", is_target=False, industry="Software", employee_count=60)
    l3 = AccountFactory(tenant=tenant_a, name="L3", is_target=False, industry="Retail", employee_count=10)
    deal(l1, 8000, date(2026, 2, 1), "closed_lost", date(2026, 3, 1))
    deal(l2, 99000, date(2026, 2, 1), "closed_won", date(2026, 2, 2))
    deal(l3, 2000, date(2026, 1, 20), "discovery")
    bravo = AccountFactory(tenant=tenant_b, name="Bravo", is_target=False, status="customer")
    deal(bravo, 50000, date(2026, 1, 1), "closed_won", date(2026, 1, 2))
    return {"customers": customers}


def drawn(customers, seed: int, size: int) -> list:
    """The sample the seed draws: the customers ordered by md5("<seed>:<id>"), the first ``size``."""
    return sorted(
        customers, key=lambda c: (hashlib.md5(f"{seed}:{c.pk}".encode(), usedforsecurity=False).hexdigest(), c.pk)
    )[:size]


def test_target_accounts_beside_a_random_sample_and_look_alikes(api_a, workspace):
    body = api_a.get(f"/api/v1/metrics/pipeline/?{PERIOD}&seed=7").json()
    assert body["seed"] == 7
    target, sample, look_alike = body["results"]
    assert target == {
        "cohort": "target",
        "accounts": 3,
        # Opened in the period: 10,000 + 20,000 + 7,000 + 3,000 (the lost deal opened before it).
        "pipeline_created": 4,
        "pipeline_created_amount": "40000.00",
        # Closed in the period: two won, one lost → 2/3; the deal without a close date is left out, and counted.
        "closed": 3,
        "won": 2,
        "win_rate": 0.6667,
        "average_deal_size": "15000.00",  # (10,000 + 20,000) / 2
        "sales_cycle_days": 39.5,  # (59 + 20) / 2
        "won_without_close_date": 1,
        "open_deals": 1,
        # 1 open deal × 0.6667 × 15,000 / 39.5 days = 253.18 a day
        "deal_velocity": "253.18",
    }
    picked = drawn(workspace["customers"], 7, 3)
    amounts = [Decimal(1000 * (workspace["customers"].index(c) + 1)) for c in picked]
    assert sample == {
        "cohort": "random_customers",
        "accounts": 3,  # as many as the target cohort
        "pipeline_created": 3,
        "pipeline_created_amount": f"{sum(amounts):.2f}",
        "closed": 3,
        "won": 3,
        "win_rate": 1.0,
        "average_deal_size": f"{sum(amounts) / 3:.2f}",
        "sales_cycle_days": 30.0,
        "won_without_close_date": 0,
        "open_deals": 0,
        "deal_velocity": "0.00",
    }
    assert look_alike == {
        "cohort": "look_alike",
        "accounts": 2,  # L1, L3
        "pipeline_created": 2,
        "pipeline_created_amount": "10000.00",
        "closed": 1,
        "won": 0,
        "win_rate": 0.0,
        "average_deal_size": None,
        "sales_cycle_days": None,
        "won_without_close_date": 0,
        "open_deals": 1,
        "deal_velocity": None,
    }


def test_the_same_seed_draws_the_same_sample(api_a, workspace):
    customers = workspace["customers"]
    for seed in (1, 2, 3):
        first = api_a.get(f"/api/v1/metrics/pipeline/?{PERIOD}&seed={seed}").json()["results"][1]
        again = api_a.get(f"/api/v1/metrics/pipeline/?{PERIOD}&seed={seed}").json()["results"][1]
        assert first == again
        expected = sum(1000 * (customers.index(c) + 1) for c in drawn(customers, seed, 3))
        assert first["pipeline_created_amount"] == f"{expected:.2f}"
    assert api_a.get(f"/api/v1/metrics/pipeline/?{PERIOD}").json()["seed"] == 0
    assert api_a.get(f"/api/v1/metrics/pipeline/?{PERIOD}&seed=-1").status_code == 400


def test_an_empty_target_cohort_leaves_empty_comparison_cohorts(api_a, tenant_a, workspace):
    tier = TierFactory(tenant=tenant_a, rank=1)
    body = api_a.get(f"/api/v1/metrics/pipeline/?{PERIOD}&tier={tier.pk}").json()
    for row in body["results"]:
        assert (row["accounts"], row["pipeline_created"], row["pipeline_created_amount"]) == (0, 0, "0.00")
        assert (row["win_rate"], row["average_deal_size"], row["sales_cycle_days"], row["deal_velocity"]) == (
            None,
            None,
            None,
            None,
        )


def test_another_workspace_sees_only_its_own(api_b, workspace):
    target, sample, look_alike = api_b.get(f"/api/v1/metrics/pipeline/?{PERIOD}").json()["results"]
    # No target accounts in Bravo: a sample of none.
    assert (target["accounts"], sample["accounts"], look_alike["accounts"]) == (0, 0, 0)


def test_csv_has_one_row_per_cohort(api_a, workspace):
    lines = api_a.get(f"/api/v1/metrics/pipeline/?{PERIOD}&format=csv").content.decode().lstrip("\ufeff").splitlines()
    assert [line.split(",")[0] for line in lines] == ["cohort", "target", "random_customers", "look_alike"]
    assert lines[1] == "target,3,4,40000.00,3,2,0.6667,15000.00,39.5,1,1,253.18"


def test_the_query_count_does_not_grow_with_the_data(tenant_a, workspace):
    filters = MetricFilters(start=date(2026, 1, 1), end=date(2026, 3, 31))

    def queries() -> int:
        with as_tenant(tenant_a), CaptureQueriesContext(connection) as captured:
            pipeline(filters, seed=1)
        return len(captured)

    before = queries()
    for n in range(4):
        target = AccountFactory(tenant=tenant_a, name=f"More {n}", industry="Retail", employee_count=20)
        deal(target, 100, date(2026, 2, 1), "closed_won", date(2026, 2, 5))
        other = AccountFactory(tenant=tenant_a, name=f"Other {n}", is_target=False, status="customer")
        deal(other, 100, date(2026, 2, 1), "closed_won", date(2026, 2, 5))
    assert queries() == before == 6
