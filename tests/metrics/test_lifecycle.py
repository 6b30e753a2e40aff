"""Retention, churn, LTV, CAC and the spend ledger on a small hand-built workspace.

The period is January and February 2026; the LTV year is the 365 days ending with it (1 March 2025 – 28 February
2026). Status changes are written into the log as the accounts services write them.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AccountStatusChange
from metrics.filters import MetricFilters
from metrics.models import SpendEntry
from metrics.selectors.lifecycle import lifecycle
from tests.conftest import as_tenant
from tests.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

PERIOD = "start=2026-01-01&end=2026-02-28"


def changes(account, *steps):
    with as_tenant(account.tenant):
        AccountStatusChange.objects.bulk_create(
            [AccountStatusChange(tenant=account.tenant, account=account, status=s, changed_on=d) for s, d in steps]
        )


def won(account, amount, close):
    OpportunityFactory(
        tenant=account.tenant,
        account=account,
        amount=amount,
        stage="closed_won",
        opened_on=date(2025, 1, 1),
        close_date=close,
    )


def spend(tenant, start, end, amount, channel="events"):
    with as_tenant(tenant):
        SpendEntry.objects.create(period_start=start, period_end=end, channel=channel, amount=amount)


@pytest.fixture
def workspace(tenant_a, tenant_b):
    # Ten customers since 15 January 2025; C0 and C1 churn in the period.
    customers = [AccountFactory(tenant=tenant_a, name=f"C{n}", status="customer") for n in range(10)]
    for customer in customers:
        changes(customer, ("customer", date(2025, 1, 15)))
    changes(customers[0], ("churned", date(2026, 1, 15)))
    changes(customers[1], ("churned", date(2026, 2, 10)))
    # R churned before the period and came back in it; P became a customer in it (a won deal).
    comeback = AccountFactory(tenant=tenant_a, name="R", status="customer")
    changes(comeback, ("customer", date(2025, 3, 1)), ("churned", date(2025, 9, 1)), ("customer", date(2026, 2, 1)))
    new = AccountFactory(tenant=tenant_a, name="P", status="customer")
    changes(new, ("customer", date(2026, 1, 20)))
    AccountFactory(tenant=tenant_a, name="Prospect")
    # Won in the LTV year: 12,000 (C3) + 8,000 (C4) + 10,000 (P); C5's deal of 2024 is older.
    won(customers[3], 12000, date(2025, 5, 1))
    won(customers[4], 8000, date(2025, 11, 1))
    won(new, 10000, date(2026, 1, 20))
    won(customers[5], 50000, date(2024, 12, 1))
    # Spend: January in full (3,000); 28 of the 59 days of 1 Feb – 31 Mar (5,900 × 28 / 59 = 2,800); not December.
    spend(tenant_a, date(2026, 1, 1), date(2026, 1, 31), 3000)
    spend(tenant_a, date(2026, 2, 1), date(2026, 3, 31), 5900, channel="advertising")
    spend(tenant_a, date(2025, 12, 1), date(2025, 12, 31), 1000)
    bravo = AccountFactory(tenant=tenant_b, name="Bravo", status="churned")
    changes(bravo, ("customer", date(2025, 1, 1)), ("churned", date(2026, 1, 5)))
    spend(tenant_b, date(2026, 1, 1), date(2026, 1, 31), 99999)
    return customers


def test_two_of_ten_customers_lost_in_two_months_is_20_percent(api_a, workspace):
    body = api_a.get(f"/api/v1/metrics/lifecycle/?{PERIOD}").json()
    assert {key: value for key, value in body.items() if key not in ("metric", "filters")} == {
        "customers_at_start": 10,  # C0–C9 (R had churned, P was not one yet)
        "churned": 2,
        "retained": 8,
        "new_customers": 2,  # R (back) and P
        "churn_rate": 0.2,
        "retention_rate": 0.8,
        # The year: the same ten at its start (R became one on its first day), two of them lost → 0.2 a year,
        # a lifetime of 1 / 0.2 = 5 years.
        "yearly_churn_rate": 0.2,
        "average_yearly_revenue": "10000.00",  # (12,000 + 8,000 + 10,000) / 3 customers
        "average_lifetime_years": 5.0,
        "ltv": "50000.00",  # 10,000 × 5
        "spend": "5800.00",  # 3,000 + 2,800
        "cac": "2900.00",  # 5,800 / 2 customers won
        "ltv_to_cac": 17.24,  # 50,000 / 2,900
    }


def test_an_account_that_churned_and_came_back_in_the_period_counts_as_lost_and_as_kept(api_a, tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Yo-yo", status="customer")
    changes(account, ("customer", date(2025, 6, 1)), ("churned", date(2026, 1, 10)), ("customer", date(2026, 2, 1)))
    body = api_a.get(f"/api/v1/metrics/lifecycle/?{PERIOD}").json()
    assert [body[key] for key in ("customers_at_start", "churned", "retained", "new_customers")] == [1, 1, 1, 1]
    assert (body["churn_rate"], body["retention_rate"]) == (1.0, 1.0)


def test_any_past_period_is_measured_from_the_log(api_a, workspace):
    # September 2025: R (a customer since March) churned; the ten were customers too → 1 of 11.
    body = api_a.get("/api/v1/metrics/lifecycle/?start=2025-09-01&end=2025-09-30").json()
    assert [body[key] for key in ("customers_at_start", "churned", "retained", "new_customers")] == [11, 1, 10, 0]
    assert body["churn_rate"] == 0.0909


def test_no_customers_and_no_spend_give_nulls(api_a, tenant_a):
    body = api_a.get(f"/api/v1/metrics/lifecycle/?{PERIOD}").json()
    assert {key: value for key, value in body.items() if key not in ("metric", "filters")} == {
        "customers_at_start": 0,
        "churned": 0,
        "retained": 0,
        "new_customers": 0,
        "churn_rate": None,
        "retention_rate": None,
        "yearly_churn_rate": None,
        "average_yearly_revenue": None,
        "average_lifetime_years": None,
        "ltv": None,
        "spend": "0.00",
        "cac": None,
        "ltv_to_cac": None,
    }


def test_another_workspace_sees_only_its_own(api_b, workspace):
    body = api_b.get(f"/api/v1/metrics/lifecycle/?{PERIOD}").json()
    assert [body[key] for key in ("customers_at_start", "churned", "churn_rate", "spend")] == [1, 1, 1.0, "99999.00"]


def test_the_query_count_does_not_grow_with_the_data(tenant_a, workspace):
    filters = MetricFilters(start=date(2026, 1, 1), end=date(2026, 2, 28))

    def queries() -> int:
        with as_tenant(tenant_a), CaptureQueriesContext(connection) as captured:
            lifecycle(filters)
        return len(captured)

    before = queries()
    for n in range(5):
        account = AccountFactory(tenant=tenant_a, name=f"More {n}", status="churned")
        changes(account, ("customer", date(2025, 2, 1)), ("churned", date(2026, 1, 3)))
        won(account, 100, date(2025, 6, 1))
        spend(tenant_a, date(2026, 1, 1), date(2026, 1, 10), 10)
    assert queries() == before == 4


class TestSpendLedger:
    def entry(self, **fields):
        return {"period_start": "2026-01-01", "period_end": "2026-01-31", "channel": "events", "amount": "1200.50"} | (
            fields
        )

    def test_admins_write_everyone_reads(self, tenant_a, owner_a, api_a, member_a, viewer_a, client_for):
        created = api_a.post("/api/v1/metrics/spend/", self.entry(note="Summit booth"), format="json")
        assert created.status_code == 201, created.json()
        body = created.json()
        assert {key: body[key] for key in ("period_start", "period_end", "channel", "amount", "note")} == {
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "channel": "events",
            "amount": "1200.50",
            "note": "Summit booth",
        }
        url = f"/api/v1/metrics/spend/{body['id']}/"
        assert api_a.patch(url, {"amount": "1300.00"}, format="json").json()["amount"] == "1300.00"
        member = client_for(member_a)
        assert member.get("/t/alpha/api/metrics/spend/").json()["results"][0]["amount"] == "1300.00"
        assert (
            member.post("/t/alpha/api/metrics/spend/", self.entry(), content_type="application/json").status_code == 403
        )
        assert api_a.delete(url).status_code == 204
        with as_tenant(tenant_a):
            assert SpendEntry.objects.count() == 0

    def test_a_period_ending_before_it_starts_or_a_negative_amount_is_refused(self, api_a, tenant_a):
        response = api_a.post("/api/v1/metrics/spend/", self.entry(period_end="2025-12-31"), format="json")
        assert (response.status_code, response.json()) == (
            400,
            {"period_end": ["The period cannot end before it starts."]},
        )
        response = api_a.post("/api/v1/metrics/spend/", self.entry(amount="-1"), format="json")
        assert response.json() == {"amount": ["Ensure this value is greater than or equal to 0."]}
        created = api_a.post("/api/v1/metrics/spend/", self.entry(), format="json").json()
        moved = api_a.patch(f"/api/v1/metrics/spend/{created['id']}/", {"period_start": "2026-02-01"}, format="json")
        assert moved.json() == {"period_end": ["The period cannot end before it starts."]}

    def test_another_workspaces_entries_are_404(self, api_a, api_b):
        created = api_b.post("/api/v1/metrics/spend/", self.entry(), format="json").json()
        assert api_a.get(f"/api/v1/metrics/spend/{created['id']}/").status_code == 404
        assert api_a.get("/api/v1/metrics/spend/").json()["results"] == []
