"""Writes to tasks and the touch-conflict setting. Each runs in a transaction and validates like the admin does."""

from datetime import date, datetime
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from abs_platform.jobs import services as jobs
from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import acting_user, get_current_tenant, workspace_today
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership
from accounts import services as accounts_services
from accounts.models import Account, Activity, ActivityChannel, ActivityDirection, Contact
from accounts.services import KEEP, given

from . import events
from .models import Task, TaskSource, TaskState, TouchLimit

CONTACT_ELSEWHERE = "This contact does not work at the task's account."
ASSIGNEE_NOT_MEMBER = "The assignee must be a member of this workspace."
NOT_OPEN = "Only an open task can be changed; this one is {state}."
ONLY_CLOSED_REOPEN = "Only a skipped or cancelled task can be reopened; this one is {state}."

# Fields checked by ``_check_references`` (set-based) instead of Django's one query per foreign key.
_REFERENCES = ["tenant", "account", "contact", "assignee", "activity", "created_by", "updated_by"]


def _check_references(tasks: list[Task]) -> None:
    """Each task's contact works at its account and its assignee is a workspace member (two queries at most)."""
    contact_ids = {task.contact_id for task in tasks if task.contact_id is not None}
    assignee_ids = {task.assignee_id for task in tasks if task.assignee_id is not None}
    contact_accounts = dict(Contact.objects.filter(pk__in=contact_ids).values_list("pk", "account_id"))
    members = set(
        Membership.objects.filter(tenant=get_current_tenant(), user_id__in=assignee_ids).values_list(
            "user_id", flat=True
        )
    )
    for task in tasks:
        errors = {}
        if task.contact_id is not None and contact_accounts.get(task.contact_id) != task.account_id:
            errors["contact"] = [CONTACT_ELSEWHERE]
        if task.assignee_id is not None and task.assignee_id not in members:
            errors["assignee"] = [ASSIGNEE_NOT_MEMBER]
        if errors:
            raise ValidationError(errors)


def _validated(tasks: list[Task]) -> list[Task]:
    for task in tasks:
        task.full_clean(exclude=_REFERENCES)
    _check_references(tasks)
    return tasks


def _new_task(
    *,
    account: Account,
    title: str,
    due_on: date,
    assignee: User | None = None,
    contact: Contact | None = None,
    team_role: str = "",
    channel: str = "",
    instructions: str = "",
    message: str = "",
    source: str = TaskSource.MANUAL,
) -> Task:
    user = acting_user()
    return Task(
        tenant=get_current_tenant(),
        account=account,
        title=title,
        due_on=due_on,
        assignee=assignee,
        contact=contact,
        team_role=team_role,
        channel=channel,
        instructions=instructions,
        message=message,
        source=source,
        created_by=user,
        updated_by=user,
    )


@transaction.atomic
def task_create(
    *,
    account: Account,
    title: str,
    due_on: date,
    assignee: User | None = None,
    contact: Contact | None = None,
    team_role: str = "",
    channel: str = "",
    instructions: str = "",
    message: str = "",
    source: str = TaskSource.MANUAL,
) -> Task:
    (task,) = _validated(
        [
            _new_task(
                account=account,
                title=title,
                due_on=due_on,
                assignee=assignee,
                contact=contact,
                team_role=team_role,
                channel=channel,
                instructions=instructions,
                message=message,
                source=source,
            )
        ]
    )
    task.save()
    return task


@transaction.atomic
def tasks_create(specs: list[dict[str, Any]]) -> list[Task]:
    """``task_create`` for many tasks (each spec its keyword arguments): one bulk insert with its history rows."""
    tasks = _validated([_new_task(**spec) for spec in specs])
    for task in tasks:
        task.check_same_tenant_references()
    return bulk_create_with_history(tasks, Task, default_user=acting_user())


def _locked_open(task: Task) -> Task:
    """The task's row, locked against a second completion (a double click), and refused unless open."""
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.state != TaskState.OPEN:
        raise ValidationError({"state": [NOT_OPEN.format(state=locked.get_state_display().lower())]})
    return locked


@transaction.atomic
def task_update(
    task: Task,
    *,
    title: str = KEEP,
    due_on: date = KEEP,
    assignee: User | None = KEEP,
    contact: Contact | None = KEEP,
    team_role: str = KEEP,
    channel: str = KEEP,
    instructions: str = KEEP,
    message: str = KEEP,
) -> Task:
    """Change an open task (its account stays)."""
    locked = _locked_open(task)
    fields = given(
        title=title,
        due_on=due_on,
        assignee=assignee,
        contact=contact,
        team_role=team_role,
        channel=channel,
        instructions=instructions,
        message=message,
    )
    if "due_on" in fields and fields["due_on"] != locked.due_on:
        locked.became_due_on = locked.reminded_on = None  # its new day is announced when it comes
    for name, value in fields.items():
        setattr(locked, name, value)
    _validated([locked])
    locked.save()
    return locked


@transaction.atomic
def task_complete(task: Task, *, outcome: str, notes: str = "", occurred_at: datetime | None = None) -> Activity:
    """Mark the task done and log its Activity: an outbound touch on the task's account, contact and channel
    (``other`` without one), by its assignee, with the outcome."""
    locked = _locked_open(task)
    activity = accounts_services.activity_create(
        account=locked.account,
        contact=locked.contact,
        channel=locked.channel or ActivityChannel.OTHER,
        direction=ActivityDirection.OUTBOUND,
        occurred_at=occurred_at or timezone.now(),
        subject=locked.title,
        notes=notes,
        owner=locked.assignee,
        outcome=outcome,
    )
    locked.state = TaskState.DONE
    locked.completed_at = timezone.now()
    locked.activity = activity
    locked.save()
    events.task_completed.send(Task, task=locked)
    task.refresh_from_db()
    return activity


