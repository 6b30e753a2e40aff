"""The account page edited in place: a member changes the owner and the employee count in the Firmographics card
(through the accounts API, as the list's edit), errors show by their field; an admin puts the account in a tier
by hand with a reason (the tier overrides); a viewer gets no edit controls."""

import re

import pytest
from playwright.sync_api import Page, expect

from abs_platform.tenancy.models import Role
from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    CriterionFactory,
    IcpFactory,
    MembershipFactory,
    TierFactory,
    UserFactory,
)

from .test_accounts_browser import log_in

pytestmark = pytest.mark.browser


def facts(page: Page) -> dict[str, str]:
    """The card's terms and what they say."""
    card = page.locator("#account-facts")
    terms = card.locator("dt").all_inner_texts()
    return dict(zip(terms, card.locator("dd").all_inner_texts(), strict=True))


def test_member_edits_owner_and_employee_count_on_the_account_page(page: Page, tenant_a, member_a):
    rita = UserFactory(username="rita", first_name="Rita", last_name="Owner")
    MembershipFactory(tenant=tenant_a, user=rita, role=Role.MEMBER)
    account = AccountFactory(tenant=tenant_a, name="Initech", domain="initech.com", employee_count=250, owner=None)
    CriterionFactory(
        tenant=tenant_a, icp=IcpFactory(tenant=tenant_a, is_active=True), kind="employees", params={"min": 1000}
    )

    log_in(page, "member_a", "alpha")
    page.goto(f"/t/alpha/accounts/{account.pk}/")
    expect(page.locator("#account-facts")).to_contain_text("Unassigned")
    assert facts(page)["Employees"] == "250"
    fit_score = page.locator("#account-fit-facts dt:text-is('Fit score') + dd")
    expect(fit_score).to_have_text("not scored yet")

    page.locator("#account-facts").get_by_role("button", name="Edit").click()
    form = page.locator("#account-facts form")
    expect(form.get_by_role("heading", name="Edit Initech")).to_be_visible()
    form.get_by_label("Owner").select_option(label="Rita Owner")
    form.get_by_role("textbox", name="Employee count").fill("-3")
    form.get_by_role("button", name="Save").click()

    # Refused: the error by its field, the values as typed, nothing saved.
    employees = form.locator(".field").filter(has=page.get_by_role("textbox", name="Employee count"))
    expect(employees.locator(".error")).to_have_text("Ensure this value is greater than or equal to 0.")
    expect(form.locator(".error")).to_have_count(1)
    expect(form.get_by_role("textbox", name="Employee count")).to_have_value("-3")
    expect(form.get_by_label("Owner")).to_have_value(str(rita.pk))
    with as_tenant(tenant_a):
        assert Account.objects.values_list("owner_id", "employee_count").get(pk=account.pk) == (None, 250)

    form.get_by_role("textbox", name="Employee count").fill("1200")
    form.get_by_role("button", name="Save").click()

    expect(page.locator("#account-facts form")).to_have_count(0)
    expect(page.locator("#account-facts dl")).to_contain_text("Rita Owner")
    assert facts(page)["Employees"] == "1,200"
    assert facts(page)["Owner"] == "Rita Owner"
    # The fit card follows: 1,200 employees meet the ICP's "at least 1,000".
    expect(fit_score).to_have_text("100 / 100")
    with as_tenant(tenant_a):
        assert Account.objects.values_list("owner_id", "employee_count").get(pk=account.pk) == (rita.pk, 1200)

    # The header follows an edit too: taken off the target list, renamed.
    page.locator("#account-facts").get_by_role("button", name="Edit").click()
    form.get_by_role("textbox", name="Name", exact=True).fill("Initech Global")
    form.get_by_role("checkbox", name="Target account").uncheck()
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Initech Global")
    expect(page.locator("#account-head .badge")).to_have_text("not targeted")
    assert facts(page)["Target account"] == "No"

    # Cancel leaves everything as it was.
    page.locator("#account-facts").get_by_role("button", name="Edit").click()
    form.get_by_role("textbox", name="Employee count").fill("7")
    form.get_by_role("button", name="Cancel").click()
    expect(page.locator("#account-facts form")).to_have_count(0)
    assert facts(page)["Employees"] == "1,200"


def test_viewer_sees_no_edit_controls(page: Page, tenant_a, viewer_a):
    TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    account = AccountFactory(tenant=tenant_a, name="Initech")

    log_in(page, "viewer_a", "alpha")
    page.goto(f"/t/alpha/accounts/{account.pk}/")
    expect(page.get_by_role("heading", name="Initech", level=1)).to_be_visible()
    expect(page.locator("#account-facts")).to_contain_text("Employees")
    expect(page.locator("#account-facts button")).to_have_count(0)
    expect(page.locator("#account-fit form, #account-fit button")).to_have_count(0)


def test_member_gets_no_tier_form(page: Page, tenant_a, member_a):
    TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    account = AccountFactory(tenant=tenant_a, name="Initech")

    log_in(page, "member_a", "alpha")
    page.goto(f"/t/alpha/accounts/{account.pk}/")
    expect(page.locator("#account-facts").get_by_role("button", name="Edit")).to_be_visible()
    expect(page.locator("#tier-form")).to_have_count(0)


def test_admin_puts_the_account_in_a_tier_by_hand_with_a_reason(page: Page, tenant_a, admin_a):
    TierFactory(tenant=tenant_a, rank=1, name="Strategic")
    TierFactory(tenant=tenant_a, rank=2, name="Scale")
    account = AccountFactory(tenant=tenant_a, name="Initech")

    log_in(page, "admin_a", "alpha")
    page.goto(f"/t/alpha/accounts/{account.pk}/")
    fit = page.locator("#account-fit-facts")
    tier = fit.locator("dt:text-is('Tier') + dd")
    expect(tier).to_have_text("none")

    tier_form = page.locator("#tier-form")
    tier_form.get_by_label("Tier by hand").select_option(label="Strategic")
    tier_form.get_by_role("button", name="Set tier").click()
    reason = tier_form.get_by_role("textbox", name="Reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description(
        "Reason: say why this account belongs in another tier than suggested."
    )
    with as_tenant(tenant_a):
        assert Account.objects.get(pk=account.pk).tier_id is None

    reason.fill("Board-level sponsor")
    tier_form.get_by_role("button", name="Set tier").click()
    expect(page.locator("#tier-result [role=status]")).to_have_text("“Initech” placed in its tier by hand.")
    expect(tier).to_have_text(re.compile(r"^Strategic"))
    expect(fit.locator("dt:text-is('Why this tier') + dd")).to_have_text(
        re.compile(r"^Board-level sponsor\s+Back to the suggested tier$")
    )
    expect(tier_form.locator(".field-error")).to_have_count(0)
    with as_tenant(tenant_a):
        saved = Account.objects.select_related("tier").get(pk=account.pk)
        assert (saved.tier.name, saved.tier_override_reason) == ("Strategic", "Board-level sponsor")

    fit.get_by_role("button", name="Back to the suggested tier").click()
    expect(tier).to_have_text("none")
    with as_tenant(tenant_a):
        assert Account.objects.values_list("tier_id", "tier_override_reason").get(pk=account.pk) == (None, "")
