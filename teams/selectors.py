from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from accounts.models import Account

from .models import RoleRequirement, StaffingSettings, Team, TeamAccount, TeamMember, TeamRole

User = get_user_model()


def team_list() -> QuerySet[Team]:
    """Teams by name with their rule's tier, ``accounts_count`` and their members (by role, then username)."""
    return (
        Team.objects.select_related("rule_tier")
        .annotate(accounts_count=Count("account_links"))
        .prefetch_related(
            Prefetch("members", TeamMember.objects.select_related("user").order_by("role", "user__username", "id"))
        )
    )


def team_member_list() -> QuerySet[TeamMember]:
    return TeamMember.objects.select_related("user", "team")


def team_account_list() -> QuerySet[TeamAccount]:
    return TeamAccount.objects.select_related("team", "account")


def role_requirement_list() -> QuerySet[RoleRequirement]:
    return RoleRequirement.objects.select_related("tier")


def account_teams(account: Account) -> QuerySet[Team]:
    """The teams covering ``account``, by name."""
    return Team.objects.filter(account_links__account=account).order_by("name", "id")


def account_team_roles(account_ids) -> dict[int, dict[str, list]]:
    """Per account id: each team role held on the account's teams → its holders (by team name, then username;
    a person holding a role on two of the account's teams is named once). One query."""
    members = (
        TeamMember.objects.filter(team__account_links__account_id__in=list(account_ids))
        .select_related("user")
        .annotate(account_id=F("team__account_links__account_id"))
        .order_by("team__name", "user__username", "id")
    )
    roles: dict[int, dict[str, list]] = defaultdict(dict)
    for member in members:
        holders = roles[member.account_id].setdefault(member.role, [])
        if member.user not in holders:
            holders.append(member.user)
    return dict(roles)


def member_for_role(account: Account, role: str):
    """Who gets a step for ``role`` on ``account``: the first holder, else None."""
    holders = account_team_roles([account.pk]).get(account.pk, {}).get(role, [])
    return holders[0] if holders else None


# ---------------------------------------------------------------- the account list's team column


class TeamNames(Aggregate):
    """The team names of a group, comma-separated and sorted (PostgreSQL ``STRING_AGG … ORDER BY``; SQLite's
    ``GROUP_CONCAT`` keeps the order of the rows it is given)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"STRING_AGG({sql}, ', ' ORDER BY {sql})", (*params, *params)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"GROUP_CONCAT({sql}, ', ')", params


def accounts_with_teams(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """Registered as an account annotation: ``team_names`` ("" without a team), one subquery in the same
    query."""
    names = (
        TeamAccount.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(names=TeamNames("team__name"))
        .values("names")
    )
    return queryset.annotate(team_names=Coalesce(Subquery(names, output_field=CharField()), Value("")))


# ---------------------------------------------------------------- gaps


def _count(queryset) -> Coalesce:
    counted = queryset.order_by().annotate(_n=Func(F("id"), function="COUNT")).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _role_held(role, account) -> Exists:
    """Someone holds ``role`` on one of ``account``'s teams (both may be ``OuterRef``s)."""
    return Exists(TeamMember.objects.filter(role=role, team__account_links__account=account))


def team_gaps() -> QuerySet[Account]:
    """Target accounts without a team, or whose teams lack a role their tier requires (``RoleRequirement``),
    by name, with ``team_count``, ``missing_count`` (required roles nobody holds), ``tier_name`` and
    ``team_names``. Which roles are missing: ``missing_roles``."""
    missing = RoleRequirement.objects.filter(tier=OuterRef("tier")).exclude(
        _role_held(OuterRef("role"), OuterRef(OuterRef("pk")))
    )
    return (
        accounts_with_teams(Account.objects.filter(is_target=True))
        .annotate(
            team_count=_count(TeamAccount.objects.filter(account=OuterRef("pk"))),
            missing_count=_count(missing),
            tier_name=Coalesce("tier__name", Value("")),
        )
        .filter(Q(team_count=0) | Q(missing_count__gt=0))
        .order_by("name", "id")
    )


def role_missing(role: str) -> Q:
    """The account (the outer query's row) has a tier that requires ``role`` and nobody holds it on its teams."""
    return Exists(RoleRequirement.objects.filter(tier=OuterRef("tier"), role=role)) & ~_role_held(role, OuterRef("pk"))


