"""The ICP builder in a real browser: start an ICP, add two criteria, watch the live preview change."""

import re

import pytest
from playwright.sync_api import Page, expect

from icp.models import Criterion
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


def log_in(page: Page, username: str) -> None:
    page.goto("/auth/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/t/alpha/"))


def open_form(page: Page) -> None:
    """Open the new-criterion form and wait until htmx has wired it up (it does so when the swap settles)."""
    page.get_by_role("button", name="Add criterion").first.click()
    panel = page.locator("#criterion-panel")
    expect(panel.get_by_label("Weight (1–100)")).to_be_visible()
    expect(panel).not_to_have_class(re.compile(r"htmx-(request|swapping|settling)"))


def choose_kind(page: Page, kind: str) -> None:
    page.get_by_label("Kind").select_option(kind)
    expect(page.locator("#criterion-panel")).not_to_have_class(re.compile(r"htmx-(request|swapping|settling)"))


def test_admin_builds_an_icp_and_sees_the_preview_change(page: Page, tenant_a, admin_a):
    AccountFactory(tenant=tenant_a, name="Small Soft", industry="Software", employee_count=250)
    AccountFactory(tenant=tenant_a, name="Big Soft", industry="Software", employee_count=1000)
    AccountFactory(tenant=tenant_a, name="Small Shop", industry="Retail", employee_count=100)

    log_in(page, "admin_a")
    page.get_by_role("link", name="ICP", exact=True).click()
    expect(page.get_by_role("heading", name="Ideal customer profile", level=1)).to_be_visible()
    page.get_by_role("button", name="Start the ICP").click()
    expect(page).to_have_url(re.compile(r"/t/alpha/icp/\?version=1$"))
    preview = page.locator("#icp-preview")
    expect(preview).to_contain_text("0 of 3 target accounts match")

    # First criterion: industry (the form's default kind), weight 30.
    open_form(page)
    page.get_by_label("Industries (comma-separated)").fill("Software")
    page.get_by_label("Weight (1–100)").fill("30")
    page.get_by_role("button", name="Add criterion").last.click()
    expect(page.locator("#criteria-list")).to_contain_text("Industry in Software")
    expect(preview).to_contain_text("2 of 3 target accounts match")

    # Second criterion: employees ≥ 500, weight 70 — switching the kind redraws the form.
    open_form(page)
    choose_kind(page, "employees")
    page.get_by_label("Minimum").fill("500")
    page.get_by_label("Weight (1–100)").fill("70")
    page.get_by_role("button", name="Add criterion").last.click()
    expect(page.locator("#criteria-list")).to_contain_text("Employees ≥ 500")
    # Small Soft 30, Big Soft 100, Small Shop 0: only one reaches 50.
    expect(preview).to_contain_text("1 of 3 target accounts match")
    expect(preview.locator("tr", has_text="Big Soft")).to_contain_text("Tier 1")

    # A bad range comes back as a form error, nothing saved.
    open_form(page)
    choose_kind(page, "revenue")
    page.get_by_label("Minimum").fill("9")
    page.get_by_label("Maximum").fill("1")
    page.get_by_role("button", name="Add criterion").last.click()
    expect(page.locator("#criterion-panel")).to_contain_text("“min” cannot be greater than “max”.")
    with as_tenant(tenant_a):
        assert list(Criterion.objects.order_by("id").values_list("kind", "weight")) == [
            ("industry", 30),
            ("employees", 70),
        ]
