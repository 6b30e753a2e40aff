"""Writes to teams, their members and accounts, and the rules that keep rule-matched accounts up to date."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from simple_history.utils import bulk_create_with_history

from abs_platform.tenancy.context import get_current_tenant, get_current_user
from accounts.models import Account
from accounts.services import KEEP, given

from .models import RoleRequirement, StaffingSettings, Team, TeamAccount, TeamAccountSource, TeamMember

TEAM_NAME_TAKEN = "A team with this name already exists."
# The account fields a team rule reads: a change to any of them re-applies the rules to the account.
RULE_FIELDS = frozenset({"industry", "tier", "country", "is_target"})


def _save_validated(instance, *, unique_error: tuple[str, str]):
    instance.tenant = instance.tenant if instance.tenant_id else get_current_tenant()
    instance.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        field, message = unique_error
        raise ValidationError({field: [message]}) from None
    return instance


# ---------------------------------------------------------------- rules


def rule_teams() -> QuerySet[Team]:
    """Teams with a rule (at least one rule field given)."""
    return Team.objects.filter(~Q(rule_industries=[]) | Q(rule_tier__isnull=False) | ~Q(rule_countries=[]))


def rule_matches(team: Team, accounts: QuerySet[Account]) -> QuerySet[Account]:
    """The accounts of ``accounts`` that ``team``'s rule takes; none when it has no rule."""
    if not team.has_rule:
        return accounts.none()
    if team.rule_industries:
        accounts = accounts.alias(industry_key=Lower("industry")).filter(
            industry_key__in=[industry.lower() for industry in team.rule_industries]
        )
    if team.rule_tier_id:
        accounts = accounts.filter(tier_id=team.rule_tier_id)
    if team.rule_countries:
        accounts = accounts.filter(country__in=team.rule_countries)
    if team.rule_targets_only:
        accounts = accounts.filter(is_target=True)
    return accounts


def team_rule_apply(team: Team, *, account_ids=None) -> tuple[int, int]:
    """Bring ``team``'s rule rows in line with its rule, for ``account_ids`` or every account: rule rows of
    accounts the rule no longer takes go, accounts it takes that the team does not cover yet get a rule row.
    Listed rows stay whatever the rule says. A few queries whatever the number of accounts. Returns
    (added, removed)."""
    accounts = Account.objects.all() if account_ids is None else Account.objects.filter(pk__in=list(account_ids))
    matching = rule_matches(team, accounts)
    stale = TeamAccount.objects.filter(team=team, source=TeamAccountSource.RULE).exclude(account__in=matching)
    if account_ids is not None:
        stale = stale.filter(account_id__in=list(account_ids))
    removed, _ = stale.delete()
    new_ids = list(matching.exclude(team_links__team=team).values_list("pk", flat=True))
    tenant, user = get_current_tenant(), get_current_user()
    user = user if getattr(user, "is_authenticated", False) else None
    bulk_create_with_history(
        [
            TeamAccount(tenant=tenant, team=team, account_id=pk, source=TeamAccountSource.RULE, created_by=user)
            for pk in new_ids
        ],
        TeamAccount,
        default_user=user,
    )
    return len(new_ids), removed


def team_rules_apply(*, account_ids) -> None:
    """Re-apply every rule team's rule to the accounts ``account_ids`` (they changed): one pass per rule
    team, set-based over the accounts."""
    for team in rule_teams():
        team_rule_apply(team, account_ids=account_ids)


def team_rules_apply_all() -> None:
    """Every team's rule, over every account (a tier a rule named was deleted)."""
    for team in Team.objects.all():
        team_rule_apply(team)


# ---------------------------------------------------------------- teams


@transaction.atomic
def team_create(
    *,
    name: str,
    description: str = "",
    rule_industries: list[str] | None = None,
    rule_tier=None,
    rule_countries: list[str] | None = None,
    rule_targets_only: bool = True,
) -> Team:
    team = _save_validated(
        Team(
            name=name.strip(),
            description=description,
            rule_industries=rule_industries or [],
            rule_tier=rule_tier,
            rule_countries=rule_countries or [],
            rule_targets_only=rule_targets_only,
        ),
        unique_error=("name", TEAM_NAME_TAKEN),
    )
    team_rule_apply(team)
    return team


@transaction.atomic
def team_update(
    *,
    team: Team,
    name: str = KEEP,
    description: str = KEEP,
    rule_industries: list[str] = KEEP,
    rule_tier=KEEP,
    rule_countries: list[str] = KEEP,
    rule_targets_only: bool = KEEP,
) -> Team:
    """Change the given fields; the rule is re-applied to every account."""
    fields = given(
        name=name.strip() if name is not KEEP else KEEP,
        description=description,
        rule_industries=rule_industries,
        rule_tier=rule_tier,
        rule_countries=rule_countries,
        rule_targets_only=rule_targets_only,
    )
    for field, value in fields.items():
        setattr(team, field, value)
    _save_validated(team, unique_error=("name", TEAM_NAME_TAKEN))
    team_rule_apply(team)
    return team


@transaction.atomic
def team_delete(*, team: Team) -> None:
    team.delete()


@transaction.atomic
def team_member_add(*, team: Team, user, role: str) -> TeamMember:
    return _save_validated(
        TeamMember(team=team, user=user, role=role),
        unique_error=("role", "This person already holds this role on the team."),
    )


@transaction.atomic
def team_member_remove(*, member: TeamMember) -> None:
    member.delete()


@transaction.atomic
def team_account_add(*, team: Team, account: Account) -> TeamAccount:
    """List ``account`` on ``team``; an account the rule took becomes listed (it stays when the rule lets go)."""
    link = TeamAccount.objects.filter(team=team, account=account).first()
    if link is None:
        return _save_validated(
            TeamAccount(team=team, account=account, source=TeamAccountSource.LISTED),
            unique_error=("account", "The team already covers this account."),
        )
    if link.source != TeamAccountSource.LISTED:
        link.source = TeamAccountSource.LISTED
        link.save()
    return link


@transaction.atomic
def team_account_remove(*, link: TeamAccount) -> None:
    """Unlist an account. An account the rule takes stays, as a rule row."""
    team, account_id = link.team, link.account_id
    link.delete()
    team_rule_apply(team, account_ids=[account_id])


# ---------------------------------------------------------------- requirements and limits


@transaction.atomic
def role_requirement_create(*, tier, role: str) -> RoleRequirement:
    return _save_validated(
        RoleRequirement(tier=tier, role=role), unique_error=("role", "This tier already requires this role.")
    )


@transaction.atomic
def role_requirement_delete(*, requirement: RoleRequirement) -> None:
    requirement.delete()


def staffing_settings() -> StaffingSettings:
    """The workspace's staffing limits (defaults when never set; nothing is written)."""
    return StaffingSettings.objects.first() or StaffingSettings(tenant=get_current_tenant())


@transaction.atomic
def staffing_settings_update(*, max_accounts_per_ae: int = KEEP, max_accounts_per_sdr: int = KEEP) -> StaffingSettings:
    settings = StaffingSettings.objects.select_for_update().first() or StaffingSettings(tenant=get_current_tenant())
    for field, value in given(
        max_accounts_per_ae=max_accounts_per_ae, max_accounts_per_sdr=max_accounts_per_sdr
    ).items():
        setattr(settings, field, value)
    return _save_validated(settings, unique_error=("non_field_errors", "The staffing limits changed meanwhile."))
