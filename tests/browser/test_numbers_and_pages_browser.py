"""In a real browser: numbers typed with grouping are taken and shown grouped; a long account list shows its
total and pages by number."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Account
from tests.browser.test_accounts_browser import field, log_in, open_accounts, row_named
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.browser


def test_grouped_numbers_typed_in_the_form_are_taken(page: Page, tenant_a, member_a):
    log_in(page, "member_a", "alpha")
    open_accounts(page, "alpha")
    page.get_by_role("button", name="New account").click()
    form = page.locator("#account-panel form")
    field(form, "Name").fill("Globex")
    field(form, "Employee count").fill("85,000,000")
    field(form, "Annual revenue").fill("349,500,000")
    form.get_by_role("button", name="Create account").click()

    expect(page.locator("#account-panel [role=status]")).to_have_text("Account “Globex” created.")
    expect(row_named(page, "Globex").locator("td").nth(4)).to_have_text("85,000,000")
    with as_tenant(tenant_a):
        assert Account.objects.values_list("employee_count", "annual_revenue").get() == (85000000, 349500000)

    row_named(page, "Globex").get_by_role("link", name="Globex").click()
    expect(page.locator("dd").filter(has_text="$349,500,000")).to_have_count(1)


def test_the_account_list_shows_its_total_and_pages(page: Page, tenant_a, member_a):
    for number in range(30):
        AccountFactory(tenant=tenant_a, name=f"Account {number:02}")
    log_in(page, "member_a", "alpha")
    page.goto("/t/alpha/accounts/?ordering=name")
    pager = page.get_by_role("navigation", name="Account pages")
    expect(pager.locator(".pager-count")).to_have_text("1–25 of 30")
    expect(page.locator("#account-rows tr")).to_have_count(25)

    pager.get_by_role("button", name="Page 2").click()
    expect(pager.locator(".pager-count")).to_have_text("26–30 of 30")
    expect(page.locator("#account-rows tr")).to_have_count(5)
    expect(row_named(page, "Account 29")).to_have_count(1)
    expect(pager.locator("[aria-current=page]")).to_have_text("2")

    pager.get_by_role("button", name="← Previous").click()
    expect(pager.locator(".pager-count")).to_have_text("1–25 of 30")
    expect(row_named(page, "Account 00")).to_have_count(1)


def test_admin_merges_industries_and_the_form_suggests_them(page: Page, tenant_a, admin_a, tenant_b):
    AccountFactory(tenant=tenant_a, name="Acme", industry="Sofware")
    AccountFactory(tenant=tenant_a, name="Globex", industry="software")
    AccountFactory(tenant=tenant_a, name="Initech", industry="Software")
    AccountFactory(tenant=tenant_b, name="Bravo", industry="Bravo Secret Industry")
    log_in(page, "admin_a", "alpha")
    page.get_by_role("link", name="Industries").click()
    listing = page.locator("#industry-list")
    expect(listing.locator("tbody tr")).to_have_count(3)
    listing.get_by_label("Select Sofware", exact=True).check()
    listing.get_by_label("Select software", exact=True).check()
    listing.get_by_label("Rename the selected to").fill("Software")
    listing.get_by_role("button", name="Rename").click()
    expect(page.locator("#industry-result [role=status]")).to_have_text("2 accounts now read “Software”.")
    expect(listing.locator("tbody tr")).to_have_count(1)
    expect(listing.locator("tbody tr td").nth(2)).to_have_text("3")
    with as_tenant(tenant_a):
        assert set(Account.objects.values_list("industry", flat=True)) == {"Software"}

    open_accounts(page, "alpha")
    page.get_by_role("button", name="New account").click()
    form = page.locator("#account-panel form")
    expect(form.get_by_role("combobox", name="Industry")).to_have_attribute("list", "industry-options")
    options = form.locator("#industry-options option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "Software")
