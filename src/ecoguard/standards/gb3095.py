"""GB 3095 ambient air quality standard: concentration limits and data-validity minima.

Three limit sets, chosen explicitly by :class:`LimitSet` (default by date: :func:`limit_set_for`):

* ``gb3095-2012``: GB 3095-2012 (with its 2018 amendment), for data before 2026-03-01.
  Table values from one web reprint plus background knowledge (**[1], not confirmed against the
  official PDF**; see reference/air.md §3.1).
* ``gb3095-2026-transitional``: GB 3095-2026 Tables 1 and 2, transitional limits, 2026-03-01 to
  2030-12-31 (read from the official text).
* ``gb3095-2026``: GB 3095-2026 final limits, nationwide from 2031-01-01 (official text).

Grades: functional zone class 1 (national parks, nature reserves, natural parks and other areas
needing special protection) uses grade I, class 2 (residential, mixed, cultural, industrial, rural
areas) grade II (GB 3095-2026 §4.1, §4.2).

Units: [ug/m3], except CO in [mg/m3].  Reference state (GB 3095-2026 §4.3, as the 2018 amendment):
SO2, NO2, CO, O3 and NOx at 298.15 K and 1013.25 hPa; PM2.5, PM10, TSP and their Pb and BaP at
actual ambient temperature and pressure.

Pollutant codes: ``so2, no2, co, o3, pm10, pm2_5, tsp, nox, pb, bap``.  Averaging periods:
``annual, quarter, 24h, 8h`` (O3 daily maximum 8-h mean), ``1h``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import IntEnum, StrEnum

__all__ = [
    "MIN_DAYS_PER_FEBRUARY",
    "MIN_DAYS_PER_MONTH",
    "MIN_DAYS_PER_YEAR",
    "MIN_HOURS_PER_8H",
    "MIN_HOURS_PER_DAY",
    "MIN_MINUTES_PER_HOUR",
    "VALIDITY",
    "Grade",
    "LimitSet",
    "LimitValue",
    "Validity",
    "limit",
    "limit_set_for",
    "limits",
    "min_daily_values",
]


class LimitSet(StrEnum):
    """Which GB 3095 limit values apply (recorded with every assessment)."""

    GB3095_2012 = "gb3095-2012"
    GB3095_2026_TRANSITIONAL = "gb3095-2026-transitional"
    GB3095_2026 = "gb3095-2026"


class Grade(IntEnum):
    """Limit grade: I for functional zone class 1, II for class 2."""

    I = 1  # noqa: E741
    II = 2


GB3095_2026_IN_FORCE = dt.date(2026, 3, 1)
GB3095_2026_FINAL = dt.date(2031, 1, 1)


def limit_set_for(day: dt.date) -> LimitSet:
    """Default limit set for data of a (CST) day.

    Examples
    --------
    >>> [limit_set_for(dt.date(y, m, 1)).value for y, m in [(2026, 2), (2026, 3), (2031, 1)]]
    ['gb3095-2012', 'gb3095-2026-transitional', 'gb3095-2026']
    """
    if day >= GB3095_2026_FINAL:
        return LimitSet.GB3095_2026
    if day >= GB3095_2026_IN_FORCE:
        return LimitSet.GB3095_2026_TRANSITIONAL
    return LimitSet.GB3095_2012


@dataclass(frozen=True)
class LimitValue:
    """One row of a limit table: pollutant, averaging period, grade I and II limits."""

    pollutant: str
    averaging: str
    grade_i: float
    grade_ii: float
    unit: str


_UG, _MG = "ug/m3", "mg/m3"

# (pollutant, averaging, unit): (grade I, grade II)
_2012: dict[tuple[str, str, str], tuple[float, float]] = {
    # Table 1 (basic items) [1: one web reprint]
    ("so2", "annual", _UG): (20, 60),
    ("so2", "24h", _UG): (50, 150),
    ("so2", "1h", _UG): (150, 500),
    ("no2", "annual", _UG): (40, 40),
    ("no2", "24h", _UG): (80, 80),
    ("no2", "1h", _UG): (200, 200),
    ("co", "24h", _MG): (4, 4),
    ("co", "1h", _MG): (10, 10),
    ("o3", "8h", _UG): (100, 160),
    ("o3", "1h", _UG): (160, 200),
    ("pm10", "annual", _UG): (40, 70),
    ("pm10", "24h", _UG): (50, 150),
    ("pm2_5", "annual", _UG): (15, 35),
    ("pm2_5", "24h", _UG): (35, 75),
    # Table 2 (other items) [1]
    ("tsp", "annual", _UG): (80, 200),
    ("tsp", "24h", _UG): (120, 300),
    ("nox", "annual", _UG): (50, 50),
    ("nox", "24h", _UG): (100, 100),
    ("nox", "1h", _UG): (250, 250),
    ("pb", "annual", _UG): (0.5, 0.5),
    ("pb", "quarter", _UG): (1, 1),
    ("bap", "annual", _UG): (0.001, 0.001),
    ("bap", "24h", _UG): (0.0025, 0.0025),
}

_2026_SHARED: dict[tuple[str, str, str], tuple[float, float]] = {
    # GB 3095-2026 Table 1 rows that are the same in the transitional and final sets [P]
    ("so2", "1h", _UG): (150, 500),
    ("no2", "1h", _UG): (200, 200),
    ("co", "24h", _MG): (4, 4),
    ("co", "1h", _MG): (10, 10),
    ("o3", "8h", _UG): (100, 160),
    ("o3", "1h", _UG): (160, 200),
    # Table 2 [P]
    ("tsp", "annual", _UG): (80, 200),
    ("tsp", "24h", _UG): (120, 300),
    ("nox", "1h", _UG): (250, 250),
    ("pb", "annual", _UG): (0.5, 0.5),
    ("pb", "quarter", _UG): (1.0, 1.0),
    ("bap", "annual", _UG): (0.001, 0.001),
    ("bap", "24h", _UG): (0.0025, 0.0025),
}

_2026_TRANSITIONAL = {
    **_2026_SHARED,
    # GB 3095-2026 Table 1, transitional (2026-03-01 .. 2030-12-31) [P]
    ("so2", "annual", _UG): (20, 60),
    ("so2", "24h", _UG): (50, 150),
    ("no2", "annual", _UG): (40, 40),
    ("no2", "24h", _UG): (80, 80),
    ("pm10", "annual", _UG): (40, 60),
    ("pm10", "24h", _UG): (50, 120),
    ("pm2_5", "annual", _UG): (15, 30),
    ("pm2_5", "24h", _UG): (35, 60),
    ("nox", "annual", _UG): (50, 50),
    ("nox", "24h", _UG): (100, 100),
}

_2026_FINAL = {
    **_2026_SHARED,
    # GB 3095-2026 Table 1, final (from 2031-01-01) [P]
    ("so2", "annual", _UG): (20, 20),
    ("so2", "24h", _UG): (50, 50),
    ("so2", "1h", _UG): (150, 150),
    ("no2", "annual", _UG): (30, 30),
    ("no2", "24h", _UG): (50, 50),
    ("pm10", "annual", _UG): (20, 50),
    ("pm10", "24h", _UG): (50, 100),
    ("pm2_5", "annual", _UG): (10, 25),
    ("pm2_5", "24h", _UG): (25, 50),
    ("nox", "annual", _UG): (40, 40),
    ("nox", "24h", _UG): (70, 70),
}

_TABLES = {
    LimitSet.GB3095_2012: _2012,
    LimitSet.GB3095_2026_TRANSITIONAL: _2026_TRANSITIONAL,
    LimitSet.GB3095_2026: _2026_FINAL,
}


def limits(limit_set: LimitSet) -> list[LimitValue]:
    """All limit rows of a set (Tables 1 and 2), in a stable order.

    Examples
    --------
    >>> rows = limits(LimitSet.GB3095_2026)
    >>> [(r.averaging, r.grade_i, r.grade_ii) for r in rows if r.pollutant == "pm2_5"]
    [('24h', 25, 50), ('annual', 10, 25)]
    """
    table = _TABLES[LimitSet(limit_set)]
    return [LimitValue(p, a, i, ii, unit) for (p, a, unit), (i, ii) in sorted(table.items())]


def limit(pollutant: str, averaging: str, grade: Grade | int, limit_set: LimitSet) -> float:
    """Concentration limit [ug/m3] (CO [mg/m3]) of GB 3095 Table 1/2.

    Parameters
    ----------
    pollutant : str
        ``so2, no2, co, o3, pm10, pm2_5, tsp, nox, pb, bap``.
    averaging : str
        ``annual, quarter, 24h, 8h`` (O3 daily max 8-h), ``1h``.
    grade : Grade or int
        1 (class 1 zones) or 2 (class 2 zones).
    limit_set : LimitSet
        Which standard and stage.

    Raises
    ------
    ValueError
        No such limit; the message lists the averaging periods the pollutant has.

    Examples
    --------
    >>> limit("pm2_5", "24h", Grade.II, LimitSet.GB3095_2012)
    75
    >>> limit("pm2_5", "24h", 2, LimitSet.GB3095_2026_TRANSITIONAL)
    60
    """
    table = _TABLES[LimitSet(limit_set)]
    for (p, a, _unit), (i, ii) in table.items():
        if p == pollutant and a == averaging:
            return i if Grade(grade) is Grade.I else ii
    have = sorted(a for p, a, _u in table if p == pollutant)
    raise ValueError(
        f"{limit_set}: no {averaging!r} limit for {pollutant!r}"
        + (f" (it has {', '.join(have)})" if have else " (unknown pollutant)")
    )


# --- Table 4: data validity ---------------------------------------------------------------------

MIN_HOURS_PER_DAY = 20
"""Daily mean of SO2, NO2, CO, PM10, PM2.5, NOx: at least 20 hourly means (Table 4)."""
MIN_HOURS_PER_8H = 6
"""O3 8-h mean: at least 6 hourly means in the 8 hours (Table 4)."""
MIN_MINUTES_PER_HOUR = 45
"""1-h mean of SO2, NO2, CO, O3, NOx: at least 45 minutes of sampling (Table 4)."""
MIN_DAYS_PER_YEAR = 324
"""Annual mean of SO2, NO2, PM10, PM2.5, NOx: at least 324 daily means (Table 4)."""
MIN_DAYS_PER_MONTH = 27
"""... and at least 27 daily means in each month (Table 4)."""
MIN_DAYS_PER_FEBRUARY = 25
"""... 25 in February (Table 4)."""


@dataclass(frozen=True)
class Validity:
    """One row of Table 4 (GB 3095-2026 [P]; the 2012 wording is the same [M])."""

    pollutants: tuple[str, ...]
    averaging: str
    minimum: str


VALIDITY = (
    Validity(
        ("so2", "no2", "pm10", "pm2_5", "nox"),
        "annual",
        ">= 324 daily means a year; >= 27 a month (>= 25 in February)",
    ),
    Validity(
        ("so2", "no2", "co", "pm10", "pm2_5", "nox"),
        "24h",
        ">= 20 hourly means (or 20 h of sampling) a day",
    ),
    Validity(("o3",), "8h", ">= 6 hourly means in each 8 hours"),
    Validity(("so2", "no2", "co", "o3", "nox"), "1h", ">= 45 min of sampling each hour"),
    Validity(
        ("tsp", "bap", "pb"), "annual", ">= 60 evenly spread daily values a year; >= 5 a month"
    ),
    Validity(("pb",), "quarter", ">= 15 evenly spread daily values a quarter; >= 5 a month"),
    Validity(("tsp", "bap", "pb"), "24h", "24 h of sampling each day"),
)


def min_daily_values(year: int, month: int | None = None) -> int:
    """Minimum number of valid daily means for a valid monthly (or, without month, annual) mean.

    Table 4: 27 per month (25 in February), 324 per year.  The table says nothing about months
    shorter than 27 days of data coverage; the minimum never exceeds the month's length.

    Examples
    --------
    >>> min_daily_values(2024), min_daily_values(2024, 2), min_daily_values(2024, 4)
    (324, 25, 27)
    """
    if month is None:
        return MIN_DAYS_PER_YEAR
    if month == 2:
        return MIN_DAYS_PER_FEBRUARY
    return min(MIN_DAYS_PER_MONTH, calendar.monthrange(year, month)[1])
