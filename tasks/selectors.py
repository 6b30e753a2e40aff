"""Reads of tasks: the task list and "My day"."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet

from .models import Task, TaskState

# "My day" shows the open tasks due in the next few days under "Coming up".
UPCOMING_DAYS = 3


def task_list() -> QuerySet[Task]:
    return Task.objects.select_related("account", "contact", "assignee", "activity")


def account_open_tasks(account_id: int) -> list[Task]:
    return list(task_list().filter(account_id=account_id, state=TaskState.OPEN).order_by("due_on", "id"))


@dataclass
class MyDay:
    today: date
    overdue: list[Task] = field(default_factory=list)
    due_today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_today or self.upcoming)


def my_day(user, today: date) -> MyDay:
    """The user's open tasks across accounts, in one query: overdue (oldest first), due today, and coming up in
    the next ``UPCOMING_DAYS`` days."""
    day = MyDay(today=today)
    tasks = task_list().filter(assignee=user, state=TaskState.OPEN, due_on__lte=today + timedelta(days=UPCOMING_DAYS))
    for task in tasks.order_by("due_on", "account__name", "id"):
        if task.due_on < today:
            day.overdue.append(task)
        elif task.due_on == today:
            day.due_today.append(task)
        else:
            day.upcoming.append(task)
    return day


def my_day_groups(user, today: date) -> list[tuple[str, int, dict]]:
    """The groups of ``my_day`` as (name, how many tasks, the task-list filters that list them), counted in one
    query: the page lists each group a page at a time."""
    upcoming_end = today + timedelta(days=UPCOMING_DAYS)
    groups = [
        ("overdue", Q(due_on__lt=today), {"overdue": "true"}),
        ("due_today", Q(due_on=today), {"due_after": today, "due_before": today}),
        (
            "upcoming",
            Q(due_on__gt=today, due_on__lte=upcoming_end),
            {"due_after": today + timedelta(days=1), "due_before": upcoming_end},
        ),
    ]
    counts = Task.objects.filter(assignee=user, state=TaskState.OPEN).aggregate(
        **{name: Count("pk", filter=where) for name, where, _ in groups}
    )
    return [(name, counts[name], {"assignee": "me", "state": "open", **filters}) for name, _, filters in groups]


def has_open_tasks(user) -> bool:
    return Task.objects.filter(assignee=user, state=TaskState.OPEN).exists()
