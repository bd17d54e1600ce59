"""Deadlines and overdue computed in China Standard Time."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoguard.cases.deadlines import (
    CST,
    DueStatus,
    cst_date,
    days_left,
    due_soon_window,
    due_status,
    overdue_cutoff,
    overdue_from,
)

UTC = dt.UTC
DEADLINE = dt.date(2026, 3, 31)


def test_deadline_is_overdue_from_cst_midnight() -> None:
    """2026-03-31 is overdue from 2026-04-01 00:00 CST = 2026-03-31 16:00 UTC."""
    assert overdue_from(DEADLINE) == dt.datetime(2026, 3, 31, 16, tzinfo=UTC)
    just_before = dt.datetime(2026, 3, 31, 15, 59, 59, 999999, tzinfo=UTC)
    at = dt.datetime(2026, 3, 31, 16, tzinfo=UTC)
    assert due_status(DEADLINE, running=True, now=just_before) is DueStatus.due_soon
    assert due_status(DEADLINE, running=True, now=at) is DueStatus.overdue
    # the same instants written in CST
    assert (
        due_status(DEADLINE, running=True, now=dt.datetime(2026, 4, 1, 0, 0, tzinfo=CST))
        is DueStatus.overdue
    )
    assert days_left(DEADLINE, just_before) == 0 and days_left(DEADLINE, at) == -1


def test_due_soon_window_and_not_running() -> None:
    now = dt.datetime(2026, 3, 24, 15, 59, tzinfo=UTC)  # 2026-03-24 23:59 CST
    assert due_status(DEADLINE, running=True, now=now) is DueStatus.due_soon
    assert due_status(DEADLINE, running=True, now=now, due_soon_days=6) is DueStatus.on_track
    assert due_status(DEADLINE, running=False, now=now) is DueStatus.none
    assert due_status(None, running=True, now=now) is DueStatus.none
    assert due_soon_window(now) == (dt.date(2026, 3, 24), DEADLINE)
    assert overdue_cutoff(dt.datetime(2026, 3, 31, 16, tzinfo=UTC)) == dt.date(2026, 4, 1)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        cst_date(dt.datetime(2026, 3, 31, 12))


@given(
    deadline=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
    offset=st.integers(min_value=-10 * 86400, max_value=10 * 86400),
)
def test_overdue_exactly_from_the_cutoff_instant(deadline: dt.date, offset: int) -> None:
    now = overdue_from(deadline) + dt.timedelta(seconds=offset)
    status = due_status(deadline, running=True, now=now)
    assert (status is DueStatus.overdue) == (offset >= 0)
    # the SQL cutoff agrees with the pure classification
    assert (deadline < overdue_cutoff(now)) == (offset >= 0)
    lo, hi = due_soon_window(now)
    assert (lo <= deadline <= hi) == (status is DueStatus.due_soon)
