"""The Accounts page in a real browser: log in, create, validate, edit in place, delete.

The page shell is a Django view; rows and forms are htmx fragments from the
accounts API (``/t/<slug>/api/accounts/``), so this drives the whole stack:
session log-in, CSRF via ``hx-headers``, the htmx response handling of
``static/js/app.js`` (400s swap in), the serializer's validation and the
tenant's row-level security.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"
DOMAIN_ERROR = "Enter a domain name such as acme.com."


def accounts_in_db(tenant) -> list[tuple[str, str]]:
    with as_tenant(tenant):
        return sorted(Account.objects.values_list("name", "domain"))


def log_in(page: Page, username: str, slug: str) -> None:
    page.goto("/auth/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # A member of exactly one workspace lands on its dashboard, or on its Accounts page while it has no account.
    expect(page).to_have_url(re.compile(rf"/t/{slug}/(dashboard|accounts)/$"))
    page.goto(f"/t/{slug}/accounts/")


def open_accounts(page: Page, slug: str) -> None:
    page.goto(f"/t/{slug}/accounts/")
    expect(page.get_by_role("heading", name="Target accounts", level=1)).to_be_visible()
    # The rows arrive as an htmx fragment after the page has loaded.
    expect(page.locator("#account-list").get_by_text("Loading accounts…")).to_have_count(0)


def field(scope, label: str):
    """A text box by its label (labels wrap their inputs; the country select's label lists every country)."""
    return scope.get_by_role("textbox", name=label, exact=True)


def row_named(page: Page, name: str):
    return page.locator("#account-rows tr").filter(has=page.get_by_role("link", name=name, exact=True))


def test_member_creates_an_account_and_sees_domain_errors(page: Page, tenant_a, member_a, tenant_b):
    AccountFactory(tenant=tenant_a, name="Globex", domain="globex.com")
    AccountFactory(tenant=tenant_b, name="Bravo Secret", domain="bravo-secret.com")

    log_in(page, "member_a", "alpha")
    open_accounts(page, "alpha")
    rows = page.locator("#account-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(1)).to_have_text("Globex")  # column 0: the selection checkbox

    # Create: the domain is stored and shown normalized.
    page.get_by_role("button", name="New account").click()
    form = page.locator("#account-panel form")
    expect(form.get_by_role("heading", name="New account")).to_be_visible()
    expect(form.get_by_role("checkbox", name="Target account")).to_be_checked()
    field(form, "Name").fill("Example Corp")
    field(form, "Domain").fill("https://www.Example-Corp.com/")
    form.get_by_role("button", name="Create account").click()

    expect(page.locator("#account-panel [role=status]")).to_have_text("Account “Example Corp” created.")
    expect(rows).to_have_count(2)
    new_row = row_named(page, "Example Corp")
    expect(new_row).to_have_count(1)
    expect(new_row.locator("td").nth(1)).to_have_text("Example Corp")  # a target account: no "not targeted" badge
    expect(new_row.locator("td").nth(2)).to_have_text("example-corp.com")
    assert accounts_in_db(tenant_a) == [("Example Corp", "example-corp.com"), ("Globex", "globex.com")]
    with as_tenant(tenant_a):
        assert Account.objects.get(name="Example Corp").is_target is True  # the model default, as over the API

    # A bad domain: the form comes back (400) with the error next to the Domain field.
    page.get_by_role("button", name="New account").click()
    expect(form.get_by_role("heading", name="New account")).to_be_visible()
    expect(field(form, "Name")).to_have_value("")
    field(form, "Name").fill("Broken Inc")
    field(form, "Domain").fill("not a domain")
    form.get_by_role("button", name="Create account").click()

    domain_field = form.locator(".field").filter(has=field(page, "Domain"))
    expect(domain_field.locator(".error")).to_have_text(DOMAIN_ERROR)
    expect(domain_field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(field(form, "Domain")).to_have_attribute("aria-invalid", "true")
    expect(field(form, "Domain")).to_have_value("not a domain")
    expect(field(form, "Name")).to_have_value("Broken Inc")
    expect(form.locator(".error")).to_have_count(1)  # no other field complains
    expect(rows).to_have_count(2)
    expect(row_named(page, "Broken Inc")).to_have_count(0)
    assert accounts_in_db(tenant_a) == [("Example Corp", "example-corp.com"), ("Globex", "globex.com")]
    # The other workspace's account was never shown and is untouched.
    expect(page.get_by_text("Bravo Secret")).to_have_count(0)
    assert accounts_in_db(tenant_b) == [("Bravo Secret", "bravo-secret.com")]


def test_member_edits_an_account_in_place(page: Page, tenant_a, member_a):
    initech = AccountFactory(tenant=tenant_a, name="Initech", domain="initech.com")
    AccountFactory(tenant=tenant_a, name="Globex", domain="globex.com")

    log_in(page, "member_a", "alpha")
    open_accounts(page, "alpha")
    row = page.locator(f"#account-row-{initech.pk}")
    expect(row.locator("td").nth(1)).to_have_text("Initech")

    row.get_by_role("button", name="Edit").click()
    form = row.locator("form")
    expect(form.get_by_role("heading", name="Edit Initech")).to_be_visible()
    expect(field(form, "Name")).to_have_value("Initech")
    expect(field(form, "Domain")).to_have_value("initech.com")
    field(form, "Name").fill("Initech Global")
    form.get_by_role("button", name="Save").click()

    expect(row.locator("form")).to_have_count(0)
    expect(row.locator("td").nth(1)).to_have_text("Initech Global")
    expect(row.locator("td").nth(2)).to_have_text("initech.com")
    expect(page.locator("#account-rows tr")).to_have_count(2)
    assert accounts_in_db(tenant_a) == [("Globex", "globex.com"), ("Initech Global", "initech.com")]


def test_member_deletes_an_account_after_confirming(page: Page, tenant_a, member_a):
    initech = AccountFactory(tenant=tenant_a, name="Initech", domain="initech.com")
    AccountFactory(tenant=tenant_a, name="Globex", domain="globex.com")

    log_in(page, "member_a", "alpha")
    open_accounts(page, "alpha")
    row = page.locator(f"#account-row-{initech.pk}")
    expect(page.locator("#account-rows tr")).to_have_count(2)

    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    row.get_by_role("button", name="Delete").click()

    expect(row).to_have_count(0)
    expect(page.locator("#account-rows tr")).to_have_count(1)
    expect(row_named(page, "Globex")).to_have_count(1)
    assert dialogs == ["Delete the account “Initech”? Its history stays in the audit log."]
    assert accounts_in_db(tenant_a) == [("Globex", "globex.com")]
