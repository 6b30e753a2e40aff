"""Team rules keep rule-matched accounts current as accounts change; the shared role look-ups plays and tasks
use (``teams.selectors``)."""

import pytest

from accounts import services as account_services
from accounts.models import Account
from icp import services as icp_services
from teams import selectors, services
from teams.models import Team, TeamAccount, TeamRole
from tests.conftest import as_tenant
from tests.factories import AccountFactory, TierFactory

pytestmark = pytest.mark.django_db


def covered(team):
    return sorted(TeamAccount.objects.filter(team=team).values_list("account__name", "source"))


@pytest.fixture
def tiers(tenant_a):
    return TierFactory(tenant=tenant_a, rank=1, name="Tier 1"), TierFactory(tenant=tenant_a, rank=2, name="Tier 2")


@pytest.fixture
def accounts(tenant_a):
    return {
        "bank": AccountFactory(tenant=tenant_a, name="Bank", industry="Financial services", country="US"),
        "insurer": AccountFactory(tenant=tenant_a, name="Insurer", industry="financial Services", country="DE"),
        "maker": AccountFactory(tenant=tenant_a, name="Maker", industry="Manufacturing", country="US"),
        "lender": AccountFactory(
            tenant=tenant_a, name="Lender", industry="Financial services", country="US", is_target=False
        ),
    }


def test_a_rule_takes_the_target_accounts_matching_every_given_field(tenant_a, accounts):
    with as_tenant(tenant_a):
        industry = services.team_create(name="Finance", rule_industries=["Financial services"])
        us_finance = services.team_create(
            name="US finance", rule_industries=["Financial Services"], rule_countries=["us"], rule_targets_only=False
        )
        assert covered(industry) == [("Bank", "rule"), ("Insurer", "rule")]
        assert covered(us_finance) == [("Bank", "rule"), ("Lender", "rule")]
        assert us_finance.rule_countries == ["US"]


def test_account_changes_move_accounts_in_and_out_and_listed_rows_stay(tenant_a, accounts, admin_a):
    with as_tenant(tenant_a, admin_a):
        team = services.team_create(name="Finance", rule_industries=["Financial services"])
        services.team_account_add(team=team, account=accounts["maker"])
        services.team_account_add(team=team, account=accounts["bank"])  # taken by the rule, now listed too
        account_services.account_update(account=accounts["maker"], industry="Retail")
        account_services.account_update(account=accounts["insurer"], industry="Retail")
        account_services.account_update(account=accounts["lender"], is_target=True)
        assert covered(team) == [("Bank", "listed"), ("Lender", "rule"), ("Maker", "listed")]
        account_services.account_update(account=accounts["bank"], industry="Retail")
        assert covered(team) == [("Bank", "listed"), ("Lender", "rule"), ("Maker", "listed")]
        account_services.accounts_bulk_change(accounts=[accounts["lender"]], action="unmark_target")
        created = account_services.account_create(name="New bank", industry="Financial services")
        assert covered(team) == [("Bank", "listed"), ("Maker", "listed"), ("New bank", "rule")]
        services.team_account_remove(link=TeamAccount.objects.get(team=team, account=created))
        assert covered(team) == [("Bank", "listed"), ("Maker", "listed"), ("New bank", "rule")]
        services.team_account_remove(link=TeamAccount.objects.get(team=team, account=accounts["bank"]))
        assert covered(team) == [("Maker", "listed"), ("New bank", "rule")]


def test_tier_changes_by_hand_and_by_suggestion_reapply_tier_rules(tenant_a, accounts, tiers, admin_a):
    tier1, tier2 = tiers
    with as_tenant(tenant_a, admin_a):
        team = services.team_create(name="Strategic", rule_tier=tier1)
        assert covered(team) == []
        account_services.account_override_tier(account=accounts["maker"], tier=tier1, reason="Board ask")
        assert covered(team) == [("Maker", "rule")]
        bank = Account.objects.get(pk=accounts["bank"].pk)
        bank.tier_id = tier1.pk
        icp_services.accounts_bulk_write([bank], icp_services.TIER_FIELDS)
        assert covered(team) == [("Bank", "rule"), ("Maker", "rule")]
        account_services.account_override_tier(account=accounts["maker"], tier=tier2, reason="Smaller")
        assert covered(team) == [("Bank", "rule")]
        icp_services.tier_delete(tier=tier1)
        team.refresh_from_db()
        assert team.rule_tier is None
        assert covered(team) == []


def test_editing_the_rule_reapplies_it(tenant_a, accounts):
    with as_tenant(tenant_a):
        team = services.team_create(name="Makers", rule_industries=["Manufacturing"])
        services.team_update(team=team, rule_industries=["Financial services"], rule_countries=["DE"])
        assert covered(team) == [("Insurer", "rule")]
        services.team_update(team=team, rule_industries=[], rule_countries=[])
        assert covered(team) == []


def test_account_team_roles_orders_by_team_then_username_in_one_query(
    tenant_a, accounts, owner_a, admin_a, member_a, django_assert_num_queries
):
    with as_tenant(tenant_a):
        alpha = services.team_create(name="Alpha")
        beta = services.team_create(name="Beta", rule_industries=["Financial services"])
        services.team_account_add(team=alpha, account=accounts["bank"])
        services.team_member_add(team=beta, user=admin_a, role=TeamRole.ACCOUNT_EXECUTIVE)
        services.team_member_add(team=alpha, user=member_a, role=TeamRole.ACCOUNT_EXECUTIVE)
        services.team_member_add(team=alpha, user=owner_a, role=TeamRole.ACCOUNT_EXECUTIVE)
        services.team_member_add(team=beta, user=member_a, role=TeamRole.ACCOUNT_EXECUTIVE)
        services.team_member_add(team=beta, user=member_a, role=TeamRole.SDR)
        ids = [accounts["bank"].pk, accounts["insurer"].pk, accounts["maker"].pk]
        with django_assert_num_queries(1):
            roles = selectors.account_team_roles(ids)
        assert roles == {
            accounts["bank"].pk: {
                "account_executive": [member_a, owner_a, admin_a],
                "sdr": [member_a],
            },
            accounts["insurer"].pk: {"account_executive": [admin_a, member_a], "sdr": [member_a]},
        }
        assert selectors.member_for_role(accounts["bank"], TeamRole.ACCOUNT_EXECUTIVE) == member_a
        assert selectors.member_for_role(accounts["maker"], TeamRole.SDR) is None
        assert list(selectors.account_teams(accounts["bank"])) == [alpha, beta]


def test_viewers_and_outsiders_cannot_sit_on_a_team(tenant_a, viewer_a, member_b):
    with as_tenant(tenant_a):
        team = services.team_create(name="Alpha")
        for user in (viewer_a, member_b):
            with pytest.raises(Exception, match="not a viewer"):
                services.team_member_add(team=team, user=user, role=TeamRole.SDR)
        with pytest.raises(Exception, match="already exists"):
            services.team_create(name="alpha")


def test_a_team_saved_in_the_admin_applies_its_rule(client_for, tenant_a, admin_a, accounts):
    admin_a.is_staff = True
    admin_a.save()
    client = client_for(admin_a)
    response = client.post(
        "/admin/teams/team/add/",
        {
            "tenant": tenant_a.pk,
            "name": "Finance",
            "description": "",
            "rule_industries": '["Financial services"]',
            "rule_countries": "[]",
            "rule_targets_only": "on",
        },
    )
    assert response.status_code == 302
    with as_tenant(tenant_a):
        assert covered(Team.objects.get(name="Finance")) == [("Bank", "rule"), ("Insurer", "rule")]
