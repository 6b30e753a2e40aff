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


@pytest.mark.parametrize("width", WIDTHS)
def test_a_contact_edited_in_its_row_fits_the_card(page: Page, tenant_a, member_a, width):
    account = AccountFactory(tenant=tenant_a, name="International Holdings of Northern Europe Group")
    long_contacts(tenant_a, account, count=2)

    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "member_a", "alpha")
    page.goto("/t/alpha/contacts/")
    page.locator("#contact-rows tr").first.get_by_role("button", name="Edit").click()
    form = page.locator("#contact-rows tr.editing form")
    expect(form.get_by_role("button", name="Save")).to_be_visible()

    assert page.evaluate(PAGE_SCROLLS_SIDEWAYS) is False
    # Every field and button of the form is on screen within the list, without scrolling sideways.
    assert page.evaluate(FIELDS_OUT_OF_REACH, ["#contact-rows tr.editing form", "#contact-list"]) == []


FIELDS_OUT_OF_REACH = """([form, card]) => {
  const box = document.querySelector(card).getBoundingClientRect();
  const out = [];
  const fields = document.querySelector(form).querySelectorAll("input:not([type=hidden]), select, textarea, button");
  for (const field of fields) {
    const r = field.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < Math.max(box.left, 0) || r.right > Math.min(box.right, window.innerWidth)) {
      out.push(`${field.name || field.textContent.trim()} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_accounts_table_fits(page: Page, tenant_a, member_a, width):
    for n in range(3):
        AccountFactory(
            tenant=tenant_a,
            name=f"International Holdings of Northern Europe Group {n}",
            domain=f"international-holdings-of-northern-europe-{n}.example.com",
            industry="Industrial machinery and heavy equipment",
        )

    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "member_a", "alpha")
    expect(page.locator("#account-rows tr")).to_have_count(3)

    assert page.evaluate(PAGE_SCROLLS_SIDEWAYS) is False
    assert page.evaluate(ACTIONS_OUT_OF_REACH, ["#account-rows", "#account-list"]) == []
