"""The Contacts page in a real browser: open it from the main navigation, filter (the address follows),
narrow the account picker, mark a stale contact verified with a bulk action and see the list change.

Rows come from the contacts API as htmx fragments in the page's own layout (``X-Contact-Layout`` from the
page's ``hx-headers``); the bulk change posts to ``/t/<slug>/api/contacts/bulk/`` and the list reloads on
``objectsChanged``.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Contact
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory

from .test_accounts_browser import log_in

pytestmark = pytest.mark.browser


def test_member_filters_and_marks_a_stale_contact_verified(page: Page, tenant_a, member_a, tenant_b):
    today = timezone.localdate()
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    globex = AccountFactory(tenant=tenant_a, name="Globex")
    sam = ContactFactory(
        tenant=tenant_a, account=acme, first_name="Sam", last_name="Stale", last_verified_on=today - timedelta(days=400)
    )
    ContactFactory(
        tenant=tenant_a, account=acme, first_name="Fay", last_name="Fresh", last_verified_on=today - timedelta(days=5)
    )
    ContactFactory(tenant=tenant_a, account=globex, first_name="Nia", last_name="Never")
    ContactFactory(tenant=tenant_b, first_name="Bravo", last_name="Secret")

    log_in(page, "member_a", "alpha")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(page).to_have_url(re.compile(r"/t/alpha/contacts/$"))
    expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()
    rows = page.locator("#contact-rows tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_text("Bravo Secret")).to_have_count(0)
    sam_row = page.locator(f"#contact-row-{sam.pk}")
    expect(sam_row.locator("td.verified")).to_have_text(f"{today - timedelta(days=400)} stale")

    # Filter: contacts due for re-verification; the address carries the filter.
    filters = page.locator("#contact-filters")
    filters.get_by_label("Verification").select_option("true")
    expect(rows).to_have_count(2)  # Sam (400 days) and Nia (never verified)
    expect(page).to_have_url(re.compile(r"/t/alpha/contacts/\?(.*&)?stale=true(&|$)"))

    # Narrow the account picker by typing, then choose the account.
    filters.get_by_label("Find an account").fill("acm")
    account_select = filters.locator("select[name=account]")
    expect(account_select.locator("option")).to_have_text(["Any account", "Acme"])
    account_select.select_option(label="Acme")
    expect(rows).to_have_count(1)
    expect(sam_row).to_be_visible()
    expect(page).to_have_url(re.compile(rf"account={acme.pk}"))

    # Bulk: mark the selected contact verified today (the default action).
    sam_row.get_by_role("checkbox", name="Select Sam Stale").check()
    page.locator("#bulk-form").get_by_role("button", name="Apply").click()
    expect(page.locator("#bulk-result [role=status]")).to_have_text("1 contact updated.")
    # The list reloads: Sam is current now, so nobody at Acme needs re-verification.
    expect(page.locator("#contact-list").get_by_text("No contacts match.")).to_be_visible()

    filters.get_by_label("Verification").select_option("")
    expect(rows).to_have_count(2)
    expect(sam_row.locator("td.verified")).to_have_text(str(today))
    expect(sam_row.locator(".badge")).to_have_count(0)
    with as_tenant(tenant_a):
        assert Contact.objects.get(pk=sam.pk).last_verified_on == today
