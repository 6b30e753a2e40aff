"""The dashboard in a real browser: the leader's scorecard draws its charts (no console or policy error), a
filter changes the figures and the address, a chart's CSV downloads, the numbers are one click away; the SDR
and AE homes; the header's search by keyboard; nothing overflows at a phone's width or on a wide screen."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from abs_platform.tenancy.context import workspace_today
from abs_platform.tenancy.models import Role
from accounts.models import Account
from planning.services import hand_off_pass
from plays.models import PlayRun
from teams.models import Team, TeamAccount, TeamMember, TeamRole
from tests.conftest import _member, as_tenant
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    CriterionFactory,
    IcpFactory,
    OpportunityFactory,
    SignalFactory,
    TierFactory,
)
from tests.plays.factories import PlayTemplateFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"

# Whether the page scrolls sideways, and every card whose content reaches past its own right edge (content of a
# box that scrolls within the card, such as a table in .table-scroll, is not counted).
OVERFLOW = """() => {
  const scrollsWithin = (element, card) => {
    for (let parent = element.parentElement; parent && parent !== card.parentElement; parent = parent.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(parent).overflowX)) return true;
    }
    return false;
  };
  const out = [];
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) {
    const wide = [...document.body.querySelectorAll("*")].filter((element) => {
      const r = element.getBoundingClientRect();
      return r.right > window.innerWidth + 0.5 && !scrollsWithin(element, document.body);
    });
    out.push(`page ${width}: ${wide.slice(0, 5).map((e) => `${e.tagName}.${e.className}`).join(", ")}`);
  }
  for (const card of document.querySelectorAll(".card, .tile, .empty, .topbar, .filters")) {
    const box = card.getBoundingClientRect();
    if (box.right > window.innerWidth + 0.5) out.push(`${card.className} ends at ${box.right}`);
    for (const child of card.querySelectorAll("*")) {
      if (scrollsWithin(child, card) || child.closest(".search-dropdown, .menu-body")) continue;
      const r = child.getBoundingClientRect();
      if (r.width > 0 && r.right > box.right + 0.5) {
        out.push(`${child.tagName}.${child.className} in ${card.className}`);
      }
    }
  }
  return out;
}"""

# Chart.js drew on the canvas: some of its pixels are not transparent.
DRAWN = """(id) => {
  const canvas = document.querySelector(`canvas[data-chart='${id}']`);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  return pixels.some((value, index) => index % 4 === 3 && value > 0);
}"""


def log_in(page: Page, username: str, landing: str) -> None:
    page.goto("/auth/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(landing))
    page.wait_for_load_state("load")  # htmx has bound the page's elements (typing before that sends nothing)


@pytest.fixture
def programme(transactional_db, tenant_a, owner_a):
    with as_tenant(tenant_a):
        tier = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    accounts = []
    for n, score in enumerate((15, 40, 60, 85, 100)):
        accounts.append(
            AccountFactory(tenant=tenant_a, name=f"Target {n}", fit_score=score, tier=tier if n < 2 else None)
        )
    OpportunityFactory(tenant=tenant_a, account=accounts[0], stage="proposal", amount=Decimal("1250.00"))
    OpportunityFactory(tenant=tenant_a, account=accounts[3], stage="prospecting", amount=Decimal("4000.00"))
    return tier


def test_the_scorecard_draws_filters_and_downloads(page: Page, programme, tenant_a):
    log_in(page, "owner_a", r"/t/alpha/dashboard/$")
    expect(page.get_by_role("heading", name="Programme scorecard", level=1)).to_be_visible()
    for chart in ("coverage-distribution", "fit-scores", "pipeline-by-stage"):
        expect(page.locator(f"#card-{chart} canvas")).to_have_attribute("data-drawn", "true")
    canvases = page.locator("canvas[data-chart]")
    for index in range(canvases.count()):
        expect(canvases.nth(index)).to_have_attribute("data-drawn", "true")
    assert page.evaluate(DRAWN, "chart-data-fit-scores")

    fit = page.locator("#card-fit-scores")
    fit.get_by_text("Show the numbers").click()
    rows = fit.locator("tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.nth(0)).to_have_text(re.compile(r"0–24\s*1"))

    # Tier 1 holds two of the five: the figures change, the page is not reloaded, the address says so.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Tier").select_option(label="Tier 1")
    expect(page).to_have_url(re.compile(rf"/t/alpha/dashboard/\?view=leader&period=90d&tier={programme.pk}$"))
    fit = page.locator("#card-fit-scores")
    fit.get_by_text("Show the numbers").click()
    expect(fit.locator("tbody tr").nth(3)).to_have_text(re.compile(r"75–99\s*0"))
    expect(fit.locator("tbody tr").nth(1)).to_have_text(re.compile(r"25–49\s*1"))
    expect(page.locator("#card-fit-scores canvas")).to_have_attribute("data-drawn", "true")
    assert page.evaluate("window.notReloaded") is True

    with page.expect_download() as download:
        page.locator("#card-pipeline-by-stage").get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "pipeline-by-stage.csv"
    with open(download.value.path(), encoding="utf-8-sig") as csv:
        lines = csv.read().splitlines()
    # The table's columns and rows. Tier 1: Target 0's proposal; Target 3 (prospecting) has no tier.
    assert lines[0] == "Stage,Amount,Opportunities"
    assert "Proposal,1250.00,1" in lines and "Prospecting,0.00,0" in lines

    # A value the workspace does not have: the error sits beside its field.
    page.goto("/t/alpha/dashboard/?view=leader&owner=99999")
    expect(page.locator("#dashboard-filters .field-error")).to_have_text(
        "Owner: no member of this workspace has id 99999."
    )


def test_sdr_and_ae_homes(page: Page, transactional_db, tenant_a):
    sdr, ae = _member(tenant_a, Role.MEMBER, "sid"), _member(tenant_a, Role.MEMBER, "abe")
    with as_tenant(tenant_a):
        today = workspace_today()
        team = Team.objects.create(name="North")
        TeamMember.objects.create(team=team, user=sdr, role=TeamRole.SDR)
        TeamMember.objects.create(team=team, user=ae, role=TeamRole.ACCOUNT_EXECUTIVE)
    acme = AccountFactory(tenant=tenant_a, name="Acme", owner=ae)
    with as_tenant(tenant_a):
        TeamAccount.objects.create(team=team, account=acme)
    SignalFactory(tenant=tenant_a, account=acme, title="Opened an office in Lyon", occurred_on=today)
    OpportunityFactory(tenant=tenant_a, account=acme, stage="negotiation", amount=Decimal("8000.00"))
    TaskFactory(tenant=tenant_a, account=acme, assignee=ae, title="Send the proposal", due_on=today)

    log_in(page, "sid", r"/t/alpha/dashboard/$")
    expect(page.get_by_role("heading", name="SDR", level=1)).to_be_visible()
    expect(page.locator("#dashboard-body")).to_contain_text("Nothing due today.")
    expect(page.locator("#dashboard-body")).to_contain_text("Opened an office in Lyon")

    page.context.clear_cookies()
    log_in(page, "abe", r"/t/alpha/my-day/$")  # open tasks: My day first
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Account executive", level=1)).to_be_visible()
    row = page.locator("#dashboard-body tbody tr").filter(has_text="Acme")
    expect(row).to_contain_text("$8,000")
    expect(page.locator("#card-my-pipeline-by-stage canvas")).to_have_attribute("data-drawn", "true")


def test_search_from_the_header_by_keyboard(page: Page, transactional_db, tenant_a, owner_a):
    acme = AccountFactory(tenant=tenant_a, name="Acme Robotics")
    ContactFactory(tenant=tenant_a, account=acme, first_name="Ada", last_name="Lovelace")
    log_in(page, "owner_a", r"/t/alpha/dashboard/$")
    box = page.get_by_label("Search accounts, contacts and plays")
    box.fill("acme")
    results = page.locator("#global-search-results")
    expect(results.get_by_role("link", name="Acme Robotics")).to_be_visible()
    box.press("ArrowDown")
    expect(results.get_by_role("link", name="Acme Robotics")).to_be_focused()
    page.keyboard.press("Escape")
    expect(results.locator("a")).to_have_count(0)
    expect(box).to_be_focused()
    box.fill("lovelace")
    expect(results.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/t/alpha/accounts/{acme.pk}/$"))


@pytest.mark.parametrize("width", [390, 1280, 1920])
def test_no_overflow_at_a_phones_width_and_on_wide_screens(page: Page, programme, tenant_a, owner_a, width):
    page.set_viewport_size({"width": width, "height": 900})
    account = AccountFactory(
        tenant=tenant_a, name="International Holdings of Northern Europe Group and Partners", fit_score=70
    )
    ContactFactory(
        tenant=tenant_a,
        account=account,
        first_name="Maximiliane",
        last_name="Rosenthal-Oberhausen",
        email="maximiliane.rosenthal-oberhausen@international-holdings.example.com",
        title="Senior Vice President Global Procurement and Strategic Sourcing",
    )
    # The ICP page's score preview draws its ten bands; the Planning page shows a hand-off's accept/reject forms.
    CriterionFactory(
        tenant=tenant_a, icp=IcpFactory(tenant=tenant_a, is_active=True), kind="employees", params={"min": 1}
    )
    with as_tenant(tenant_a, owner_a):
        hand_off_pass(account=account, from_user=owner_a, to_user=owner_a)
    log_in(page, "owner_a", r"/t/alpha/my-day/$")  # the hand-off's decision task is due
    page.goto("/t/alpha/dashboard/")
    menu = page.get_by_role("button", name="Menu")
    if width == 390:
        expect(menu).to_be_visible()
        expect(page.locator("#mainnav")).to_be_hidden()
        menu.click()
        expect(page.locator("#mainnav").get_by_role("link", name="Accounts")).to_be_visible()
        assert page.screenshot(full_page=True)  # what a phone shows, menu open
    else:
        expect(menu).to_be_hidden()
        expect(page.locator("#mainnav").get_by_role("link", name="Accounts")).to_be_visible()
    expect(page.locator("canvas[data-chart]").first).to_have_attribute("data-drawn", "true")
    overflowing = []
    for path in (
        "/t/alpha/dashboard/",
        "/t/alpha/dashboard/?view=sdr",
        "/t/alpha/dashboard/?view=ae",
        "/t/alpha/accounts/",
        f"/t/alpha/accounts/{account.pk}/",
        "/t/alpha/contacts/",
        "/t/alpha/my-day/",
        "/t/alpha/icp/",
        "/t/alpha/personas/",
        "/t/alpha/teams/",
        "/t/alpha/plays/",
        "/t/alpha/planning/",
        "/t/alpha/data-health/",
        "/t/alpha/accounts/import/",
        "/t/alpha/settings/members/",
        "/t/alpha/settings/api-keys/",
    ):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        overflowing.extend(f"{path}: {problem}" for problem in page.evaluate(OVERFLOW))
    assert overflowing == [], "\n".join(overflowing)


def test_the_scorecard_shows_play_effectiveness_and_its_numbers_toggle(page: Page, programme, tenant_a):
    with as_tenant(tenant_a):
        blitz = PlayTemplateFactory(tenant=tenant_a, name="Blitz")
        for account in Account.objects.filter(name__in=["Target 0", "Target 1", "Target 2"]):
            PlayRun.objects.create(
                tenant=tenant_a, template=blitz, template_version=1, account=account, started_at=timezone.now()
            )
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    log_in(page, "owner_a", r"/t/alpha/dashboard/$")
    card = page.locator("#card-play-effectiveness")
    expect(card.get_by_role("heading", name="Play effectiveness")).to_be_visible()
    expect(card.locator("canvas")).to_have_attribute("data-drawn", "true")
    assert page.evaluate(DRAWN, "chart-data-play-effectiveness")
    row = card.locator("tbody tr").filter(has_text="Blitz")
    expect(row).to_be_hidden()
    card.get_by_text("Show the numbers").click()
    expect(row).to_be_visible()
    expect(row.locator("td").nth(1)).to_have_text("3")
    card.get_by_text("Show the numbers").click()
    expect(row).to_be_hidden()
    assert console_errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_empty_charts_say_what_to_do_without_overflowing(page: Page, transactional_db, tenant_a, owner_a, width):
    """A workspace with target accounts and nothing else: every chart that can be empty says what to do."""
    page.set_viewport_size({"width": width, "height": 900})
    AccountFactory(tenant=tenant_a, name="Lonely Target", fit_score=None, owner=owner_a)
    ActivityFactory(tenant=tenant_a, account=AccountFactory(tenant=tenant_a, is_target=False), direction="inbound")
    log_in(page, "owner_a", r"/t/alpha/dashboard/$")
    empties = {
        "leader": ["coverage-trend", "funnel", "pipeline", "play-effectiveness", "pipeline-by-stage"],
        "marketing": ["engagement-movers", "marketing", "engaged-contacts"],
        "ae": ["my-engagement-movers", "my-pipeline-by-stage"],
    }
    for view, keys in empties.items():
        page.goto(f"/t/alpha/dashboard/?view={view}")
        for key in keys:
            empty = page.locator(f"#card-{key} .chart-empty")
            expect(empty).to_be_visible()
            expect(empty.get_by_role("link")).to_be_visible()
            expect(page.locator(f"#card-{key} canvas")).to_have_count(0)
        assert page.evaluate(OVERFLOW) == [], view
