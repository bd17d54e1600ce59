"""HJ 663 ambient air quality assessment statistics (HJ 663-2013; HJ 663-2026 text not obtained).

Pure numpy.  Hourly input is an array shaped ``[site, hour]`` whose hour axis covers whole natural
days in China Standard Time: index 0 is the hour 00:00-01:00 CST of the first day, so the array
length is a multiple of 24.  Missing hours are NaN.  Daily output is ``[site, day]`` with NaN where
the statistic is not valid.  Units: [ug/m3], CO [mg/m3].

What is confirmed and what is a documented choice (reference/air.md §3.2, §3.3, §5):

* Daily mean valid with >= 20 hourly means; O3 8-h mean valid with >= 6 of its 8 hours; annual mean
  valid with >= 324 daily means a year and >= 27 a month (>= 25 in February): GB 3095 Table 4 [P].
* O3 daily maximum 8-h mean over the 17 windows ending 08:00 .. 24:00, valid with >= 14 valid
  windows, or with fewer if the maximum still exceeds the limit: HJ 663-2013 **[M, unconfirmed]**.
* Percentiles per HJ 663 Annex A (k = 1 + (n - 1) p, linear): [1].
* Annual items (SO2/NO2 98th, PM10/PM2.5 95th, CO 95th of daily means, O3 90th of daily max 8-h)
  and "annual mean and percentile both meet the limit": [2]/[M].
* Rounding (GB/T 8170, half to even) **[M, unconfirmed]**: when ``decimals`` is given, daily values
  are rounded to integers [ug/m3] and 0.1 [mg/m3] for CO, and the annual statistics are computed
  from the rounded daily values and rounded to the same places.  HJ 663-2026's own rounding table
  (which may keep one more decimal for statistics) was not available.
* O3 daily max 1-h: valid with >= 20 valid hours (our choice; GB 3095 Table 4 has no row for it).
* City value: arithmetic mean over the city's assessment points that have a valid value, each
  statistic averaged separately (the HJ 663 method for the city O3 8-h value is unconfirmed).
* Not implemented (HJ 663-2026 text not available): exceptional events, three-year moving means,
  composite-index weights.

Exactness: hourly values are read at a resolution of 0.001 (scaled integers), so sums are exact and
GB/T 8170 ties of means (e.g. a CO daily mean of exactly 1.25) are decided exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ecoguard.standards.gb3095 import (
    MIN_DAYS_PER_FEBRUARY,
    MIN_DAYS_PER_MONTH,
    MIN_DAYS_PER_YEAR,
    MIN_HOURS_PER_8H,
    MIN_HOURS_PER_DAY,
    Grade,
    LimitSet,
    limit,
)
from ecoguard.standards.gbt8170 import round_half_even

__all__ = [
    "ANNUAL_PERCENTILE",
    "AnnualItem",
    "annual_assessment",
    "annual_mean",
    "city_mean",
    "compliance_day_share",
    "composite_index",
    "daily_max_1h",
    "daily_mean",
    "exceedance_multiple",
    "monthly_mean",
    "o3_8h_moving_mean",
    "o3_daily_max_8h",
    "percentile",
]

F64 = NDArray[np.float64]

_RES = 1000  # hourly values are read in units of 0.001
MIN_O3_8H_WINDOWS = 14
"""O3 daily max 8-h: valid with >= 14 of the 17 windows ending 08:00 .. 24:00 [M]."""


def _hours(hourly: ArrayLike) -> F64:
    h = np.asarray(hourly, dtype=np.float64)
    if h.ndim == 1:
        h = h[np.newaxis, :]
    if h.ndim != 2 or h.shape[1] % 24:
        raise ValueError(
            f"hourly data must be [site, hour] covering whole CST days; got shape {h.shape} "
            "(hour axis not a multiple of 24)"
        )
    return h


def _scaled(h: F64) -> F64:
    """Values (or sums of up to a few thousand values) as exact integers in units of 0.001.

    A float sum of values on the 0.001 grid is within far less than 0.0005 of the exact decimal
    sum, so ``rint(sum * 1000)`` is the exact scaled sum.
    """
    return np.rint(h * _RES)


def _round_mean(total: F64, count: F64, decimals: int | None) -> F64:
    """``total / count`` (total in units of 0.001), rounded per GB/T 8170 if ``decimals``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if decimals is None:
            return total / (count * _RES)
        # mean * 10**d = total * 10**d / (count * 1000): exact integer half-even division
        num = total * 10**decimals
        den = count * _RES
        q = np.floor(num / den)
        r = num - q * den  # exact (integers < 2**53)
        # the float quotient may be one off next to an integer: fix it exactly
        low = r < 0
        q -= low
        r += low * den
        high = r >= den
        q += high
        r -= high * den
        twice = 2 * r
        up = (twice > den) | ((twice == den) & (np.fmod(q, 2) != 0))
        out: F64 = (q + up) / 10**decimals
        return out


