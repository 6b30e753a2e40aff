"""Account status dates (customer since, churned on) and the status-change log, kept by every path that changes
a status: the services (API), a won deal, the ops admin, a CSV import; and the back-fill from the history."""

import importlib
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from abs_platform.tenancy.context import workspace_today
from accounts.models import Account, AccountStatusChange, HistoricalAccount
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def log_of(tenant, account) -> list[tuple[str, date]]:
    with as_tenant(tenant):
        return list(AccountStatusChange.objects.filter(account=account).values_list("status", "changed_on"))


def dates_of(tenant, account) -> tuple:
    with as_tenant(tenant):
        account = Account.objects.get(pk=account.pk)
    return account.status, account.customer_since, account.churned_on


def today(tenant) -> date:
    with as_tenant(tenant):
        return workspace_today()


def test_the_api_changes_dates_and_logs_a_churn_and_a_comeback(api_a, tenant_a):
    created = api_a.post("/api/v1/accounts/", {"name": "Acme", "status": "customer"}, format="json").json()
    day = today(tenant_a)
    assert (created["customer_since"], created["churned_on"]) == (day.isoformat(), None)
    url = f"/api/v1/accounts/{created['id']}/"
    churned = api_a.patch(url, {"status": "churned"}, format="json").json()
    assert (churned["customer_since"], churned["churned_on"]) == (day.isoformat(), day.isoformat())
    back = api_a.patch(url, {"status": "customer"}, format="json").json()
    assert (back["customer_since"], back["churned_on"]) == (day.isoformat(), None)
    account = Account(pk=created["id"])
    assert log_of(tenant_a, account) == [("customer", day), ("churned", day), ("customer", day)]
    # Another change that keeps the status logs nothing; the dates are read-only.
    api_a.patch(url, {"name": "Acme Corp", "customer_since": "2020-01-01"}, format="json")
    assert dates_of(tenant_a, account) == ("customer", day, None)
    assert len(log_of(tenant_a, account)) == 3


def test_a_prospect_created_has_no_dates_and_no_log(api_a, tenant_a):
    created = api_a.post("/api/v1/accounts/", {"name": "Acme"}, format="json").json()
    assert (created["customer_since"], created["churned_on"]) == (None, None)
    assert log_of(tenant_a, Account(pk=created["id"])) == []


