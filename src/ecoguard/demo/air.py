"""A generated air-monitoring network for the demo province (modelled on Xinjiang).

The stations are invented (codes ``6xxxA`` are not real CNEMC codes) but sit in the real
prefectures, and the series follow the patterns the province's reports describe: heating-season
PM2.5 episodes in the Urumqi-Changji-Shihezi-Wujiaqu (乌昌石) group, spring dust with very high
PM10 in the south (Hotan, Kashgar, Kizilsu, Aksu, Bayingolin), summer afternoon ozone.
Everything is deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from ecoguard.ingest.air_hourly import VALUE_COLUMNS, air_hourly_schema


@dataclass(frozen=True)
class DemoStation:
    """A demo station: CNEMC-style code, name, city as CNEMC names it, location, character."""

    code: str
    name: str
    city: str
    lon: float
    lat: float
    is_background: bool = False
    heating: float = 1.0  # strength of winter heating-season pollution (乌昌石 highest)
    dust: float = 0.0  # exposure to spring dust (southern Xinjiang highest)


WU_CHANG_SHI = ("乌鲁木齐", "昌吉州", "石河子", "五家渠")
"""The Urumqi-Changji-Shihezi-Wujiaqu region group (乌昌石) singled out in the reports."""

DEMO_STATIONS: tuple[DemoStation, ...] = (
    DemoStation("6001A", "收费所", "乌鲁木齐", 87.5810, 43.8960, heating=1.6),
    DemoStation("6002A", "铁路局", "乌鲁木齐", 87.5570, 43.8120, heating=1.7),
    DemoStation("6003A", "监测站", "乌鲁木齐", 87.6390, 43.8280, heating=1.6),
    DemoStation("6004A", "米东区环保局", "乌鲁木齐", 87.6550, 43.9640, heating=1.8),
    DemoStation("6005A", "南山(对照点)", "乌鲁木齐", 87.2150, 43.4750, True, heating=0.4),
    DemoStation("6011A", "昌吉州环境监测站", "昌吉州", 87.3040, 44.0150, heating=1.5),
    DemoStation("6012A", "昌吉市政府", "昌吉州", 87.2670, 44.0110, heating=1.5),
    DemoStation("6021A", "石河子市监测站", "石河子", 86.0530, 44.3050, heating=1.5),
    DemoStation("6022A", "石河子植物园", "石河子", 86.0810, 44.2880, heating=1.4),
    DemoStation("6031A", "五家渠监测站", "五家渠", 87.5430, 44.1670, heating=1.4),
    DemoStation("6041A", "克拉玛依环境监测站", "克拉玛依", 84.8730, 45.5950, heating=0.9),
    DemoStation("6042A", "独山子区", "克拉玛依", 84.8870, 44.3270, heating=1.1),
    DemoStation(
        "6051A", "吐鲁番地区环境监测站", "吐鲁番地区", 89.1900, 42.9510, heating=0.7, dust=0.6
    ),
    DemoStation("6061A", "哈密地区环境监测站", "哈密地区", 93.5150, 42.8190, heating=0.8, dust=0.4),
    DemoStation("6071A", "博州环境监测站", "博尔塔拉蒙古自治州", 82.0660, 44.9060, heating=0.7),
    DemoStation("6081A", "库尔勒市监测站", "巴音郭楞州", 86.1450, 41.7640, heating=0.8, dust=0.8),
    DemoStation("6091A", "阿克苏地区监测站", "阿克苏地区", 80.2630, 41.1680, heating=0.9, dust=1.0),
    DemoStation(
        "6101A", "阿图什市监测站", "克孜勒苏柯尔克孜自治州", 76.1680, 39.7150, heating=0.7, dust=1.2
    ),
    DemoStation("6111A", "喀什地区监测站", "喀什地区", 75.9890, 39.4700, heating=0.9, dust=1.4),
    DemoStation("6112A", "喀什大学", "喀什地区", 75.9400, 39.4930, heating=0.9, dust=1.4),
    DemoStation("6121A", "和田地区监测站", "和田地区", 79.9230, 37.1140, heating=0.8, dust=1.8),
    DemoStation("6131A", "伊宁市监测站", "伊犁哈萨克州", 81.3240, 43.9160, heating=1.2),
    DemoStation("6141A", "塔城地区监测站", "塔城地区", 82.9800, 46.7460, heating=0.6),
    DemoStation("6151A", "阿勒泰地区监测站", "阿勒泰地区", 88.1410, 47.8480, heating=0.5),
)


def demo_station_rows() -> list[dict[str, object]]:
    """The demo stations as station-list rows (code, name, city, lon, lat, is_background)."""
    return [
        {
            "code": s.code,
            "name": s.name,
            "city": s.city,
            "lon": s.lon,
            "lat": s.lat,
            "is_background": s.is_background,
        }
        for s in DEMO_STATIONS
    ]


def _seasonal(day_of_year: NDArray[np.float64]) -> NDArray[np.float64]:
    """1 in mid-January, 0 in mid-July (cosine)."""
    return 0.5 * (1.0 + np.cos(2.0 * np.pi * (day_of_year - 15.0) / 365.25))


def generate_air_hours(
    start: dt.date,
    end: dt.date,
    *,
    seed: int = 20261122,
    stations: tuple[DemoStation, ...] = DEMO_STATIONS,
) -> pa.Table:
    """Generate hourly station data for the days ``start``..``end`` (CST, inclusive).

    Returns rows in the ``air_station_hourly`` schema: 1-hour means [ug/m3] (CO [mg/m3]), about
    2 % of values missing at random and a few longer outages, no published moving statistics
    (those are computed by the standards from the hourly values).
    """
    rng = np.random.default_rng(seed)
    days = (end - start).days + 1
    hours = days * 24
    first_end_utc = np.datetime64(dt.datetime.combine(start, dt.time(1)), "us") - np.timedelta64(
        8, "h"
    )
    ends = first_end_utc + np.arange(hours) * np.timedelta64(1, "h")
    local = ends - np.timedelta64(1, "h") + np.timedelta64(8, "h")  # interval start, CST
    hour_of_day = ((local - local.astype("datetime64[D]")) // np.timedelta64(1, "h")).astype(float)
    day_of_year = (local.astype("datetime64[D]") - local.astype("datetime64[Y]")).astype(float)
    month = (local.astype("datetime64[M]").astype(int) % 12) + 1
    winter = _seasonal(day_of_year)
    heating_season = ((month >= 11) | (month <= 3)).astype(float)
    spring = np.exp(-0.5 * ((day_of_year - 105.0) / 25.0) ** 2)  # dust season peaks mid-April

    # Regional weather shared by all stations: stagnation episodes (winter) and dust events.
    daily_noise = np.zeros(days)
    for d in range(1, days):
        daily_noise[d] = 0.8 * daily_noise[d - 1] + rng.normal(0.0, 0.35)
    stagnation = np.repeat(daily_noise, 24)
    dust_days = rng.random(days) < 0.10
    dust_event = np.repeat(dust_days * rng.uniform(2.0, 9.0, days), 24)

    columns: dict[str, list[NDArray[np.float64]]] = {c: [] for c in VALUE_COLUMNS}
    codes: list[NDArray[np.object_]] = []
    for station in stations:
        local_noise = rng.normal(0.0, 0.18, hours)
        heat = station.heating * (0.4 + 1.6 * heating_season * winter)
        evening = 1.0 + 0.35 * np.cos(2.0 * np.pi * (hour_of_day - 22.0) / 24.0)
        pm2_5 = 10.0 + 25.0 * heat * evening * np.exp(
            1.1 * np.tanh(stagnation) * heating_season + local_noise
        )
        dust = station.dust * spring * dust_event
        pm10 = pm2_5 * (1.5 + 0.3 * rng.random(hours)) + 40.0 * station.dust + 110.0 * dust
        pm2_5 = pm2_5 + 18.0 * dust
        sunshine = np.clip(np.sin(np.pi * (hour_of_day - 8.0) / 14.0), 0.0, None)
        o3 = (20.0 + 135.0 * (1.0 - winter) * sunshine) * np.exp(rng.normal(0.0, 0.15, hours))
        no2 = 28.0 * station.heating**0.5 * (0.7 + 0.6 * winter) * evening * np.exp(local_noise)
        so2 = 6.0 * heat * np.exp(rng.normal(0.0, 0.3, hours))
        co = (
            0.45 * heat * evening * np.exp(0.8 * np.tanh(stagnation) * heating_season + local_noise)
        )
        if station.is_background:
            pm2_5, pm10, no2 = pm2_5 * 0.35, pm10 * 0.4, no2 * 0.3
        values = {"pm2_5": pm2_5, "pm10": pm10, "o3": o3, "no2": no2, "so2": so2, "co": co}
        outage = np.zeros(hours, dtype=bool)
        for _ in range(max(1, days // 120)):
            begin = int(rng.integers(0, hours))
            outage[begin : begin + int(rng.integers(3, 30))] = True
        for name in VALUE_COLUMNS:
            series = values.get(name)
            if series is None:
                columns[name].append(np.full(hours, np.nan))
                continue
            decimals = 1 if name == "co" else 0
            series = np.round(np.clip(series, 1.0 if decimals == 0 else 0.1, 2000.0), decimals)
            series[(rng.random(hours) < 0.02) | outage] = np.nan
            columns[name].append(series)
        codes.append(np.full(hours, station.code, dtype=object))

    n = hours * len(stations)
    all_ends = np.tile(ends, len(stations))
    starts = all_ends - np.timedelta64(1, "h")
    months = np.datetime_as_string((starts + np.timedelta64(8, "h")).astype("datetime64[M]"))
    utc = pa.timestamp("us", tz="UTC")
    data: dict[str, pa.Array] = {
        "month": pa.array(months.astype(object), pa.string()),
        "station_code": pa.array(np.concatenate(codes), pa.string()),
        "interval_start_utc": pa.array(starts, pa.timestamp("us")).cast(utc),
        "interval_end_utc": pa.array(all_ends, pa.timestamp("us")).cast(utc),
    }
    for name in VALUE_COLUMNS:
        data[name] = pa.array(np.concatenate(columns[name]), pa.float64(), from_pandas=True)
    data["source"] = pa.array(["demo"] * n, pa.string())
    return pa.table(data, schema=air_hourly_schema())
