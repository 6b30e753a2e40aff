"""The account page in a real browser: open an account from the list, see its committee gaps, add the
missing stakeholder in place and watch the gap close."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Account, Contact
from tests.conftest import as_tenant
from tests.factories import AccountFactory, CommitteeRequirementFactory, ContactFactory, PersonaFactory, TierFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


def test_member_sees_committee_gaps_and_closes_one(page: Page, tenant_a, member_a):
    tier = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    finance = PersonaFactory(tenant=tenant_a, name="Finance leader", title_keywords=["CFO"])
    it = PersonaFactory(tenant=tenant_a, name="IT leader", title_keywords=["CIO"])
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier, persona=finance)
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier, persona=it)
    account = AccountFactory(tenant=tenant_a, name="Initech", domain="initech.com")
    with as_tenant(tenant_a):
        Account.objects.filter(pk=account.pk).update(tier=tier, fit_score=81)
    ContactFactory(
        tenant=tenant_a,
        account=account,
        first_name="Carla",
        last_name="Ruiz",
        title="CFO",
        persona=finance,
        last_verified_on=timezone.localdate(),
    )

    page.goto("/auth/login/")
    page.get_by_label("Username").fill("member_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/t/alpha/dashboard/$"))
    page.locator("#mainnav").get_by_role("link", name="Accounts", exact=True).click()
    page.locator("#account-rows").get_by_role("link", name="Initech", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/t/alpha/accounts/{account.pk}/$"))
    expect(page.get_by_role("heading", name="Initech", level=1)).to_be_visible()
    committee = page.locator("#committee-map")
    expect(committee.locator(".gaps")).to_have_text(re.compile(r"Gaps:\s+IT leader \(needs 1 more\)"))
    expect(committee).to_contain_text("Coverage 50 % (1 of 2 personas)")
    expect(committee.locator("tr.gap")).to_have_count(1)
    expect(page.locator("#contact-rows tr")).to_have_count(1)

    # Add the missing IT leader in place: the persona is matched from the title and the gap closes.
    page.get_by_role("button", name="New contact").click()
    form = page.locator("#contact-panel form")
    form.get_by_role("textbox", name="First name", exact=True).fill("Ian")
    form.get_by_role("textbox", name="Title", exact=True).fill("Group CIO")
    form.get_by_label("Last verified on").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Add contact").click()

    expect(page.locator("#contact-panel [role=status]")).to_have_text(
        "Contact “Ian” added as IT leader (title contains “CIO”)."
    )
    expect(page.locator("#contact-rows tr")).to_have_count(2)
    expect(committee).to_contain_text("Coverage 100 % (2 of 2 personas)")
    expect(committee.locator(".gaps")).to_have_count(0)
    with as_tenant(tenant_a):
        assert Contact.objects.get(first_name="Ian").persona_id == it.pk

    # Deleting the stakeholder again reopens the gap: the committee map follows every change, not only adds.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#contact-rows tr", has_text="Ian").get_by_role("button", name="Delete").click()
    expect(page.locator("#contact-rows tr")).to_have_count(1)
    expect(committee).to_contain_text("Coverage 50 % (1 of 2 personas)")
    expect(committee.locator(".gaps")).to_have_text(re.compile(r"Gaps:\s+IT leader \(needs 1 more\)"))

    # The page carries the CSRF token in hx-headers (the add above sent it) and the log-out form carries it too.
    assert '"X-CSRFToken"' in page.locator("body").get_attribute("hx-headers")
    page.locator(".usermenu details").last.locator("summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/auth/login/$"))
    page.goto(f"/t/alpha/accounts/{account.pk}/")
    expect(page).to_have_url(re.compile(r"/auth/login/\?next="))


def test_member_logs_an_activity_and_sees_engagement_change(page: Page, tenant_a, member_a):
    from datetime import timedelta

    from accounts.models import Activity
    from tests.factories import ActivityFactory

    account = AccountFactory(tenant=tenant_a, name="Hooli", domain="hooli.com")
    ContactFactory(tenant=tenant_a, account=account, first_name="Gavin", last_name="Belson")
    ActivityFactory(
        tenant=tenant_a, account=account, subject="Cold e-mail", occurred_at=timezone.now() - timedelta(days=120)
    )

    page.goto("/auth/login/")
    page.get_by_label("Username").fill("member_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/t/alpha/dashboard/$"))
    page.goto(f"/t/alpha/accounts/{account.pk}/")

    summary = page.locator("#engagement-summary")
    expect(summary).to_contain_text(re.compile(r"Touches \(outbound\)\s*0\s+▼ -1 \(-100 %\)\s+before: 1"))
    expect(summary).to_contain_text(re.compile(r"Responses \(inbound\)\s*0\s+—\s+before: 0"))
    expect(page.locator("#activity-rows li")).to_have_count(1)

    # A reply from the contact, logged in place with the form's defaults (now, by me).
    page.get_by_role("button", name="Log activity").click()
    form = page.locator("#activity-panel form")
    form.get_by_label("Direction").select_option("inbound")
    form.get_by_label("Subject").fill("Gavin replied: send the proposal")
    form.get_by_label("Contact").select_option(label="Gavin Belson")
    form.get_by_role("button", name="Log activity").click()

    expect(page.locator("#activity-panel [role=status]")).to_have_text(
        "Activity “Gavin replied: send the proposal” logged."
    )
    expect(page.locator("#activity-rows li")).to_have_count(2)
    expect(page.locator("#activity-rows li").first).to_contain_text("Gavin replied: send the proposal")
    expect(summary).to_contain_text(re.compile(r"Responses \(inbound\)\s*1\s+new\s+before: 0"))
    expect(summary).to_contain_text(re.compile(r"Engaged contacts\s*1\s+new\s+before: 0"))
    with as_tenant(tenant_a):
        activity = Activity.objects.select_related("contact").get(subject__startswith="Gavin")
    assert (activity.direction, activity.owner_id, activity.contact.first_name) == ("inbound", member_a.pk, "Gavin")
