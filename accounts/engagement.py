"""Engagement of a target account: its activity in the last 90 days against the 90 days before (the baseline).

Plain functions over plain values; ``accounts.selectors.engagement_by_account`` computes the same counts
set-based in the database. The definitions are in docs/metrics.md ("Engagement").

* Windows are whole days in the workspace's time zone. For a reference day *d* (normally today) the
  **current** window is the ``WINDOW_DAYS`` days ending with *d* (``d − 89 … d``), the **baseline** the
  ``WINDOW_DAYS`` days before it (``d − 179 … d − 90``).
* **Touches**: outbound activities (our team reaching out). **Responses**: inbound activities (replies,
  meetings they accepted, visits, event attendance…). **Engaged contacts**: distinct contacts named on
  any activity, either direction.
* **Change** = current − baseline, and as a percentage of the baseline rounded to the nearest whole
  percent (halves away from zero); with a baseline of 0 the percentage is undefined (``None``): shown as
  “new” when the current figure is above 0, as “—” when both are 0.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

WINDOW_DAYS = 90

OUTBOUND = "outbound"
INBOUND = "inbound"


@dataclass(frozen=True)
class Windows:
    """Half-open intervals ``[baseline_start, current_start)`` and ``[current_start, end)``."""

    baseline_start: datetime
    current_start: datetime
    end: datetime


def day_start(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def engagement_windows(reference: date, zone: tzinfo, *, days: int = WINDOW_DAYS) -> Windows:
    """The current window (``days`` days ending with ``reference``) and the baseline before it."""
    first_current_day = reference - timedelta(days=days - 1)
    return Windows(
        baseline_start=day_start(first_current_day - timedelta(days=days), zone),
        current_start=day_start(first_current_day, zone),
        end=day_start(reference + timedelta(days=1), zone),
    )


@dataclass(frozen=True)
class Counts:
    """What happened at an account in one window."""

    touches: int = 0
    responses: int = 0
    engaged_contacts: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            touches=self.touches + other.touches,
            responses=self.responses + other.responses,
            engaged_contacts=self.engaged_contacts + other.engaged_contacts,
        )


@dataclass(frozen=True)
class Change:
    """A figure of the current window against the same figure of the baseline."""

    current: int
    baseline: int

    @property
    def absolute(self) -> int:
        return self.current - self.baseline

    @property
    def percent(self) -> int | None:
        """Rounded to the nearest whole percent, halves away from zero; ``None`` when the baseline is 0."""
        if self.baseline == 0:
            return None
        magnitude = (abs(self.absolute) * 200 + self.baseline) // (2 * self.baseline)
        return magnitude if self.absolute >= 0 else -magnitude

    @property
    def trend(self) -> str:
        """``up``, ``down``, ``flat`` (same, above 0), ``new`` (from a baseline of 0) or ``none`` (0 and 0)."""
        if self.baseline == 0:
            return "new" if self.current else "none"
        if self.absolute == 0:
            return "flat"
        return "up" if self.absolute > 0 else "down"


@dataclass(frozen=True)
class Engagement:
    """An account's (or a subtree's) counts in the current window and in the baseline."""

    current: Counts = field(default_factory=Counts)
    baseline: Counts = field(default_factory=Counts)

    def __add__(self, other: "Engagement") -> "Engagement":
        return Engagement(current=self.current + other.current, baseline=self.baseline + other.baseline)

    @property
    def touches(self) -> Change:
        return Change(self.current.touches, self.baseline.touches)

    @property
    def responses(self) -> Change:
        return Change(self.current.responses, self.baseline.responses)

    @property
    def engaged_contacts(self) -> Change:
        return Change(self.current.engaged_contacts, self.baseline.engaged_contacts)

    @property
    def is_empty(self) -> bool:
        return self.current == Counts() and self.baseline == Counts()


NO_ENGAGEMENT = Engagement()


@dataclass(frozen=True)
class ActivityFact:
    """What engagement needs to know about one activity."""

    occurred_at: datetime
    direction: str
    contact_id: int | None = None


def _counts(activities: list[ActivityFact]) -> Counts:
    return Counts(
        touches=sum(1 for activity in activities if activity.direction == OUTBOUND),
        responses=sum(1 for activity in activities if activity.direction == INBOUND),
        engaged_contacts=len({activity.contact_id for activity in activities if activity.contact_id is not None}),
    )


def engagement_of(activities: Iterable[ActivityFact], windows: Windows) -> Engagement:
    """One account's engagement from its activities (those outside both windows are ignored)."""
    activities = list(activities)
    current = [a for a in activities if windows.current_start <= a.occurred_at < windows.end]
    baseline = [a for a in activities if windows.baseline_start <= a.occurred_at < windows.current_start]
    return Engagement(current=_counts(current), baseline=_counts(baseline))
