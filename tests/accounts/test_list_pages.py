"""The accounts app's smaller lists (saved views, an account's technologies) show their total and pages by
number."""

import re

import pytest

from accounts.models import AccountTechnology, SavedView
from tests.conftest import as_tenant
from tests.factories import AccountFactory, TechnologyFactory
from tests.web.test_list_pages import page_links, pager

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


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
