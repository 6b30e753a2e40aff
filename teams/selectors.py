from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet

from accounts.models import Account

from .models import Team, TeamMember

User = get_user_model()


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("rule_tier")


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
