"""Planning's lists show their total and page numbers, and page 2 holds the rest."""

import base64
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning import services
from tests.conftest import as_tenant, page_as_loaded
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, TierFactory
from tests.web.test_list_pages import HTMX, page_links, pager
from tests.web.test_list_pages import get_fragment as get

pytestmark = pytest.mark.django_db


def at(number: int) -> datetime:
    return datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=number)


def subjects(html: str) -> list[str]:
    return re.findall(r'<span class="badge">[^<]+</span> ([^<]+) <span class="muted">', html)


def row_ids(html: str, prefix: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'<(?:tr|li) id="{prefix}-row-(\d+)"', html)]


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme")


def test_the_account_page_loads_reviews_and_hand_offs_ten_at_a_time(client_for, acme, member_a):
    page = page_as_loaded(client_for(member_a), f"/t/alpha/accounts/{acme.pk}/")
    assert f'hx-get="/t/alpha/api/account-reviews/?account={acme.pk}&page_size=10"' in page
    assert f'hx-get="/t/alpha/api/hand-offs/?account={acme.pk}&page_size=10"' in page


def test_reviews_newest_first_by_page(client_for, tenant_a, acme, member_a):
    with as_tenant(tenant_a, member_a):
        reviews = [
            services.review_create(
                account=acme, period_start=date(2026, month, 1), period_end=date(2026, month, 28), status="green"
            )
            for month in range(1, 13)
        ]
    client = client_for(member_a)
    first = get(client, f"/t/alpha/api/account-reviews/?account={acme.pk}&page_size=10")
    assert pager(first) == "1–10 of 12 1 2 Older →"
    assert row_ids(first, "review") == [review.pk for review in reversed(reviews[2:])]
    second = get(client, page_links(first)["2"])
    assert pager(second) == "11–12 of 12 ← Newer 1 2"
    assert row_ids(second, "review") == [reviews[1].pk, reviews[0].pk]
    assert 'hx-target="#review-list"' in second


def test_a_reviews_actions_by_page(client_for, tenant_a, acme, member_a):
    with as_tenant(tenant_a, member_a):
        review = services.review_create(
            account=acme, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), status="green"
        )
        actions = [
            services.review_action_create(review=review, title=f"Step {n}", assignee=member_a, due_on=date(2026, 2, 1))
            for n in range(12)
        ]
    client = client_for(member_a)
    assert f"?review={review.pk}&page_size=10" in get(client, f"/t/alpha/api/account-reviews/{review.pk}/")
    first = get(client, f"/t/alpha/api/review-actions/?review={review.pk}&page_size=10")
    assert pager(first) == "1–10 of 12 1 2 Next →"
    second = get(client, page_links(first)["2"])
    assert pager(second) == "11–12 of 12 ← Previous 1 2"
    assert row_ids(second, "review-action") == [actions[10].pk, actions[11].pk]
    assert 'hx-target="#review-action-list"' in second


def test_hand_offs_by_page(client_for, tenant_a, acme, member_a):
    contact = ContactFactory(tenant=tenant_a, account=acme)
    with as_tenant(tenant_a, member_a):
        hand_offs = [
            services.hand_off_pass(account=acme, from_user=member_a, to_user=member_a, contacts=[contact])
            for _ in range(12)
        ]
    client = client_for(member_a)
    first = get(client, f"/t/alpha/api/hand-offs/?account={acme.pk}&page_size=10")
    assert pager(first) == "1–10 of 12 1 2 Older →"
    second = get(client, page_links(first)["2"])
    assert pager(second) == "11–12 of 12 ← Newer 1 2"
    assert row_ids(second, "hand-off") == [hand_offs[1].pk, hand_offs[0].pk]
    assert f"account={acme.pk}" in page_links(second)["1"]


def test_the_review_schedule_pages_within_its_own_list(client_for, tenant_a, member_a):
    tier = TierFactory(tenant=tenant_a, rank=1)
    for number in range(30):
        AccountFactory(tenant=tenant_a, name=f"Due {number:02}", tier=tier, is_target=True)
    client = client_for(member_a)
    page = client.get("/t/alpha/planning/").content.decode()
    assert '<div id="schedule-all" class="review-schedule" hx-get="/t/alpha/api/review-schedule/"' in page
    first = get(client, "/t/alpha/api/review-schedule/")
    assert pager(first) == "1–25 of 30 1 2 Next →"
    assert 'hx-target="closest .review-schedule"' in first
    second = get(client, page_links(first)["2"])
    assert pager(second) == "26–30 of 30 ← Previous 1 2"
    assert re.findall(r'<a href="/t/alpha/accounts/\d+/#reviews">([^<]+)</a>', second) == [
        f"Due {n}" for n in range(25, 30)
    ]