def daily_mean(
    hourly: ArrayLike, *, min_hours: int = MIN_HOURS_PER_DAY, decimals: int | None = None
) -> F64:
    """Daily (natural CST day) mean of hourly means, GB 3095-2026 §3 and Table 4.

    Parameters
    ----------
    hourly : array_like, [site, hour]
        Hourly means [ug/m3] (CO [mg/m3]), whole CST days, NaN for missing.
    min_hours : int
        Valid with at least this many hourly values (20, Table 4).
    decimals : int or None
        Round per GB/T 8170 to this many places (0 for [ug/m3], 1 for CO), or None.

    Returns
    -------
    ndarray, [site, day]
        Daily means, NaN where fewer than ``min_hours`` hours are valid.

    Examples
    --------
    >>> day = [10.0] * 19 + [11.0] + [np.nan] * 4
    >>> daily_mean(day).round(2).tolist(), daily_mean(day, decimals=0).tolist()
    ([[10.05]], [[10.0]])
    >>> daily_mean([10.0] * 19 + [np.nan] * 5).tolist()
    [[nan]]
    """
    h = _hours(hourly)
    x = h.reshape(h.shape[0], -1, 24)
    valid = ~np.isnan(x)
    count = np.count_nonzero(valid, axis=2).astype(np.float64)
    total = _scaled(np.add.reduce(x, axis=2, where=valid))
    out = _round_mean(total, count, decimals)
    out[count < min_hours] = np.nan
    return out


def daily_max_1h(hourly: ArrayLike, *, min_hours: int = MIN_HOURS_PER_DAY) -> F64:
    """Daily maximum 1-h mean (e.g. O3 daily max 1-h of the HJ 633-2012 daily report).

    Valid with at least ``min_hours`` valid hours (20: our choice, GB 3095 Table 4 has no row).

    Examples
    --------
    >>> daily_max_1h([float(h) for h in range(24)]).tolist()
    [[23.0]]
    """
    h = _hours(hourly)
    h = h.reshape(h.shape[0], -1, 24)
    count = (~np.isnan(h)).sum(axis=2)
    out = np.where(count > 0, np.fmax.reduce(h, axis=2), np.nan)
    out[count < min_hours] = np.nan
    return out


def _moving_8h(h: F64) -> tuple[F64, F64]:
    """Scaled sums and valid counts of the 8 hours ending at each index (before start: missing)."""
    valid = ~np.isnan(h)
    n_sites, n = h.shape
    csum = np.zeros((n_sites, n + 1))
    np.cumsum(np.where(valid, h, 0.0), axis=1, out=csum[:, 1:])
    ccnt = np.zeros((n_sites, n + 1))
    np.cumsum(valid, axis=1, out=ccnt[:, 1:])
    total = np.empty((n_sites, n))
    count = np.empty((n_sites, n))
    head = min(8, n)
    total[:, :head] = csum[:, 1 : head + 1]
    count[:, :head] = ccnt[:, 1 : head + 1]
    np.subtract(csum[:, 9:], csum[:, 1:-8], out=total[:, 8:])
    np.subtract(ccnt[:, 9:], ccnt[:, 1:-8], out=count[:, 8:])
    return _scaled(total), count


