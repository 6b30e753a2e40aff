"""Sign-up in a real browser: from the log-in page to an owned, empty workspace that says what to do first."""

import re

import pytest
from playwright.sync_api import Page, expect

from abs_platform.tenancy.models import Membership

pytestmark = pytest.mark.browser


def test_a_newcomer_signs_up_and_lands_in_their_empty_workspace(page: Page, settings):
    settings.SIGNUP_ENABLED = True

    page.goto("/auth/login/")
    page.get_by_role("link", name="Create your workspace").click()
    expect(page.get_by_role("heading", name="Create your workspace", level=1)).to_be_visible()
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Newcomer")
    page.get_by_label("E-mail").fill("nora@initech.com")
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password confirmation").fill("short")
    page.get_by_label("Workspace name").fill("Initech Sales")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Create workspace").click()

    # A refused password is named under its field; what was typed stays, nothing was created.
    expect(page.get_by_text("This password is too short.")).to_be_visible()
    expect(page.get_by_label("Workspace name")).to_have_value("Initech Sales")
    assert not Membership.objects.exists()

    page.get_by_label("Password", exact=True).fill("a-long-unusual-pass-42")
    page.get_by_label("Password confirmation").fill("a-long-unusual-pass-42")
    page.get_by_role("button", name="Create workspace").click()

    expect(page).to_have_url(re.compile(r"/t/initech-sales/accounts/$"))
    expect(page.get_by_text("Welcome to Initech Sales. You are its owner.")).to_be_visible()
    getting_started = page.locator(".getting-started")
    expect(getting_started.get_by_role("heading", name="Getting started")).to_be_visible()
    getting_started.get_by_role("link", name="import a CSV file").click()
    expect(page).to_have_url(re.compile(r"/t/initech-sales/accounts/import/$"))
    membership = Membership.objects.select_related("tenant", "user").get()
    assert (membership.user.username, membership.role, membership.tenant.time_zone) == (
        "nora",
        "owner",
        "Europe/Berlin",
    )
