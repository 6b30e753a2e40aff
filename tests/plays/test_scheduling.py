from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from plays.scheduling import due_date, shift, start_date

AUCKLAND = ZoneInfo("Pacific/Auckland")


def test_day_zero_is_the_launch_day_in_the_workspace_zone():
    # 11:30 UTC on Thursday 5 March 2026 is 00:30 on Friday 6 March in Auckland (NZDT, UTC+13).
    launched = datetime(2026, 3, 5, 11, 30, tzinfo=UTC)
    assert start_date(launched, ZoneInfo("UTC")) == date(2026, 3, 5)
    assert start_date(launched, AUCKLAND) == date(2026, 3, 6)
    # Just before midnight in Auckland it is still the 5th there.
    assert start_date(datetime(2026, 3, 5, 10, 59, tzinfo=UTC), AUCKLAND) == date(2026, 3, 5)


def test_the_same_launch_falls_due_on_different_days_by_zone():
    launched = datetime(2026, 3, 5, 11, 30, tzinfo=UTC)
    offsets = [0, 1, 2, 3]
    assert [due_date(start_date(launched, ZoneInfo("UTC")), o, skip_weekends=True) for o in offsets] == [
        date(2026, 3, 5),  # Thu
        date(2026, 3, 6),  # Fri
        date(2026, 3, 9),  # Mon
        date(2026, 3, 10),
    ]
    assert [due_date(start_date(launched, AUCKLAND), o, skip_weekends=True) for o in offsets] == [
        date(2026, 3, 6),  # Fri
        date(2026, 3, 9),  # Mon
        date(2026, 3, 10),
        date(2026, 3, 11),
    ]


@pytest.mark.parametrize(
    ("start", "offset", "skip", "due"),
    [
        (date(2026, 3, 6), 0, False, date(2026, 3, 6)),
        (date(2026, 3, 6), 1, False, date(2026, 3, 7)),  # Saturday, calendar days
        (date(2026, 3, 6), 7, False, date(2026, 3, 13)),
        (date(2026, 3, 7), 0, True, date(2026, 3, 9)),  # launched on a Saturday: day 0 is Monday
        (date(2026, 3, 8), 1, True, date(2026, 3, 10)),  # Sunday launch, day 1: Tuesday
        (date(2026, 3, 6), 5, True, date(2026, 3, 13)),  # a working week later
        (date(2026, 3, 6), 10, True, date(2026, 3, 20)),
    ],
)
def test_day_offsets(start, offset, skip, due):
    assert due_date(start, offset, skip_weekends=skip) == due


def test_shift_after_a_pause():
    assert shift(date(2026, 3, 10), 3, skip_weekends=False) == date(2026, 3, 13)
    assert shift(date(2026, 3, 10), 4, skip_weekends=False) == date(2026, 3, 14)
    assert shift(date(2026, 3, 10), 4, skip_weekends=True) == date(2026, 3, 16)
