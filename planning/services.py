"""Writes of account planning: plans, review cadences, reviews and their actions, hand-offs."""

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from abs_platform.jobs import services as jobs
from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import get_current_tenant, workspace_today
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership
from accounts import services as account_services
from accounts.models import CLOSED_STAGES, Account, Contact, Opportunity
from tasks import services as task_services
from tasks.models import Task, TaskSource, TaskState
from teams.models import TeamRole
from teams.selectors import account_team_roles, member_for_role

from . import events, selectors
from .models import AccountPlan, AccountPlanPlay, AccountReview, HandOff, HandOffState, ReviewAction, ReviewCadence

HAND_OFF_DECIDED = "This hand-off was already {state}."


def _save(instance, *, constraint_errors: dict | None = None):
    instance.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        for name, field_errors in (constraint_errors or {}).items():
            if name in str(error):
                raise ValidationError(field_errors) from None
        raise
    return instance


def _choose_plays(plan: AccountPlan, templates) -> None:
    """Make ``templates`` the plan's chosen plays: links added and removed one by one, each in the history."""
    wanted = {template.pk: template for template in templates}
    for link in plan.play_links.all():
        if link.template_id not in wanted:
            link.delete()
        wanted.pop(link.template_id, None)
    for template in wanted.values():
        AccountPlanPlay(tenant=plan.tenant, plan=plan, template=template).save()


@transaction.atomic
def plan_create(*, account: Account, chosen_plays=(), **fields) -> AccountPlan:
    if AccountPlan.objects.filter(account=account).exists():
        raise ValidationError({"account": ["This account already has a plan: change that one."]})
    plan = _save(AccountPlan(tenant=get_current_tenant(), account=account, **fields))
    _choose_plays(plan, chosen_plays)
    return plan


@transaction.atomic
def plan_update(*, plan: AccountPlan, chosen_plays=None, **fields) -> AccountPlan:
    for name, value in fields.items():
        setattr(plan, name, value)
    _save(plan)
    if chosen_plays is not None:
        _choose_plays(plan, chosen_plays)
    return plan


@transaction.atomic
def review_cadence_set(*, tier, months: int) -> ReviewCadence:
    cadence = ReviewCadence.objects.filter(tier=tier).first() or ReviewCadence(tenant=get_current_tenant(), tier=tier)
    cadence.months = months
    return _save(cadence)


REVIEW_PERIOD_TAKEN = {
    "review_period_unique_per_account": {"period_start": ["This account already has a review of this period."]}
}


REVIEW_HELD_NOTE = "Closed by the review held on {day}."


@transaction.atomic
def review_create(*, account: Account, attendees: list[User] = (), **fields) -> AccountReview:
    fields.setdefault("held_on", workspace_today())
    review = _save(
        AccountReview(tenant=get_current_tenant(), account=account, **fields), constraint_errors=REVIEW_PERIOD_TAKEN
    )
    review.attendees.set(attendees)
    tasks = list(Task.objects.filter(selectors.REVIEW_DUE_TASKS, account=account))
    task_services.tasks_close(tasks, note=REVIEW_HELD_NOTE.format(day=review.held_on), reason="Account review held")
    return review


@transaction.atomic
def review_update(*, review: AccountReview, attendees: list[User] | None = None, **fields) -> AccountReview:
    for name, value in fields.items():
        setattr(review, name, value)
    _save(review, constraint_errors=REVIEW_PERIOD_TAKEN)
    if attendees is not None:
        review.attendees.set(attendees)
    return review


@transaction.atomic
def review_action_create(
    *, review: AccountReview, title: str, assignee: User, due_on: date, position: int | None = None
) -> ReviewAction:
    """An action of a review, at ``position`` (default: last; the ones from there move down one)."""
    actions = list(review.actions.select_for_update().order_by("position", "id"))
    if position is None or position > len(actions):
        position = len(actions) + 1
    for later in actions[position - 1 :]:
        later.position += 1
        later.save(update_fields=["position", "updated_at", "updated_by"])
    task = task_services.task_create(
        account=review.account, title=title, due_on=due_on, assignee=assignee, source=TaskSource.REVIEW
    )
    return _save(
        ReviewAction(
            tenant=get_current_tenant(),
            review=review,
            title=title,
            assignee=assignee,
            due_on=due_on,
            position=position,
            task=task,
        )
    )


