"""The accounts app's smaller lists (saved views, an account's technologies) show their total and pages by
number."""

import re

import pytest

from abs_platform.web.pagination import TenantCursorPagination
from accounts.models import AccountTechnology, SavedView
from tests.conftest import as_tenant
from tests.factories import AccountFactory, TechnologyFactory
from tests.web.test_list_pages import page_links, pager

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_industries_page_by_number_by_name_and_the_api_answers_pages(client_for, admin_a, api_a, tenant_a):
    for number in range(27):
        for _ in range(1 + number % 2):
            AccountFactory(tenant=tenant_a, industry=f"Industry {number:02}")
    AccountFactory(tenant=tenant_a, industry="")
    client = client_for(admin_a)
    first = client.get("/t/alpha/api/accounts/industries/", **HTMX).content.decode()
    assert pager(first) == "1–25 of 27 1 2 Next →"
    assert re.findall(r"<td>(Industry \d+)</td>", first) == [f"Industry {n:02}" for n in range(25)]
    assert 'hx-target="#industry-list"' in first.split('<nav class="pager"')[1]

    second = client.get(page_links(first)["2"], **HTMX).content.decode()
    assert pager(second) == "26–27 of 27 ← Previous 1 2"
    rows = re.findall(r'<td>(Industry \d+)</td><td class="num">(\d+)</td>', second)
    assert rows == [("Industry 25", "2"), ("Industry 26", "1")]

    body = api_a.get("/api/v1/accounts/industries/").json()
    assert (body["count"], body["count_exact"], len(body["results"])) == (27, True, 25)
    assert api_a.get(body["next"]).json()["results"] == [
        {"industry": "Industry 25", "accounts": 2},
        {"industry": "Industry 26", "accounts": 1},
    ]


def test_industries_past_the_exact_count_follow_keyset_links(api_a, tenant_a, monkeypatch):
    monkeypatch.setattr(TenantCursorPagination, "exact_count_limit", 20)
    for number in range(30):
        AccountFactory(tenant=tenant_a, industry=f"Industry {number:02}")
    first = api_a.get("/api/v1/accounts/industries/?page_size=10").json()
    assert first["count_exact"] is False
    second = api_a.get(first["next"]).json()
    assert [row["industry"] for row in second["results"]] == [f"Industry {n:02}" for n in range(10, 20)]


def test_no_industry_keeps_the_empty_state_without_a_count(client_for, admin_a, tenant_a):
    AccountFactory(tenant=tenant_a, industry="")
    html = client_for(admin_a).get("/t/alpha/api/accounts/industries/", **HTMX).content.decode()
    assert "No industries yet." in html
    assert "pager" not in html


def test_saved_views_page_ten_at_a_time_in_their_panel(client_for, member_a, tenant_a):
    ids = []
    for number in range(12):
        with as_tenant(tenant_a):
            ids.append(SavedView.objects.create(user=member_a, name=f"View {number:02}", query="status=customer").pk)
    newest_first = ids[::-1]
    client = client_for(member_a)
    page = client.get("/t/alpha/accounts/").content.decode()
    assert 'hx-get="/t/alpha/api/saved-views/?list=accounts&amp;page_size=10"' in page

    first = client.get("/t/alpha/api/saved-views/?list=accounts&page_size=10", **HTMX).content.decode()
    assert pager(first) == "1–10 of 12 1 2 Next →"
    assert [int(n) for n in re.findall(r'<span id="saved-view-(\d+)"', first)] == newest_first[:10]
    assert 'hx-target="#saved-views"' in first.split('<nav class="pager"')[1]
    assert all("list=accounts" in url and "page_size=10" in url for url in page_links(first).values())

    second = client.get(page_links(first)["2"], **HTMX).content.decode()
    assert pager(second) == "11–12 of 12 ← Previous 1 2"
    assert [int(n) for n in re.findall(r'<span id="saved-view-(\d+)"', second)] == newest_first[10:]


def test_an_accounts_technologies_page_by_number(client_for, member_a, tenant_a):
    account = AccountFactory(tenant=tenant_a)
    ids = []
    for _ in range(27):
        with as_tenant(tenant_a):
            ids.append(
                AccountTechnology.objects.create(account=account, technology=TechnologyFactory(tenant=tenant_a)).pk
            )
    newest_first = ids[::-1]
    client = client_for(member_a)
    url = f"/t/alpha/api/account-technologies/?account={account.pk}"
    first = client.get(url, **HTMX).content.decode()
    assert pager(first) == "1–25 of 27 1 2 Next →"
    assert [int(n) for n in re.findall(r'<li id="account-technology-row-(\d+)"', first)] == newest_first[:25]
    second = client.get(page_links(first)["2"], **HTMX).content.decode()
    assert pager(second) == "26–27 of 27 ← Previous 1 2"
    assert [int(n) for n in re.findall(r'<li id="account-technology-row-(\d+)"', second)] == newest_first[25:]


def test_no_technology_keeps_the_empty_state_without_a_count(client_for, member_a, tenant_a):
    account = AccountFactory(tenant=tenant_a)
    html = client_for(member_a).get(f"/t/alpha/api/account-technologies/?account={account.pk}", **HTMX)
    assert '<li class="muted">No technologies recorded.</li>' in html.content.decode()
    assert pager(html.content.decode()) == ""
