"""The Teams page's lists show their total and page numbers, and page 2 holds the rest."""

import re

import pytest

from abs_platform.tenancy.models import Role
from teams import services
from teams.models import TeamRole
from tests.conftest import _member, as_tenant
from tests.factories import AccountFactory, TierFactory
from tests.web.test_list_pages import get_fragment as get
from tests.web.test_list_pages import page_links, pager

pytestmark = pytest.mark.django_db


def account_links(html: str) -> list[str]:
    return re.findall(r'<a href="/t/alpha/accounts/\d+/">([^<]+)</a>', html)


def test_the_page_loads_teams_and_gaps_a_page_at_a_time(client_for, member_a):
    page = client_for(member_a).get("/t/alpha/teams/").content.decode()
    assert 'id="team-list" hx-get="/t/alpha/api/teams/"' in page
    assert 'id="team-gaps" hx-get="/t/alpha/api/team-gaps/"' in page
    assert 'id="requirement-list" hx-get="/t/alpha/api/role-requirements/?page_size=200"' in page


def test_teams_by_page(client_for, tenant_a, member_a):
    with as_tenant(tenant_a):
        for number in range(30):
            services.team_create(name=f"Team {number:02}")
    client = client_for(member_a)
    first = get(client, "/t/alpha/api/teams/")
    assert pager(first) == "1–25 of 30 1 2 Next →"
    assert 'hx-target="#team-list" aria-label="Page 2"' in first

    second = get(client, page_links(first)["2"])
    assert pager(second) == "26–30 of 30 ← Previous 1 2"
    assert re.findall(r'hx-target="#team-panel">(Team \d+)</a>', second) == [f"Team {n}" for n in range(25, 30)]


def test_gaps_by_page(client_for, tenant_a, member_a):
    for number in range(30):
        AccountFactory(tenant=tenant_a, name=f"Gap {number:02}", is_target=True)
    client = client_for(member_a)
    first = get(client, "/t/alpha/api/team-gaps/")
    assert pager(first) == "1–25 of 30 1 2 Next →"
    assert account_links(first) == [f"Gap {n:02}" for n in range(25)]

    second = get(client, page_links(first)["2"])
    assert pager(second) == "26–30 of 30 ← Previous 1 2"
    assert account_links(second) == [f"Gap {n}" for n in range(25, 30)]
    assert 'hx-target="#team-gaps"' in second


def test_a_teams_accounts_by_page_of_ten(client_for, tenant_a, member_a):
    with as_tenant(tenant_a):
        team = services.team_create(name="East")
    for number in range(12):
        account = AccountFactory(tenant=tenant_a, name=f"Listed {number:02}")
        with as_tenant(tenant_a):
            services.team_account_add(team=team, account=account)
    client = client_for(member_a)
    detail = get(client, f"/t/alpha/api/teams/{team.pk}/")
    assert f'hx-get="/t/alpha/api/team-accounts/?team={team.pk}&page_size=10"' in detail

    first = get(client, f"/t/alpha/api/team-accounts/?team={team.pk}&page_size=10")
    assert pager(first) == "1–10 of 12 1 2 Next →"
    assert account_links(first) == [f"Listed {n:02}" for n in range(10)]
    second = get(client, page_links(first)["2"])
    assert pager(second) == "11–12 of 12 ← Previous 1 2"
    assert account_links(second) == ["Listed 10", "Listed 11"]
    assert 'hx-target="#team-accounts"' in second


def test_team_members_by_page(client_for, tenant_a, member_a):
    other = _member(tenant_a, Role.MEMBER, "other_a")
    roles = list(TeamRole.values)
    with as_tenant(tenant_a):
        team = services.team_create(name="East")
        for user in (member_a, other):
            for role in roles:
                services.team_member_add(team=team, user=user, role=role)
    client = client_for(member_a)
    first = get(client, f"/t/alpha/api/team-members/?team={team.pk}&page_size=10")
    assert pager(first) == "1–10 of 16 1 2 Next →"
    second = get(client, page_links(first)["2"])
    assert pager(second) == "11–16 of 16 ← Previous 1 2"
    assert re.findall(r"<li>([^<]+) — ", second) == [other.get_full_name()] * 6


def test_requirements_show_their_count_and_pages(client_for, tenant_a, member_a):
    roles = list(TeamRole.values)
    with as_tenant(tenant_a):
        for rank in (1, 2, 3):
            tier = TierFactory(tenant=tenant_a, rank=rank)
            for role in roles:
                services.role_requirement_create(tier=tier, role=role)
    client = client_for(member_a)
    assert pager(get(client, "/t/alpha/api/role-requirements/?page_size=200")) == "1–24 of 24"

    first = get(client, "/t/alpha/api/role-requirements/?page_size=10")
    assert pager(first) == "1–10 of 24 1 2 3 Next →"
    third = get(client, page_links(first)["3"])
    assert pager(third) == "21–24 of 24 ← Previous 1 2 3"
    assert re.findall(r'<section class="card"><h3>([^<]+)</h3>', third) == ["Tier 3"]
    assert third.count('<li id="requirement-row-') == 4