def test_a_won_deal_makes_a_customer_since_its_close_date(api_a, tenant_a):
    acme = AccountFactory(tenant=tenant_a, name="Acme", status="churned")
    close = today(tenant_a) - timedelta(days=3)
    response = api_a.post(
        "/api/v1/opportunities/",
        {
            "account": acme.pk,
            "name": "Comeback",
            "stage": "closed_won",
            "amount": "100.00",
            "opened_on": (close - timedelta(days=30)).isoformat(),
            "close_date": close.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert dates_of(tenant_a, acme) == ("customer", close, None)
    assert log_of(tenant_a, acme) == [("customer", close)]


def test_won_deals_created_in_bulk_date_each_account(api_a, tenant_a):
    acme, brio = (AccountFactory(tenant=tenant_a, name=name) for name in ("Acme", "Brio"))
    day = today(tenant_a)
    items = [
        {"account": account.pk, "name": f"Deal {n}", "stage": "closed_won", "opened_on": "2026-01-01", "close_date": c}
        for n, (account, c) in enumerate([(acme, "2026-02-01"), (brio, "2026-03-01")])
    ]
    assert api_a.post("/api/v1/opportunities/bulk/", items, format="json").status_code == 201
    assert dates_of(tenant_a, acme) == ("customer", min(date(2026, 2, 1), day), None)
    assert log_of(tenant_a, brio) == [("customer", min(date(2026, 3, 1), day))]


class TestOpsAdmin:
    @pytest.fixture
    def client(self, client_for, admin_a):
        admin_a.is_staff = True
        admin_a.save()
        return client_for(admin_a)

    def test_the_bulk_actions_and_the_form_date_and_log_status_changes(self, client, tenant_a):
        acme = AccountFactory(tenant=tenant_a, name="Acme", status="customer")
        brio = AccountFactory(tenant=tenant_a, name="Brio", status="churned")
        response = client.post(
            "/admin/accounts/account/", {"action": "mark_churned", "_selected_action": [acme.pk, brio.pk]}
        )
        assert response.status_code == 302
        day = today(tenant_a)
        # Brio was churned already: no change, nothing logged.
        assert dates_of(tenant_a, acme) == ("churned", None, day)
        assert (log_of(tenant_a, acme), log_of(tenant_a, brio)) == ([("churned", day)], [])
        changed = client.post(f"/admin/accounts/account/{brio.pk}/change/", {"name": "Brio", "status": "customer"})
        assert changed.status_code == 302
        assert dates_of(tenant_a, brio) == ("customer", day, None)
        assert log_of(tenant_a, brio) == [("customer", day)]


def test_a_csv_import_dates_and_logs_the_statuses_it_sets(api_a, tenant_a):
    acme = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", status="customer")
    content = "name,domain,status\nAcme,acme.com,churned\nNewco,newco.com,customer\nPlain,plain.com,prospect\n"
    file = SimpleUploadedFile("accounts.csv", content.encode(), content_type="text/csv")
    batch = api_a.post("/api/v1/imports/", {"kind": "accounts", "file": file}, format="multipart").json()
    assert batch["counts"] == {"create": 2, "update": 1, "skip": 0, "error": 0}
    # The dates are written, not shown as changes of the file.
    assert [row["changes"] for row in batch["rows"] if row["outcome"] == "update"] == [["status"]]
    assert api_a.post(f"/api/v1/imports/{batch['id']}/commit/").status_code == 200
    day = today(tenant_a)
    with as_tenant(tenant_a):
        newco, plain = Account.objects.get(domain="newco.com"), Account.objects.get(domain="plain.com")
    assert dates_of(tenant_a, acme) == ("churned", None, day)
    assert log_of(tenant_a, acme) == [("churned", day)]
    assert dates_of(tenant_a, newco) == ("customer", day, None)
    assert log_of(tenant_a, newco) == [("customer", day)]
    assert log_of(tenant_a, plain) == []


def test_the_backfill_reads_each_workspaces_history(tenant_a, tenant_b):
    """A churn and a comeback in the history become three changes on their days; another workspace's history is
    read in its own time zone and dated there."""
    backfill = importlib.import_module("accounts.migrations.0016_backfill_status_dates").backfill
    acme = AccountFactory(tenant=tenant_a, name="Acme", status="prospect")
    bravo = AccountFactory(tenant=tenant_b, name="Bravo", status="customer")
    tenant_b.time_zone = "Asia/Tokyo"
    tenant_b.save()
    with as_tenant(tenant_a):
        created = HistoricalAccount.objects.get(id=acme.pk)
        HistoricalAccount.objects.filter(pk=created.pk).update(history_date=created.history_date.replace(year=2024))
        for status, day in (("customer", 3), ("churned", 10), ("customer", 20)):
            Account.objects.filter(pk=acme.pk).update(status=status)
            record = HistoricalAccount.objects.filter(id=acme.pk).latest("history_id")
            record.pk = None
            record.status = status
            record.history_date = record.history_date.replace(year=2025, month=1, day=day, hour=12)
            record.history_type = "~"
            record.save()
    with as_tenant(tenant_b):
        HistoricalAccount.objects.filter(id=bravo.pk).update(
            history_date=HistoricalAccount.objects.get(id=bravo.pk).history_date.replace(
                year=2025, month=5, day=1, hour=20
            )
        )
    backfill(apps, SimpleNamespace(connection=connection))
    assert log_of(tenant_a, acme) == [
        ("customer", date(2025, 1, 3)),
        ("churned", date(2025, 1, 10)),
        ("customer", date(2025, 1, 20)),
    ]
    assert dates_of(tenant_a, acme) == ("customer", date(2025, 1, 20), None)
    # 20:00 UTC is the next day in Tokyo.
    assert log_of(tenant_b, bravo) == [("customer", date(2025, 5, 2))]
    assert dates_of(tenant_b, bravo) == ("customer", date(2025, 5, 2), None)


def test_the_account_page_shows_the_dates(client_for, member_a, tenant_a):
    account = AccountFactory(
        tenant=tenant_a, name="Acme", status="churned", customer_since=date(2025, 1, 3), churned_on=date(2026, 2, 1)
    )
    html = client_for(member_a).get(f"/t/alpha/accounts/{account.pk}/").content.decode()
    assert "<dt>Customer since</dt><dd>" in html and "<dt>Churned on</dt><dd>" in html
    prospect = AccountFactory(tenant=tenant_a, name="Brio")
    html = client_for(member_a).get(f"/t/alpha/accounts/{prospect.pk}/").content.decode()
    assert "Customer since" not in html and "Churned on" not in html
