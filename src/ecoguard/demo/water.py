"""Generated surface-water monitoring for the demo province (modelled on Xinjiang).

The sections are **invented** (every name ends in ``（演示）`` and every code starts with
``DEMO-``) but sit on the real rivers and lakes of the real prefectures: 伊犁河, 额尔齐斯河,
塔里木河, 开都河-孔雀河, 乌鲁木齐河, 玛纳斯河, 叶尔羌河, 和田河, 喀什噶尔河; 博斯腾湖,
赛里木湖, 乌伦古湖, 柴窝堡湖, 大西海子水库. The readings follow the patterns of arid-zone
rivers fed by snow and glaciers: summer melt floods carry sediment (turbidity and total
phosphorus rise), winter low flow under ice concentrates ammonia below towns, lakes bloom in
summer. By design most sections are class Ⅱ-Ⅲ; 乌鲁木齐河米东 is Ⅴ in mid-winter (NH3-N),
头屯河 Ⅳ in mid-winter 2025 (NH3-N) and Ⅲ since its (invented) treatment upgrade, 喀什噶尔河 Ⅳ
in the melt season (TP), 乌伦古湖 Ⅳ in summer (CODMn), and 柴窝堡湖 is the lake with high TP
and TN (class Ⅴ all year, decided by TP). Pollutant levels fall about 3 % a year elsewhere.

Everything is deterministic: a reading depends only on the seed, the section code and its
time, never on the range asked for, so overlapping runs write the same values.

Use :func:`install_demo_water` (registry sections plus readings in ``water_readings``).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoguard.registry.audit import set_actor
from ecoguard.registry.models import Region, WaterSection
from ecoguard.timeseries.store import TimeseriesStore
from ecoguard.water.store import save_readings

#: Seed of the default demo data.
DEFAULT_SEED: Final = 20261122
#: Written to the ``source`` column of every generated reading.
SOURCE: Final = "ecoguard demo (generated)"
#: Length of an automatic station's measuring cycle (CNEMC files: one row per 4 h).
CYCLE_HOURS: Final = 4

#: Canonical units (those of ``ecoguard water import``) of the generated parameters.
UNITS: Final[Mapping[str, str]] = {
    "water_temp": "degC",
    "ph": "1",
    "do": "mg/L",
    "conductivity": "uS/cm",
    "turbidity": "NTU",
    "codmn": "mg/L",
    "nh3_n": "mg/L",
    "tp": "mg/L",
    "tn": "mg/L",
    "chla": "mg/L",
    "algae_density": "cells/L",
}
#: Decimals as the CNEMC platform publishes them.
_DECIMALS: Final[Mapping[str, int]] = {
    "water_temp": 1,
    "ph": 2,
    "do": 2,
    "conductivity": 1,
    "turbidity": 1,
    "codmn": 2,
    "nh3_n": 3,
    "tp": 3,
    "tn": 2,
    "chla": 4,
    "algae_density": 0,
}

#: Seasonal shapes by calendar month (index 0 = January), between 0 and 1.
SEASONS: Final[Mapping[str, tuple[float, ...]]] = {
    # snow and glacier melt: floods from May, peak in July
    "melt": (0.0, 0.0, 0.1, 0.3, 0.6, 0.9, 1.0, 0.8, 0.4, 0.1, 0.0, 0.0),
    # low flow under ice: dilution lowest, nitrification slowest
    "winter": (1.0, 0.9, 0.5, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.5, 0.9),
    # algal growth in lakes
    "bloom": (0.0, 0.0, 0.0, 0.1, 0.4, 0.8, 1.0, 1.0, 0.6, 0.2, 0.0, 0.0),
}


@dataclass(frozen=True)
class DemoSection:
    """An invented monitoring section and the character of its water.

    Attributes
    ----------
    code, name : str
        Registry code (``DEMO-...``) and name (ending in ``（演示）``; also the store's key).
    water_body : str
        River or lake it samples.
    body_type : str
        ``river`` or ``lake_reservoir`` (the registry's values).
    basin : str
        Basin (Xinjiang's sub-basins of 西北诸河).
    target_class : str
        Target class ``I``..``V`` (the registry's values).
    region_adcode : str
        Prefecture (or XPCC city) the section belongs to.
    lon, lat : float
        Position, WGS-84 [degree].
    base : mapping of str to float
        Typical values outside the seasons' peaks [mg/L; pH 1; uS/cm; NTU].
    gains : mapping of str to tuple of (str, float)
        Per parameter, the season (:data:`SEASONS`) and how much it adds at its peak
        (``value = base * (1 + gain * shape)``).
    do_saturation : float
        Dissolved oxygen as a fraction of saturation at the water temperature.
    t_max : float
        Mean water temperature of late July [degC].
    improvement : float
        Yearly fall of the pollutant levels (CODMn, NH3-N, TP, TN) up to 2026 [fraction]:
        values of year ``y`` are ``1 + improvement * (2026 - y)`` times those of 2026.
    """

    code: str
    name: str
    water_body: str
    body_type: str
    basin: str
    target_class: str
    region_adcode: str
    lon: float
    lat: float
    base: Mapping[str, float]
    gains: Mapping[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    do_saturation: float = 0.97
    t_max: float = 16.0
    improvement: float = 0.03

    @property
    def is_lake(self) -> bool:
        """Whether the section samples a lake or reservoir."""
        return self.body_type == "lake_reservoir"


_ILI = "伊犁河流域"
_IRTYSH = "额尔齐斯河流域"
_ULUNGUR = "乌伦古河流域"
_TARIM = "塔里木河流域"
_TIANSHAN_N = "天山北坡诸河"
_TURPAN = "吐哈盆地诸河"
_EMIN = "额敏河流域"
_BORTALA = "艾比湖流域"

_MELT_SEDIMENT = {
    "tp": (("melt", 1.0),),
    "codmn": (("melt", 0.35),),
    "turbidity": (("melt", 12.0),),
    "conductivity": (("melt", -0.35), ("winter", 0.25)),
}
_LAKE = {
    "tp": (("bloom", 0.3),),
    "tn": (("bloom", 0.3),),
    "codmn": (("bloom", 0.2),),
    "chla": (("bloom", 3.0),),
    "algae_density": (("bloom", 6.0),),
}


def _river(
    codmn: float, nh3_n: float, tp: float, tn: float, conductivity: float, turbidity: float
) -> dict[str, float]:
    return {
        "codmn": codmn,
        "nh3_n": nh3_n,
        "tp": tp,
        "tn": tn,
        "conductivity": conductivity,
        "turbidity": turbidity,
        "ph": 8.1,
    }


def _lake(
    codmn: float, nh3_n: float, tp: float, tn: float, conductivity: float, ph: float
) -> dict[str, float]:
    return {
        "codmn": codmn,
        "nh3_n": nh3_n,
        "tp": tp,
        "tn": tn,
        "conductivity": conductivity,
        "turbidity": 4.0,
        "ph": ph,
        "chla": 0.004,
        "algae_density": 2.0e6,
    }


#: The demo sections (24: 18 on rivers, 6 on lakes and reservoirs).
DEMO_SECTIONS: Final[tuple[DemoSection, ...]] = (
    # --- 伊犁州: Ili river, clean snow-fed water -------------------------------------------
    DemoSection("DEMO-XJ-W01", "伊犁河雅马渡（演示）", "伊犁河", "river", _ILI, "II", "654000",
                81.80, 43.63, _river(1.8, 0.12, 0.030, 0.55, 320.0, 25.0), _MELT_SEDIMENT,
                t_max=15.0),
    DemoSection("DEMO-XJ-W02", "伊犁河三道河子（演示）", "伊犁河", "river", _ILI, "II", "654000",
                80.85, 43.80, _river(2.0, 0.15, 0.035, 0.65, 350.0, 30.0), _MELT_SEDIMENT,
                t_max=16.0),
    # --- 阿勒泰: Irtysh and Ulungur -----------------------------------------------------------
    DemoSection("DEMO-XJ-W03", "额尔齐斯河布尔津（演示）", "额尔齐斯河", "river", _IRTYSH, "II",
                "654300", 86.86, 47.70, _river(1.9, 0.10, 0.025, 0.50, 150.0, 12.0),
                _MELT_SEDIMENT, t_max=17.0),
    DemoSection("DEMO-XJ-W04", "额尔齐斯河北屯（演示）", "额尔齐斯河", "river", _IRTYSH, "II",
                "659005", 87.80, 47.36, _river(2.1, 0.14, 0.030, 0.60, 170.0, 15.0),
                _MELT_SEDIMENT, t_max=18.0),
    # 乌伦古湖: closed lake, organic matter accumulates (CODMn Ⅳ in summer).
    DemoSection("DEMO-XJ-W05", "乌伦古湖湖心（演示）", "乌伦古湖", "lake_reservoir", _ULUNGUR,
                "III", "654300", 87.30, 47.22, _lake(5.0, 0.18, 0.035, 0.85, 2600.0, 8.6),
                {**_LAKE, "codmn": (("bloom", 0.35),)}, do_saturation=1.02, t_max=21.0),
    # --- 巴州, 阿克苏, 阿拉尔: the Tarim system ---------------------------------------------
    DemoSection("DEMO-XJ-W06", "塔里木河阿拉尔（演示）", "塔里木河", "river", _TARIM, "III",
                "659002", 81.28, 40.54, _river(3.2, 0.22, 0.070, 0.90, 1200.0, 120.0),
                _MELT_SEDIMENT, t_max=22.0),
    DemoSection("DEMO-XJ-W07", "塔里木河英巴扎（演示）", "塔里木河", "river", _TARIM, "III",
                "652800", 84.25, 41.18, _river(3.8, 0.25, 0.075, 1.00, 1500.0, 150.0),
                _MELT_SEDIMENT, t_max=23.0),
    DemoSection("DEMO-XJ-W08", "大西海子水库（演示）", "大西海子水库", "lake_reservoir", _TARIM,
                "III", "652800", 87.75, 40.58, _lake(4.2, 0.20, 0.032, 0.95, 1800.0, 8.4),
                _LAKE, do_saturation=1.0, t_max=24.0),
    DemoSection("DEMO-XJ-W09", "开都河焉耆大桥（演示）", "开都河", "river", _TARIM, "II",
                "652800", 86.57, 42.06, _river(2.2, 0.15, 0.035, 0.60, 300.0, 20.0),
                _MELT_SEDIMENT, t_max=17.0),
    DemoSection("DEMO-XJ-W10", "博斯腾湖湖心（演示）", "博斯腾湖", "lake_reservoir", _TARIM,
                "III", "652800", 87.00, 41.98, _lake(4.6, 0.20, 0.029, 0.90, 1500.0, 8.5),
                _LAKE, do_saturation=1.0, t_max=22.0),
    DemoSection("DEMO-XJ-W11", "孔雀河库尔勒（演示）", "孔雀河", "river", _TARIM, "III",
                "652800", 86.14, 41.74, _river(3.0, 0.22, 0.045, 0.90, 1400.0, 10.0),
                {"codmn": (("bloom", 0.15),)}, t_max=21.0),
    # --- 南疆: glacier rivers with heavy summer sediment ----------------------------------
    DemoSection("DEMO-XJ-W12", "叶尔羌河卡群（演示）", "叶尔羌河", "river", _TARIM, "III",
                "653100", 76.90, 37.98, _river(2.5, 0.15, 0.060, 0.70, 600.0, 200.0),
                {**_MELT_SEDIMENT, "tp": (("melt", 1.5),)}, t_max=15.0),
    DemoSection("DEMO-XJ-W13", "和田河玉龙喀什（演示）", "和田河", "river", _TARIM, "III",
                "653200", 79.93, 37.05, _river(2.3, 0.14, 0.055, 0.65, 450.0, 180.0),
                {**_MELT_SEDIMENT, "tp": (("melt", 1.6),)}, t_max=16.0),
    # 喀什噶尔河 below Kashgar: melt-season TP Ⅳ.
    DemoSection("DEMO-XJ-W14", "喀什噶尔河喀什（演示）", "喀什噶尔河", "river", _TARIM, "III",
                "653100", 76.05, 39.45, _river(3.5, 0.35, 0.120, 1.20, 900.0, 150.0),
                {**_MELT_SEDIMENT, "tp": (("melt", 1.25),)}, t_max=19.0),
    # --- 乌鲁木齐, 昌吉, 石河子: 天山北坡 -----------------------------------------------------
    DemoSection("DEMO-XJ-W15", "乌鲁木齐河英雄桥（演示）", "乌鲁木齐河", "river", _TIANSHAN_N,
                "II", "650100", 87.21, 43.53, _river(1.6, 0.10, 0.025, 0.50, 280.0, 8.0),
                _MELT_SEDIMENT, t_max=12.0),
    # Below the city: winter ammonia from treated effluent in a river without dilution.
    DemoSection("DEMO-XJ-W16", "乌鲁木齐河米东（演示）", "乌鲁木齐河", "river", _TIANSHAN_N,
                "IV", "650100", 87.69, 43.98, _river(4.5, 0.60, 0.110, 2.80, 900.0, 15.0),
                {"nh3_n": (("winter", 1.8),), "tn": (("winter", 0.4),),
                 "codmn": (("melt", 0.2),)}, do_saturation=0.85, t_max=18.0),
    # 柴窝堡湖: shrinking, saline, nutrient-rich.
    DemoSection("DEMO-XJ-W17", "柴窝堡湖（演示）", "柴窝堡湖", "lake_reservoir", _TIANSHAN_N,
                "III", "650100", 87.90, 43.50, _lake(6.5, 0.40, 0.120, 2.40, 3200.0, 8.7),
                {**_LAKE, "tp": (("bloom", 0.5),), "tn": (("bloom", 0.4),),
                 "codmn": (("bloom", 0.3),)}, do_saturation=1.05, t_max=22.0),
    DemoSection("DEMO-XJ-W18", "头屯河三坪（演示）", "头屯河", "river", _TIANSHAN_N, "III",
                "652300", 87.22, 43.98, _river(3.6, 0.38, 0.080, 2.00, 700.0, 20.0),
                {"nh3_n": (("winter", 1.3),), "codmn": (("winter", 0.15),)},
                do_saturation=0.9, t_max=17.0, improvement=0.3),
    DemoSection("DEMO-XJ-W19", "玛纳斯河肯斯瓦特（演示）", "玛纳斯河", "river", _TIANSHAN_N, "II",
                "652300", 86.10, 43.95, _river(1.8, 0.12, 0.030, 0.55, 330.0, 40.0),
                _MELT_SEDIMENT, t_max=13.0),
    # --- 克拉玛依 -------------------------------------------------------------------------
    DemoSection("DEMO-XJ-W20", "奎屯河独山子（演示）", "奎屯河", "river", _TIANSHAN_N, "III",
                "650200", 84.90, 44.30, _river(2.6, 0.20, 0.050, 0.80, 500.0, 60.0),
                _MELT_SEDIMENT, t_max=15.0),
    DemoSection("DEMO-XJ-W21", "艾里克湖（演示）", "艾里克湖", "lake_reservoir", _TIANSHAN_N,
                "III", "650200", 85.78, 45.95, _lake(4.3, 0.22, 0.032, 0.95, 2200.0, 8.5),
                _LAKE, do_saturation=1.0, t_max=23.0),
    # --- 博州, 塔城, 吐鲁番 -----------------------------------------------------------------
    DemoSection("DEMO-XJ-W22", "赛里木湖（演示）", "赛里木湖", "lake_reservoir", _BORTALA, "II",
                "652700", 81.20, 44.60, _lake(1.6, 0.08, 0.012, 0.35, 1100.0, 8.5),
                {"tp": (("bloom", 0.2),)}, do_saturation=1.0, t_max=16.0),
    DemoSection("DEMO-XJ-W23", "额敏河塔城（演示）", "额敏河", "river", _EMIN, "III", "654200",
                83.05, 46.55, _river(3.0, 0.25, 0.060, 1.00, 500.0, 30.0), _MELT_SEDIMENT,
                t_max=19.0),
    DemoSection("DEMO-XJ-W24", "白杨河托克逊（演示）", "白杨河", "river", _TURPAN, "III",
                "650400", 88.65, 42.80, _river(2.8, 0.20, 0.050, 0.85, 800.0, 40.0),
                _MELT_SEDIMENT, t_max=21.0),
)  # fmt: skip


# --- registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionsUpserted:
    """What :func:`upsert_demo_sections` did (counts of sections)."""

    created: int
    updated: int
    unchanged: int


def _fields(spec: DemoSection) -> dict[str, object]:
    return {
        "name": spec.name,
        "water_body_type": spec.body_type,
        "water_body": spec.water_body,
        "basin": spec.basin,
        "target_class": spec.target_class,
        "region_adcode": spec.region_adcode,
        "lon": spec.lon,
        "lat": spec.lat,
    }


def upsert_demo_sections(
    session: Session, sections: tuple[DemoSection, ...] = DEMO_SECTIONS
) -> SectionsUpserted:
    """Register the demo sections (matched by code); changed ones are brought back to the spec.

    Raises
    ------
    ValueError
        When a section's region is not registered (run ``seed_demo`` first).
    """
    if "ecoguard.actor" not in session.info:
        set_actor(session, "demo", None)
    existing = {
        s.code: s
        for s in session.scalars(
            select(WaterSection).where(WaterSection.code.in_([d.code for d in sections]))
        )
    }
    missing = sorted(
        {d.region_adcode for d in sections if session.get(Region, d.region_adcode) is None}
    )
    if missing:
        msg = f"regions {missing} are not registered; seed the demo province first"
        raise ValueError(msg)
    created = updated = unchanged = 0
    for spec in sections:
        values = _fields(spec)
        row = existing.get(spec.code)
        if row is None:
            session.add(WaterSection(code=spec.code, **values))
            created += 1
            continue
        changes = {k: v for k, v in values.items() if getattr(row, k) != v}
        for key, value in changes.items():
            setattr(row, key, value)
        updated += bool(changes)
        unchanged += not changes
    session.flush()
    return SectionsUpserted(created, updated, unchanged)


def province_name(session: Session, adcode: str) -> str:
    """Name of the province above (or at) ``adcode``: the store's ``region`` of a section."""
    current = session.get(Region, adcode)
    seen: set[str] = set()
    while current is not None and current.level != "province" and current.adcode not in seen:
        seen.add(current.adcode)
        current = session.get(Region, current.parent_adcode) if current.parent_adcode else None
    return current.name if current is not None else ""


# --- readings ---------------------------------------------------------------------------------

_Floats = NDArray[np.float64]


def _saturation(temp: _Floats) -> _Floats:
    """Dissolved-oxygen saturation in fresh water at sea level [mg/L] (APHA polynomial)."""
    return 14.652 - 0.41022 * temp + 0.007991 * temp**2 - 0.000077774 * temp**3


def _smooth_noise(rng: np.random.Generator, days: int, per_day: int, sigma: float) -> _Floats:
    """Multiplicative noise with mean 1: an AR(1) day-to-day part and a cycle-to-cycle part."""
    daily = np.zeros(days)
    shocks = rng.normal(0.0, sigma * np.sqrt(1.0 - 0.7**2), days)
    daily[0] = rng.normal(0.0, sigma)
    for d in range(1, days):
        daily[d] = 0.7 * daily[d - 1] + shocks[d]
    cycle = rng.normal(0.0, 0.08, days * per_day)
    log = np.repeat(daily, per_day) + cycle
    result: _Floats = np.exp(log - 0.5 * (sigma**2 + 0.08**2))
    return result


def _month_readings(
    spec: DemoSection, year: int, month: int, seed: int
) -> tuple[NDArray[np.object_], NDArray[np.datetime64], _Floats]:
    """Parameter, UTC cycle start and value of every reading of a section in a month (CST)."""
    rng = np.random.default_rng([seed, zlib.crc32(spec.code.encode()), year, month])
    first = dt.date(year, month, 1)
    days = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days
    per_day = 24 // CYCLE_HOURS
    n = days * per_day
    local = pd.Timestamp(first) + pd.to_timedelta(np.arange(n) * CYCLE_HOURS, unit="h")
    hour = local.hour.to_numpy(dtype=float) + CYCLE_HOURS / 2.0
    doy = local.day_of_year.to_numpy(dtype=float)
    shape = {name: values[month - 1] for name, values in SEASONS.items()}
    # Improvement year on year, so that last year's figures differ.
    trend = 1.0 + spec.improvement * (2026 - year)

    annual = 0.5 * (1.0 - np.cos(2.0 * np.pi * (doy - 20.0) / 365.25))  # 0 late Jan, 1 late Jul
    diurnal = np.cos(2.0 * np.pi * (hour - 16.0) / 24.0)
    temp = np.clip(0.3 + (spec.t_max - 0.3) * annual + 1.2 * diurnal * annual, 0.1, None)
    temp = temp + rng.normal(0.0, 0.3, n)

    values: dict[str, _Floats] = {"water_temp": np.clip(temp, 0.0, None)}
    for code, base in spec.base.items():
        factor = 1.0 + sum(gain * shape[season] for season, gain in spec.gains.get(code, ()))
        if code == "ph":
            swing = 0.08 * diurnal * (1.5 if spec.is_lake else 1.0)
            values[code] = np.clip(base + swing + rng.normal(0.0, 0.05, n), 6.5, 8.98)
            continue
        sigma = 0.25 if code in {"turbidity", "algae_density", "chla"} else 0.12
        noise = _smooth_noise(rng, days, per_day, sigma)
        scale = trend if code in {"codmn", "nh3_n", "tp", "tn"} else 1.0
        values[code] = base * max(factor, 0.05) * scale * noise
    oxygen = spec.do_saturation * (1.0 + (0.04 if spec.is_lake else 0.02) * diurnal)
    values["do"] = (
        _saturation(values["water_temp"]) * oxygen * _smooth_noise(rng, days, per_day, 0.03)
    )
    if "turbidity" in values:
        values["turbidity"] = np.clip(values["turbidity"], 0.5, 1500.0)

    # About 2 % missing: single cells (1.2 %) and an outage of a day or so in some months.
    outage = np.zeros(n, dtype=bool)
    if rng.random() < 0.3:
        begin = int(rng.integers(0, n))
        outage[begin : begin + int(rng.integers(3, 10))] = True
    starts_utc = (local - pd.Timedelta(hours=8)).to_numpy(dtype="datetime64[us]")
    params: list[NDArray[np.object_]] = []
    times: list[NDArray[np.datetime64]] = []
    numbers: list[_Floats] = []
    for code, series in values.items():
        keep = ~(outage | (rng.random(n) < 0.012))
        params.append(np.full(int(keep.sum()), code, dtype=object))
        times.append(starts_utc[keep])
        numbers.append(np.round(series[keep], _DECIMALS[code]))
    return np.concatenate(params), np.concatenate(times), np.concatenate(numbers)


def generate_water_readings(
    start: dt.date,
    end: dt.date,
    *,
    region: str,
    seed: int = DEFAULT_SEED,
    sections: tuple[DemoSection, ...] = DEMO_SECTIONS,
) -> pd.DataFrame:
    """Generate 4-hourly automatic-station readings for the days ``start``..``end`` (CST).

    Parameters
    ----------
    start, end : datetime.date
        First and last day, inclusive, in China Standard Time.
    region : str
        The province name written to the ``region`` column (how CNEMC files name it, e.g.
        ``新疆维吾尔自治区``).
    seed : int
        Seed; the same seed gives the same values for the same section and time.
    sections : tuple of DemoSection
        Sections to generate.

    Returns
    -------
    pandas.DataFrame
        Long format with the reader columns of :mod:`ecoguard.ingest.cnemc_water`
        (``region, basin, section, parameter, time, time_end, value, unit, flag, source,
        source_row``): ``time`` is the UTC start of the cycle, ``time_end`` four hours later,
        values in canonical units [mg/L; pH 1; degC; uS/cm; NTU; cells/L], flag ``N``.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    first = np.datetime64(dt.datetime.combine(start, dt.time()) - dt.timedelta(hours=8), "us")
    after = first + np.timedelta64((end - start).days + 1, "D")
    months = pd.period_range(start, end, freq="M")
    columns: dict[str, list[NDArray[np.generic]]] = {
        "basin": [], "section": [], "parameter": [], "time": [], "value": []
    }  # fmt: skip
    for spec in sections:
        for period in months:
            params, times, numbers = _month_readings(spec, period.year, period.month, seed)
            inside = (times >= first) & (times < after)
            count = int(inside.sum())
            columns["basin"].append(np.full(count, spec.basin, dtype=object))
            columns["section"].append(np.full(count, spec.name, dtype=object))
            columns["parameter"].append(params[inside])
            columns["time"].append(times[inside])
            columns["value"].append(numbers[inside])
    frame = pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})
    frame["time"] = frame["time"].dt.tz_localize("UTC")
    frame.insert(0, "region", region)
    frame["time_end"] = frame["time"] + pd.Timedelta(hours=CYCLE_HOURS)
    frame["unit"] = frame["parameter"].map(UNITS)
    frame["flag"] = "N"
    frame["source"] = SOURCE
    frame["source_row"] = 0
    return frame[
        [
            "region", "basin", "section", "parameter", "time", "time_end", "value", "unit",
            "flag", "source", "source_row",
        ]
    ]  # fmt: skip


# --- both -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoWaterSummary:
    """What :func:`install_demo_water` did.

    Attributes
    ----------
    sections_created, sections_updated, sections_unchanged : int
        Registry sections.
    readings : int
        Readings generated for ``start``..``end``.
    inserted : int
        Of those, new in ``water_readings`` (0 when run again).
    start, end : datetime.date
        The days covered (CST, inclusive).
    """

    sections_created: int
    sections_updated: int
    sections_unchanged: int
    readings: int
    inserted: int
    start: dt.date
    end: dt.date


def install_demo_water(
    session: Session,
    store: TimeseriesStore,
    start: dt.date,
    end: dt.date,
    *,
    seed: int = DEFAULT_SEED,
) -> DemoWaterSummary:
    """Register the demo water sections and store their generated readings.

    Idempotent: sections are matched by code, readings by the keys of ``water_readings``, so a
    second run creates and inserts nothing. Call it after
    :func:`ecoguard.registry.demo.seed_demo` (the sections belong to its prefectures); the
    caller commits the session::

        with registry_session(actor="demo") as session:
            summary = install_demo_water(session, store, first, last)

    Parameters
    ----------
    session : sqlalchemy.orm.Session
        Registry session (flushed, not committed).
    store : TimeseriesStore
        The time-series store; readings go to ``water_readings`` through
        :func:`ecoguard.water.store.save_readings` (as ``ecoguard water import`` stores them).
    start, end : datetime.date
        First and last day of readings (CST, inclusive).
    seed : int
        Seed of the generated values.

    Returns
    -------
    DemoWaterSummary

    Raises
    ------
    ValueError
        When ``end`` is before ``start`` or the demo prefectures are not registered.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    upserted = upsert_demo_sections(session)
    region = province_name(session, DEMO_SECTIONS[0].region_adcode)
    readings = generate_water_readings(start, end, region=region, seed=seed)
    result = save_readings(store, readings)
    return DemoWaterSummary(
        sections_created=upserted.created,
        sections_updated=upserted.updated,
        sections_unchanged=upserted.unchanged,
        readings=result.offered,
        inserted=result.inserted,
        start=start,
        end=end,
    )
