"""Daily reports (HJ 633) and period assessment (HJ 663) of stored station-hours.

Days are natural days in China Standard Time: a station-hour belongs to the day its interval
starts in. Station values come from the station's own hours; city values are the arithmetic
mean of the city's assessment points (background points 对照点 excluded), per HJ 663.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from ecoguard.air.imports import AIR_HOURLY_TABLE
from ecoguard.standards import hj633, hj663
from ecoguard.standards.gb3095 import Grade, LimitSet, limit, limit_set_for
from ecoguard.standards.gbt8170 import round_half_even
from ecoguard.standards.hj633 import Edition
from ecoguard.timeseries.store import TimeseriesStore

POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")
_MEANS = ("so2", "no2", "co", "pm10", "pm2_5")
_DECIMALS = {"co": 1}
CST = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class HourlyCube:
    """Station-hours as arrays ``[site, hour]`` over whole CST days.

    Attributes
    ----------
    sites : list of str
        Station codes, in row order.
    first_day : datetime.date
        CST day of hour index 0 (00:00-01:00).
    values : dict of str to ndarray
        Hourly means per pollutant [ug/m3] (CO [mg/m3]), NaN where missing.
    """

    sites: list[str]
    first_day: dt.date
    values: dict[str, NDArray[np.float64]]

    @property
    def n_days(self) -> int:
        """Number of days covered."""
        return next(iter(self.values.values())).shape[1] // 24 if self.values else 0


def read_hourly_cube(
    store: TimeseriesStore, start: dt.date, end: dt.date, stations: Sequence[str] = ()
) -> HourlyCube:
    """Read the hours of ``start``..``end`` (CST days) into ``[site, hour]`` arrays."""
    n_days = (end - start).days + 1
    first = dt.datetime.combine(start, dt.time(0), CST).astimezone(dt.UTC)
    last = first + dt.timedelta(days=n_days)
    if not store.exists(AIR_HOURLY_TABLE):
        sites = sorted(stations)
        empty = {p: np.full((len(sites), n_days * 24), np.nan) for p in POLLUTANTS}
        return HourlyCube(sites, start, empty)
    months = _months(start, end)
    where = "interval_start_utc >= ? AND interval_start_utc < ?"
    params: list[object] = [first, last]
    if stations:
        where += " AND station_code IN (SELECT unnest(?))"
        params.append(list(stations))
    rows = store.read(
        AIR_HOURLY_TABLE,
        columns=["station_code", "interval_start_utc", *POLLUTANTS],
        partitions={"month": months},
        where=where,
        params=params,
    )
    sites = sorted(stations) if stations else sorted(set(rows["station_code"].to_pylist()))
    site_index = {s: i for i, s in enumerate(sites)}
    rows = rows.filter(pc.is_in(rows["station_code"], pa.array(sites, pa.string())))
    row = np.array([site_index[s] for s in rows["station_code"].to_pylist()], dtype=np.intp)
    starts = pc.cast(rows["interval_start_utc"], pa.timestamp("us")).to_numpy(zero_copy_only=False)
    origin = np.datetime64(first.replace(tzinfo=None), "us")
    hour = ((starts - origin) // np.timedelta64(1, "h")).astype(np.intp)
    values = {}
    for p in POLLUTANTS:
        grid = np.full((len(sites), n_days * 24), np.nan)
        grid[row, hour] = rows[p].to_numpy(zero_copy_only=False)
        values[p] = grid
    return HourlyCube(sites, start, values)


def _months(start: dt.date, end: dt.date) -> list[str]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass(frozen=True)
class DailyValues:
    """Daily statistics ``[unit, day]`` for stations or cities.

    Attributes
    ----------
    units : list of str
        Station codes or city names.
    first_day : datetime.date
    values : dict of str to ndarray
        ``so2, no2, co, pm10, pm2_5`` daily means; ``o3_8h_max`` (daily max 8-h) and ``o3_1h_max``;
        NaN where not valid (HJ 663 / GB 3095 Table 4).
    valid_hours : dict of str to ndarray
        Valid hours per pollutant and day (for stations; for cities the valid stations).
    """

    units: list[str]
    first_day: dt.date
    values: dict[str, NDArray[np.float64]]
    valid_hours: dict[str, NDArray[np.int64]]

    def day(self, index: int) -> dt.date:
        """CST date of day ``index``."""
        return self.first_day + dt.timedelta(days=index)


def station_daily_values(cube: HourlyCube, limit_set: LimitSet | None = None) -> DailyValues:
    """Daily values of each station from its hours (rounded per GB/T 8170: integers, CO 0.1)."""
    values: dict[str, NDArray[np.float64]] = {}
    valid: dict[str, NDArray[np.int64]] = {}
    n = len(cube.sites)
    if n == 0:
        return DailyValues([], cube.first_day, {}, {})
    for p in _MEANS:
        values[p] = hj663.daily_mean(cube.values[p], decimals=_DECIMALS.get(p, 0))
        valid[p] = (~np.isnan(cube.values[p])).reshape(n, -1, 24).sum(axis=2)
    o3 = cube.values["o3"]
    limits = limit_set or limit_set_for(cube.first_day)
    values["o3_8h_max"] = hj663.o3_daily_max_8h(
        o3, limit_value=limit("o3", "8h", Grade.II, limits), decimals=0
    )
    values["o3_1h_max"] = hj663.daily_max_1h(o3)
    valid["o3"] = (~np.isnan(o3)).reshape(n, -1, 24).sum(axis=2)
    return DailyValues(list(cube.sites), cube.first_day, values, valid)


def city_daily_values(daily: DailyValues, city_of: Mapping[str, str]) -> DailyValues:
    """City daily values: the mean of the city's assessment points, rounded per GB/T 8170.

    ``city_of`` maps station code -> city; stations absent from it (background points, unknown
    stations) are left out.
    """
    cities = sorted({city_of[s] for s in daily.units if s in city_of})
    if not cities:
        return DailyValues([], daily.first_day, {}, {})
    index = {c: i for i, c in enumerate(cities)}
    keep = [i for i, s in enumerate(daily.units) if s in city_of]
    groups = np.array([index[city_of[daily.units[i]]] for i in keep], dtype=np.intp)
    values = {}
    counts = {}
    for key, v in daily.values.items():
        mean = hj663.city_mean(v[keep], groups, len(cities))
        values[key] = round_half_even(mean, 1 if key == "co" else 0)
        counts[key] = hj663.city_mean((~np.isnan(v[keep])).astype(float), groups, len(cities))
    valid = {k: np.zeros((len(cities), v.shape[1]), dtype=np.int64) for k, v in values.items()}
    for key, v in daily.values.items():
        np.add.at(valid[key], groups, (~np.isnan(v[keep])).astype(np.int64))
    return DailyValues(cities, daily.first_day, values, valid)


def daily_report_rows(daily: DailyValues, edition: Edition | None = None) -> list[dict[str, Any]]:
    """HJ 633 daily report rows: one per unit and day, with the edition in force that day."""
    rows: list[dict[str, Any]] = []
    n_units = len(daily.units)
    if n_units == 0:
        return rows
    n_days = next(iter(daily.values.values())).shape[1]
    for d in range(n_days):
        day = daily.day(d)
        ed = edition or hj633.edition_for(day)
        conc = {
            "so2_24h": daily.values["so2"][:, d],
            "no2_24h": daily.values["no2"][:, d],
            "co_24h": daily.values["co"][:, d],
            "pm10_24h": daily.values["pm10"][:, d],
            "pm2_5_24h": daily.values["pm2_5"][:, d],
            "o3_8h_max": daily.values["o3_8h_max"][:, d],
        }
        if ed is Edition.HJ633_2012:
            conc["o3_1h_max"] = daily.values["o3_1h_max"][:, d]
        report = hj633.daily_report(conc, ed)
        primary = report.primary_names()
        for u in range(n_units):
            record = report.record(u)
            level = record.level
            row: dict[str, Any] = {
                "date": day.isoformat(),
                "code": daily.units[u],
                "aqi": record.aqi if record.published else None,
                "level": level.number if level and record.published else None,
                "category": level.category_zh if level and record.published else None,
                "primary_pollutants": str(primary[u]) if record.published else "",
                "complete": record.complete,
                "rules": ed.value,
            }
            for key in (*_MEANS, "o3_8h_max", "o3_1h_max"):
                value = float(daily.values[key][u, d])
                row[key] = None if np.isnan(value) else value
            for pollutant in POLLUTANTS:
                row[f"iaqi_{pollutant}"] = record.iaqi.get(pollutant)
            for pollutant, hours in daily.valid_hours.items():
                if pollutant in POLLUTANTS:
                    row[f"valid_{pollutant}"] = int(hours[u, d])
            rows.append(row)
    return rows


def assess_period(
    daily: DailyValues,
    daily_aqi: NDArray[np.float64],
    limit_set: LimitSet | None = None,
    grade: Grade = Grade.II,
) -> list[dict[str, Any]]:
    """Period statistics per unit and pollutant, and the unit's indices.

    For each pollutant: valid days, period mean of the daily values (for CO and O3 the HJ 663 item
    is the percentile), the HJ 663 percentile (98th SO2/NO2, 95th PM/CO, 90th O3 max 8-h), the
    days above the 24-h (O3 8-h) limit, the exceedance multiple of the item against its limit;
    per unit: the compliance-day share (优良天数比例) and the composite index. Annual limits are
    formally for calendar years; for shorter periods the comparison is indicative.
    """
    limits = limit_set or limit_set_for(daily.first_day)
    rows: list[dict[str, Any]] = []
    item_values: dict[str, NDArray[np.float64]] = {}
    stats: dict[str, dict[str, NDArray[np.float64]]] = {}
    for p in POLLUTANTS:
        key = "o3_8h_max" if p == "o3" else p
        v = daily.values[key]
        dec = _DECIMALS.get(p, 0)
        with np.errstate(invalid="ignore"):
            valid_days = (~np.isnan(v)).sum(axis=1).astype(float)
            mean = round_half_even(np.nansum(v, axis=1) / valid_days, dec)
            pct = round_half_even(hj663.percentile(v, hj663.ANNUAL_PERCENTILE[p], axis=1), dec)
            short_limit = limit(p, "8h" if p == "o3" else "24h", grade, limits)
            over = (v > short_limit).sum(axis=1).astype(float)
        item = pct if p in ("co", "o3") else mean
        item_limit = short_limit if p in ("co", "o3") else limit(p, "annual", grade, limits)
        item_values[p] = item
        stats[p] = {
            "valid_days": valid_days,
            "mean": mean,
            "percentile": pct,
            "days_over": over,
            "item": item,
            "item_limit": np.full(len(daily.units), item_limit),
            "multiple": hj663.exceedance_multiple(item, item_limit),
        }
    composite = hj663.composite_index(item_values, limits, grade)
    share = hj663.compliance_day_share(daily_aqi, axis=1)
    valid_aqi_days = (daily_aqi >= 0).sum(axis=1)
    for u, unit in enumerate(daily.units):
        row: dict[str, Any] = {
            "code": unit,
            "days_with_aqi": int(valid_aqi_days[u]),
            "good_day_share": _num(round_half_even(share[u : u + 1], 4)[0]),
            "composite_index": _num(round_half_even(composite[u : u + 1], 2)[0]),
            "limits": limits.value,
        }
        for p in POLLUTANTS:
            s = stats[p]
            row[f"{p}_valid_days"] = int(s["valid_days"][u])
            row[f"{p}_mean"] = _num(s["mean"][u])
            row[f"{p}_p{int(hj663.ANNUAL_PERCENTILE[p])}"] = _num(s["percentile"][u])
            row[f"{p}_days_over"] = int(s["days_over"][u])
            row[f"{p}_multiple"] = _num(round_half_even(s["multiple"][u : u + 1], 2)[0])
        rows.append(row)
    return rows


def assess_daily(
    daily: DailyValues, report: list[dict[str, Any]], limit_set: LimitSet | None = None
) -> list[dict[str, Any]]:
    """:func:`assess_period` of daily values, with the daily AQI taken from their reports.

    ``report`` is :func:`daily_report_rows` of ``daily``; no units give no rows.
    """
    if not daily.units:
        return []
    n_days = next(iter(daily.values.values())).shape[1]
    aqi = daily_aqi_matrix(report, daily.units, n_days, daily.first_day)
    return assess_period(daily, aqi, limit_set)


def daily_aqi_matrix(
    rows: list[dict[str, Any]], units: list[str], n_days: int, first_day: dt.date
) -> NDArray[np.float64]:
    """Daily AQI as ``[unit, day]`` (NaN where not published) from :func:`daily_report_rows`."""
    index = {u: i for i, u in enumerate(units)}
    out = np.full((len(units), n_days), np.nan)
    for row in rows:
        if row["aqi"] is not None:
            d = (dt.date.fromisoformat(row["date"]) - first_day).days
            out[index[row["code"]], d] = row["aqi"]
    return out


def _num(value: float | np.floating[Any]) -> float | None:
    f = float(value)
    return None if np.isnan(f) else f


@dataclass(frozen=True)
class CityPeriod:
    """Daily values, daily reports and the period assessment of the cities of a network."""

    daily: DailyValues
    report: list[dict[str, Any]]
    assessment: list[dict[str, Any]]


def assess_cities(
    store: TimeseriesStore, points: Mapping[str, str], start: dt.date, end: dt.date
) -> CityPeriod:
    """Daily reports and HJ 663 statistics of the cities whose assessment points are given.

    Results are cached per snapshot of the hourly table: any import makes a new snapshot, so a
    cached result is never stale. Callers must not modify the returned lists.

    Parameters
    ----------
    points : mapping of str to str
        Station code -> city (e.g. prefecture adcode) of the city assessment points.
    """
    version = store.version(AIR_HOURLY_TABLE)
    return _assess_cities(str(store.root), version, tuple(sorted(points.items())), start, end)


@functools.lru_cache(maxsize=32)
def _assess_cities(
    root: str, version: int, points: tuple[tuple[str, str], ...], start: dt.date, end: dt.date
) -> CityPeriod:
    del version  # part of the cache key only
    store = TimeseriesStore(Path(root))
    mapping = dict(points)
    cube = read_hourly_cube(store, start, end, sorted(mapping))
    city = city_daily_values(station_daily_values(cube), mapping)
    report = daily_report_rows(city)
    assessment = assess_daily(city, report)
    return CityPeriod(city, report, assessment)