def o3_8h_moving_mean(
    hourly: ArrayLike, *, min_hours: int = MIN_HOURS_PER_8H, decimals: int | None = None
) -> F64:
    """O3 8-h moving mean, labelled by the end of its last hour (GB 3095 §3, Table 4).

    Parameters
    ----------
    hourly : array_like, [site, hour]
        O3 hourly means [ug/m3].
    min_hours : int
        Valid with at least 6 of the 8 hourly values (Table 4).
    decimals : int or None
        GB/T 8170 rounding, or None.

    Returns
    -------
    ndarray, [site, hour]
        Element ``h`` is the mean of hours ``h-7 .. h``, i.e. the 8 hours ending at the end of
        hour ``h`` (index 7 of a day = 00:00-08:00 = "08:00").  Hours before the start of the
        array count as missing.  Exact sums (see module notes).

    Examples
    --------
    >>> x = o3_8h_moving_mean([[100.0] * 6 + [np.nan] * 2 + [120.0] * 16])
    >>> x[0, 4], x[0, 5], x[0, 7], x[0, 9]
    (np.float64(nan), np.float64(100.0), np.float64(100.0), np.float64(106.66666666666667))
    """
    h = _hours(hourly)
    total, count = _moving_8h(h)
    out = _round_mean(total, count, decimals)
    out[count < min_hours] = np.nan
    return out


def o3_daily_max_8h(
    hourly: ArrayLike,
    *,
    min_windows: int = MIN_O3_8H_WINDOWS,
    limit_value: float | None = None,
    decimals: int | None = None,
) -> F64:
    """O3 daily maximum 8-h mean (日最大8小时平均), HJ 663-2013 **[M, unconfirmed]**.

    The maximum of the valid 8-h moving means ending 08:00 .. 24:00 of the CST day (17 windows,
    all inside the day).  Valid when at least ``min_windows`` (14) windows are valid, or when
    fewer are valid but the maximum exceeds ``limit_value`` (the exceedance is certain).

    Parameters
    ----------
    hourly : array_like, [site, hour]
        O3 hourly means [ug/m3], whole CST days.
    min_windows : int
        Minimum number of valid 8-h windows (14 of 17).
    limit_value : float or None
        O3 8-h limit [ug/m3] (e.g. 160 for grade II) for the "exceeds anyway" rule; None
        disables that rule.
    decimals : int or None
        GB/T 8170 rounding of the 8-h means, or None.

    Returns
    -------
    ndarray, [site, day]

    Examples
    --------
    >>> day = [50.0] * 10 + [200.0] * 8 + [50.0] * 6
    >>> o3_daily_max_8h(day).tolist()
    [[200.0]]
    >>> sparse = [np.nan] * 12 + [200.0] * 8 + [np.nan] * 4  # 7 valid windows only
    >>> o3_daily_max_8h(sparse).tolist(), o3_daily_max_8h(sparse, limit_value=160).tolist()
    ([[nan]], [[200.0]])
    """
    h = _hours(hourly)
    x = h.reshape(h.shape[0], -1, 24)
    valid = ~np.isnan(x)
    csum = np.zeros((*x.shape[:2], 25))
    np.cumsum(np.where(valid, x, 0.0), axis=2, out=csum[:, :, 1:])
    ccnt = np.zeros((*x.shape[:2], 25))
    np.cumsum(valid, axis=2, out=ccnt[:, :, 1:])
    # the 17 windows ending 08:00 .. 24:00 lie inside the day: hours j-7 .. j for j = 7 .. 23
    count = ccnt[:, :, 8:] - ccnt[:, :, :17]
    total = csum[:, :, 8:] - csum[:, :, :17]
    ok_window = count >= MIN_HOURS_PER_8H
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok_window, total / count, -np.inf)
    best = np.argmax(mean, axis=2)[..., np.newaxis]
    n_ok = np.count_nonzero(ok_window, axis=2)
    # rounding is monotone: round(max) = max(round); round only the winning window, exactly
    top_total = _scaled(np.take_along_axis(total, best, axis=2)[..., 0])
    top_count = np.take_along_axis(count, best, axis=2)[..., 0]
    mx = _round_mean(top_total, top_count, decimals)
    with np.errstate(invalid="ignore"):
        ok = n_ok >= min_windows
        if limit_value is not None:
            ok |= mx > limit_value
    ok &= n_ok > 0
    mx[~ok] = np.nan
    return mx


# --- periods -------------------------------------------------------------------------------------


def _month_starts(first_day: dt.date, n_days: int) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    """Start column of each calendar month in a run of days, and the months (datetime64[M] ints)."""
    days = np.datetime64(first_day, "D") + np.arange(n_days)
    months = days.astype("datetime64[M]").astype(np.int64)
    starts = np.flatnonzero(np.diff(months, prepend=months[0] - 1))
    return starts, months[starts]