def gaps_missing_role(queryset: QuerySet[Account], role: str) -> QuerySet[Account]:
    """The gap accounts whose tier requires ``role`` and whose teams have nobody holding it."""
    required = Exists(RoleRequirement.objects.filter(tier=OuterRef("tier"), role=role))
    return queryset.filter(required).exclude(_role_held(role, OuterRef("pk")))


def missing_roles(accounts) -> dict[int, list[str]]:
    """Per account (objects with ``pk`` and ``tier_id``): the roles its tier requires that nobody holds on its
    teams, in ``TeamRole`` order. Two queries whatever the number of accounts."""
    ids = [account.pk for account in accounts]
    required = defaultdict(set)
    for tier_id, role in RoleRequirement.objects.values_list("tier_id", "role"):
        required[tier_id].add(role)
    held = set(
        TeamMember.objects.filter(team__account_links__account_id__in=ids).values_list(
            "team__account_links__account_id", "role"
        )
    )
    return {
        account.pk: [
            role for role in TeamRole.values if role in required[account.tier_id] and (account.pk, role) not in held
        ]
        for account in accounts
    }


# ---------------------------------------------------------------- staffing


@dataclass
class Person:
    user_id: int
    name: str
    accounts: int
    teams: int
    overloaded: bool


@dataclass
class Staffing:
    max_accounts_per_ae: int
    max_accounts_per_sdr: int
    account_executives: list[Person]
    sdrs: list[Person]
    accounts_per_ae: Decimal | None
    accounts_per_sdr: Decimal | None
    aes_per_sdr: Decimal | None
    overloaded: int


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def staffing(limits: StaffingSettings) -> Staffing:
    """Target accounts per account executive and per SDR (distinct accounts over all their teams), AEs per SDR
    (people holding each role on any team), the averages, and who is above the workspace's limits. One
    query."""
    rows = (
        TeamMember.objects.filter(role__in=[TeamRole.ACCOUNT_EXECUTIVE, TeamRole.SDR])
        .values("user_id", "role", "user__username", "user__first_name", "user__last_name")
        .annotate(
            accounts=Count(
                "team__account_links__account",
                filter=Q(team__account_links__account__is_target=True),
                distinct=True,
            ),
            teams=Count("team", distinct=True),
        )
        .order_by("-accounts", "user__username")
    )
    people = {TeamRole.ACCOUNT_EXECUTIVE: [], TeamRole.SDR: []}
    limit = {TeamRole.ACCOUNT_EXECUTIVE: limits.max_accounts_per_ae, TeamRole.SDR: limits.max_accounts_per_sdr}
    for row in rows:
        name = f"{row['user__first_name']} {row['user__last_name']}".strip() or row["user__username"]
        people[row["role"]].append(
            Person(row["user_id"], name, row["accounts"], row["teams"], row["accounts"] > limit[row["role"]])
        )
    aes, sdrs = people[TeamRole.ACCOUNT_EXECUTIVE], people[TeamRole.SDR]
    return Staffing(
        max_accounts_per_ae=limits.max_accounts_per_ae,
        max_accounts_per_sdr=limits.max_accounts_per_sdr,
        account_executives=aes,
        sdrs=sdrs,
        accounts_per_ae=_ratio(sum(person.accounts for person in aes), len(aes)),
        accounts_per_sdr=_ratio(sum(person.accounts for person in sdrs), len(sdrs)),
        aes_per_sdr=_ratio(len(aes), len(sdrs)),
        overloaded=sum(person.overloaded for person in aes + sdrs),
    )


def account_team_card(account: Account) -> dict:
    """The account page's Teams section: the account's teams (each with ``source`` and its members), the
    roles its tier requires that nobody on them holds (for a target account), and the teams it could be
    listed on. One query without a team, three with."""
    source = TeamAccount.objects.filter(team=OuterRef("pk"), account=account).values("source")[:1]
    teams = list(Team.objects.annotate(source=Subquery(source)).order_by("name", "id"))
    covering = [team for team in teams if team.source]
    missing = []
    if covering:
        prefetch_related_objects(
            covering,
            Prefetch("members", TeamMember.objects.select_related("user").order_by("role", "user__username", "id")),
        )
        if account.is_target and account.tier_id:
            held = {member.role for team in covering for member in team.members.all()}
            required = set(RoleRequirement.objects.filter(tier_id=account.tier_id).values_list("role", flat=True))
            missing = [role for role in TeamRole.values if role in required - held]
    return {"teams": covering, "missing_roles": missing, "other_teams": [team for team in teams if not team.source]}
