"""GB 3095 limit sets and Table 4 validity minima."""

from __future__ import annotations

import datetime as dt

import pytest

from ecoguard.standards.gb3095 import (
    VALIDITY,
    Grade,
    LimitSet,
    limit,
    limit_set_for,
    limits,
    min_daily_values,
)

S12, T26, F26 = LimitSet.GB3095_2012, LimitSet.GB3095_2026_TRANSITIONAL, LimitSet.GB3095_2026


@pytest.mark.parametrize(
    ("pollutant", "averaging", "values"),
    [  # (2012 I, 2012 II, transitional I, transitional II, final I, final II), air.md §3.1
        ("so2", "annual", (20, 60, 20, 60, 20, 20)),
        ("so2", "24h", (50, 150, 50, 150, 50, 50)),
        ("so2", "1h", (150, 500, 150, 500, 150, 150)),
        ("no2", "annual", (40, 40, 40, 40, 30, 30)),
        ("no2", "24h", (80, 80, 80, 80, 50, 50)),
        ("no2", "1h", (200, 200, 200, 200, 200, 200)),
        ("co", "24h", (4, 4, 4, 4, 4, 4)),
        ("co", "1h", (10, 10, 10, 10, 10, 10)),
        ("o3", "8h", (100, 160, 100, 160, 100, 160)),
        ("o3", "1h", (160, 200, 160, 200, 160, 200)),
        ("pm10", "annual", (40, 70, 40, 60, 20, 50)),
        ("pm10", "24h", (50, 150, 50, 120, 50, 100)),
        ("pm2_5", "annual", (15, 35, 15, 30, 10, 25)),
        ("pm2_5", "24h", (35, 75, 35, 60, 25, 50)),
        ("nox", "annual", (50, 50, 50, 50, 40, 40)),
        ("nox", "24h", (100, 100, 100, 100, 70, 70)),
        ("nox", "1h", (250, 250, 250, 250, 250, 250)),
        ("tsp", "annual", (80, 200, 80, 200, 80, 200)),
        ("pb", "quarter", (1, 1, 1, 1, 1, 1)),
        ("bap", "24h", (0.0025,) * 6),
    ],
)
def test_table_1_and_2_limits(pollutant: str, averaging: str, values: tuple[float, ...]) -> None:
    got = tuple(limit(pollutant, averaging, g, s) for s in (S12, T26, F26) for g in (1, 2))
    assert got == values


def test_limit_set_by_date() -> None:
    assert limit_set_for(dt.date(2026, 2, 28)) is S12
    assert limit_set_for(dt.date(2026, 3, 1)) is T26
    assert limit_set_for(dt.date(2030, 12, 31)) is T26
    assert limit_set_for(dt.date(2031, 1, 1)) is F26


def test_unknown_limit_names_alternatives() -> None:
    with pytest.raises(ValueError, match="it has 1h, 24h"):
        limit("co", "annual", Grade.II, T26)
    with pytest.raises(ValueError, match="unknown pollutant"):
        limit("pm25", "24h", Grade.II, T26)


def test_every_set_lists_the_basic_items() -> None:
    for s in LimitSet:
        rows = {(r.pollutant, r.averaging) for r in limits(s)}
        assert {("pm2_5", "24h"), ("o3", "8h"), ("co", "1h"), ("nox", "annual")} <= rows
        assert all(r.grade_i <= r.grade_ii for r in limits(s))
        assert {r.unit for r in limits(s) if r.pollutant == "co"} == {"mg/m3"}


def test_validity_minima() -> None:
    assert min_daily_values(2023) == 324
    assert [min_daily_values(2024, m) for m in (1, 2, 3)] == [27, 25, 27]
    rows = {v.averaging: v for v in VALIDITY if "o3" in v.pollutants}
    assert "6 hourly" in rows["8h"].minimum
