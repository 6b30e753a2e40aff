"""The dashboard's lists show the rows shown, the total and page numbers; the API keeps its cursor links."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abs_platform.web.pagination import TenantCursorPagination
from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def get_fragment(client, url) -> str:
    """The htmx fragment at ``url`` (asserting it answered 200)."""
    response = client.get(url, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def make_accounts(tenant, count, start=0):
    return [AccountFactory(tenant=tenant, name=f"Account {number:03}") for number in range(start, start + count)]


def pager(html: str) -> str:
    nav = html.split('<nav class="pager"', 1)[1].split(">", 1)[1].split("</nav>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", nav).split())


def page_links(html: str) -> dict[str, str]:
    nav = html.split('<nav class="pager"', 1)[1].split("</nav>")[0]
    return {
        label: url.replace("&amp;", "&")
        for url, label in re.findall(r'<button hx-get="([^"]+)"[^>]*>([^<]+)</button>', nav)
    }


def names(html: str) -> list[str]:
    return re.findall(r'<a href="[^"]+/accounts/\d+/">(Account \d+)</a>', html)


def test_pages_by_number_when_the_count_is_exact(client_for, member_a, tenant_a):
    make_accounts(tenant_a, 60)
    client = client_for(member_a)
    first = client.get("/t/alpha/api/accounts/?ordering=name", **HTMX).content.decode()
    assert pager(first) == "1–25 of 60 1 2 3 Next →"
    assert names(first) == [f"Account {n:03}" for n in range(25)]

    third = client.get(page_links(first)["3"], **HTMX).content.decode()
    assert pager(third) == "51–60 of 60 ← Previous 1 2 3"
    assert names(third) == [f"Account {n:03}" for n in range(50, 60)]
    assert '<span class="page-current" aria-current="page">3</span>' in third

    second = client.get(page_links(third)["← Previous"], **HTMX).content.decode()
    assert pager(second) == "26–50 of 60 ← Previous 1 2 3 Next →"
    assert names(second) == [f"Account {n:03}" for n in range(25, 50)]
    assert "ordering=name" in page_links(second)["1"] and "cursor" not in page_links(second)["1"]


def test_long_lists_elide_page_numbers_and_keep_filters(client_for, member_a, tenant_a):
    make_accounts(tenant_a, 250)
    client = client_for(member_a)
    first = client.get("/t/alpha/api/accounts/?page_size=10&search=Account&ordering=name", **HTMX).content.decode()
    assert pager(first) == "1–10 of 250 1 2 3 … 25 Next →"
    html = first
    for number in ("3", "5", "7"):
        html = client.get(page_links(html)[number], **HTMX).content.decode()
    assert pager(html) == "61–70 of 250 ← Previous 1 … 5 6 7 8 9 … 25 Next →"
    assert names(html) == [f"Account {n:03}" for n in range(60, 70)]
    assert all("page_size=10" in url and "search=Account" in url for url in page_links(html).values())


def test_a_page_link_past_the_end_after_rows_went_lists_the_pages_left(client_for, member_a, tenant_a):
    accounts = make_accounts(tenant_a, 60)
    client = client_for(member_a)
    third = page_links(client.get("/t/alpha/api/accounts/?ordering=name", **HTMX).content.decode())["3"]
    with as_tenant(tenant_a):
        Account.objects.filter(pk__in=[account.pk for account in accounts[:20]]).delete()
    html = client.get(third, **HTMX).content.decode()
    assert "No accounts on this page." in html
    assert pager(html) == "40 ← Previous 1 2"


def test_an_estimated_count_reads_about_with_next_and_previous(client_for, member_a, tenant_a, monkeypatch):
    monkeypatch.setattr(TenantCursorPagination, "exact_count_limit", 20)
    make_accounts(tenant_a, 30)
    client = client_for(member_a)
    estimate = client.get("/t/alpha/api/accounts/?page_size=10").json()["count"]
    first = client.get("/t/alpha/api/accounts/?page_size=10", **HTMX).content.decode()
    assert pager(first) == f"1–10 of about {estimate:,} Next →"
    second = client.get(page_links(first)["Next →"], **HTMX).content.decode()
    assert pager(second) == f"about {estimate:,} ← Previous Next →"


def test_a_list_on_one_page_shows_its_count_only(client_for, member_a, tenant_a):
    make_accounts(tenant_a, 3)
    html = client_for(member_a).get("/t/alpha/api/accounts/", **HTMX).content.decode()
    assert pager(html) == "1–3 of 3"


def test_the_contact_directory_counts_too(client_for, member_a, tenant_a):
    account = AccountFactory(tenant=tenant_a)
    for _ in range(30):
        ContactFactory(tenant=tenant_a, account=account)
    html = client_for(member_a).get("/t/alpha/api/contacts/", HTTP_X_CONTACT_LAYOUT="directory", **HTMX)
    assert pager(html.content.decode()) == "1–25 of 30 1 2 Next →"


def test_the_api_keeps_its_cursor_links(api_a, tenant_a):
    make_accounts(tenant_a, 30)
    body = api_a.get("/api/v1/accounts/").json()
    assert (body["count"], body["count_exact"], body["previous"]) == (30, True, None)
    assert set(body) == {"count", "count_exact", "next", "previous", "results"}
    second = api_a.get(body["next"]).json()
    assert len(second["results"]) == 5


def count_queries(client, url):
    client.get(url, **HTMX)  # warm up the caches of the session, user and membership
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **HTMX).status_code == 200
    return len(queries)


def test_paging_costs_one_count_query_whatever_the_rows(client_for, member_a, tenant_a):
    """The page query plus the count (+4 for the request's transaction); page numbers cost nothing more."""
    client = client_for(member_a)
    make_accounts(tenant_a, 30)
    thirty = count_queries(client, "/t/alpha/api/accounts/")
    later = page_links(client.get("/t/alpha/api/accounts/", **HTMX).content.decode())["2"]
    second_page = count_queries(client, later)
    make_accounts(tenant_a, 270, start=30)
    three_hundred = count_queries(client, "/t/alpha/api/accounts/")
    assert thirty == second_page == three_hundred == 6
