"""A filter value the list refuses shows its error next to the field instead of silently keeping the old list;
correcting it clears the error and lists again."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import AccountFactory

from .test_accounts_browser import log_in, open_accounts

pytestmark = pytest.mark.browser


def test_fit_from_150_shows_its_error_next_to_the_field(page: Page, tenant_a, member_a):
    AccountFactory(tenant=tenant_a, name="Acme", fit_score=90)
    AccountFactory(tenant=tenant_a, name="Borealis", fit_score=40)

    log_in(page, "member_a", "alpha")
    open_accounts(page, "alpha")
    rows = page.locator("#account-rows tr")
    expect(rows).to_have_count(2)
    filters = page.locator("#account-filters")
    fit_from = filters.get_by_role("spinbutton", name="Fit from")

    fit_from.fill("150")
    expect(fit_from).to_have_attribute("aria-invalid", "true")
    # Next to the field, and read out with it.
    expect(fit_from).to_have_accessible_description("Fit from: ensure this value is less than or equal to 100.")
    expect(filters.locator("label:has(input[name=fit_min]) + .field-error")).to_have_text(
        "Fit from: ensure this value is less than or equal to 100."
    )
    expect(page.locator("#account-list [role=alert]")).to_contain_text("a filter value is not valid")
    expect(page.locator("#account-list .error")).to_have_count(0)  # moved next to its field
    expect(filters.locator(".field-error")).to_have_count(1)

    # Another refused value at once: both fields say so.
    filters.get_by_role("spinbutton", name="Coverage below %").fill("-5")
    expect(filters.locator(".field-error")).to_have_text(
        [
            "Fit from: ensure this value is less than or equal to 100.",
            "Coverage below %: ensure this value is greater than or equal to 0.",
        ]
    )

    filters.get_by_role("spinbutton", name="Coverage below %").fill("")
    fit_from.fill("50")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme")
    expect(filters.locator(".field-error")).to_have_count(0)
    expect(fit_from).not_to_have_attribute("aria-invalid", "true")
    expect(fit_from).to_have_accessible_description("")
    expect(page).to_have_url(re.compile(r"\?fit_min=50$"))


def test_a_refused_value_from_the_address_is_shown_on_load(page: Page, tenant_a, member_a):
    AccountFactory(tenant=tenant_a, name="Acme", fit_score=90)

    log_in(page, "member_a", "alpha")
    page.goto("/t/alpha/accounts/?fit_max=101")
    fit_to = page.locator("#account-filters").get_by_role("spinbutton", name="to", exact=True)
    expect(page.locator("#account-filters .field-error")).to_have_text(
        "to: ensure this value is less than or equal to 100."
    )
    expect(fit_to).to_have_attribute("aria-invalid", "true")
