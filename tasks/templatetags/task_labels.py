"""Labels of task and outcome codes, and dates, for templates drawn from serializer data."""

from datetime import date

from django import template

from accounts.models import ActivityChannel, ActivityOutcome
from teams.models import TeamRole

from ..models import TaskSource, TaskState

register = template.Library()

LABELS = {
    "state": dict(TaskState.choices),
    "source": dict(TaskSource.choices),
    "outcome": dict(ActivityOutcome.choices),
    "channel": dict(ActivityChannel.choices),
    "team_role": dict(TeamRole.choices),
}


@register.filter
def task_label(value, kind: str) -> str:
    return LABELS[kind].get(str(value), str(value))


@register.filter
def as_date(value):
    """An ISO date from serializer data as a date (for the ``date`` filter); others unchanged."""
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value
