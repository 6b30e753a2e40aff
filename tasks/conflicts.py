"""The touch-conflict guard: one contact touched more than N times in any M consecutive days (the workspace's
``TouchLimit``, default 3 in 7), or by two teams on the same day (ADR 0026).

A touch is an open task with the contact (on its due day), an outbound activity with the contact (on its day
in the workspace's time zone) or a planned touch. The team of a task or activity is the first (by name) of
its assignee's (owner's) teams covering its account; a touch without one has no team. Exactly N touches in a
window are allowed; N + 1 are a conflict. Windows are whole days: with M = 7 a touch on day 0 and one on
day 6 share a window, one on day 7 does not.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from abs_platform.tenancy.context import workspace_zone
from accounts.engagement import day_start
from accounts.models import Activity, ActivityDirection, Contact
from teams.models import TeamAccount

from .models import Task, TaskState, TouchLimit

TOO_MANY = "too_many"
TWO_TEAMS_SAME_DAY = "two_teams_same_day"


@dataclass(frozen=True)
class PlannedTouch:
    contact_id: int
    on: date
    team_id: int | None = None
    label: str = ""


@dataclass(frozen=True)
class TouchConflict:
    contact_id: int
    contact_name: str
    on: date
    kind: str
    touches: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.kind == TOO_MANY:
            return f"{self.contact_name} would get {len(self.touches)} touches around {self.on:%Y-%m-%d}."
        return f"{self.contact_name} would be touched by two teams on {self.on:%Y-%m-%d}."


@dataclass(frozen=True)
class _Touch:
    on: date
    team_id: int | None
    label: str


def touch_limit() -> tuple[int, int]:
    """The workspace's (N touches, M days)."""
    limit = TouchLimit.objects.first()
    return (limit.max_touches, limit.window_days) if limit else (3, 7)


def _existing_touches(
    contact_ids: set[int], first: date, last: date, *, exclude_task_ids: Iterable[int]
) -> dict[int, list[_Touch]]:
    touches: dict[int, list[_Touch]] = defaultdict(list)
    tasks = (
        Task.objects.filter(contact_id__in=contact_ids, state=TaskState.OPEN, due_on__range=(first, last))
        .exclude(pk__in=list(exclude_task_ids))
        .values_list("contact_id", "due_on", "title", "account_id", "assignee_id")
    )
    owners = []
    for contact_id, due_on, title, account_id, assignee_id in tasks:
        owners.append((contact_id, due_on, f"Task due {due_on:%Y-%m-%d}: {title}", account_id, assignee_id))
    zone = workspace_zone()
    activities = Activity.objects.filter(
        contact_id__in=contact_ids,
        direction=ActivityDirection.OUTBOUND,
        occurred_at__gte=day_start(first, zone),
        occurred_at__lt=day_start(last + timedelta(days=1), zone),
    ).values_list("contact_id", "occurred_at", "subject", "account_id", "owner_id")
    for contact_id, occurred_at, subject, account_id, owner_id in activities:
        day = occurred_at.astimezone(zone).date()
        owners.append((contact_id, day, f"Logged {day:%Y-%m-%d}: {subject}", account_id, owner_id))
    teams = touch_teams({(account_id, user_id) for *_, account_id, user_id in owners if user_id is not None})
    for contact_id, day, label, account_id, user_id in owners:
        touches[contact_id].append(_Touch(day, teams.get((account_id, user_id)), label))
    return touches


def touch_teams(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The team of a touch by a user at an account, for each ``(account_id, user_id)``: the first (by name) of
    the user's teams covering the account; pairs without one are absent. One query."""
    if not pairs:
        return {}
    rows = (
        TeamAccount.objects.filter(
            account_id__in={account_id for account_id, _ in pairs},
            team__members__user_id__in={user_id for _, user_id in pairs},
        )
        .order_by("team__name", "team_id")
        .values_list("account_id", "team__members__user_id", "team_id")
    )
    teams: dict[tuple[int, int], int] = {}
    for account_id, user_id, team_id in rows:
        if (account_id, user_id) in pairs:
            teams.setdefault((account_id, user_id), team_id)
    return teams


def touch_conflicts(planned: list[PlannedTouch], *, exclude_task_ids: Iterable[int] = ()) -> list[TouchConflict]:
    """The conflicts the ``planned`` touches would create, counting the existing ones (``exclude_task_ids``:
    tasks being replaced by the planned touches, e.g. a task whose due date changes)."""
    planned = [touch for touch in planned if touch.contact_id is not None]
    if not planned:
        return []
    max_touches, window_days = touch_limit()
    span = timedelta(days=window_days - 1)
    first = min(touch.on for touch in planned) - span
    last = max(touch.on for touch in planned) + span
    contact_ids = {touch.contact_id for touch in planned}
    touches = _existing_touches(contact_ids, first, last, exclude_task_ids=exclude_task_ids)
    for touch in planned:
        touches[touch.contact_id].append(_Touch(touch.on, touch.team_id, touch.label or "Planned touch"))
    names = {contact.pk: str(contact) for contact in Contact.objects.filter(pk__in=contact_ids)}

    conflicts: dict[tuple[int, date, str], TouchConflict] = {}
    for touch in planned:
        contact_touches = sorted(touches[touch.contact_id], key=lambda item: item.on)
        name = names.get(touch.contact_id, "")
        busiest = max(
            (
                [item for item in contact_touches if start <= item.on <= start + span]
                for start in (touch.on - timedelta(days=offset) for offset in range(window_days))
            ),
            key=len,
        )
        if len(busiest) > max_touches:
            key = (touch.contact_id, touch.on, TOO_MANY)
            conflicts.setdefault(key, TouchConflict(touch.contact_id, name, touch.on, TOO_MANY, _labels(busiest)))
        same_day = [item for item in contact_touches if item.on == touch.on and item.team_id is not None]
        if len({item.team_id for item in same_day}) > 1:
            key = (touch.contact_id, touch.on, TWO_TEAMS_SAME_DAY)
            conflicts.setdefault(
                key, TouchConflict(touch.contact_id, name, touch.on, TWO_TEAMS_SAME_DAY, _labels(same_day))
            )
    return sorted(conflicts.values(), key=lambda conflict: (conflict.on, conflict.contact_name, conflict.kind))


def _labels(touches: list[_Touch]) -> list[str]:
    return [touch.label for touch in sorted(touches, key=lambda item: (item.on, item.label))]