def _month_need(months: NDArray[np.int64]) -> NDArray[np.int64]:
    need: NDArray[np.int64] = np.where(
        months % 12 + 1 == 2, MIN_DAYS_PER_FEBRUARY, MIN_DAYS_PER_MONTH
    )
    return need


def monthly_mean(
    daily: ArrayLike, first_day: dt.date, *, decimals: int | None = None
) -> tuple[F64, NDArray[np.datetime64]]:
    """Monthly means of daily means, valid with >= 27 daily means (>= 25 in February).

    Parameters
    ----------
    daily : array_like, [site, day]
        Daily means, NaN where invalid.
    first_day : date
        CST date of column 0.
    decimals : int or None
        GB/T 8170 rounding, or None.

    Returns
    -------
    means : ndarray, [site, month]
    months : ndarray of datetime64[M]
    """
    d = np.atleast_2d(np.asarray(daily, dtype=np.float64))
    starts, months = _month_starts(first_day, d.shape[1])
    valid = ~np.isnan(d)
    total = _scaled(np.add.reduceat(np.where(valid, d, 0.0), starts, axis=1))
    count = np.add.reduceat(valid.astype(np.float64), starts, axis=1)
    out = _round_mean(total, count, decimals)
    out[count < _month_need(months)] = np.nan
    return out, months.astype("datetime64[M]")


def _month_ok(valid: NDArray[np.bool_], first_day: dt.date) -> NDArray[np.bool_]:
    """Sites whose every month has >= 27 (Feb 25) valid days."""
    starts, months = _month_starts(first_day, valid.shape[1])
    count = np.add.reduceat(valid.astype(np.float64), starts, axis=1)
    ok: NDArray[np.bool_] = np.all(count >= _month_need(months), axis=1)
    return ok


def annual_mean(
    daily: ArrayLike,
    first_day: dt.date,
    *,
    min_days: int = MIN_DAYS_PER_YEAR,
    require_months: bool = True,
    decimals: int | None = None,
) -> F64:
    """Annual mean of daily means (GB 3095-2026 §3), valid per Table 4.

    Parameters
    ----------
    daily : array_like, [site, day]
        Daily means of one calendar year, NaN where invalid.
    first_day : date
        CST date of column 0 (1 January).
    min_days : int
        At least 324 valid daily means in the year.
    require_months : bool
        Also require >= 27 valid days in every month (>= 25 in February), as Table 4 lists.
    decimals : int or None
        GB/T 8170 rounding, or None.

    Returns
    -------
    ndarray, [site]
    """
    d = np.atleast_2d(np.asarray(daily, dtype=np.float64))
    valid = ~np.isnan(d)
    count = np.count_nonzero(valid, axis=1).astype(np.float64)
    total = _scaled(np.add.reduce(d, axis=1, where=valid))
    out = _round_mean(total, count, decimals)
    bad = count < min_days
    if require_months:
        bad |= ~_month_ok(valid, first_day)
    out[bad] = np.nan
    return out


def percentile(values: ArrayLike, p: float, axis: int = -1) -> F64:
    """Percentile per HJ 663 Annex A, ignoring NaN.

    Sort the n valid values X(1) <= ... <= X(n); k = 1 + (n - 1) p / 100; s = int(k);
    m_p = X(s) + (X(s+1) - X(s)) (k - s).  This equals numpy's ``linear`` method (and Excel
    PERCENTILE.INC); NaN where no value is valid.

    Examples
    --------
    >>> float(percentile([3, 4, 8, 2, 5, 4], 90))
    6.5
    >>> percentile([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]], 50, axis=1).tolist()
    [2.0, nan]
    """
    x = np.moveaxis(np.asarray(values, dtype=np.float64), axis, -1)
    srt = np.sort(x, axis=-1)  # NaN last
    n = (~np.isnan(srt)).sum(axis=-1)
    k = 1.0 + (n - 1) * (p / 100.0)
    s = np.floor(k).astype(np.intp)
    lo = np.clip(s - 1, 0, max(srt.shape[-1] - 1, 0))
    hi = np.clip(s, 0, max(srt.shape[-1] - 1, 0))
    hi = np.minimum(hi, np.maximum(n - 1, 0))
    x_lo = np.take_along_axis(srt, lo[..., np.newaxis], axis=-1)[..., 0]
    x_hi = np.take_along_axis(srt, hi[..., np.newaxis], axis=-1)[..., 0]
    out: F64 = np.asarray(x_lo + (x_hi - x_lo) * (k - s))
    if out.ndim:
        out[n == 0] = np.nan
    elif n == 0:
        out = np.asarray(np.nan)
    return out


