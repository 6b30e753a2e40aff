"""My day in a real browser: a member with tasks lands on it after log-in, completes one in place with an
outcome, and adds a task on an account page through the touch-conflict confirmation."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Activity
from tasks.models import Task
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


def test_land_on_my_day_complete_in_place_and_confirm_a_conflict(page: Page, tenant_a, member_a):
    from abs_platform.tenancy.context import workspace_today

    with as_tenant(tenant_a):
        today = workspace_today()
    acme = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
    jo = ContactFactory(tenant=tenant_a, account=acme, first_name="Jo", last_name="Lee")
    TaskFactory(
        tenant=tenant_a, account=acme, contact=jo, assignee=member_a, channel="phone", title="Call Jo", due_on=today
    )
    TaskFactory(
        tenant=tenant_a, account=acme, contact=jo, assignee=member_a, title="Old mail", due_on=today - timedelta(days=2)
    )
    TaskFactory(
        tenant=tenant_a,
        account=acme,
        contact=jo,
        assignee=member_a,
        title="Next mail",
        due_on=today + timedelta(days=1),
    )

    page.goto("/auth/login/")
    page.get_by_label("Username").fill("member_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/t/alpha/my-day/$"))
    expect(page.locator(".mainnav a").first).to_have_text("My day")
    expect(page.locator(".task-group-overdue")).to_contain_text("Old mail")
    expect(page.locator(".task-group-upcoming")).to_contain_text("Next mail")

    row = page.locator(".task-group-today li.task").filter(has_text="Call Jo")
    row.get_by_label("Outcome").select_option("connected")
    row.get_by_label("Note").fill("Budget approved.")
    row.get_by_role("button", name="Done").click()
    expect(page.locator(".task-group-today li.task-done")).to_contain_text("Done · Connected · activity logged")
    with as_tenant(tenant_a):
        assert list(Activity.objects.values_list("subject", "outcome", "notes")) == [
            ("Call Jo", "connected", "Budget approved.")
        ]

    # Jo now has three touches around today (the call just logged, two open mails): a fourth asks first.
    page.goto(f"/t/alpha/accounts/{acme.pk}/")
    page.get_by_role("button", name="Add task").click()
    form = page.locator("#task-panel form")
    form.get_by_label("Title").fill("Send the case study")
    form.get_by_label("Contact").select_option(label="Jo Lee")
    form.get_by_role("button", name="Add task").click()
    expect(form.get_by_role("alert")).to_contain_text("Jo Lee would get 4 touches around")
    page.locator("#task-panel form").get_by_role("button", name="Create anyway").click()
    expect(page.locator("#task-panel")).to_contain_text("Task “Send the case study” added")
    expect(page.locator("#task-list li.task")).to_have_count(3)
    with as_tenant(tenant_a):
        assert Task.objects.count() == 4