@transaction.atomic
def review_action_update(*, action: ReviewAction, **fields) -> ReviewAction:
    """Change an action; its task follows while it is open (a done task keeps what was done)."""
    for name, value in fields.items():
        setattr(action, name, value)
    task_fields = {name: fields[name] for name in ("title", "assignee", "due_on") if name in fields}
    if action.task_id and action.task.state == TaskState.OPEN and task_fields:
        task_services.task_update(action.task, **task_fields)
    return _save(action)


def _check_contacts(account: Account, contacts: list[Contact]) -> None:
    elsewhere = [str(contact) for contact in contacts if contact.account_id != account.pk]
    if elsewhere:
        raise ValidationError({"contacts": [f"Not contacts of {account.name}: {', '.join(elsewhere)}."]})


NO_ACCOUNT_EXECUTIVE = "Nobody is the account executive on this account's teams: name who receives the lead."


@transaction.atomic
def hand_off_pass(
    *,
    account: Account,
    from_user: User | None,
    to_user: User | None = None,
    contacts: list[Contact] = (),
    notes: str = "",
) -> HandOff:
    """An SDR passes a qualified lead to ``to_user``, by default the account executive of the account's teams;
    the AE gets a task, due today, to accept or reject it."""
    _check_contacts(account, contacts)
    to_user = to_user or member_for_role(account, TeamRole.ACCOUNT_EXECUTIVE)
    if to_user is None:
        raise ValidationError({"to_user": [NO_ACCOUNT_EXECUTIVE]})
    task = task_services.task_create(
        account=account,
        title=f"Accept or reject the lead passed on {account.name}",
        due_on=workspace_today(),
        assignee=to_user,
        contact=contacts[0] if len(contacts) == 1 else None,
        team_role=TeamRole.ACCOUNT_EXECUTIVE,
        instructions=notes,
        source=TaskSource.HAND_OFF,
    )
    hand_off = _save(
        HandOff(
            tenant=get_current_tenant(),
            account=account,
            from_user=from_user,
            to_user=to_user,
            notes=notes,
            passed_at=timezone.now(),
            task=task,
        )
    )
    hand_off.contacts.set(contacts)
    return hand_off


def _close_task(hand_off: HandOff) -> None:
    """The AE's decision ends the task of deciding (cancelled: no touch to log)."""
    if hand_off.task_id and hand_off.task.state == TaskState.OPEN:
        task_services.task_cancel(hand_off.task)


def _check_open(hand_off: HandOff) -> None:
    if hand_off.state != HandOffState.PASSED:
        raise ValidationError(HAND_OFF_DECIDED.format(state=hand_off.get_state_display().lower()))


@transaction.atomic
def hand_off_accept(
    *, hand_off: HandOff, opportunity: Opportunity | None = None, opportunity_name: str = ""
) -> HandOff:
    """Accept the lead into the sales cycle: link an open opportunity of the account, or open a new one."""
    hand_off = HandOff.objects.select_for_update().get(pk=hand_off.pk)
    _check_open(hand_off)
    if opportunity is None and not opportunity_name:
        raise ValidationError({"opportunity": ["Link an open opportunity of the account or name a new one."]})
    if opportunity is not None:
        if opportunity_name:
            raise ValidationError({"opportunity_name": ["Either link an opportunity or name a new one, not both."]})
        if opportunity.account_id != hand_off.account_id:
            raise ValidationError({"opportunity": ["This opportunity is of another account."]})
        if opportunity.stage in CLOSED_STAGES:
            raise ValidationError({"opportunity": ["This opportunity is closed: link an open one."]})
    else:
        opportunity = account_services.opportunity_create(
            account=hand_off.account, name=opportunity_name, opened_on=workspace_today()
        )
    hand_off.opportunity = opportunity
    hand_off.state = HandOffState.ACCEPTED
    hand_off.decided_at = timezone.now()
    _close_task(hand_off)
    hand_off = _save(hand_off)
    events.hand_off_decided.send(HandOff, hand_off=hand_off)
    return hand_off


