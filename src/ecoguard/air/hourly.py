"""Hourly (real-time) AQI of stored station-hours, by HJ 633.

The rule set is explicit: a caller names an :class:`~ecoguard.standards.hj633.Edition`, or each
station-hour takes the edition in force at its time (HJ 633-2026 from 2026-03-01 CST).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import ArrayLike, NDArray

from ecoguard.air.imports import AIR_HOURLY_TABLE
from ecoguard.standards import hj633
from ecoguard.standards.hj633 import Edition
from ecoguard.timeseries.store import TimeseriesStore

CST = dt.timezone(dt.timedelta(hours=8), "CST")


class HourlyRules(StrEnum):
    """Rule sets of the hourly (real-time) AQI report.

    ``hj633-2012-cnemc`` is how the national real-time platform published the hourly AQI under
    HJ 633-2012 (six 1-h means; reproduces the official archive exactly, see
    docs/air-aqi-acceptance.md); ``hj633-2012`` is the real-time report as HJ 633-2012 Table 4
    writes it (PM by 24-h moving means, O3 also by its 8-h moving mean); ``hj633-2026`` is
    HJ 633-2026 §5.2.
    """

    HJ633_2012 = "hj633-2012"
    HJ633_2012_CNEMC = "hj633-2012-cnemc"
    HJ633_2026 = "hj633-2026"


_SIX_HOURLY = {
    "so2_1h": "so2",
    "no2_1h": "no2",
    "co_1h": "co",
    "o3_1h": "o3",
    "pm10_1h": "pm10",
    "pm2_5_1h": "pm2_5",
}

#: Report indicator -> stored column, per rule set (HJ 633-2012 Table 4 / HJ 633-2026 §5.2).
HOURLY_INPUTS: dict[HourlyRules, dict[str, str]] = {
    HourlyRules.HJ633_2012: {
        "so2_1h": "so2",
        "no2_1h": "no2",
        "co_1h": "co",
        "o3_1h": "o3",
        "o3_8h": "o3_8h",
        "pm10_24h": "pm10_24h",
        "pm2_5_24h": "pm2_5_24h",
        "so2_24h": "so2_24h",
    },
    HourlyRules.HJ633_2012_CNEMC: _SIX_HOURLY,
    HourlyRules.HJ633_2026: _SIX_HOURLY,
}

_REPORTS: dict[HourlyRules, Callable[[Mapping[str, ArrayLike]], hj633.AqiReport]] = {
    HourlyRules.HJ633_2012: lambda conc: hj633.hourly_report(conc, Edition.HJ633_2012),
    HourlyRules.HJ633_2012_CNEMC: hj633.cnemc_realtime_report,
    HourlyRules.HJ633_2026: lambda conc: hj633.hourly_report(conc, Edition.HJ633_2026),
}

_POLLUTANT_COLUMNS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")


@dataclass(frozen=True)
class HourlyQuery:
    """Which station-hours to report.

    Attributes
    ----------
    start, end : datetime.date
        First and last day [CST]; a station-hour belongs to the day of its CNEMC label (the end of
        the hour), so a query for one day returns the hours labelled 00:00 to 23:00 of that day,
        exactly the rows of that day's CNEMC file.
    stations : sequence of str, optional
        Station codes; all stations when empty.
    rules : HourlyRules, optional
        Rule set; by default the one in force at each station-hour.
    """

    start: dt.date
    end: dt.date
    stations: Sequence[str] = ()
    rules: HourlyRules | None = None


def _label_bounds_utc(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = dt.datetime.combine(start, dt.time(0), CST).astimezone(dt.UTC)
    last = dt.datetime.combine(end, dt.time(23), CST).astimezone(dt.UTC)
    return first, last


def read_station_hours(store: TimeseriesStore, query: HourlyQuery) -> pa.Table:
    """Stored station-hours whose label falls in the query's days, sorted by station and time."""
    first, last = _label_bounds_utc(query.start, query.end)
    if not store.exists(AIR_HOURLY_TABLE):
        return pa.table({})
    where = "interval_end_utc BETWEEN ? AND ?"
    params: list[object] = [first, last]
    if query.stations:
        where += " AND station_code IN (SELECT unnest(?))"
        params.append(list(query.stations))
    table = store.read(
        AIR_HOURLY_TABLE,
        partitions={"month": _months_between(query.start - dt.timedelta(days=1), query.end)},
        where=where,
        params=params,
    )
    return table.sort_by([("station_code", "ascending"), ("interval_end_utc", "ascending")])


def _months_between(start: dt.date, end: dt.date) -> list[str]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def rules_in_force(interval_start_utc: pa.Array | pa.ChunkedArray) -> NDArray[np.object_]:
    """The rule set in force at each station-hour.

    HJ 633-2026 from 2026-03-01 00:00 CST; before, the national platform's practice under
    HJ 633-2012 (``hj633-2012-cnemc``), which is what was officially published.
    """
    switch = np.datetime64("2026-02-28T16:00:00", "us")  # 2026-03-01 00:00 CST in UTC
    starts = pc.cast(interval_start_utc, pa.timestamp("us")).to_numpy(zero_copy_only=False)
    return np.where(starts >= switch, HourlyRules.HJ633_2026, HourlyRules.HJ633_2012_CNEMC)


