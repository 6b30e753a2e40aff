"""Reads of account planning: plans and their change list, reviews and when they are due, hand-offs."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db.models import Case, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDate

from abs_platform.tenancy.context import workspace_today, workspace_zone
from accounts.models import Account, Contact
from plays.models import PlayTemplate
from tasks.models import Task, TaskSource, TaskState
from teams.models import TeamMember

from .models import (
    DEFAULT_REVIEW_MONTHS,
    AccountPlan,
    AccountPlanPlay,
    AccountReview,
    HandOff,
    ReviewAction,
    ReviewCadence,
)

User = get_user_model()

# The open "Hold the account review" tasks the review schedule opens (a review's actions are review tasks too).
REVIEW_DUE_TASKS = Q(source=TaskSource.REVIEW, state=TaskState.OPEN, review_action__isnull=True)


def plan_list() -> QuerySet[AccountPlan]:
    return AccountPlan.objects.select_related("account", "owner").prefetch_related(
        Prefetch("chosen_plays", queryset=PlayTemplate.objects.only("id", "name"))
    )


def review_list() -> QuerySet[AccountReview]:
    return AccountReview.objects.select_related("account").prefetch_related("attendees", review_actions())


def other_reviews(review_id: int, account_id: int) -> QuerySet[AccountReview]:
    return (
        AccountReview.objects.filter(account_id=account_id)
        .exclude(pk=review_id)
        .only("id", "period_start", "period_end")
    )


def review_actions() -> Prefetch:
    return Prefetch("actions", queryset=ReviewAction.objects.select_related("assignee").order_by("position", "id"))


def review_action_list() -> QuerySet[ReviewAction]:
    return ReviewAction.objects.select_related("review__account", "assignee")


def hand_off_list() -> QuerySet[HandOff]:
    return HandOff.objects.select_related("account", "from_user", "to_user", "opportunity").prefetch_related("contacts")


# --- The plan's change list -----------------------------------------------------------------------------

PLAN_FIELDS = [
    "owner",
    "business_objectives",
    "challenges",
    "research_markets",
    "research_company",
    "research_contacts",
    "strategy",
    "next_steps",
]


@dataclass(frozen=True)
class Change:
    field: str  # the field's label
    old: str
    new: str


@dataclass(frozen=True)
class PlanVersion:
    at: datetime
    user: str
    created: bool
    changes: list[Change]


def _user_label(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def plan_changes(plan: AccountPlan) -> list[PlanVersion]:
    """Who changed what and when, newest first: per saved version, each field that changed, old → new, and
    each play chosen or dropped (four queries: the plan's and its plays' history with their users, the owners
    and the plays they name)."""
    records = list(plan.history.select_related("history_user").order_by("history_date", "history_id"))
    owner_ids = {record.owner_id for record in records if record.owner_id}
    owners = {user.pk: _user_label(user) for user in User.objects.filter(pk__in=owner_ids)}
    labels = {name: AccountPlan._meta.get_field(name).verbose_name.capitalize() for name in PLAN_FIELDS}

    def value(record, name):
        raw = getattr(record, "owner_id" if name == "owner" else name) if record is not None else None
        return owners.get(raw, "") if name == "owner" else raw or ""

    versions, previous = [], None
    for record in records:
        changes = [
            Change(labels[name], value(previous, name), value(record, name))
            for name in PLAN_FIELDS
            if value(previous, name) != value(record, name)
        ]
        if previous is None or changes:
            versions.append(
                PlanVersion(record.history_date, _user_label(record.history_user), previous is None, changes)
            )
        previous = record
    links = list(AccountPlanPlay.history.filter(plan_id=plan.pk).select_related("history_user"))
    plays = dict(PlayTemplate.objects.filter(pk__in={link.template_id for link in links}).values_list("pk", "name"))
    label = AccountPlan._meta.get_field("chosen_plays").verbose_name.capitalize()
    for link in links:
        name = plays.get(link.template_id, f"play {link.template_id}")
        change = Change(label, "", name) if link.history_type == "+" else Change(label, name, "")
        versions.append(PlanVersion(link.history_date, _user_label(link.history_user), False, [change]))
    return sorted(versions, key=lambda version: version.at, reverse=True)


# --- Review cadence and due dates -----------------------------------------------------------------------


def review_months():
    """An account's months between reviews: its tier's cadence, else the default of its tier's rank; 0: none."""
    defaults = [When(tier__rank=rank, then=Value(months)) for rank, months in DEFAULT_REVIEW_MONTHS.items()]
    return Coalesce(F("tier__review_cadence__months"), Case(*defaults, default=Value(0)))