@transaction.atomic
def hand_off_reject(*, hand_off: HandOff, reason: str) -> HandOff:
    hand_off = HandOff.objects.select_for_update().get(pk=hand_off.pk)
    _check_open(hand_off)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the lead is rejected."]})
    hand_off.state = HandOffState.REJECTED
    hand_off.rejection_reason = reason.strip()
    hand_off.decided_at = timezone.now()
    _close_task(hand_off)
    hand_off = _save(hand_off)
    events.hand_off_decided.send(HandOff, hand_off=hand_off)
    return hand_off


# --- Reviews falling due ----------------------------------------------------------------------------------

REVIEW_JOB_KIND = "review_schedule"
REVIEW_TASK_TITLE = "Hold the account review of {account}"
REVIEW_TASK_INSTRUCTIONS = "{cadence} review, due on {due}: record it with “New review” on the account page."
REVIEW_NOT_DUE_NOTE = "Closed by the review schedule on {day}: the account's review is no longer due."


def review_schedule_enqueue() -> Job:
    """Queue a review-schedule run of the current workspace, sent once the transaction commits."""
    from .tasks import review_schedule

    return jobs.job_create(kind=REVIEW_JOB_KIND, task=review_schedule)


def review_schedule_run(*, job: Job | None = None) -> dict:
    """Give every target account whose review has fallen due (``selectors.reviews_fallen_due``) and has no open
    review-due task one, for its account executive (else its owner), due the day the review fell due; close the
    open review-due tasks of accounts no longer due (a review recorded, a new tier or cadence). Idempotent;
    a fixed number of queries. Returns the run's counts."""
    tenant = get_current_tenant()
    with tenant_transaction(tenant):
        today = workspace_today()
        due = list(
            selectors.reviews_fallen_due(today)
            .only("id", "tenant_id", "name", "owner_id", "created_at", "tier")
            .order_by("id")
        )
        new = [account for account in due if account.review_task_id is None]
        aes = account_team_roles([account.pk for account in new])
        members = set(Membership.objects.filter(tenant=tenant).values_list("user_id", flat=True))
        specs = []
        for account in new:
            holders = aes.get(account.pk, {}).get(TeamRole.ACCOUNT_EXECUTIVE, [])
            owner = User(pk=account.owner_id) if account.owner_id in members else None
            due_on = selectors.next_review_due(account.review_base, account.review_months)
            cadence = ReviewCadence.Every(account.review_months).label
            specs.append(
                {
                    "account": account,
                    "title": REVIEW_TASK_TITLE.format(account=account.name),
                    "instructions": REVIEW_TASK_INSTRUCTIONS.format(cadence=cadence, due=due_on.isoformat()),
                    "due_on": due_on,
                    "assignee": holders[0] if holders else owner,
                    "team_role": TeamRole.ACCOUNT_EXECUTIVE if holders else "",
                    "source": TaskSource.REVIEW,
                }
            )
        task_services.tasks_create(specs)
        due_ids = {account.pk for account in due}
        closing = list(Task.objects.filter(selectors.REVIEW_DUE_TASKS).exclude(account_id__in=due_ids))
        task_services.tasks_close(
            closing, note=REVIEW_NOT_DUE_NOTE.format(day=today.isoformat()), reason="Account review no longer due"
        )
        counts = {"due": len(due), "tasks_opened": len(specs), "tasks_closed": len(closing)}
    if job is not None:
        jobs.job_succeed(job=job, result=counts)
    return counts