def test_tier_cadences_by_page(client_for, tenant_a, member_a):
    tiers = [TierFactory(tenant=tenant_a, rank=rank) for rank in range(1, 31)]
    client = client_for(member_a)
    first = get(client, "/t/alpha/api/review-cadences/")
    assert pager(first) == "1–25 of 30 1 2 Next →"
    second = get(client, page_links(first)["2"])
    assert pager(second) == "26–30 of 30 ← Previous 1 2"
    assert row_ids(second, "review-cadence") == [tier.pk for tier in tiers[25:]]


def test_plans_by_page(client_for, tenant_a, member_a):
    with as_tenant(tenant_a, member_a):
        for number in range(30):
            services.plan_create(account=AccountFactory(tenant=tenant_a, name=f"Planned {number:02}"), strategy="Land")
    client = client_for(member_a)
    first = get(client, "/t/alpha/api/account-plans/?ordering=created_at")
    assert pager(first) == "1–25 of 30 1 2 Next →"
    second = get(client, page_links(first)["2"])
    assert pager(second) == "26–30 of 30 ← Previous 1 2"
    assert re.findall(r'<a href="/t/alpha/accounts/\d+/">([^<]+)</a>', second) == [
        f"Planned {n}" for n in range(25, 30)
    ]


def test_the_timeline_counts_and_pages_older_and_newer(client_for, api_a, tenant_a, acme, member_a):
    """No page numbers: the timeline merges its sources page after page, so "← Newer" and "Older →" only."""
    for number in range(30):
        ActivityFactory(
            tenant=tenant_a, account=acme, subject=f"Touch {number:02}", channel="phone", occurred_at=at(number)
        )
    ActivityFactory(tenant=tenant_a, account=acme, subject="By e-mail", channel="email", occurred_at=at(40))
    client = client_for(member_a)
    first = get(client, f"/t/alpha/api/timeline/?account={acme.pk}&channel=phone")
    assert pager(first) == "1–25 of 30 Older →"
    assert subjects(first) == [f"Touch {n:02}" for n in range(29, 4, -1)]

    second = get(client, page_links(first)["Older →"])
    assert pager(second) == "26–30 of 30 ← Newer"
    assert subjects(second) == [f"Touch {n:02}" for n in range(4, -1, -1)]
    assert "channel=phone" in page_links(second)["← Newer"]

    again = get(client, page_links(second)["← Newer"])
    assert pager(again) == "1–25 of 30 Older →"
    assert subjects(again) == subjects(first)

    body = api_a.get(f"/api/v1/timeline/?account={acme.pk}&page_size=10").json()
    assert (body["count"], body["previous"], len(body["results"])) == (31, None, 10)
    older = api_a.get(body["next"]).json()
    assert [event["title"] for event in api_a.get(older["previous"]).json()["results"]] == [
        event["title"] for event in body["results"]
    ]


def test_an_empty_timeline_keeps_its_empty_state(client_for, acme, member_a):
    html = get(client_for(member_a), f"/t/alpha/api/timeline/?account={acme.pk}")
    assert "Nothing on this timeline" in html
    assert pager(html) == ""


def test_a_timeline_link_from_before_the_newer_links_still_reads(api_a, tenant_a, acme):
    for number in range(3):
        ActivityFactory(tenant=tenant_a, account=acme, subject=f"Touch {number}", occurred_at=at(number))
    old = base64.urlsafe_b64encode(f"{at(2).isoformat()}|6|0".encode()).decode()
    body = api_a.get(f"/api/v1/timeline/?account={acme.pk}&cursor={old}").json()
    assert [event["title"] for event in body["results"]] == ["Touch 1", "Touch 0"]


def test_a_timeline_page_costs_the_same_queries_for_few_events_and_many(client_for, tenant_a, acme, member_a):
    """One query per source plus the count, whatever the account holds."""
    client = client_for(member_a)
    url = f"/t/alpha/api/timeline/?account={acme.pk}"

    def queries():
        client.get(url, **HTMX)  # warm the per-process caches (session, membership)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, **HTMX).status_code == 200
        return len(captured)

    ActivityFactory(tenant=tenant_a, account=acme, occurred_at=at(0))
    few = queries()
    for number in range(1, 40):
        ActivityFactory(tenant=tenant_a, account=acme, occurred_at=at(number))
    assert queries() == few
