"""Deadlines in Norwegian working days (portal/calendar.py): a three-week appeal deadline that ends on a
weekend or a Norwegian public holiday runs to the next working day (R15)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.calendar import deadline_after, is_working_day, next_working_day

D = dt.date


@pytest.mark.parametrize(
    "received,deadline",
    [
        # Easter 2026: Maundy Thursday 2 April to Easter Monday 6 April are all closed.
        (D(2026, 3, 12), D(2026, 4, 7)),
        (D(2026, 3, 13), D(2026, 4, 7)),
        (D(2026, 3, 16), D(2026, 4, 7)),
        # Constitution Day 2026 is a Sunday: the Monday after.
        (D(2026, 4, 26), D(2026, 5, 18)),
        # Ascension Day, Thursday 14 May 2026.
        (D(2026, 4, 23), D(2026, 5, 15)),
        # Christmas 2026: 25 December is a Friday, 26 a Saturday.
        (D(2026, 12, 4), D(2026, 12, 28)),
        # Christmas Eve is a working day in law (not a public holiday).
        (D(2026, 12, 3), D(2026, 12, 24)),
        # An ordinary Tuesday stays a Tuesday.
        (D(2026, 9, 1), D(2026, 9, 22)),
    ],
)
def test_three_weeks_end_on_a_working_day(received, deadline):
    assert deadline_after(received, weeks=3) == deadline
    assert is_working_day(deadline)


def test_public_holidays_and_weekends_are_not_working_days():
    closed = [D(2026, 1, 1), D(2026, 4, 3), D(2026, 5, 1), D(2026, 5, 17), D(2026, 5, 25), D(2026, 12, 26)]
    assert not any(is_working_day(day) for day in closed)
    assert not is_working_day(D(2026, 6, 6))  # a Saturday
    assert next_working_day(D(2026, 12, 31)) == D(2026, 12, 31)
    assert next_working_day(D(2027, 1, 1)) == D(2027, 1, 4)  # New Year's Day is a Friday in 2027
