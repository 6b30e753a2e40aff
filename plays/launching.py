"""Launching plays on accounts, and pausing, resuming and cancelling runs (ADR 0027).

A launch is planned first: per account, the contacts of the audience, the team member holding each step's role,
the tasks with their due dates and messages, and what stands in the way. Nothing is skipped silently: problems
and touch conflicts are answered to the caller, who launches anyway (``proceed``) where that makes sense.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from abs_platform.tenancy.context import workspace_zone
from accounts.models import Account, Contact, ContactStatus
from tasks import services as task_services
from tasks.conflicts import PlannedTouch, TouchConflict, touch_conflicts, touch_teams
from tasks.models import TaskSource, TaskState
from teams.models import TeamRole
from teams.selectors import account_team_roles

from . import events
from .merge import merge_values, render_message
from .models import OPEN_RUN_STATES, PlayRun, PlayRunTask, PlayTemplate, RunState
from .scheduling import due_date, shift, start_date

ALREADY_RUNNING = "already_running"
NO_CONTACTS = "no_contacts"
MISSING_ROLE = "missing_role"
OUTSIDE_AUDIENCE = "outside_audience"
NO_STEPS = "no_steps"
# Problems that launching anyway cannot get past.
BLOCKING = {ALREADY_RUNNING, NO_STEPS}


@dataclass(frozen=True)
class Problem:
    account_id: int
    account_name: str
    kind: str
    message: str

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING


@dataclass
class PlannedTask:
    account: Account
    step: dict
    contact: Contact | None
    assignee: object | None
    due_on: date
    message: str

    def spec(self) -> dict:
        step = self.step
        return {
            "account": self.account,
            "title": step["name"],
            "due_on": self.due_on,
            "assignee": self.assignee,
            "contact": self.contact,
            "team_role": step["team_role"],
            "channel": step["channel"],
            "instructions": step["instructions"],
            "message": self.message,
            "source": TaskSource.PLAY,
        }


@dataclass
class LaunchPlan:
    template: PlayTemplate
    started_at: datetime
    steps: list[dict]
    tasks: list[PlannedTask] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    conflicts: list[TouchConflict] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(problem.blocking for problem in self.problems)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.problems or self.conflicts)


class LaunchRefused(Exception):
    def __init__(self, plan: LaunchPlan):
        super().__init__("The launch has problems or touch conflicts.")
        self.plan = plan


def step_snapshot(template: PlayTemplate) -> list[dict]:
    """The template's steps as a run keeps them."""
    return [
        {
            "position": step.position,
            "name": step.name,
            "day_offset": step.day_offset,
            "channel": step.channel,
            "team_role": step.team_role,
            "offer": step.offer_id,
            "offer_name": step.offer.name if step.offer else "",
            "instructions": step.instructions,
            "message": step.message,
        }
        for step in template.steps.select_related("offer").order_by("position", "day_offset", "id")
    ]


def audience_contacts(template: PlayTemplate, account_ids) -> dict[int, list[Contact]]:
    """Per account, its active contacts of the template's audience: one of its personas (if it names any) and
    one of its buying roles (if it names any). One query."""
    contacts = Contact.objects.filter(account_id__in=account_ids, status=ContactStatus.ACTIVE).select_related("persona")
    persona_ids = [persona.pk for persona in template.personas.all()]
    if persona_ids:
        contacts = contacts.filter(persona_id__in=persona_ids)
    if template.buying_roles:
        contacts = contacts.filter(buying_role__in=template.buying_roles)
    by_account: dict[int, list[Contact]] = {}
    for contact in contacts.order_by("last_name", "first_name", "id"):
        by_account.setdefault(contact.account_id, []).append(contact)
    return by_account


def plan_launch(template: PlayTemplate, accounts: list[Account], *, now: datetime | None = None) -> LaunchPlan:
    """What launching ``template`` on ``accounts`` would do, and what is in its way."""
    now = now or timezone.now()
    plan = LaunchPlan(template=template, started_at=now, steps=step_snapshot(template))
    account_ids = [account.pk for account in accounts]
    running = set(
        PlayRun.objects.filter(template=template, account_id__in=account_ids, state__in=OPEN_RUN_STATES).values_list(
            "account_id", flat=True
        )
    )
    roles = account_team_roles(account_ids)
    contacts = audience_contacts(template, account_ids)
    tier_ids = {tier.pk for tier in template.tiers.all()}
    start = start_date(now, workspace_zone())
    role_labels = dict(TeamRole.choices)

    def problem(account, kind, message):
        plan.problems.append(Problem(account.pk, account.name, kind, message))

    for account in accounts:
        if not plan.steps:
            problem(account, NO_STEPS, f"“{template.name}” has no steps yet.")
            continue
        if account.pk in running:
            problem(account, ALREADY_RUNNING, f"“{template.name}” is already running on {account.name}.")
            continue
        if tier_ids and account.tier_id not in tier_ids:
            problem(account, OUTSIDE_AUDIENCE, f"{account.name} is not in a tier this play is for.")
        account_contacts = contacts.get(account.pk, [])
        if not account_contacts:
            problem(
                account,
                NO_CONTACTS,
                f"{account.name} has no active contact of this play's audience: its tasks would have no contact.",
            )
        holders = roles.get(account.pk, {})
        for role in dict.fromkeys(step["team_role"] for step in plan.steps):
            if not holders.get(role):
                problem(
                    account,
                    MISSING_ROLE,
                    f"Nobody holds the role {role_labels.get(role, role)} on {account.name}'s teams: "
                    "its steps would be unassigned.",
                )
        for step in plan.steps:
            holder = (holders.get(step["team_role"]) or [None])[0]
            due_on = due_date(start, step["day_offset"], skip_weekends=template.skip_weekends)
            for contact in account_contacts or [None]:
                values = merge_values(account=account, contact=contact, sender=holder)
                plan.tasks.append(
                    PlannedTask(account, step, contact, holder, due_on, render_message(step["message"], values))
                )
    plan.conflicts = _conflicts(plan.tasks)
    return plan


