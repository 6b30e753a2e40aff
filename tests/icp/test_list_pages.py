"""The ICP's lists: versions and manual tiers page by number; tiers and sign-offs, bounded by construction, show
their total only."""

import re

import pytest

from tests.factories import AccountFactory, CriterionFactory, IcpFactory, SignOffFactory, TierFactory
from tests.web.test_list_pages import page_links, pager

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def row_ids(html: str, prefix: str) -> list[int]:
    return [int(number) for number in re.findall(rf'<tr id="{prefix}-(\d+)"', html)]


def test_versions_page_by_number_newest_first(client_for, admin_a, tenant_a):
    versions = [IcpFactory(tenant=tenant_a, version=number) for number in range(1, 32)]
    newest_first = [icp.pk for icp in reversed(versions)]
    client = client_for(admin_a)
    first = client.get("/t/alpha/api/icps/", **HTMX).content.decode()
    assert pager(first) == "1–25 of 31 1 2 Next →"
    assert row_ids(first, "icp-row") == newest_first[:25]
    second = client.get(page_links(first)["2"], **HTMX).content.decode()
    assert pager(second) == "26–31 of 31 ← Previous 1 2"
    assert row_ids(second, "icp-row") == newest_first[25:]


def test_manual_tiers_page_by_number_by_account_name(client_for, admin_a, tenant_a):
    tier = TierFactory(tenant=tenant_a, rank=1)
    accounts = [
        AccountFactory(tenant=tenant_a, name=f"Account {number:02}", tier=tier, tier_override_reason="Strategic")
        for number in range(26)
    ]
    AccountFactory(tenant=tenant_a, name="Account suggested", tier=tier)
    client = client_for(admin_a)
    first = client.get("/t/alpha/api/tier-overrides/", **HTMX).content.decode()
    assert pager(first) == "1–25 of 26 1 2 Next →"
    assert row_ids(first, "tier-override") == [account.pk for account in accounts[:25]]
    second = client.get(page_links(first)["2"], **HTMX).content.decode()
    assert pager(second) == "26–26 of 26 ← Previous 1 2"
    assert row_ids(second, "tier-override") == [accounts[25].pk]


def test_a_versions_criteria_page_by_number_and_share_the_whole_versions_weight(client_for, api_a, admin_a, tenant_a):
    icp = IcpFactory(tenant=tenant_a, version=1)
    criteria = [CriterionFactory(tenant=tenant_a, icp=icp, weight=weight, position=weight) for weight in range(1, 28)]
    CriterionFactory(tenant=tenant_a, icp=IcpFactory(tenant=tenant_a, version=2), weight=50)
    client = client_for(admin_a)
    assert (
        f'id="criteria-list" hx-get="/t/alpha/api/criteria/?icp={icp.pk}"'
        in client.get("/t/alpha/icp/?version=1").content.decode()
    )

    first = client.get(f"/t/alpha/api/criteria/?icp={icp.pk}", **HTMX).content.decode()
    assert pager(first) == "1–25 of 27 1 2 Next →"
    assert row_ids(first, "criterion-row") == [criterion.pk for criterion in criteria[:25]]
    assert "sum of all weights, here 378" in first  # 1 + 2 + … + 27, not the page's 325
    second = client.get(page_links(first)["2"], **HTMX).content.decode()
    assert pager(second) == "26–27 of 27 ← Previous 1 2"
    assert row_ids(second, "criterion-row") == [criterion.pk for criterion in criteria[25:]]
    assert "sum of all weights, here 378" in second
    assert re.search(
        rf'<tr id="criterion-row-{criteria[26].pk}">.*?<td class="num">27</td>\s*<td class="num">7 %</td>', second, re.S
    )

    body = api_a.get(f"/api/v1/criteria/?icp={icp.pk}").json()
    assert (body["count"], body["count_exact"], len(body["results"])) == (27, True, 25)
    assert [row["weight"] for row in api_a.get(body["next"]).json()["results"]] == [26, 27]


def test_no_manual_tier_keeps_the_empty_state_without_a_count(client_for, admin_a, tenant_a):
    html = client_for(admin_a).get("/t/alpha/api/tier-overrides/", **HTMX).content.decode()
    assert "No account has a manual tier." in html
    assert pager(html) == ""


def count_line(html: str) -> str:
    return re.search(r'<span class="pager-count">([^<]*)</span>', html).group(1)


def test_tiers_show_their_total_without_pages(client_for, admin_a, tenant_a):
    tiers = [TierFactory(tenant=tenant_a, rank=rank) for rank in range(1, 5)]
    html = client_for(admin_a).get("/t/alpha/api/tiers/", **HTMX).content.decode()
    assert count_line(html) == "4 tiers"
    assert row_ids(html, "tier-row") == [tier.pk for tier in tiers]
    assert "page-current" not in html and "hx-get" not in html.split('class="pager"')[1]


def test_sign_offs_show_their_total_and_none_keeps_only_the_missing_departments(client_for, admin_a, tenant_a):
    icp = IcpFactory(tenant=tenant_a, version=1)
    client = client_for(admin_a)
    assert "pager-count" not in client.get(f"/t/alpha/api/sign-offs/?icp={icp.pk}", **HTMX).content.decode()
    SignOffFactory(tenant=tenant_a, icp=icp, department="sales")
    assert count_line(client.get(f"/t/alpha/api/sign-offs/?icp={icp.pk}", **HTMX).content.decode()) == "1 sign-off"
    SignOffFactory(tenant=tenant_a, icp=icp, department="marketing")
    assert count_line(client.get(f"/t/alpha/api/sign-offs/?icp={icp.pk}", **HTMX).content.decode()) == "2 sign-offs"
