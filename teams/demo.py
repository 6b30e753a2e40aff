"""Demo teams: in Northwind a strategic Tier 1 team, a Financial services team by industry, a mid-market and a
scale team by tier, with people on several teams, the roles Tier 1 and Tier 2 require, and one role nobody
holds on the strategic team (marketer), so the gaps show. Safe to run twice: a workspace with teams is left
alone."""

from django.contrib.auth import get_user_model

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership, Role
from accounts.demo import DEMO_PASSWORD
from accounts.models import Account
from icp.models import Tier

from . import services
from .models import Team, TeamRole

# Colleagues who appear on teams (members, the demo password): with the demo users, 5 account executives and
# 2 SDRs, the 1 SDR : 2.5 AEs of the seeds.
COLLEAGUES = [
    ("lena", "Lena", "Larsen"),
    ("omar", "Omar", "Haddad"),
    ("ravi", "Ravi", "Patel"),
    ("tara", "Tara", "Quinn"),
    ("noah", "Noah", "Brooks"),
]
REQUIRED_ROLES = {
    1: [TeamRole.ACCOUNT_EXECUTIVE, TeamRole.SDR, TeamRole.MARKETER, TeamRole.EXECUTIVE_SPONSOR],
    2: [TeamRole.ACCOUNT_EXECUTIVE, TeamRole.SDR],
}
AE, SDR, MARKETER = TeamRole.ACCOUNT_EXECUTIVE, TeamRole.SDR, TeamRole.MARKETER
TEAMS = [
    (
        "Strategic accounts",
        "Tier 1, one to one: an account plan per account, executive sponsor on every deal.",
        {"rule_tier_rank": 1},
        [("sam", AE), ("lena", AE), ("tara", SDR), ("olivia", TeamRole.EXECUTIVE_SPONSOR)],
    ),
    (
        "Financial services",
        "Banks and insurers of every size: industry campaigns and references from the sector.",
        {"rule_industries": ["Financial services", "Insurance"]},
        [
            ("maria", AE),
            ("tara", SDR),
            ("adam", TeamRole.INDUSTRY_MARKETER),
            ("adam", MARKETER),
            ("olivia", TeamRole.EXECUTIVE_SPONSOR),
        ],
    ),
    (
        "Mid-market",
        "Tier 2, one to few: plays by industry and persona.",
        {"rule_tier_rank": 2},
        [("omar", AE), ("ravi", AE), ("noah", SDR), ("adam", MARKETER)],
    ),
    ("Scale programme", "Tier 3, one to many.", {"rule_tier_rank": 3}, [("noah", SDR), ("adam", MARKETER)]),
]


def _colleagues(tenant) -> dict:
    User = get_user_model()
    people = {}
    for username, first, last in COLLEAGUES:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": Role.MEMBER})
        people[username] = user
    return people


def load_demo(tenant, *, main: bool, users: list) -> None:
    with tenant_context(tenant), tenant_transaction(tenant):
        if Team.objects.exists():
            return
        people = {user.username: user for user in users}
        if not main:
            team = services.team_create(name="Key accounts", description="The DACH accounts we name ourselves.")
            for account in Account.objects.filter(is_target=True).order_by("name")[:3]:
                services.team_account_add(team=team, account=account)
            services.team_member_add(team=team, user=people["olivia"], role=AE)
            services.team_member_add(team=team, user=people["adam"], role=SDR)
            return
        people |= _colleagues(tenant)
        tiers = {tier.rank: tier for tier in Tier.objects.all()}
        for rank, roles in REQUIRED_ROLES.items():
            for role in roles:
                services.role_requirement_create(tier=tiers[rank], role=role)
        for name, description, rule, members in TEAMS:
            team = services.team_create(
                name=name,
                description=description,
                rule_industries=rule.get("rule_industries", []),
                rule_tier=tiers.get(rule.get("rule_tier_rank")),
            )
            for username, role in members:
                services.team_member_add(team=team, user=people[username], role=role)
        strategic = Team.objects.get(name="Strategic accounts")
        for account in Account.objects.filter(is_target=True, tier__rank=2).order_by("name")[:2]:
            services.team_account_add(team=strategic, account=account)
