"""HJ 633 ambient air quality index (AQI), editions HJ 633-2012 and HJ 633-2026.

Both editions are implemented and chosen by an explicit :class:`Edition`; :func:`edition_for`
gives the default for a date (HJ 633-2026 is in force from 2026-03-01).

Indicator codes (see docs/glossary.md) are the keys of the concentration mappings:
``so2_1h, so2_24h, no2_1h, no2_24h, co_1h, co_24h, o3_1h, o3_8h, o3_1h_max, o3_8h_max,
pm10_1h, pm10_24h, pm2_5_1h, pm2_5_24h``, in [ug/m3] except CO in [mg/m3].

Reports
-------
* HJ 633-2012 hourly: ``so2_1h no2_1h co_1h o3_1h o3_8h pm10_24h pm2_5_24h`` (+ ``so2_24h``, used
  only by the SO2 > 800 rule); daily: ``so2_24h no2_24h co_24h pm10_24h pm2_5_24h o3_1h_max
  o3_8h_max``.
* HJ 633-2026 hourly: ``so2_1h no2_1h co_1h o3_1h pm10_1h pm2_5_1h`` (PM indexed on the daily
  columns, §4.2.4); daily: ``so2_24h no2_24h co_24h pm10_24h pm2_5_24h o3_8h_max``.
* :func:`cnemc_realtime_report`: the hourly AQI as the CNEMC platform published it under the 2012
  rules (six 1-h means), which reproduces the official 2019 archive exactly.

Arithmetic
----------
IAQI_P = (IAQI_Hi - IAQI_Lo) / (BP_Hi - BP_Lo) * (C_P - BP_Lo) + IAQI_Lo, rounded *up* (2012 §6.2,
2026 §4.2.6).  It is computed exactly: for each table column a look-up table holds the exact IAQI
(integer ceil-division) of every concentration on a decimal grid (2012: 0.1 [ug/m3], 0.001 [mg/m3]
for CO; 2026: the rounded values, 1 [ug/m3] and 0.1 [mg/m3]); a concentration is mapped to its
grid key with one ``rint`` and checked to lie on the grid.
Values off the grid (more decimals) are indexed exactly by counting the thresholds
``t_k = IAQI^-1(k)`` below them (``IAQI > k  <=>  C > t_k``).  No float ``ceil`` is ever taken, so
CO 2.2 -> 55 and CO_1H 65.4 -> 218, not 56 and 219.  Floats stand for the decimal they were parsed
from (exact for up to 15 significant digits).

HJ 633-2026 §4.2.2: concentrations are first rounded per GB/T 8170 (half to even) to integers, CO to
0.1 [mg/m3] (see :mod:`ecoguard.standards.gbt8170`).  HJ 633-2012 gives no input rounding rule, and
none is applied.

Policies (documented choices)
-----------------------------
* Missing values: NaN in, ``NA = -1`` out.  IAQI and AQI arrays are ``int16`` with ``-1`` for "not
  computable" (chosen over float NaN: exact, 4x smaller, and fast to compare).  Negative
  concentrations (after rounding) are treated as missing.
* Above the top breakpoint (e.g. PM2.5 > 500): neither edition says what to do.  The IAQI is
  capped at 500 and the pollutant's bit is set in ``AqiReport.above_range_mask``.
* SO2 1-h > 800: 2012 (Table 1 note 2) reports the SO2 IAQI from the 24-h mean (``so2_24h`` in the
  hourly input; NA if it is not given); 2026 (Table 3 note b) counts it as 200.
* O3 8-h > 800: 2012 (Table 1 note 3) computes no 8-h IAQI, O3 is indexed by its 1-h value; 2026
  (Table 3 note c) counts it as 300.
* Primary pollutant (首要污染物, both editions): every pollutant whose IAQI equals the AQI, only
  when AQI > 50.  Exceeding pollutants (超标污染物, IAQI > 100) exist only in 2012 (deleted in
  2026).
* Publication (``published``): AQI is computed from the pollutants available.  HJ 633-2026 §5.3:
  when a pollutant is missing it is published only if AQI > 100, else "NA".  HJ 633-2012 has no
  such clause; there ``published`` is true wherever the AQI is computable (see
  docs/air-aqi-acceptance.md for what the CNEMC platform does).  The §5.3 exemption for
  pollutants outside the monitoring plan needs three years of history and is left to the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ecoguard.standards.gbt8170 import round_half_even_scaled

__all__ = [
    "LEVELS",
    "NA",
    "POLLUTANTS",
    "AqiRecord",
    "AqiReport",
    "Edition",
    "Level",
    "cnemc_realtime_report",
    "daily_report",
    "edition_for",
    "hourly_report",
    "iaqi",
    "level_of",
    "mask_names",
]

NA = -1
"""Value of an IAQI/AQI that cannot be computed (missing or invalid input)."""

_ABOVE = -2  # internal code: concentration above the top breakpoint of its column


class Edition(StrEnum):
    """Edition of HJ 633 (the rule set); recorded in every :class:`AqiReport`."""

    HJ633_2012 = "hj633-2012"
    HJ633_2026 = "hj633-2026"


EDITION_2026_IN_FORCE = dt.date(2026, 3, 1)
_CST = dt.timezone(dt.timedelta(hours=8))


def edition_for(when: dt.date | dt.datetime) -> Edition:
    """Default edition for data of a given day: HJ 633-2026 from 2026-03-01 (CST), else 2012.

    Parameters
    ----------
    when : date or datetime
        The data's date.  An aware datetime is converted to China Standard Time (UTC+8) first;
        a naive one is taken as CST.

    Examples
    --------
    >>> edition_for(dt.date(2026, 2, 28)), edition_for(dt.date(2026, 3, 1))
    (<Edition.HJ633_2012: 'hj633-2012'>, <Edition.HJ633_2026: 'hj633-2026'>)
    """
    if isinstance(when, dt.datetime):
        day = when.astimezone(_CST).date() if when.tzinfo is not None else when.date()
    else:
        day = when
    return Edition.HJ633_2026 if day >= EDITION_2026_IN_FORCE else Edition.HJ633_2012


# --- Breakpoint tables, column by column (matched by header, not position) -----------------------

_IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)

# Table 1 of HJ 633-2012 [ug/m3; CO mg/m3].  SO2 1h stops at 800 (note 2), O3 8h at 800 (note 3).
_TABLE_2012: dict[str, tuple[int, ...]] = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),  # 二氧化硫 24小时平均
    "so2_1h": (0, 150, 500, 650, 800),  # 二氧化硫 1小时平均
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),  # 二氧化氮 24小时平均
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),  # 二氧化氮 1小时平均
    "pm10_24h": (0, 50, 150, 250, 350, 420, 500, 600),  # 颗粒物(PM10) 24小时平均
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),  # 一氧化碳 24小时平均
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),  # 一氧化碳 1小时平均
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),  # 臭氧 1小时平均
    "o3_8h": (0, 100, 160, 215, 265, 800),  # 臭氧 8小时滑动平均
    "pm2_5_24h": (0, 35, 75, 115, 150, 250, 350, 500),  # 颗粒物(PM2.5) 24小时平均
}

# Table 3 of HJ 633-2026: only the PM IAQI-100 breakpoints changed (PM10 150->120, PM2.5 75->60).
_TABLE_2026: dict[str, tuple[int, ...]] = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),  # SO2 日平均
    "so2_1h": (0, 150, 500, 650, 800),  # SO2 1小时平均 (note b)
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),  # NO2 日平均
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),  # NO2 1小时平均
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),  # CO 日平均
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),  # CO 1小时平均
    "o3_8h": (0, 100, 160, 215, 265, 800),  # O3 8小时平均 (note c)
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),  # O3 1小时平均
    "pm10_24h": (0, 50, 120, 250, 350, 420, 500, 600),  # PM10 日平均
    "pm2_5_24h": (0, 35, 60, 115, 150, 250, 350, 500),  # PM2.5 日平均
}

_TABLES = {Edition.HJ633_2012: _TABLE_2012, Edition.HJ633_2026: _TABLE_2026}

# indicator code -> table column, per edition (2026 §4.2.4: PM 1-h means use the daily columns)
_COLUMN: dict[Edition, dict[str, str]] = {
    Edition.HJ633_2012: {
        **{k: k for k in _TABLE_2012},
        "o3_1h_max": "o3_1h",
        "o3_8h_max": "o3_8h",
    },
    Edition.HJ633_2026: {
        **{k: k for k in _TABLE_2026},
        "o3_1h_max": "o3_1h",
        "o3_8h_max": "o3_8h",
        "pm10_1h": "pm10_24h",
        "pm2_5_1h": "pm2_5_24h",
    },
}

POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")
"""Pollutant keys of ``AqiReport.iaqi`` and bit order of the pollutant masks (SO2 = bit 0)."""
_DISPLAY = ("SO2", "NO2", "CO", "O3", "PM10", "PM2.5")
_BIT = {p: 1 << i for i, p in enumerate(POLLUTANTS)}


def _pollutant_of(indicator: str) -> str:
    return indicator.split("_")[0] if not indicator.startswith("pm2_5") else "pm2_5"


# --- Exact kernels -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Kernel:
    lut: NDArray[np.int16]  # index = grid key; [-2] = above range, [-1] = NA
    scale: int  # grid: concentration * scale is an integer key
    top: int  # top breakpoint
    decimals: int | None  # GB/T 8170 rounding before indexing (2026), None (2012)
    thresholds: NDArray[np.float64]  # t_k = IAQI^-1(k), k = 0 .. top IAQI - 1 (exact fallback)


@lru_cache(maxsize=64)
def _kernel(edition: Edition, column: str) -> _Kernel:
    bps = _TABLES[edition][column]
    steps = _IAQI_STEPS[: len(bps)]
    decimals: int | None
    if edition is Edition.HJ633_2026:
        decimals = 1 if column.startswith("co") else 0
        scale = 10**decimals
    else:
        decimals = None
        scale = 1000 if column.startswith("co") else 10  # HJ 212 sends CO with 3 decimals
    keys = np.arange(bps[-1] * scale + 1, dtype=np.int64)
    bp_s = np.asarray(bps, dtype=np.int64) * scale
    seg = np.clip(np.searchsorted(bp_s, keys, side="left") - 1, 0, len(bps) - 2)
    i_lo = np.asarray(steps, dtype=np.int64)[seg]
    i_hi = np.asarray(steps, dtype=np.int64)[seg + 1]
    num = (i_hi - i_lo) * (keys - bp_s[seg])
    den = bp_s[seg + 1] - bp_s[seg]
    values = i_lo + (-(-num // den))  # exact ceiling division
    lut = np.concatenate((values, [_ABOVE, NA])).astype(np.int16)  # index = key; -1 -> NA
    thresholds = []
    for k in range(steps[-1]):
        j = next(j for j in range(len(steps) - 1) if steps[j] <= k < steps[j + 1])
        t = bps[j] + Fraction(k - steps[j], steps[j + 1] - steps[j]) * (bps[j + 1] - bps[j])
        thresholds.append(float(t))
    return _Kernel(lut, scale, bps[-1], decimals, np.asarray(thresholds))


@dataclass(frozen=True)
class _Scratch:
    """Reusable work buffers for one chunk (fresh large allocations cost page faults)."""

    key: NDArray[np.float64]
    check: NDArray[np.float64]
    idx: NDArray[np.int32]

    @classmethod
    def of(cls, size: int) -> _Scratch:
        return cls(np.empty(size), np.empty(size), np.empty(size, dtype=np.int32))


def _index(
    kernel: _Kernel, c: NDArray[np.float64], out: NDArray[np.int16], scratch: _Scratch
) -> None:
    """Exact IAQI codes of ``c`` into ``out``: 0..500, NA (missing/negative), _ABOVE."""
    size = c.size
    key, idx = scratch.key[:size], scratch.idx[:size]
    off_grid = None
    if kernel.decimals is None:
        np.multiply(c, kernel.scale, out=key)
        np.rint(key, out=key)
        check = scratch.check[:size]
        np.divide(key, kernel.scale, out=check)
        check -= c
        np.abs(check, out=check)
        off_grid = np.flatnonzero(check > 0)  # NaN compares False: NaN takes the fast path
    elif kernel.decimals == 0:
        np.rint(c, out=key)
    else:
        # GB/T 8170 to ``decimals`` places: rint is right except next to a decimal tie, where
        # the exact rounding of gbt8170 decides (|frac| within 1e-6 of 1/2: rare)
        np.multiply(c, 10**kernel.decimals, out=key)
        check = scratch.check[:size]
        np.rint(key, out=check)
        np.subtract(key, check, out=key)
        np.abs(key, out=key)
        near = np.flatnonzero(key > 0.5 - 1e-6)
        key[:] = check
        if near.size:
            key[near] = round_half_even_scaled(c[near], kernel.decimals)
    np.fmax(key, -1.0, out=key)  # NaN and negatives -> -1 -> lut[-1] = NA
    np.minimum(key, kernel.lut.size - 2, out=key)  # above the top -> lut[-2] = _ABOVE
    np.copyto(idx, key, casting="unsafe")
    np.take(kernel.lut, idx, out=out)
    if off_grid is not None and off_grid.size:
        cs = c[off_grid]
        codes = np.searchsorted(kernel.thresholds, cs, side="left").astype(np.int16)
        codes[cs > kernel.top] = _ABOVE
        codes[cs < 0] = NA
        out[off_grid] = codes


def iaqi(indicator: str, concentration: ArrayLike, edition: Edition) -> NDArray[np.int16]:
    """Individual AQI (IAQI) of one indicator, exact and rounded up (Eq. (1) of HJ 633).

    Parameters
    ----------
    indicator : str
        Indicator code, e.g. ``"pm2_5_24h"``, ``"co_1h"``, ``"o3_8h_max"``.  ``pm10_1h`` and
        ``pm2_5_1h`` have an IAQI only in HJ 633-2026 (on the daily columns, §4.2.4).
    concentration : array_like
        Concentration [ug/m3] (CO [mg/m3]); NaN for missing.
    edition : Edition
        Rule set (Table 1 of HJ 633-2012 or Table 3 of HJ 633-2026).

    Returns
    -------
    ndarray of int16
        IAQI, ``NA`` (-1) where missing or negative.  Above the top breakpoint: 500 (cap), except
        SO2 1-h > 800 and O3 8-h > 800: 200 and 300 in 2026, NA in 2012 (the report then takes
        the SO2 24-h / O3 1-h IAQI instead).

    Examples
    --------
    >>> iaqi("co_24h", [2.2, 4.0, 12], Edition.HJ633_2012).tolist()
    [55, 100, 140]
    >>> iaqi("pm2_5_24h", 75, Edition.HJ633_2026).item()
    114
    """
    edition = Edition(edition)
    try:
        column = _COLUMN[edition][indicator]
    except KeyError:
        raise ValueError(
            f"indicator {indicator!r} has no IAQI in {edition.value}; "
            f"valid: {', '.join(sorted(_COLUMN[edition]))}"
        ) from None
    c = np.asarray(concentration, dtype=np.float64)
    flat = c.reshape(-1)
    out = np.empty(flat.shape, dtype=np.int16)
    _index(_kernel(edition, column), flat, out, _Scratch.of(flat.size))
    _resolve_above(column, out, None, *_above_values(edition))
    return out.reshape(c.shape)


def _above_values(edition: Edition) -> tuple[int, int]:
    """IAQI of SO2 1-h > 800 and O3 8-h > 800: Table 3 notes b, c (2026); NA (2012 notes 2, 3)."""
    return (200, 300) if edition is Edition.HJ633_2026 else (NA, NA)


def _resolve_above(
    column: str,
    codes: NDArray[np.int16],
    bits: NDArray[np.uint8] | None,
    so2_above: int,
    o3_above: int,
) -> NDArray[np.bool_] | None:
    """Replace _ABOVE codes per the rule set; return where they were (or None)."""
    above = codes == _ABOVE
    if not above.any():
        return None
    result: NDArray[np.bool_] = above
    if column == "so2_1h":
        codes[above] = so2_above
    elif column == "o3_8h":
        codes[above] = o3_above
    else:
        codes[above] = 500
    if bits is not None:
        bits[above] |= _BIT[_pollutant_of(column)]
    return result


# --- Levels --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """An AQI level of Table 2 of HJ 633-2012 / Table 1 of HJ 633-2026 (identical in both)."""

    number: int
    aqi_low: int
    aqi_high: int
    grade_zh: str
    category_zh: str
    category_en: str
    colour_zh: str
    colour_hex: str
    rgb: tuple[int, int, int]
    cmyk: tuple[int, int, int, int]


LEVELS = (
    Level(1, 0, 50, "一级", "优", "Excellent", "绿色", "#00E400", (0, 228, 0), (40, 0, 100, 0)),
    Level(2, 51, 100, "二级", "良", "Good", "黄色", "#FFFF00", (255, 255, 0), (0, 0, 100, 0)),
    Level(
        3,
        101,
        150,
        "三级",
        "轻度污染",
        "Lightly polluted",
        "橙色",
        "#FF7E00",
        (255, 126, 0),
        (0, 52, 100, 0),
    ),
    Level(
        4,
        151,
        200,
        "四级",
        "中度污染",
        "Moderately polluted",
        "红色",
        "#FF0000",
        (255, 0, 0),
        (0, 100, 100, 0),
    ),
    Level(
        5,
        201,
        300,
        "五级",
        "重度污染",
        "Heavily polluted",
        "紫色",
        "#99004C",
        (153, 0, 76),
        (10, 100, 40, 30),
    ),
    Level(
        6,
        301,
        500,
        "六级",
        "严重污染",
        "Severely polluted",
        "褐红色",
        "#7E0023",
        (126, 0, 35),
        (30, 100, 100, 30),
    ),
)
"""Levels 1..6 (``LEVELS[n - 1]``); AQI above 300 is level 6 (the AQI is capped at 500)."""

_LEVEL_LUT = np.zeros(502, dtype=np.int8)  # index = AQI + 1; [0] = NA -> 0
for _lv in LEVELS:
    _LEVEL_LUT[_lv.aqi_low + 1 : _lv.aqi_high + 2] = _lv.number
del _lv
_LEVEL_LUT_NA_LAST = np.concatenate((_LEVEL_LUT[1:], _LEVEL_LUT[:1]))  # index = AQI; [-1] = NA


def level_of(aqi: ArrayLike) -> NDArray[np.int8]:
    """AQI level 1..6 per Table 2 (2012) / Table 1 (2026); 0 where the AQI is NA.

    Examples
    --------
    >>> level_of([-1, 0, 50, 51, 100, 101, 150, 151, 200, 201, 300, 301, 500]).tolist()
    [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
    """
    a = np.asarray(aqi)
    out: NDArray[np.int8] = np.take(_LEVEL_LUT, np.clip(a, -1, 500).astype(np.intp) + 1)
    return out


_MASK_NAMES = np.array(
    [",".join(n for i, n in enumerate(_DISPLAY) if m >> i & 1) for m in range(64)], dtype=object
)


def mask_names(mask: ArrayLike) -> NDArray[np.object_]:
    """Pollutant bitmasks to names joined by commas, e.g. ``48`` -> ``"PM10,PM2.5"``.

    Examples
    --------
    >>> mask_names([0, 1, 8, 48]).tolist()
    ['', 'SO2', 'O3', 'PM10,PM2.5']
    """
    return np.take(_MASK_NAMES, np.asarray(mask, dtype=np.intp) & 63)


# --- Reports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    """What differs between the reports: indicators, table columns and special rules."""

    edition: Edition  # breakpoint table
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    so2_above: int = NA  # IAQI when SO2 1-h > 800 (NA: 2012 note 2, use the 24-h IAQI)
    o3_above: int = NA  # IAQI when O3 8-h > 800 (NA: 2012 note 3, O3 from its 1-h value)
    o3_split: bool = False  # O3 has a 1-h and an 8-h IAQI (2012)
    exceeding: bool = False  # 超标污染物 (2012)
    rule_5_3: bool = False  # publication rule of HJ 633-2026 §5.3
    columns: tuple[tuple[str, str], ...] = ()  # indicator -> table column overrides


_RULES = {
    (Edition.HJ633_2012, "hourly"): _Rules(
        Edition.HJ633_2012,
        "hourly",
        ("so2_1h", "no2_1h", "co_1h", "o3_1h", "o3_8h", "pm10_24h", "pm2_5_24h"),
        ("so2_24h",),
        o3_split=True,
        exceeding=True,
    ),
    (Edition.HJ633_2012, "daily"): _Rules(
        Edition.HJ633_2012,
        "daily",
        ("so2_24h", "no2_24h", "co_24h", "o3_1h_max", "o3_8h_max", "pm10_24h", "pm2_5_24h"),
        o3_split=True,
        exceeding=True,
    ),
    (Edition.HJ633_2026, "hourly"): _Rules(
        Edition.HJ633_2026,
        "hourly",
        ("so2_1h", "no2_1h", "co_1h", "o3_1h", "pm10_1h", "pm2_5_1h"),
        so2_above=200,
        o3_above=300,
        rule_5_3=True,
    ),
    (Edition.HJ633_2026, "daily"): _Rules(
        Edition.HJ633_2026,
        "daily",
        ("so2_24h", "no2_24h", "co_24h", "o3_8h_max", "pm10_24h", "pm2_5_24h"),
        so2_above=200,
        o3_above=300,
        rule_5_3=True,
    ),
    (Edition.HJ633_2012, "hourly-cnemc"): _Rules(
        Edition.HJ633_2012,
        "hourly-cnemc",
        ("so2_1h", "no2_1h", "co_1h", "o3_1h", "pm10_1h", "pm2_5_1h"),
        so2_above=200,
        exceeding=True,
        columns=(("pm10_1h", "pm10_24h"), ("pm2_5_1h", "pm2_5_24h")),
    ),
}


@dataclass(frozen=True)
class AqiRecord:
    """One station-hour (or station-day) of an :class:`AqiReport`, as plain Python values."""

    aqi: int | None
    level: Level | None
    primary: tuple[str, ...]
    exceeding: tuple[str, ...] | None
    published: bool
    complete: bool
    iaqi: dict[str, int | None]


@dataclass(frozen=True)
class AqiReport:
    """An HJ 633 real-time (hourly) or daily report over arrays of station-periods.

    All arrays have the shape of the input concentrations.

    Attributes
    ----------
    edition : Edition
        Rule set used.
    kind : str
        ``"hourly"`` (实时报) or ``"daily"`` (日报).
    aqi : ndarray of int16
        AQI = max of the available IAQIs (§5 of 2012, §4.2 of 2026); ``NA`` (-1) when no pollutant
        has a value.  Computed from the available pollutants even when one is missing: see
        ``published``.
    iaqi : dict of str to ndarray of int16
        IAQI per pollutant (keys of :data:`POLLUTANTS`), ``NA`` where missing.  For HJ 633-2012 also
        ``o3_1h`` and ``o3_8h`` (``o3`` is their maximum); ``so2`` is the SO2 24-h IAQI where the
        SO2 1-h mean is above 800 (2012 hourly).
    level : ndarray of int8
        Level 1..6, 0 where the AQI is NA (see :data:`LEVELS`).
    primary_mask : ndarray of uint8
        首要污染物 bits (SO2 = 1, NO2 = 2, CO = 4, O3 = 8, PM10 = 16, PM2.5 = 32): all pollutants
        whose IAQI equals the AQI, only when AQI > 50.  :func:`mask_names` gives ``"PM10,PM2.5"``.
    exceeding_mask : ndarray of uint8 or None
        超标污染物 bits, IAQI > 100 (HJ 633-2012 §3.3 only; None for 2026, which deleted it).
    complete : ndarray of bool
        Every required indicator has a value.
    published : ndarray of bool
        The AQI, level and primary pollutant may be published: HJ 633-2026 §5.3, complete or
        AQI > 100; HJ 633-2012, the AQI is computable.
    above_range_mask : ndarray of uint8
        Pollutants whose concentration is above the top breakpoint of its column: capped at 500,
        or handled by the SO2 1-h / O3 8-h > 800 rules of the edition.
    """

    edition: Edition
    kind: str
    aqi: NDArray[np.int16]
    iaqi: dict[str, NDArray[np.int16]]
    level: NDArray[np.int8]
    primary_mask: NDArray[np.uint8]
    exceeding_mask: NDArray[np.uint8] | None
    complete: NDArray[np.bool_]
    published: NDArray[np.bool_]
    above_range_mask: NDArray[np.uint8]

    def aqi_float(self) -> NDArray[np.float64]:
        """AQI as float with NaN where it is NA or may not be published."""
        out = self.aqi.astype(np.float64)
        out[(self.aqi < 0) | ~self.published] = np.nan
        return out

    def primary_names(self) -> NDArray[np.object_]:
        """Primary pollutant names per element, e.g. ``"PM2.5"`` or ``"PM10,PM2.5"``."""
        return mask_names(self.primary_mask)

    def record(self, index: int | tuple[int, ...] = 0) -> AqiRecord:
        """One element as plain Python values (for a single station-hour)."""
        a = int(self.aqi[index])
        lv = int(self.level[index])
        ex = self.exceeding_mask
        return AqiRecord(
            aqi=a if a >= 0 else None,
            level=LEVELS[lv - 1] if lv else None,
            primary=tuple(n for n in str(mask_names(self.primary_mask[index])).split(",") if n),
            exceeding=None
            if ex is None
            else tuple(n for n in str(mask_names(ex[index])).split(",") if n),
            published=bool(self.published[index]),
            complete=bool(self.complete[index]),
            iaqi={k: (int(v[index]) if v[index] >= 0 else None) for k, v in self.iaqi.items()},
        )


_CHUNK = 1 << 15


def _report(conc: Mapping[str, ArrayLike], rules: _Rules) -> AqiReport:
    edition, kind, required, optional = rules.edition, rules.kind, rules.required, rules.optional
    unknown = sorted(set(conc) - set(required) - set(optional))
    if unknown:
        raise ValueError(
            f"{edition.value} {kind} report: unknown or unused indicator(s) {unknown}; "
            f"it takes {', '.join(required + optional)}"
        )
    missing = [k for k in required if k not in conc]
    if missing:
        raise ValueError(
            f"{edition.value} {kind} report: indicator(s) {missing} not given "
            "(pass an all-NaN array for a pollutant that is not monitored)"
        )
    names = [k for k in required + optional if k in conc]
    values = []
    for k in names:
        try:
            values.append(np.asarray(conc[k], dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{kind} report: indicator {k!r} is not numeric ({exc})") from None
    try:
        arrays = np.broadcast_arrays(*values)
    except ValueError:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in zip(names, values, strict=True))
        raise ValueError(f"{kind} report: indicator shapes do not match: {shapes}") from None
    shape = arrays[0].shape
    flat = {k: np.ascontiguousarray(a).reshape(-1) for k, a in zip(names, arrays, strict=True)}
    n = flat[names[0]].size

    column = {**_COLUMN[edition], **dict(rules.columns)}
    kernels = {k: _kernel(edition, column[k]) for k in names}
    # output keys: one IAQI per pollutant; 2012 keeps o3_1h and o3_8h apart (o3 = their max)
    source = {
        k: ("o3_8h" if "8h" in k else "o3_1h")
        if rules.o3_split and k.startswith("o3")
        else _pollutant_of(k)
        for k in required
    }
    iaqi = {key: np.empty(n, dtype=np.int16) for key in source.values()}
    if rules.o3_split:
        iaqi["o3"] = np.empty(n, dtype=np.int16)
    aqi = np.empty(n, dtype=np.int16)
    level = np.empty(n, dtype=np.int8)
    primary = np.empty(n, dtype=np.uint8)
    exceeding = np.empty(n, dtype=np.uint8) if rules.exceeding else None
    complete = np.empty(n, dtype=np.bool_)
    published = np.empty(n, dtype=np.bool_)
    above_bits = np.empty(n, dtype=np.uint8)

    has_so2_24h = "so2_24h" in optional and "so2_24h" in flat
    bits = [np.uint8(_BIT[p]) for p in POLLUTANTS]

    scratch = _Scratch.of(min(n, _CHUNK))

    def run(start: int) -> None:
        # Everything for one cache-sized chunk of rows, written into the output slices.
        sl = slice(start, min(start + _CHUNK, n))
        above = above_bits[sl]
        above[:] = 0
        out = {k: iaqi[source[k]][sl] for k in required}
        ruled: dict[str, NDArray[np.bool_]] = {}  # 2012 rows under the > 800 rules
        for k, codes in out.items():
            _index(kernels[k], flat[k][sl], codes, scratch)
            if codes.min() == _ABOVE:  # rare: one reduction instead of a mask per column
                mask = _resolve_above(column[k], codes, above, rules.so2_above, rules.o3_above)
                if mask is not None and column[k] in ("so2_1h", "o3_8h") and codes[mask][0] == NA:
                    ruled[column[k]] = mask
        done = complete[sl]
        req = [out[k] for k in required]
        lowest = np.minimum(req[0], req[1])
        for v in req[2:]:
            np.minimum(lowest, v, out=lowest)
        np.greater_equal(lowest, 0, out=done)
        if ruled:
            so2_24h = flat["so2_24h"][sl] if has_so2_24h else None
            _apply_2012_rules(out, ruled, done, required, so2_24h)
        if rules.o3_split:
            # 2012 Table 1 note 3 (O3 8-h > 800 -> O3 from its 1-h value): NA-ignoring maximum.
            np.maximum(iaqi["o3_1h"][sl], iaqi["o3_8h"][sl], out=iaqi["o3"][sl])
        values = [iaqi[p][sl] for p in POLLUTANTS]
        a = aqi[sl]
        np.maximum(values[0], values[1], out=a)
        for v in values[2:]:
            np.maximum(a, v, out=a)
        flag = np.empty(a.shape, dtype=np.bool_)
        flag8 = flag.view(np.uint8)
        tmp = np.empty(a.shape, dtype=np.uint8)
        prim = primary[sl]
        prim[:] = 0
        for bit, v in zip(bits, values, strict=True):
            # (ufunc where= with a scalar is 25x slower than this multiply-or)
            np.equal(v, a, out=flag)
            np.multiply(flag8, bit, out=tmp)
            np.bitwise_or(prim, tmp, out=prim)
        np.less_equal(a, 50, out=flag)
        np.copyto(prim, 0, where=flag)
        if exceeding is not None:
            exc = exceeding[sl]
            exc[:] = 0
            for bit, v in zip(bits, values, strict=True):
                np.greater(v, 100, out=flag)
                np.multiply(flag8, bit, out=tmp)
                np.bitwise_or(exc, tmp, out=exc)
        np.take(_LEVEL_LUT_NA_LAST, a, out=level[sl])
        pub = published[sl]
        np.not_equal(a, NA, out=pub)
        if rules.rule_5_3:
            np.greater(a, 100, out=flag)
            flag |= done
            pub &= flag

    for start in range(0, n, _CHUNK):
        run(start)

    return AqiReport(
        edition=edition,
        kind=kind,
        aqi=aqi.reshape(shape),
        iaqi={k: v.reshape(shape) for k, v in iaqi.items()},
        level=level.reshape(shape),
        primary_mask=primary.reshape(shape),
        exceeding_mask=None if exceeding is None else exceeding.reshape(shape),
        complete=complete.reshape(shape),
        published=published.reshape(shape),
        above_range_mask=above_bits.reshape(shape),
    )


def _apply_2012_rules(
    out: dict[str, NDArray[np.int16]],
    ruled: dict[str, NDArray[np.bool_]],
    done: NDArray[np.bool_],
    required: tuple[str, ...],
    so2_24h: NDArray[np.float64] | None,
) -> None:
    """HJ 633-2012 notes 2 and 3 on the (rare) rows where SO2 1-h or O3 8-h exceed 800."""
    if "so2_1h" in ruled:
        # Table 1 note 2: SO2 1-h > 800 -> the SO2 IAQI is reported from the 24-h mean,
        # indexed here for these rows only (NA when no 24-h mean is given).
        rows = np.flatnonzero(ruled["so2_1h"])
        so2 = out["so2_1h"]
        if so2_24h is None:
            so2[rows] = NA
        else:
            codes = np.empty(rows.size, dtype=np.int16)
            _index(_kernel(Edition.HJ633_2012, "so2_24h"), so2_24h[rows], codes,
                   _Scratch.of(rows.size))  # fmt: skip
            _resolve_above("so2_24h", codes, None, NA, NA)
            so2[rows] = codes
        done[rows] = np.all([out[k][rows] != NA for k in required], axis=0)
    if "o3_8h" in ruled:
        # Table 1 note 3: no O3 8-h IAQI, O3 is indexed by its 1-h value; the row stays complete
        rows = np.flatnonzero(ruled["o3_8h"])
        others = [out[k][rows] != NA for k in required if k not in ("o3_8h", "o3_8h_max")]
        done[rows] = np.all(others, axis=0)


def hourly_report(conc: Mapping[str, ArrayLike], edition: Edition) -> AqiReport:
    """Real-time (hourly) AQI report, 实时报 (§5.2 of HJ 633-2012, §5.2 of HJ 633-2026).

    Parameters
    ----------
    conc : mapping of str to array_like
        Concentrations by indicator code, equal shapes (or broadcastable) [ug/m3] (CO [mg/m3]),
        NaN for missing.  HJ 633-2012: ``so2_1h, no2_1h, co_1h, o3_1h, o3_8h`` (8-h moving mean),
        ``pm10_24h, pm2_5_24h`` (24-h moving means), optionally ``so2_24h`` for the SO2 > 800 rule.
        HJ 633-2026: ``so2_1h, no2_1h, co_1h, o3_1h, pm10_1h, pm2_5_1h``.
    edition : Edition
        Rule set (see :func:`edition_for` for the default by date).

    Returns
    -------
    AqiReport

    Raises
    ------
    ValueError
        An indicator is not part of this report, or a required one is absent.

    Examples
    --------
    >>> r = hourly_report(
    ...     {"so2_1h": 10, "no2_1h": 40, "co_1h": 0.6, "o3_1h": 60, "pm10_1h": 130, "pm2_5_1h": 76},
    ...     Edition.HJ633_2026,
    ... )
    >>> rec = r.record(())
    >>> rec.aqi, rec.level.category_zh, rec.primary
    (115, '轻度污染', ('PM2.5',))
    """
    return _report(conc, _RULES[(Edition(edition), "hourly")])


def daily_report(conc: Mapping[str, ArrayLike], edition: Edition) -> AqiReport:
    """Daily AQI report, 日报 (§5.1 of HJ 633-2012, §5.1 of HJ 633-2026).

    Parameters
    ----------
    conc : mapping of str to array_like
        Daily values by indicator code [ug/m3] (CO [mg/m3]), NaN for missing.
        HJ 633-2012: ``so2_24h, no2_24h, co_24h, pm10_24h, pm2_5_24h, o3_1h_max, o3_8h_max``.
        HJ 633-2026: ``so2_24h, no2_24h, co_24h, pm10_24h, pm2_5_24h, o3_8h_max``.
    edition : Edition
        Rule set.

    Returns
    -------
    AqiReport

    Examples
    --------
    >>> r = daily_report(
    ...     {"so2_24h": 9, "no2_24h": 35, "co_24h": 0.8, "o3_8h_max": 120,
    ...      "pm10_24h": 80, "pm2_5_24h": 60},
    ...     Edition.HJ633_2026,
    ... )
    >>> r.record(()).aqi, r.record(()).primary
    (100, ('PM2.5',))
    """
    return _report(conc, _RULES[(Edition(edition), "daily")])


def cnemc_realtime_report(conc: Mapping[str, ArrayLike]) -> AqiReport:
    """Hourly AQI as the CNEMC national real-time platform published it under HJ 633-2012.

    Reverse-engineered from the platform's archive (docs/air-aqi-acceptance.md): it is *not* the
    real-time report of HJ 633-2012 as written (which indexes PM by 24-h moving means and O3 also
    by its 8-h moving mean), but reproduces every published AQI of the 2019 archive exactly:

    * Table 1 of HJ 633-2012 breakpoints;
    * six 1-h means ``so2_1h, no2_1h, co_1h, o3_1h, pm10_1h, pm2_5_1h``; PM 1-h means are indexed
      on the 24-h columns, the O3 8-h moving mean is not used;
    * SO2 1-h > 800 counts as IAQI 200 (not the 24-h IAQI of note 2);
    * a missing pollutant is left out of the maximum (no fall-back to 24-h means).

    Parameters
    ----------
    conc : mapping of str to array_like
        The six 1-h means [ug/m3] (CO [mg/m3]), NaN for missing.

    Returns
    -------
    AqiReport
        ``edition`` is HJ 633-2012 and ``kind`` is ``"hourly-cnemc"``; ``published`` is true where
        the AQI is computable (the platform withheld some incomplete hours by a rule that the
        archive does not reveal).
    """
    return _report(conc, _RULES[(Edition.HJ633_2012, "hourly-cnemc")])