def hourly_aqi_table(rows: pa.Table, rules: HourlyRules | None = None) -> pa.Table:
    """Compute the real-time AQI report of station-hour rows.

    Parameters
    ----------
    rows : pyarrow.Table
        Rows of ``air_station_hourly`` (canonical columns [ug/m3], CO [mg/m3]).
    rules : HourlyRules, optional
        Rule set for every row; by default each row's own (:func:`rules_in_force`).

    Returns
    -------
    pyarrow.Table
        One row per station-hour: ``station, time`` (the CNEMC label, ISO 8601 +08:00), ``aqi``
        (null where not computable or not publishable), ``level``, ``category``,
        ``primary_pollutants``, ``iaqi_<pollutant>``, ``exceeding_pollutants`` (2012 text only),
        ``complete``, ``rules`` and the published ``aqi_published`` of the source (if any).
    """
    n = rows.num_rows
    if n == 0:
        return pa.table({"station": pa.array([], pa.string())})
    per_row = (
        np.full(n, HourlyRules(rules), dtype=object)
        if rules is not None
        else rules_in_force(rows["interval_start_utc"])
    )
    aqi = np.full(n, -1, dtype=np.int16)
    level = np.zeros(n, dtype=np.int8)
    primary = np.empty(n, dtype=object)
    exceeding = np.full(n, None, dtype=object)
    complete = np.zeros(n, dtype=bool)
    iaqi = {p: np.full(n, -1, dtype=np.int16) for p in (*_POLLUTANT_COLUMNS, "o3_1h", "o3_8h")}
    for rule_set in HourlyRules:
        idx = np.flatnonzero(per_row == rule_set)
        if idx.size == 0:
            continue
        take = pa.array(idx)
        conc = {
            indicator: _column(rows, column).take(take).to_numpy(zero_copy_only=False)
            for indicator, column in HOURLY_INPUTS[rule_set].items()
        }
        report = _REPORTS[rule_set](conc)
        shown = np.where(report.published, report.aqi, -1)
        aqi[idx] = shown
        level[idx] = np.where(report.published, report.level, 0)
        primary[idx] = np.where(report.published, report.primary_names(), "")
        if report.exceeding_mask is not None:
            exceeding[idx] = hj633.mask_names(report.exceeding_mask)
        complete[idx] = report.complete
        for key, values in report.iaqi.items():
            iaqi[key][idx] = values
    labels = pc.cast(rows["interval_end_utc"], pa.timestamp("us")).to_numpy(zero_copy_only=False)
    time_text = (
        np.datetime_as_string(labels + np.timedelta64(8, "h"), unit="s").astype(object) + "+08:00"
    )
    categories = np.array([""] + [lv.category_zh for lv in hj633.LEVELS], dtype=object)
    columns: dict[str, pa.Array] = {
        "station": rows["station_code"].combine_chunks(),
        "time": pa.array(time_text, pa.string()),
        "aqi": _nullable_int(aqi),
        "level": _nullable_int(level.astype(np.int16), missing=0),
        "category": pa.array(categories[level], pa.string()),
        "primary_pollutants": pa.array(primary, pa.string()),
    }
    for key, values in iaqi.items():
        if key in ("o3_1h", "o3_8h") and not np.any(values >= 0):
            continue
        columns[f"iaqi_{key}"] = _nullable_int(values)
    columns["exceeding_pollutants"] = pa.array(exceeding, pa.string())
    columns["complete"] = pa.array(complete)
    columns["rules"] = pa.array(per_row.astype(str), pa.string())
    if "aqi_published" in rows.column_names:
        columns["aqi_published"] = rows["aqi_published"].combine_chunks()
    return pa.table(columns)


def _column(rows: pa.Table, name: str) -> pa.Array:
    if name in rows.column_names:
        return rows[name].combine_chunks()
    return pa.nulls(rows.num_rows, pa.float64())


def _nullable_int(values: NDArray[np.int16], missing: int = -1) -> pa.Array:
    return pa.array(values.astype(np.int64), pa.int64(), mask=values == missing)


def latest_station_hours(store: TimeseriesStore, stations: Sequence[str]) -> pa.Table:
    """The most recent stored hour of each station (within the last two stored months).

    Cached per snapshot of the hourly table (a new import makes a new snapshot), since the map
    of every dashboard asks for it.
    """
    if not store.exists(AIR_HOURLY_TABLE) or not stations:
        return pa.table({})
    version = store.version(AIR_HOURLY_TABLE)
    return _latest_station_hours(str(store.root), version, tuple(sorted(stations)))


@functools.lru_cache(maxsize=64)
def _latest_station_hours(root: str, version: int, stations: tuple[str, ...]) -> pa.Table:
    del version  # part of the cache key only
    store = TimeseriesStore(Path(root))
    months = store.partition_values(AIR_HOURLY_TABLE, "month")[-2:]
    table = store.read(
        AIR_HOURLY_TABLE,
        partitions={"month": months},
        where=(
            "station_code IN (SELECT unnest(?)) AND interval_end_utc = "
            "(SELECT max(interval_end_utc) FROM read_parquet(?, hive_partitioning = true) AS x "
            "WHERE x.station_code = station_code)"
        ),
        params=[list(stations), store.files(AIR_HOURLY_TABLE, {"month": months})],
    )
    return table.sort_by("station_code")