# --- annual assessment ---------------------------------------------------------------------------

ANNUAL_PERCENTILE = {"so2": 98.0, "no2": 98.0, "pm10": 95.0, "pm2_5": 95.0, "co": 95.0, "o3": 90.0}
"""Percentile of the daily values compared with the 24-h (O3: 8-h) limit, HJ 663 Table 1 [2/M]."""

_DECIMALS = {"co": 1}


@dataclass(frozen=True)
class AnnualItem:
    """Annual assessment of one pollutant at each site (HJ 663-2013 Table 1, [2/M]).

    Attributes
    ----------
    pollutant : str
    daily : ndarray [site, day]
        Daily values used (daily means; O3: daily max 8-h), rounded per the module notes.
    annual_mean : ndarray [site] or None
        Annual mean (not an assessment item for CO and O3: None).
    percentile : ndarray [site]
        The item's percentile of the daily values (98th SO2/NO2, 95th PM/CO, 90th O3); valid
        with >= 324 valid daily values (the annual-mean threshold applied to percentiles [M]).
    percentile_limit, annual_limit : float
        Limits compared with (24-h or 8-h; annual).
    meets : ndarray of bool [site]
        Both statistics valid and within their limits.
    valid_days : ndarray [site]
    """

    pollutant: str
    daily: F64
    annual_mean: F64 | None
    percentile: F64
    percentile_limit: float
    annual_limit: float | None
    meets: NDArray[np.bool_]
    valid_days: NDArray[np.int64]


def annual_assessment(
    hourly: Mapping[str, ArrayLike],
    first_day: dt.date,
    limit_set: LimitSet,
    grade: Grade = Grade.II,
    *,
    rounding: bool = True,
) -> dict[str, AnnualItem]:
    """Annual assessment of the six basic pollutants per HJ 663 (daily values, then annual items).

    Parameters
    ----------
    hourly : mapping of pollutant to array_like [site, hour]
        Hourly means for a calendar year, keys among ``so2, no2, co, o3, pm10, pm2_5``.
    first_day : date
        CST date of hour 0 (1 January).
    limit_set : LimitSet
        GB 3095 limits to compare with.
    grade : Grade
        Grade II by default (class 2 zones, the usual city assessment).
    rounding : bool
        Apply the GB/T 8170 rounding choice of the module notes (integers; CO 0.1).

    Returns
    -------
    dict of str to AnnualItem
    """
    out: dict[str, AnnualItem] = {}
    for p, h in hourly.items():
        if p not in ANNUAL_PERCENTILE:
            raise ValueError(f"annual assessment: unknown pollutant {p!r}; use {ANNUAL_PERCENTILE}")
        dec = _DECIMALS.get(p, 0) if rounding else None
        if p == "o3":
            s_8h = float(limit("o3", "8h", grade, limit_set))
            daily = o3_daily_max_8h(h, limit_value=s_8h, decimals=dec)
            s_pct, s_year = s_8h, None
        else:
            daily = daily_mean(h, decimals=dec)
            s_pct = float(limit(p, "24h", grade, limit_set))
            s_year = None if p == "co" else float(limit(p, "annual", grade, limit_set))
        valid_days = (~np.isnan(daily)).sum(axis=1)
        enough = valid_days >= MIN_DAYS_PER_YEAR
        pct = percentile(daily, ANNUAL_PERCENTILE[p], axis=1)
        if dec is not None:
            pct = round_half_even(pct, dec)
        pct[~enough] = np.nan
        with np.errstate(invalid="ignore"):
            meets = pct <= s_pct
            mean = None
            if s_year is not None:
                mean = annual_mean(daily, first_day, decimals=dec)
                meets &= mean <= s_year
        out[p] = AnnualItem(p, daily, mean, pct, s_pct, s_year, meets, valid_days)
    return out


