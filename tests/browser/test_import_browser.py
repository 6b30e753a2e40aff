"""CSV import and export in a real browser: upload, map a column, dry run, commit; export with the filters."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Account, Activity
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


def log_in(page: Page, username: str) -> None:
    page.goto("/auth/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # the dashboard once the workspace has accounts, else the Accounts page, where these tests start
    expect(page).to_have_url(re.compile(r"/t/alpha/(dashboard|accounts)/$"))
    page.goto("/t/alpha/accounts/")


def test_member_imports_a_csv_after_a_dry_run(page: Page, tenant_a, member_a, tmp_path):
    AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", employee_count=10, industry="Software")
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text('Firma;Website;Employees\nAcme;https://www.Acme.com/;1.200\nGlobex;globex.io;"1,200"\n')

    log_in(page, "member_a")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and map columns").click()

    # "Firma" is not a known header: map it by hand; "Website" was mapped to the domain automatically.
    expect(page.get_by_label("Website")).to_have_value("domain")
    page.get_by_label("Firma").select_option("name")
    page.get_by_role("button", name="Run the dry run").click()

    expect(page.locator("#count-create")).to_have_text("1")
    expect(page.locator("#count-error")).to_have_text("1")
    errors = page.locator("#outcome-error tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_have_text(
        re.compile(r"2\s*Acme \(acme\.com\)\s*Employees\s*1\.200\s*“1\.200” is not a whole number\.")
    )
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)

    # Ignore the bad column instead: the dry run is clean and the import can go.
    page.get_by_label("Employees").select_option("")
    page.get_by_role("button", name="Run the dry run again").click()
    expect(page.locator("#count-create")).to_have_text("1")
    expect(page.locator("#count-skip")).to_have_text("1")
    expect(page.locator("#count-error")).to_have_text("0")
    page.get_by_role("button", name="Import 1 row").click()
    expect(page.locator("#import-done")).to_have_text("Imported: 1 created, 0 updated, 1 unchanged.")
    with as_tenant(tenant_a):
        assert sorted(Account.objects.values_list("name", "domain", "source")) == [
            ("Acme", "acme.com", ""),
            ("Globex", "globex.io", "import"),
        ]


def test_export_carries_the_current_filters(page: Page, tenant_a, member_a):
    AccountFactory(tenant=tenant_a, name="=Formula Inc", domain="formula.com", industry="Energy")
    AccountFactory(tenant=tenant_a, name="Softco", domain="softco.com", industry="Software")
    log_in(page, "member_a")
    expect(page.locator("#account-rows tr")).to_have_count(2)
    page.locator("select[name=industry]").select_option("Energy")
    expect(page.locator("#account-rows tr")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert re.search(r"/t/alpha/api/accounts/export/\?.*industry=Energy", download.value.url)
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].startswith("'=Formula Inc,formula.com,")
    assert "Softco" not in text


def test_member_imports_activities_with_times_in_the_workspace_zone(page: Page, tenant_a, member_a, tmp_path):
    tenant_a.time_zone = "America/New_York"
    tenant_a.save()
    acme = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
    csv_file = tmp_path / "touches.csv"
    csv_file.write_text("Account,Channel,When,Subject\nAcme,Meeting,2026-03-02 09:30,Demo\nAcme,Fax,2026-03-02,Old\n")

    log_in(page, "member_a")
    page.get_by_role("link", name="Import CSV").click()
    expect(page.locator("#import-help")).to_contain_text("in the workspace's time zone, America/New_York")
    page.get_by_label("The file holds").select_option("activities")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_label("Account", exact=True)).to_have_value("account_name")
    expect(page.get_by_label("When")).to_have_value("occurred_at")
    page.get_by_role("button", name="Run the dry run").click()
    expect(page.locator("#count-create")).to_have_text("1")
    expect(page.locator("#outcome-error tbody tr")).to_have_text(
        re.compile(r"3\s*2026-03-02 00:00 · Old\s*Channel\s*Fax\s*“Fax” is not one of: E-mail, Phone")
    )

    csv_file.write_text("Account,Channel,When,Subject\nAcme,Meeting,2026-03-02 09:30,Demo\n")
    page.get_by_role("link", name="← Imports").click()
    page.get_by_label("The file holds").select_option("activities")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and map columns").click()
    page.get_by_role("button", name="Run the dry run").click()
    page.get_by_role("button", name="Import 1 row").click()
    expect(page.locator("#import-done")).to_have_text("Imported: 1 created, 0 updated, 0 unchanged.")
    with as_tenant(tenant_a):
        assert list(Activity.objects.values_list("account_id", "channel", "subject", "occurred_at")) == [
            (acme.pk, "meeting", "Demo", datetime(2026, 3, 2, 14, 30, tzinfo=UTC))
        ]
