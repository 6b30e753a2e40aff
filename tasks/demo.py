"""Demo tasks: for every demo member who can own work, some overdue, some due today, some coming up and some
done with an outcome (their activities logged), so "My day" is alive for the demo log-in."""

import random
from datetime import timedelta

from django.utils import timezone

from abs_platform.tenancy.context import tenant_context, workspace_today
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.selectors import assignable_members
from accounts.models import ActivityChannel, ActivityOutcome, Contact, ContactStatus
from teams.models import TeamRole

from . import services
from .models import Task, TaskSource

TOUCHES = [
    (ActivityChannel.PHONE, "Call {name} about the pilot's success criteria", TeamRole.ACCOUNT_EXECUTIVE),
    (ActivityChannel.EMAIL, "E-mail {name} the business case", TeamRole.SDR),
    (ActivityChannel.SOCIAL, "Comment on {name}'s post and connect", TeamRole.SDR),
    (ActivityChannel.DIRECT_MAIL, "Send {name} the industry report", TeamRole.MARKETER),
    (ActivityChannel.MEETING, "Prepare the QBR with {name}", TeamRole.CUSTOMER_SUCCESS),
    (ActivityChannel.EMAIL, "Follow up with {name} on the proposal", TeamRole.ACCOUNT_EXECUTIVE),
]
# Days from today of each member's tasks: overdue, due today, coming up; then the done ones, days ago.
OPEN_DAYS = [-4, -2, -1, 0, 0, 0, 1, 2, 3, 6]
DONE_DAYS = [-6, -5, -3, -1]
OUTCOMES = [
    ActivityOutcome.CONNECTED,
    ActivityOutcome.NO_ANSWER,
    ActivityOutcome.REPLIED,
    ActivityOutcome.MEETING_BOOKED,
]


def load_demo(tenant, *, seed: int) -> int:
    """Create the demo tasks in ``tenant`` (none when it has tasks); returns how many."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    with tenant_context(tenant), tenant_transaction(tenant):
        if Task.objects.exists():
            return 0
        contacts = list(
            Contact.objects.filter(status=ContactStatus.ACTIVE, account__is_target=True)
            .select_related("account")
            .order_by("id")[:400]
        )
        if not contacts:
            return 0
        today = workspace_today()
        specs, done = [], []
        for member in assignable_members():
            for offset, is_done in [(day, False) for day in OPEN_DAYS] + [(day, True) for day in DONE_DAYS]:
                contact = rng.choice(contacts)
                channel, title, role = rng.choice(TOUCHES)
                specs.append(
                    {
                        "account": contact.account,
                        "contact": contact,
                        "assignee": member,
                        "title": title.format(name=contact.first_name),
                        "channel": channel,
                        "team_role": role,
                        "due_on": today + timedelta(days=offset),
                        "source": rng.choice([TaskSource.MANUAL, TaskSource.PLAY]),
                    }
                )
                done.append(is_done)
        tasks = services.tasks_create(specs)
        now = timezone.now()
        for task, is_done in zip(tasks, done, strict=True):
            if is_done:
                days_ago = (today - task.due_on).days
                services.task_complete(
                    task,
                    outcome=rng.choice(OUTCOMES),
                    notes="Logged from the demo.",
                    occurred_at=now - timedelta(days=days_ago, hours=rng.randint(1, 5)),
                )
        return len(tasks)