def next_review_due(base: date, months: int) -> date:
    """The day a review is due: ``months`` after the end of the last review's period (the same day of the
    month, or the month's last day when it has no such day)."""
    return base + relativedelta(months=months)


def first_base_on_time(months: int, today: date) -> date:
    """The earliest base date whose next review is not yet overdue on ``today``: an account is overdue when its
    base (last review's period end) is before it. ``next_review_due`` never decreases with its base, so this
    one date splits the overdue from the others, and the database can compare with it."""
    base = today - relativedelta(months=months)
    while next_review_due(base - timedelta(days=1), months) >= today:
        base -= timedelta(days=1)
    while next_review_due(base, months) < today:
        base += timedelta(days=1)
    return base


def with_review_due(accounts: QuerySet[Account], today: date | None = None) -> QuerySet[Account]:
    """``accounts`` with ``review_months`` (0: not reviewed), ``last_review_end`` (null: no review yet),
    ``review_base`` (the last review's period end, else the day the account was created) and ``review_overdue``
    (its next review, ``review_base`` + cadence, is before ``today``)."""
    today = today or workspace_today()
    overdue = [
        When(review_months=months, review_base__lt=first_base_on_time(months, today), then=Value(True))
        for months in ReviewCadence.Every.values
        if months
    ]
    last_end = AccountReview.objects.filter(account=OuterRef("pk")).order_by("-period_end").values("period_end")[:1]
    return accounts.annotate(
        review_months=review_months(),
        tier_name=F("tier__name"),
        last_review_end=Subquery(last_end),
        review_base=Coalesce(F("last_review_end"), TruncDate("created_at", tzinfo=workspace_zone())),
        review_overdue=Case(*overdue, default=Value(False)),
    )


def review_schedule(today: date | None = None) -> QuerySet[Account]:
    """Target accounts whose tier has a review cadence, with when their next review is due (``with_review_due``)."""
    return with_review_due(Account.objects.filter(is_target=True), today).filter(review_months__gt=0)


def reviews_fallen_due(today: date) -> QuerySet[Account]:
    """The target accounts of ``review_schedule`` whose next review is due on or before ``today`` (overdue from
    tomorrow), with their open review-due task (``review_task_id``, null without one)."""
    open_task = Task.objects.filter(REVIEW_DUE_TASKS, account=OuterRef("pk")).order_by("id").values("pk")[:1]
    return (
        review_schedule(today + timedelta(days=1))
        .filter(review_overdue=True)
        .annotate(review_task_id=Subquery(open_task))
    )


def tier_cadences():
    """Every tier of the workspace with its ``review_months`` (set, or the default of its rank)."""
    Tier = Account._meta.get_field("tier").related_model
    defaults = [When(rank=rank, then=Value(months)) for rank, months in DEFAULT_REVIEW_MONTHS.items()]
    return Tier.objects.annotate(review_months=Coalesce(F("review_cadence__months"), Case(*defaults, default=Value(0))))


def account_contacts(account_id) -> QuerySet[Contact]:
    if not str(account_id).isdigit():
        return Contact.objects.none()
    return Contact.objects.filter(account_id=account_id).order_by("last_name", "first_name")


def hand_offs_to(user) -> QuerySet[HandOff]:
    return hand_off_list().filter(to_user=user)


def accounts_for_timeline() -> QuerySet[Account]:
    return Account.objects.only("id", "name")


def account_plan_card(account: Account) -> dict:
    """The account page's planning section, in one query: the plan's id (or None) and when the next review is
    due (None: the account is not reviewed)."""
    row = (
        with_review_due(Account.objects.filter(pk=account.pk))
        .annotate(plan_pk=F("plan__id"))
        .values("plan_pk", "is_target", "review_months", "review_base", "review_overdue")
        .get()
    )
    reviewed = row["is_target"] and row["review_months"] > 0
    return {
        "plan_id": row["plan_pk"],
        "review_due": next_review_due(row["review_base"], row["review_months"]) if reviewed else None,
        "review_overdue": reviewed and row["review_overdue"],
    }


def team_user_ids(team) -> QuerySet:
    return TeamMember.objects.filter(team=team).values("user_id")


def play_templates() -> QuerySet[PlayTemplate]:
    return PlayTemplate.objects.only("id", "name", "kind").order_by("name")
