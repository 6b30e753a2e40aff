"""What the role homes of the dashboard show from the apps' own data: which home a member gets, an SDR's day
(tasks due, accounts with coverage gaps, new signals) and an AE's accounts with their health."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from abs_platform.tenancy.context import workspace_today
from abs_platform.tenancy.models import Role
from accounts.models import CLOSED_STAGES, Account, Opportunity
from accounts.selectors import account_list, signal_list
from checks.selectors import coverage_result_list
from planning.selectors import with_review_due
from tasks.models import TaskState
from tasks.selectors import task_list
from teams.models import TeamAccount, TeamMember, TeamRole

from ..filters import MetricFilters

SDR, AE, MARKETING, LEADER = "sdr", "ae", "marketing", "leader"
HOMES = {SDR: "SDR", AE: "Account executive", MARKETING: "Marketing", LEADER: "Programme scorecard"}
LEADER_ROLES = (Role.OWNER, Role.ADMIN)
# Signals that occurred in the last week are "new" on an SDR's home.
NEW_SIGNAL_DAYS = 7


def home_for(user, membership_role: str) -> str:
    """The member's home: owners, admins and executive sponsors lead; else their first team role of SDR, AE,
    marketer; a member without one sees the programme scorecard."""
    team_roles = set(TeamMember.objects.filter(user=user).values_list("role", flat=True))
    if membership_role in LEADER_ROLES or TeamRole.EXECUTIVE_SPONSOR in team_roles:
        return LEADER
    if TeamRole.SDR in team_roles:
        return SDR
    if TeamRole.ACCOUNT_EXECUTIVE in team_roles:
        return AE
    if team_roles & {TeamRole.MARKETER, TeamRole.INDUSTRY_MARKETER}:
        return MARKETING
    return LEADER


def accounts_of(user, filters: MetricFilters) -> QuerySet[Account]:
    """The accounts a member works: those they own and those of their teams, narrowed by the filters."""
    of_my_teams = TeamAccount.objects.filter(team__members__user=user).values("account_id")
    return Account.objects.filter(Q(owner=user) | Q(pk__in=Subquery(of_my_teams))).filter(filters.accounts_q())


def todays_tasks(user, limit: int):
    """The member's open tasks due today or overdue (oldest first), at most ``limit``, and how many there are."""
    tasks = task_list().filter(assignee=user, state=TaskState.OPEN, due_on__lte=workspace_today())
    return list(tasks.order_by("due_on", "account__name", "id")[:limit]), tasks.count()


def coverage_gaps_of(user, filters: MetricFilters, limit: int):
    """The member's target accounts whose last coverage check found a gap, at most ``limit``, and the count."""
    results = (
        coverage_result_list().filter(account__in=accounts_of(user, filters).filter(is_target=True)).exclude(gaps=[])
    )
    return list(results[:limit]), results.count()


def new_signals_of(user, filters: MetricFilters, limit: int):
    """Signals of the last ``NEW_SIGNAL_DAYS`` days at the member's accounts, newest first, and the count."""
    since = workspace_today() - timedelta(days=NEW_SIGNAL_DAYS - 1)
    signals = signal_list().filter(account__in=accounts_of(user, filters), occurred_on__gte=since)
    return list(signals.order_by("-occurred_on", "-id")[:limit]), signals.count()


def _open_amount_of_account():
    money = DecimalField(max_digits=18, decimal_places=2)
    open_amount = (
        Opportunity.objects.filter(account=OuterRef("pk"))
        .exclude(stage__in=CLOSED_STAGES)
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(open_amount, output_field=money), Decimal(0), output_field=money)


def account_health(user, filters: MetricFilters) -> QuerySet[Account]:
    """The member's accounts with coverage (``coverage_percent``), ``open_pipeline`` (open opportunities'
    amount) and ``review_overdue`` (planning's review cadence), by name."""
    accounts = account_list().filter(pk__in=accounts_of(user, filters).values("pk"))
    return with_review_due(accounts).annotate(open_pipeline=_open_amount_of_account()).order_by("name", "id")


def account_health_totals(user, filters: MetricFilters) -> dict:
    """How many accounts the member works, their open pipeline and how many are overdue for a review."""
    accounts = accounts_of(user, filters)
    open_pipeline = (
        Opportunity.objects.filter(account__in=accounts.values("pk"))
        .exclude(stage__in=CLOSED_STAGES)
        .aggregate(total=Coalesce(Sum("amount"), Decimal(0)))["total"]
    )
    return {
        "accounts": accounts.count(),
        "open_pipeline": open_pipeline,
        "reviews_overdue": with_review_due(accounts).filter(review_overdue=True).count(),
    }
