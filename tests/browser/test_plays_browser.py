"""A sales user launches a play from an account page, finds its tasks in "My day", completes one with an outcome,
sees the run's progress move and the activity on the account's timeline."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.plays.conftest import sales  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


def test_launch_a_play_and_complete_its_first_task(page: Page, tenant_a, sales):  # noqa: F811 (the imported fixture)
    acme = sales["acme"]
    page.goto("/auth/login/")
    page.get_by_label("Username").fill("member_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Plays")).to_be_visible()

    page.goto(f"/t/alpha/accounts/{acme.pk}/")
    plays = page.locator("#plays")
    expect(plays.locator("#account-runs")).to_contain_text("No play is running.")
    plays.get_by_role("button", name="Launch a play").click()
    plays.get_by_label("Play").select_option(label="Land")
    plays.get_by_role("button", name="Preview").click()
    preview = plays.locator("#launch-preview")
    expect(preview).to_contain_text("Hi Carla, Ann Lee here about Acme.")
    expect(preview.locator("tbody tr")).to_have_count(4)
    preview.get_by_role("button", name="Launch", exact=True).click()
    expect(plays.locator(".flash-success")).to_contain_text("Land on Acme (4 tasks)")
    expect(plays.locator("#account-runs .run-progress")).to_have_text("0 of 4 done")

    page.get_by_role("link", name="My day").click()
    expect(page).to_have_url(re.compile(r"/t/alpha/my-day/$"))
    my_day = page.locator("#my-day")
    intro = my_day.locator("li.task", has_text="Intro e-mail").filter(has_text="Carla Diaz")
    expect(intro).to_have_count(1)
    intro.get_by_label("Outcome").select_option(label="Replied")
    intro.get_by_role("button", name="Done").click()
    expect(my_day.locator("li.task-open", has_text="Intro e-mail")).to_have_count(1)  # only Dan's is still to do

    page.goto(f"/t/alpha/accounts/{acme.pk}/")
    page.locator("#account-runs").get_by_role("link", name="Land").click()
    expect(page).to_have_url(re.compile(r"/t/alpha/plays/runs/\d+/$"))
    run = page.locator("#run-detail")
    expect(run.locator(".run-progress")).to_have_text("1 of 4 done")
    expect(run).to_contain_text("best outcome: Replied")

    page.goto(f"/t/alpha/accounts/{acme.pk}/")
    page.get_by_role("link", name="Timeline of everything at this account").click()
    activity = page.locator("#timeline-events li.event-activity", has_text="Intro e-mail")
    expect(activity).to_contain_text("Carla Diaz")