# --- indices and aggregation ---------------------------------------------------------------------


def compliance_day_share(daily_aqi: ArrayLike, axis: int = -1) -> F64:
    """优良天数比例: days with AQI <= 100 / days with a valid AQI [2].

    Parameters
    ----------
    daily_aqi : array_like
        Daily AQI; NaN or negative (``hj633.NA``) where not valid.
    axis : int
        Day axis.

    Returns
    -------
    ndarray
        Share in [0, 1]; NaN where no day is valid.

    Examples
    --------
    >>> float(compliance_day_share([50, 101, 100, -1, np.nan]))
    0.6666666666666666
    """
    a = np.asarray(daily_aqi, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = a >= 0
        good = (a <= 100) & valid
        out: F64 = np.asarray(good.sum(axis=axis) / valid.sum(axis=axis))
    return out


def exceedance_multiple(concentration: ArrayLike, limit_value: ArrayLike) -> F64:
    """超标倍数 B = (C - S) / S (HJ 663 [M]); negative when within the limit.

    Examples
    --------
    >>> float(exceedance_multiple(105, 75))
    0.4
    """
    c = np.asarray(concentration, dtype=np.float64)
    s = np.asarray(limit_value, dtype=np.float64)
    out: F64 = np.asarray((c - s) / s)
    return out


_COMPOSITE_LIMIT = {
    "so2": "annual",
    "no2": "annual",
    "pm10": "annual",
    "pm2_5": "annual",
    "co": "24h",
    "o3": "8h",
}


def composite_index(
    values: Mapping[str, ArrayLike], limit_set: LimitSet, grade: Grade = Grade.II
) -> F64:
    """环境空气质量综合指数 I = sum(C_i / S_i) over the six pollutants (环办〔2014〕64号 [1/M]).

    ``C_i`` is the period mean for SO2, NO2, PM10, PM2.5, the CO 95th percentile of daily means and
    the O3 90th percentile of daily max 8-h; ``S_i`` the grade-II annual limit (CO 24-h, O3 8-h).
    The weights claimed for HJ 663-2026 are unverified and not applied.

    Examples
    --------
    >>> v = {"so2": 6, "no2": 30, "pm10": 60, "pm2_5": 35, "co": 1.2, "o3": 160}
    >>> round(float(composite_index(v, LimitSet.GB3095_2012)), 4)
    4.0071
    """
    missing = sorted(set(_COMPOSITE_LIMIT) - set(values))
    if missing:
        raise ValueError(f"composite index needs all six pollutants; missing {missing}")
    total: F64 | None = None
    for p, period in _COMPOSITE_LIMIT.items():
        term = np.asarray(values[p], dtype=np.float64) / float(limit(p, period, grade, limit_set))
        total = term if total is None else total + term
    assert total is not None
    return total


def city_mean(site_values: ArrayLike, city: ArrayLike, n_cities: int | None = None) -> F64:
    """City values: arithmetic mean over the city's assessment points (HJ 663 [M]).

    Parameters
    ----------
    site_values : array_like, [site, ...]
        Any per-site statistic (daily means, annual means, ...), NaN where invalid.
    city : array_like of int, [site]
        City index 0 .. n_cities-1 of each site (only city assessment points should be given).
    n_cities : int, optional
        Number of cities (default: max index + 1).

    Returns
    -------
    ndarray, [city, ...]
        Mean of the valid site values of each city; NaN where no site is valid.

    Examples
    --------
    >>> city_mean([[10.0, 20.0], [30.0, np.nan], [5.0, 5.0]], [0, 0, 1]).tolist()
    [[20.0, 20.0], [5.0, 5.0]]
    """
    v = np.asarray(site_values, dtype=np.float64)
    c = np.asarray(city, dtype=np.intp)
    if c.shape != v.shape[:1]:
        raise ValueError(f"city index has shape {c.shape}, expected ({v.shape[0]},)")
    k = int(c.max()) + 1 if n_cities is None else n_cities
    valid = ~np.isnan(v)
    total = np.zeros((k, *v.shape[1:]))
    count = np.zeros((k, *v.shape[1:]))
    np.add.at(total, c, np.where(valid, v, 0.0))
    np.add.at(count, c, valid.astype(np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        out: F64 = total / count
    return out