def _conflicts(tasks: list[PlannedTask]) -> list[TouchConflict]:
    pairs = {(task.account.pk, task.assignee.pk) for task in tasks if task.assignee is not None}
    teams = touch_teams(pairs)
    return touch_conflicts(
        [
            PlannedTouch(
                contact_id=task.contact.pk,
                on=task.due_on,
                team_id=teams.get((task.account.pk, task.assignee.pk)) if task.assignee else None,
                label=f"Play step: {task.step['name']}",
            )
            for task in tasks
            if task.contact is not None
        ]
    )


@transaction.atomic
def play_launch(
    *, template: PlayTemplate, accounts: list[Account], proceed: bool = False, signal=None, now=None
) -> list[PlayRun]:
    """Launch ``template`` on each of ``accounts``: one run per account and its tasks. Raises ``LaunchRefused``
    when a problem blocks it, or when there are problems or touch conflicts and ``proceed`` is not given."""
    PlayTemplate.objects.select_for_update().filter(pk=template.pk).first()  # one launch of a play at a time
    plan = plan_launch(template, accounts, now=now)
    if plan.blocked or (plan.needs_confirmation and not proceed):
        raise LaunchRefused(plan)
    runs = {
        account.pk: PlayRun.objects.create(
            template=template,
            template_version=template.version,
            steps=plan.steps,
            account=account,
            skip_weekends=template.skip_weekends,
            started_at=plan.started_at,
            signal=signal,
        )
        for account in accounts
    }
    tasks = task_services.tasks_create([planned.spec() for planned in plan.tasks])
    for planned, task in zip(plan.tasks, tasks, strict=True):
        PlayRunTask.objects.create(run=runs[planned.account.pk], task=task, step_position=planned.step["position"])
    return list(runs.values())


def _locked(run: PlayRun, *states) -> PlayRun:
    locked = PlayRun.objects.select_for_update().get(pk=run.pk)
    if locked.state not in states:
        raise ValidationError({"state": [f"This run is {locked.get_state_display().lower()}."]})
    return locked


def _open_tasks(run: PlayRun, *, held: bool):
    tasks = [link.task for link in run.run_tasks.select_related("task").filter(held=held)]
    return [task for task in tasks if task.state == (TaskState.CANCELLED if held else TaskState.OPEN)]


@transaction.atomic
def play_run_pause(*, run: PlayRun, now: datetime | None = None) -> PlayRun:
    """Hold the run's open tasks: they leave "My day" and the touch counts until the run resumes."""
    run = _locked(run, RunState.RUNNING)
    run.state, run.paused_at = RunState.PAUSED, now or timezone.now()
    run.save()
    tasks = _open_tasks(run, held=False)
    run.run_tasks.filter(task__in=tasks).update(held=True)
    for task in tasks:
        task_services.task_cancel(task)
    return run


@transaction.atomic
def play_run_resume(*, run: PlayRun, now: datetime | None = None) -> PlayRun:
    """Open the held tasks again, each due as many days later as the run was paused (in the workspace's days)."""
    run = _locked(run, RunState.PAUSED)
    zone = workspace_zone()
    paused_days = ((now or timezone.now()).astimezone(zone).date() - run.paused_at.astimezone(zone).date()).days
    for task in _open_tasks(run, held=True):
        task_services.task_reopen(task)
        task_services.task_update(task, due_on=shift(task.due_on, paused_days, skip_weekends=run.skip_weekends))
    run.run_tasks.filter(held=True).update(held=False)
    run.state, run.paused_at = RunState.RUNNING, None
    run.save()
    return run


@transaction.atomic
def play_run_cancel(*, run: PlayRun) -> PlayRun:
    """Stop the run: its open (and held) tasks are cancelled."""
    run = _locked(run, *OPEN_RUN_STATES)
    run.state, run.finished_at = RunState.CANCELLED, timezone.now()
    run.save()
    events.play_run_finished.send(PlayRun, run=run)
    for task in _open_tasks(run, held=False):
        task_services.task_cancel(task)
    run.run_tasks.filter(held=True).update(held=False)
    return run


def play_run_settle(run_id: int) -> None:
    """Complete a running run once none of its tasks is open (called when one of its tasks closes)."""
    if PlayRunTask.objects.filter(run_id=run_id).filter(Q(task__state=TaskState.OPEN) | Q(held=True)).exists():
        return
    run = PlayRun.objects.select_for_update().filter(pk=run_id, state=RunState.RUNNING).first()
    if run is not None:
        run.state, run.finished_at = RunState.COMPLETED, timezone.now()
        run.save()
        events.play_run_finished.send(PlayRun, run=run)
