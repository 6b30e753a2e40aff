"""In a real browser: the Teams page, the Planning page and My day show their lists' totals, and a page number
brings the second page's rows into that list only."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from teams import services as team_services
from tests.browser.test_accounts_browser import log_in
from tests.conftest import as_tenant
from tests.factories import AccountFactory, TierFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.browser


def test_the_teams_list_pages_by_number(page: Page, tenant_a, member_a):
    with as_tenant(tenant_a):
        for number in range(30):
            team_services.team_create(name=f"Team {number:02}")
    log_in(page, "member_a", "alpha")
    page.goto("/t/alpha/teams/")
    pager = page.get_by_role("navigation", name="Team pages")
    expect(pager.locator(".pager-count")).to_have_text("1–25 of 30")
    expect(page.locator("#team-rows tr")).to_have_count(25)

    pager.get_by_role("button", name="Page 2").click()
    expect(pager.locator(".pager-count")).to_have_text("26–30 of 30")
    expect(page.locator("#team-rows tr td:first-child")).to_have_text([f"Team {n}" for n in range(25, 30)])


def test_the_review_schedule_pages_within_its_own_card(page: Page, tenant_a, member_a):
    tier = TierFactory(tenant=tenant_a, rank=1)
    for number in range(30):
        AccountFactory(tenant=tenant_a, name=f"Due {number:02}", tier=tier, is_target=True)
    log_in(page, "member_a", "alpha")
    page.goto("/t/alpha/planning/")
    everything = page.locator("#schedule-all")
    expect(everything.locator(".pager-count")).to_have_text("1–25 of 30")

    everything.get_by_role("button", name="Page 2").click()
    expect(everything.locator(".pager-count")).to_have_text("26–30 of 30")
    expect(everything.locator("tbody tr td:first-child")).to_have_text([f"Due {n}" for n in range(25, 30)])
    expect(page.locator("#schedule-list")).to_contain_text("No reviews are due.")


def test_my_day_pages_a_long_group(page: Page, tenant_a, member_a):
    from abs_platform.tenancy.context import workspace_today

    log_in(page, "member_a", "alpha")  # before the tasks: a member with open tasks lands on My day
    with as_tenant(tenant_a):
        today = workspace_today()
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    for number in range(30):
        TaskFactory(
            tenant=tenant_a,
            account=acme,
            assignee=member_a,
            title=f"Late {number:02}",
            due_on=today - timedelta(days=40 - number),
        )
    page.goto("/t/alpha/my-day/")
    overdue = page.locator(".task-group-overdue")
    expect(overdue.locator("h2")).to_have_text("Overdue (30)")
    expect(overdue.locator(".pager-count")).to_have_text("1–25 of 30")

    overdue.get_by_role("button", name="Page 2").click()
    expect(overdue.locator(".pager-count")).to_have_text("26–30 of 30")
    expect(overdue.locator("li.task strong")).to_have_text([f"Late {n}" for n in range(25, 30)])
