"""When a play's steps fall due (ADR 0027)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SATURDAY = 5


def start_date(launched_at: datetime, zone: ZoneInfo) -> date:
    """Day 0 of a run: the launch day in the workspace's time zone."""
    return launched_at.astimezone(zone).date()


def _next_working_day(day: date) -> date:
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return day


def due_date(start: date, day_offset: int, *, skip_weekends: bool) -> date:
    """``start`` plus ``day_offset`` days; skipping weekends, the offset counts working days from the first
    working day on or after ``start``."""
    if not skip_weekends:
        return start + timedelta(days=day_offset)
    day = _next_working_day(start)
    for _ in range(day_offset):
        day = _next_working_day(day + timedelta(days=1))
    return day


def shift(due_on: date, days: int, *, skip_weekends: bool) -> date:
    """A held task's due date after a pause of ``days`` calendar days, kept off weekends if the play skips them."""
    moved = due_on + timedelta(days=days)
    return _next_working_day(moved) if skip_weekends else moved
