"""Wide tables fit their card: no page-wide horizontal scrollbar, and every row's Edit and Delete are on screen
inside the card, at a laptop's and a desktop's width."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import AccountFactory, ContactFactory, OpportunityFactory

from .test_accounts_browser import log_in

pytestmark = pytest.mark.browser

WIDTHS = [1280, 1920]

# Every row's Edit and Delete buttons lie inside the viewport and inside the card around the table (also when
# the table scrolls within the card: they must be reachable without scrolling).
ACTIONS_OUT_OF_REACH = """([rows, card]) => {
  const box = document.querySelector(card).getBoundingClientRect();
  const out = [];
  for (const button of document.querySelectorAll(`${rows} button`)) {
    const r = button.getBoundingClientRect();
    const inside = r.width > 0 && r.left >= Math.max(box.left, 0) && r.right <= Math.min(box.right, window.innerWidth);
    if (!inside) out.push(`${button.textContent.trim()} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
  }
  return out;
}"""
PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


def long_contacts(tenant, account, count=3):
    for n in range(count):
        ContactFactory(
            tenant=tenant,
            account=account,
            first_name=f"Maximiliane{n}",
            last_name="Rosenthal-Oberhausen",
            email=f"maximiliane.rosenthal-oberhausen{n}@international-holdings.example.com",
            title="Senior Vice President Global Procurement and Strategic Sourcing",
            department="Procurement and Strategic Sourcing",
        )


@pytest.mark.parametrize("width", WIDTHS)
def test_contacts_table_fits_its_card(page: Page, tenant_a, member_a, width):
    account = AccountFactory(tenant=tenant_a, name="International Holdings of Northern Europe Group")
    long_contacts(tenant_a, account)

    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "member_a", "alpha")
    page.goto("/t/alpha/contacts/")
    expect(page.locator("#contact-rows tr")).to_have_count(3)

    assert page.evaluate(PAGE_SCROLLS_SIDEWAYS) is False
    expect(page.locator("#contact-rows button")).to_have_count(6)
    assert page.evaluate(ACTIONS_OUT_OF_REACH, ["#contact-rows", "#contact-list"]) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_account_page_opportunities_fit_their_card(page: Page, tenant_a, member_a, width):
    account = AccountFactory(tenant=tenant_a, name="Initech")
    for n in range(3):
        OpportunityFactory(
            tenant=tenant_a,
            account=account,
            name=f"Enterprise platform renewal with professional services, phase {n}",
            amount=1_250_000,
            close_date="2027-03-31",
        )
    long_contacts(tenant_a, account, count=2)

    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "member_a", "alpha")
    page.goto(f"/t/alpha/accounts/{account.pk}/")
    expect(page.locator("#opportunity-rows tr")).to_have_count(3)
    expect(page.locator("#contact-rows tr")).to_have_count(2)

    assert page.evaluate(PAGE_SCROLLS_SIDEWAYS) is False
    expect(page.locator("#opportunity-rows button")).to_have_count(6)
    assert page.evaluate(ACTIONS_OUT_OF_REACH, ["#opportunity-rows", "#opportunities"]) == []
    assert page.evaluate(ACTIONS_OUT_OF_REACH, ["#contact-rows", "#contacts"]) == []
