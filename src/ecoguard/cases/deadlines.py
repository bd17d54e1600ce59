"""Deadlines in China Standard Time: overdue and due-soon, as pure functions.

A deadline is a calendar date of the China Standard Time (UTC+8) calendar: the work is due by
the end of that day. A deadline of 2026-03-31 is therefore overdue from 2026-04-01 00:00 CST,
which is 2026-03-31 16:00 UTC. Instants are stored as UTC; only the calendar is Chinese.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

#: China Standard Time, UTC+8 (no daylight saving since 1991).
CST = dt.timezone(dt.timedelta(hours=8), "CST")

#: Cases whose deadline is at most this many days away are "due soon" by default [day].
DUE_SOON_DAYS = 7


class DueStatus(StrEnum):
    """Where a case stands against its deadline."""

    none = "none"  # no deadline, or the deadline does not run in the case's state
    on_track = "on_track"
    due_soon = "due_soon"
    overdue = "overdue"


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        msg = "naive datetime refused: give an instant with a UTC offset"
        raise ValueError(msg)
    return instant


def cst_date(instant: dt.datetime) -> dt.date:
    """The China Standard Time calendar date of an aware instant."""
    return _aware(instant).astimezone(CST).date()


def overdue_from(deadline: dt.date) -> dt.datetime:
    """The first instant (UTC) at which a case due on ``deadline`` is overdue.

    Examples
    --------
    >>> overdue_from(dt.date(2026, 3, 31)).isoformat()
    '2026-03-31T16:00:00+00:00'
    """
    start = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(), tzinfo=CST)
    return start.astimezone(dt.UTC)


def days_left(deadline: dt.date, now: dt.datetime) -> int:
    """Whole CST calendar days from today to ``deadline`` (0 on the day, negative when late)."""
    return (deadline - cst_date(now)).days


def due_status(
    deadline: dt.date | None,
    *,
    running: bool,
    now: dt.datetime,
    due_soon_days: int = DUE_SOON_DAYS,
) -> DueStatus:
    """Classify a case against its deadline.

    Parameters
    ----------
    deadline : date or None
        The CST calendar date the work is due by.
    running : bool
        Whether the deadline runs in the case's state (its definition's ``open_states``).
    now : datetime
        The current instant (aware).
    due_soon_days : int
        Horizon of "due soon" [day]; the deadline day itself counts as due soon.
    """
    _aware(now)
    if deadline is None or not running:
        return DueStatus.none
    left = days_left(deadline, now)
    if left < 0:
        return DueStatus.overdue
    if left <= due_soon_days:
        return DueStatus.due_soon
    return DueStatus.on_track


def overdue_cutoff(now: dt.datetime) -> dt.date:
    """Deadlines strictly before this CST date are overdue at ``now`` (for SQL filters)."""
    return cst_date(now)


def due_soon_window(
    now: dt.datetime, due_soon_days: int = DUE_SOON_DAYS
) -> tuple[dt.date, dt.date]:
    """Inclusive range of deadlines that are due soon at ``now`` (for SQL filters)."""
    today = cst_date(now)
    return today, today + dt.timedelta(days=due_soon_days)
