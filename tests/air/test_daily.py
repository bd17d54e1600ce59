"""Daily values and reports from stored hours: validity, city means, edition by date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from ecoguard.air.daily import (
    HourlyCube,
    assess_cities,
    assess_period,
    city_daily_values,
    daily_aqi_matrix,
    daily_report_rows,
    read_hourly_cube,
    station_daily_values,
)
from ecoguard.timeseries.store import TimeseriesStore

DAY = dt.date(2026, 3, 2)  # HJ 633-2026 and the GB 3095-2026 transitional limits are in force


def _cube(**per_site: dict[str, float]) -> HourlyCube:
    sites = sorted(per_site)
    values = {}
    for p in ("so2", "no2", "co", "o3", "pm10", "pm2_5"):
        values[p] = np.array([[per_site[s].get(p, np.nan)] * 24 for s in sites], dtype=float)
    return HourlyCube(sites, DAY, values)


def test_daily_report_of_a_constant_day() -> None:
    cube = _cube(A={"so2": 10, "no2": 40, "co": 0.6, "o3": 90, "pm10": 80, "pm2_5": 76})
    rows = daily_report_rows(station_daily_values(cube))
    assert len(rows) == 1
    row = rows[0]
    # PM2.5 76 on HJ 633-2026 (60 -> 100, 115 -> 150): 100 + 50 * 16 / 55 = 114.5 -> 115
    assert (row["aqi"], row["primary_pollutants"], row["rules"]) == (115, "PM2.5", "hj633-2026")
    assert row["o3_8h_max"] == 90.0 and row["valid_pm2_5"] == 24


def test_day_with_19_hours_is_not_valid() -> None:
    cube = _cube(A={"so2": 10, "no2": 40, "co": 0.6, "o3": 90, "pm10": 80, "pm2_5": 50})
    cube.values["pm2_5"][0, :5] = np.nan
    row = daily_report_rows(station_daily_values(cube))[0]
    assert row["pm2_5"] is None and row["iaqi_pm2_5"] is None and row["valid_pm2_5"] == 19
    assert row["complete"] is False
    assert row["aqi"] is None  # AQI <= 100 with a pollutant missing: not published (§5.3)


def test_city_is_the_mean_of_its_assessment_points_only() -> None:
    cube = _cube(
        A={"so2": 10, "no2": 40, "co": 0.6, "o3": 90, "pm10": 80, "pm2_5": 40},
        B={"so2": 10, "no2": 40, "co": 0.9, "o3": 90, "pm10": 80, "pm2_5": 61},
        BG={"so2": 1, "no2": 1, "co": 0.1, "o3": 1, "pm10": 1, "pm2_5": 1},
    )
    daily = station_daily_values(cube)
    city = city_daily_values(daily, {"A": "650100", "B": "650100"})  # BG is a background point
    assert city.units == ["650100"]
    assert city.values["pm2_5"][0, 0] == 50.0  # (40 + 61) / 2 = 50.5 -> 50 (half to even)
    assert city.values["co"][0, 0] == 0.8  # (0.6 + 0.9) / 2 = 0.75 -> 0.8
    assert city.valid_hours["pm2_5"][0, 0] == 2  # two valid stations


@pytest.mark.parametrize(("pm2_5", "good"), [(50.0, 1.0), (80.0, 0.0)])
def test_period_assessment_counts_good_days_and_exceedances(pm2_5: float, good: float) -> None:
    cube = _cube(A={"so2": 10, "no2": 40, "co": 0.6, "o3": 90, "pm10": 80, "pm2_5": pm2_5})
    daily = station_daily_values(cube)
    report = daily_report_rows(daily)
    aqi = daily_aqi_matrix(report, daily.units, 1, DAY)
    row = assess_period(daily, aqi)[0]
    assert row["good_day_share"] == good
    assert row["pm2_5_days_over"] == (1 if pm2_5 > 60 else 0)  # transitional grade II 24-h: 60
    assert row["pm2_5_multiple"] == round((pm2_5 - 30) / 30, 2)  # annual grade II: 30
    assert row["limits"] == "gb3095-2026-transitional"


def test_empty_store_gives_empty_reports(tmp_path: Path) -> None:
    # found by the schemathesis run: a fresh installation has no air table yet
    cube = read_hourly_cube(TimeseriesStore(tmp_path), DAY, DAY, ["6001A"])
    daily = station_daily_values(cube)
    rows = daily_report_rows(daily)
    assert [(r["code"], r["aqi"], r["pm2_5"]) for r in rows] == [("6001A", None, None)]
    assert assess_cities(TimeseriesStore(tmp_path), {}, DAY, DAY).report == []
