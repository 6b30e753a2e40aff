"""In a real browser, a page number under a list of the playbook, the ICP, the webhook settings and the Industries
page loads that page's rows in place."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_browser import log_in
from tests.conftest import as_tenant
from tests.factories import AccountFactory, CriterionFactory, IcpFactory
from tests.plays.factories import PlayTemplateFactory
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.browser


def test_the_playbook_pages_its_templates(page: Page, tenant_a, member_a):
    for number in range(27):
        PlayTemplateFactory(tenant=tenant_a, name=f"Play {number:02}")
    log_in(page, "member_a", "alpha")
    page.goto("/t/alpha/plays/")
    pager = page.get_by_role("navigation", name="Play template pages")
    expect(pager.locator(".pager-count")).to_have_text("1–25 of 27")
    expect(page.locator("#template-rows tr")).to_have_count(25)

    pager.get_by_role("button", name="Page 2").click()
    expect(pager.locator(".pager-count")).to_have_text("26–27 of 27")
    expect(page.locator("#template-rows tr td:first-child")).to_have_text(["Play 25", "Play 26"])
    expect(pager.locator("[aria-current=page]")).to_have_text("2")


def test_the_icp_pages_a_versions_criteria(page: Page, tenant_a, admin_a):
    icp = IcpFactory(tenant=tenant_a, version=1, is_active=True)
    for weight in range(1, 28):
        CriterionFactory(tenant=tenant_a, icp=icp, weight=weight, position=weight)
    log_in(page, "admin_a", "alpha")
    page.goto("/t/alpha/icp/")
    criteria = page.locator("#criteria-list")
    pager = criteria.get_by_role("navigation", name="Criterion pages")
    expect(pager.locator(".pager-count")).to_have_text("1–25 of 27")

    pager.get_by_role("button", name="Page 2").click()
    expect(pager.locator(".pager-count")).to_have_text("26–27 of 27")
    expect(criteria.locator("#criterion-rows tr td:nth-child(2)")).to_have_text(["26", "27"])
    expect(criteria).to_contain_text("sum of all weights, here 378")


def test_the_webhook_settings_page_their_endpoints(page: Page, tenant_a, admin_a):
    for number in range(26):
        with as_tenant(tenant_a):
            WebhookEndpoint.objects.create(url=f"https://93.184.215.14/hooks/{number:02}", events=["ping"])
    log_in(page, "admin_a", "alpha")
    page.goto("/t/alpha/settings/webhooks/")
    endpoints = page.locator("#endpoint-list")
    pager = endpoints.get_by_role("navigation", name="Endpoint pages")
    expect(pager.locator(".pager-count")).to_have_text("1–25 of 26")

    pager.get_by_role("button", name="Page 2").click()
    expect(pager.locator(".pager-count")).to_have_text("26–26 of 26")
    expect(endpoints.locator("tbody tr code")).to_have_text(["https://93.184.215.14/hooks/00"])  # the oldest


def test_the_industries_page_pages_its_values(page: Page, tenant_a, admin_a):
    for number in range(26):
        AccountFactory(tenant=tenant_a, industry=f"Industry {number:02}")
    log_in(page, "admin_a", "alpha")
    page.goto("/t/alpha/accounts/industries/")
    listing = page.locator("#industry-list")
    pager = listing.get_by_role("navigation", name="Industry pages")
    expect(pager.locator(".pager-count")).to_have_text("1–25 of 26")
    expect(listing.locator("tbody tr")).to_have_count(25)

    pager.get_by_role("button", name="Page 2").click()
    expect(pager.locator(".pager-count")).to_have_text("26–26 of 26")
    expect(listing.locator("tbody tr td:nth-child(2)")).to_have_text(["Industry 25"])