def _close(task: Task, state: str) -> Task:
    locked = _locked_open(task)
    locked.state = state
    locked.save()
    return locked


@transaction.atomic
def task_skip(task: Task) -> Task:
    return _close(task, TaskState.SKIPPED)


@transaction.atomic
def task_cancel(task: Task) -> Task:
    return _close(task, TaskState.CANCELLED)


def tasks_close(tasks: list[Task], *, note: str, reason: str) -> None:
    """Close open tasks the work made pointless as done, appending ``note`` to their instructions (no activity:
    nobody logged a touch); ``reason`` is the audit trail's change reason. One bulk update with its history."""
    now = timezone.now()
    for task in tasks:
        task.state, task.completed_at, task.updated_at = TaskState.DONE, now, now
        task.instructions = f"{task.instructions}\n\n{note}".strip()
    if tasks:
        bulk_update_with_history(
            tasks,
            Task,
            ["state", "completed_at", "instructions", "updated_at"],
            default_change_reason=reason,
            manager=Task.objects,
        )


@transaction.atomic
def task_reopen(task: Task) -> Task:
    """Open a skipped or cancelled task again (a done task keeps its logged activity and stays done)."""
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.state not in (TaskState.SKIPPED, TaskState.CANCELLED):
        raise ValidationError({"state": [ONLY_CLOSED_REOPEN.format(state=locked.get_state_display().lower())]})
    locked.state = TaskState.OPEN
    locked.save()
    return locked


@transaction.atomic
def touch_limit_update(*, max_touches: int = KEEP, window_days: int = KEEP) -> TouchLimit:
    limit = TouchLimit.objects.select_for_update().first() or TouchLimit(tenant=get_current_tenant())
    for name, value in given(max_touches=max_touches, window_days=window_days).items():
        setattr(limit, name, value)
    limit.full_clean(exclude=["tenant"])
    limit.save()
    return limit


# ---------------------------------------------------------------- the daily schedule

SCHEDULE_JOB_KIND = "task_schedule"


def task_schedule_enqueue() -> Job:
    """Queue a scheduling run of the current workspace, sent once the transaction commits."""
    from .tasks import task_schedule

    return jobs.job_create(kind=SCHEDULE_JOB_KIND, task=task_schedule)


def task_schedule(*, job: Job | None = None) -> dict:
    """Mark the open tasks whose day has come as due (``tasks_due``, once per task) and e-mail each assignee
    the overdue tasks they were not reminded of today, in one transaction. Idempotent within a day. Returns the
    run's counts."""
    tenant = get_current_tenant()
    with tenant_transaction(tenant):
        today = workspace_today()
        due = _mark_due(today)
        reminded, emails = _remind_overdue(today)
        counts = {"became_due": due, "reminded": reminded, "emails": emails}
    if job is not None:
        jobs.job_succeed(job=job, result=counts)
    return counts


def _mark_due(today: date) -> int:
    """Set ``became_due_on`` of the open tasks due on or before ``today`` not marked yet, and send ``tasks_due``
    with them; how many."""
    unmarked = Task.objects.filter(state=TaskState.OPEN, became_due_on__isnull=True, due_on__lte=today)
    ids = list(unmarked.select_for_update().values_list("pk", flat=True))
    if ids:
        Task.objects.filter(pk__in=ids).update(became_due_on=today, updated_at=timezone.now())
        events.tasks_due.send(Task, tasks=list(Task.objects.filter(pk__in=ids).order_by("due_on", "id")))
    return len(ids)


REMINDER_SUBJECT = "{count} overdue task(s) in {workspace}"
REMINDER_BODY = """Hello {name},

These tasks of yours in {workspace} are past their due date:

{lines}

Complete, reschedule or skip them on My day: {url}
"""


def _remind_overdue(today: date) -> tuple[int, int]:
    """One e-mail per assignee (an active member with an e-mail address) listing their open tasks due before
    ``today`` that were not reminded of today; those tasks get ``reminded_on``. (tasks, e-mails)."""
    tenant = get_current_tenant()
    members = Membership.objects.filter(tenant=tenant, user__is_active=True).exclude(user__email="")
    overdue = list(
        Task.objects.filter(state=TaskState.OPEN, due_on__lt=today, assignee__in=members.values("user_id"))
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
        .select_for_update(of=("self",))
        .select_related("account", "assignee")
        .order_by("assignee_id", "due_on", "account__name", "id")
    )
    if not overdue:
        return 0, 0
    Task.objects.filter(pk__in=[task.pk for task in overdue]).update(reminded_on=today, updated_at=timezone.now())
    url = settings.SITE_URL.rstrip("/") + reverse("tasks:my-day", kwargs={"tenant_slug": tenant.slug})
    messages = []
    for user, tasks in groupby(overdue, key=lambda task: task.assignee):
        tasks = list(tasks)
        lines = "\n".join(f"- {task.due_on.isoformat()} · {task.account.name}: {task.title}" for task in tasks)
        messages.append(
            EmailMessage(
                subject=REMINDER_SUBJECT.format(count=len(tasks), workspace=tenant.name),
                body=REMINDER_BODY.format(
                    name=user.first_name or user.username, workspace=tenant.name, lines=lines, url=url
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            )
        )
    get_connection().send_messages(messages)
    return len(overdue), len(messages)
