"""The activity form speaks to the user (no API notes) and says which time zone its time is read in; a time
entered there is stored as that wall-clock time of the workspace's zone."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Activity
from tests.conftest import as_tenant
from tests.factories import AccountFactory

from .test_accounts_browser import log_in

pytestmark = pytest.mark.browser


def test_a_time_entered_in_the_form_is_the_workspaces_local_time(page: Page, tenant_a, member_a):
    tenant_a.time_zone = "America/New_York"
    tenant_a.save()
    account = AccountFactory(tenant=tenant_a, name="Hooli")

    log_in(page, "member_a", "alpha")
    page.goto(f"/t/alpha/accounts/{account.pk}/")
    page.get_by_role("button", name="Log activity").click()
    form = page.locator("#activity-panel form")
    when = form.locator(".field").filter(has=page.get_by_label("Occurred at"))
    expect(when.locator(".help")).to_have_text(
        [
            "Time zone: America/New_York (the workspace's)",
            "When it happened: now unless you change it, and not in the future.",
        ]
    )
    expect(form).not_to_contain_text("offset")
    expect(form).not_to_contain_text("full update")

    form.get_by_label("Subject").fill("Discovery call")
    form.get_by_label("Occurred at").fill("2026-03-10T09:30")
    form.get_by_role("button", name="Log activity").click()

    expect(page.locator("#activity-panel [role=status]")).to_have_text("Activity “Discovery call” logged.")
    expect(page.locator("#activity-rows li").first.locator("time")).to_have_text("2026-03-10 09:30")
    with as_tenant(tenant_a):
        # 09:30 in New York on 10 March 2026 (daylight saving time since the 8th, UTC-4).
        assert Activity.objects.get(subject="Discovery call").occurred_at == datetime(2026, 3, 10, 13, 30, tzinfo=UTC)
