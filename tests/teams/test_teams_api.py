"""The teams API and pages as an integrator and a user meet them: teams with members and accounts, roles,
gaps, staffing figures, the account list's Teams column and the account page's Teams section."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abs_platform.tenancy.models import Role
from accounts import services as account_services
from teams import services
from teams.models import StaffingSettings, Team, TeamAccount, TeamRole
from tests.conftest import _member, as_tenant, page_as_loaded
from tests.factories import AccountFactory, TierFactory

pytestmark = pytest.mark.django_db


def tier(tenant, rank):
    return TierFactory(tenant=tenant, rank=rank, name=f"Tier {rank}")


def account(tenant, name, *, tier=None, **fields):
    created = AccountFactory(tenant=tenant, name=name, **fields)
    if tier is not None:
        with as_tenant(tenant):
            account_services.account_override_tier(account=created, tier=tier, reason="Demo")
    return created


class TestTeams:
    def test_a_member_creates_a_rule_team_and_reads_its_members_and_accounts(self, api_a, tenant_a, member_a):
        tier1 = tier(tenant_a, 1)
        account(tenant_a, "Bank", tier=tier1)
        account(tenant_a, "Shop", tier=tier1, is_target=False)
        response = api_a.post(
            "/api/v1/teams/",
            {"name": "Strategic", "rule_tier": tier1.pk, "rule_industries": ["Software", "software"]},
            format="json",
        )
        assert response.status_code == 201, response.json()
        team = response.json()
        assert {key: team[key] for key in ("name", "rule_tier_name", "rule_industries", "accounts_count")} == {
            "name": "Strategic",
            "rule_tier_name": "Tier 1",
            "rule_industries": ["Software"],
            "accounts_count": 1,
        }
        added = api_a.post(
            "/api/v1/team-members/", {"team": team["id"], "user": member_a.pk, "role": "sdr"}, format="json"
        )
        assert added.status_code == 201, added.json()
        members = api_a.get(f"/api/v1/teams/{team['id']}/").json()["members"]
        assert [(m["user"], m["user_name"], m["role"], m["role_label"]) for m in members] == [
            (member_a.pk, member_a.get_full_name(), "sdr", "SDR")
        ]
        links = api_a.get(f"/api/v1/team-accounts/?team={team['id']}").json()["results"]
        assert [(link["account_name"], link["source"]) for link in links] == [("Bank", "rule")]

    def test_names_are_unique_in_any_case_and_unknown_fields_are_refused(self, api_a):
        assert api_a.post("/api/v1/teams/", {"name": "Alpha"}, format="json").status_code == 201
        again = api_a.post("/api/v1/teams/", {"name": "ALPHA"}, format="json")
        assert again.status_code == 400
        assert again.json() == {"name": ["A team with this name already exists."]}
        typo = api_a.post("/api/v1/teams/", {"name": "Beta", "rule_industry": ["x"]}, format="json")
        assert typo.status_code == 400
        assert list(typo.json()) == ["rule_industry"]
        bad = api_a.post("/api/v1/teams/", {"name": "Gamma", "rule_countries": ["XX"]}, format="json")
        assert bad.json() == {"rule_countries": ["Unknown country code: XX."]}

    def test_viewers_read_only_and_cannot_sit_on_a_team(self, client_for, tenant_a, viewer_a, member_a):
        with as_tenant(tenant_a):
            team = services.team_create(name="Alpha")
        viewer = client_for(viewer_a)
        assert viewer.get("/t/alpha/api/teams/").status_code == 200
        assert viewer.post("/t/alpha/api/teams/", {"name": "X"}, content_type="application/json").status_code == 403
        member = client_for(member_a)
        refused = member.post(
            "/t/alpha/api/team-members/",
            {"team": team.pk, "user": viewer_a.pk, "role": "sdr"},
            content_type="application/json",
        )
        assert refused.status_code == 400
        assert list(refused.json()) == ["user"]

    def test_listing_and_unlisting_accounts(self, api_a, tenant_a):
        bank = account(tenant_a, "Bank", industry="Financial services")
        shop = account(tenant_a, "Shop", industry="Retail")
        with as_tenant(tenant_a):
            team = services.team_create(name="Finance", rule_industries=["Financial services"])
            rule_link = TeamAccount.objects.get(team=team, account=bank)
        listed = api_a.post("/api/v1/team-accounts/", {"team": team.pk, "account": shop.pk}, format="json")
        assert listed.status_code == 201
        assert listed.json()["source"] == "listed"
        assert api_a.delete(f"/api/v1/team-accounts/{listed.json()['id']}/").status_code == 204
        assert api_a.delete(f"/api/v1/team-accounts/{rule_link.pk}/").status_code == 204
        with as_tenant(tenant_a):
            assert list(TeamAccount.objects.values_list("account__name", "source")) == [("Bank", "rule")]

    def test_the_list_reads_in_constant_queries(self, api_a, tenant_a, member_a, admin_a):
        def counted():
            with CaptureQueriesContext(connection) as queries:
                assert api_a.get("/api/v1/teams/").status_code == 200
            return len(queries)

        with as_tenant(tenant_a):
            services.team_member_add(team=services.team_create(name="T0"), user=member_a, role=TeamRole.SDR)
        counted()  # the key and its member, cached from here on
        one = counted()
        with as_tenant(tenant_a):
            for index in range(1, 6):
                team = services.team_create(name=f"T{index}")
                services.team_member_add(team=team, user=member_a, role=TeamRole.SDR)
                services.team_member_add(team=team, user=admin_a, role=TeamRole.ACCOUNT_EXECUTIVE)
        assert counted() == one

    def test_the_page_says_what_to_do_first(self, client_for, member_a, viewer_a):
        page = client_for(member_a).get("/t/alpha/teams/")
        assert page.status_code == 200
        assert "New team" in page.content.decode()
        empty = client_for(member_a).get("/t/alpha/api/teams/", HTTP_HX_REQUEST="true").content.decode()
        assert "Create your first team." in empty
        assert "New team" not in client_for(viewer_a).get("/t/alpha/teams/").content.decode()


@pytest.fixture
def staffed(tenant_a, owner_a, admin_a, member_a):
    """Tier 1 requires AE, SDR, marketer; Tier 2 an AE. Teams: Alpha (Tier 1 by rule, AE admin, SDR member),
    Beta (lists Gamma Co, AE member). Accounts: Alpha One and Alpha Two (Tier 1), Gamma Co (Tier 2), Delta
    (Tier 2, no team), Echo (no tier, no team), Off (not a target)."""
    tier1, tier2 = tier(tenant_a, 1), tier(tenant_a, 2)
    accounts = {
        "one": account(tenant_a, "Alpha One", tier=tier1),
        "two": account(tenant_a, "Alpha Two", tier=tier1),
        "gamma": account(tenant_a, "Gamma Co", tier=tier2),
        "delta": account(tenant_a, "Delta", tier=tier2),
        "echo": account(tenant_a, "Echo"),
        "off": account(tenant_a, "Off", is_target=False),
    }
    with as_tenant(tenant_a):
        for rank_tier, role in [
            (tier1, TeamRole.ACCOUNT_EXECUTIVE),
            (tier1, TeamRole.SDR),
            (tier1, TeamRole.MARKETER),
            (tier2, TeamRole.ACCOUNT_EXECUTIVE),
        ]:
            services.role_requirement_create(tier=rank_tier, role=role)
        alpha = services.team_create(name="Alpha", rule_tier=tier1)
        services.team_member_add(team=alpha, user=admin_a, role=TeamRole.ACCOUNT_EXECUTIVE)
        services.team_member_add(team=alpha, user=member_a, role=TeamRole.SDR)
        beta = services.team_create(name="Beta")
        services.team_account_add(team=beta, account=accounts["gamma"])
        services.team_account_add(team=beta, account=accounts["off"])
        services.team_member_add(team=beta, user=member_a, role=TeamRole.ACCOUNT_EXECUTIVE)
    return {"tier1": tier1, "tier2": tier2, "alpha": alpha, "beta": beta, **accounts}


class TestGaps:
    def test_gaps_name_accounts_without_a_team_and_the_missing_roles(self, api_a, staffed):
        body = api_a.get("/api/v1/team-gaps/").json()
        assert body["count"] == 4
        assert [
            (gap["name"], gap["tier_name"], gap["team_names"], gap["no_team"], gap["missing_roles"])
            for gap in body["results"]
        ] == [
            ("Alpha One", "Tier 1", "Alpha", False, ["marketer"]),
            ("Alpha Two", "Tier 1", "Alpha", False, ["marketer"]),
            ("Delta", "Tier 2", "", True, ["account_executive"]),
            ("Echo", "", "", True, []),
        ]

    def test_filters_by_kind_role_and_tier(self, api_a, staffed):
        def names(query):
            return [gap["name"] for gap in api_a.get(f"/api/v1/team-gaps/?{query}").json()["results"]]

        assert names("kind=no_team") == ["Delta", "Echo"]
        assert names("kind=missing_role") == ["Alpha One", "Alpha Two", "Delta"]
        assert names("missing_role=marketer") == ["Alpha One", "Alpha Two"]
        assert names("missing_role=account_executive") == ["Delta"]
        assert names(f"tier={staffed['tier2'].pk}") == ["Delta"]
        assert api_a.get("/api/v1/team-gaps/?missing_role=pilot").status_code == 400

    def test_holding_the_role_closes_the_gap(self, api_a, tenant_a, staffed, owner_a):
        with as_tenant(tenant_a):
            services.team_member_add(team=staffed["alpha"], user=owner_a, role=TeamRole.MARKETER)
        assert [gap["name"] for gap in api_a.get("/api/v1/team-gaps/").json()["results"]] == ["Delta", "Echo"]

    def test_the_gap_list_reads_in_constant_queries(self, api_a, tenant_a, staffed):
        def counted():
            with CaptureQueriesContext(connection) as queries:
                assert api_a.get("/api/v1/team-gaps/").status_code == 200
            return len(queries)

        counted()  # the key and its member, cached from here on
        before = counted()
        for index in range(6):
            account(tenant_a, f"Zulu {index}", tier=staffed["tier1"])
        assert counted() == before


class TestStaffing:
    def test_accounts_per_person_ratios_and_overload_against_the_limits(
        self, api_a, tenant_a, staffed, owner_a, admin_a, member_a
    ):
        with as_tenant(tenant_a):
            services.team_member_add(team=staffed["beta"], user=owner_a, role=TeamRole.ACCOUNT_EXECUTIVE)
            StaffingSettings.objects.create(max_accounts_per_ae=1, max_accounts_per_sdr=2)
        body = api_a.get("/api/v1/staffing/").json()
        people = {
            role: [(p["name"], p["accounts"], p["teams"], p["overloaded"]) for p in body[role]]
            for role in ("account_executives", "sdrs")
        }
        # Beta's "Off" is not a target account: it counts for nobody.
        assert people == {
            "account_executives": [
                (admin_a.get_full_name(), 2, 1, True),
                (member_a.get_full_name(), 1, 1, False),
                (owner_a.get_full_name(), 1, 1, False),
            ],
            "sdrs": [(member_a.get_full_name(), 2, 1, False)],
        }
        assert {key: body[key] for key in ("accounts_per_ae", "accounts_per_sdr", "aes_per_sdr", "overloaded")} == {
            "accounts_per_ae": "1.3",
            "accounts_per_sdr": "2.0",
            "aes_per_sdr": "3.0",
            "overloaded": 1,
        }

    def test_defaults_and_admins_change_the_limits(self, api_a, client_for, member_a):
        assert api_a.get("/api/v1/staffing/limits/").json() == {"max_accounts_per_ae": 15, "max_accounts_per_sdr": 40}
        assert api_a.get("/api/v1/staffing/").json()["aes_per_sdr"] is None
        refused = client_for(member_a).patch(
            "/t/alpha/api/staffing/limits/", {"max_accounts_per_ae": 3}, content_type="application/json"
        )
        assert refused.status_code == 403
        changed = api_a.patch("/api/v1/staffing/limits/", {"max_accounts_per_sdr": 25}, format="json")
        assert changed.json() == {"max_accounts_per_ae": 15, "max_accounts_per_sdr": 25}
        assert api_a.patch("/api/v1/staffing/limits/", {"max_accounts_per_sd": 25}, format="json").status_code == 400
        assert api_a.patch("/api/v1/staffing/limits/", {"max_accounts_per_ae": 0}, format="json").status_code == 400


class TestAccountReads:
    def test_the_account_list_names_teams_in_constant_queries(self, api_a, tenant_a, staffed):
        def read():
            with CaptureQueriesContext(connection) as queries:
                rows = api_a.get("/api/v1/accounts/?ordering=name").json()["results"]
            return {row["name"]: row["team_names"] for row in rows}, len(queries)

        read()  # the key and its member, cached from here on
        names, before = read()
        assert names == {
            "Alpha One": "Alpha",
            "Alpha Two": "Alpha",
            "Delta": "",
            "Echo": "",
            "Gamma Co": "Beta",
            "Off": "Beta",
        }
        with as_tenant(tenant_a):
            zeta = services.team_create(name="Zeta", rule_tier=staffed["tier1"])
            services.team_member_add(team=zeta, user=_member(tenant_a, Role.MEMBER, "extra"), role=TeamRole.SDR)
        for index in range(5):
            account(tenant_a, f"Zulu {index}", tier=staffed["tier1"])
        names, after = read()
        assert names["Alpha One"] == "Alpha, Zeta"
        assert names["Zulu 0"] == "Alpha, Zeta"
        assert after == before

    def test_the_account_page_shows_its_teams_and_gaps(self, client_for, member_a, staffed):
        page = client_for(member_a).get(f"/t/alpha/accounts/{staffed['one'].pk}/?part=teams").content.decode()
        assert "Alpha" in page and "matches its rule" in page
        assert "Tier 1 needs Marketer on its team." in " ".join(page.split())
        delta = page_as_loaded(client_for(member_a), f"/t/alpha/accounts/{staffed['delta'].pk}/")
        assert "no team works this target account yet" in delta

    def test_an_account_listed_from_its_page_joins_the_team(self, client_for, member_a, staffed, tenant_a):
        response = client_for(member_a).post(
            "/t/alpha/api/team-accounts/",
            {"team": staffed["alpha"].pk, "account": staffed["delta"].pk},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 201
        assert "Alpha now covers Delta." in response.content.decode()
        with as_tenant(tenant_a):
            assert list(
                Team.objects.filter(account_links__account=staffed["delta"]).values_list("name", flat=True)
            ) == ["Alpha"]


def test_the_staffing_fragments_flag_overload_and_show_limit_errors(client_for, admin_a, tenant_a, staffed):
    with as_tenant(tenant_a):
        StaffingSettings.objects.create(max_accounts_per_ae=1, max_accounts_per_sdr=40)
    client = client_for(admin_a)
    figures = " ".join(client.get("/t/alpha/api/staffing/", HTTP_HX_REQUEST="true").content.decode().split())
    assert '<span class="tile-value">1</span><span class="tile-label">person above their limit</span>' in figures
    assert (
        f'{admin_a.get_full_name()} <span class="badge gap" title="Above the limit of 1">overloaded</span>' in figures
    )
    refused = client.patch(
        "/t/alpha/api/staffing/limits/",
        "max_accounts_per_sdr=0",
        content_type="application/x-www-form-urlencoded",
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in refused.content.decode()
