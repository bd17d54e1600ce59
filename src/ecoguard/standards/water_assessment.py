"""National surface-water assessment method (环办〔2011〕22号 《地表水环境质量评价办法（试行）》).

Pure rules built on :mod:`ecoguard.standards.gb3838`: which items decide a class, river/basin
status by the share of sections, period means, the lake trophic state index TLI and the city
water-quality index CWQI. Markers follow ``reference/water.md``: everything not marked [P] there
is *unconfirmed* and says so below.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ecoguard.standards.gb3838 import (
    TABLE_1,
    SectionType,
    WaterClass,
    item,
    single_factor_class,
)

RULE_SET: Final = "环办〔2011〕22号"

#: The 21 items that decide a section's class: Table 1 of GB 3838-2002 without water temperature,
#: total nitrogen and faecal coliforms (national method section 2; [2] in reference/water.md, and
#: the same list in MEE's 《地表水环境质量监测数据统计技术规定（试行）》 2020, as reprinted).
CLASS_ITEMS: Final[tuple[str, ...]] = tuple(
    spec.code for spec in TABLE_1 if spec.code not in {"tn", "fecal_coliform"}
)

#: Items that decide the class published by CNEMC's automatic-station platform. Found on the
#: 2026-02-04 snapshot: pH, DO, CODMn, NH3-N and TP reproduce 591 of 593 official classes (the
#: other two are explained in docs/water-acceptance.md), while adding TN would change 536 of them
#: (23 of the 34 lake rows if added for lakes only). The same five are named by provincial
#: automatic-station reports (e.g. Jiangsu DEE weekly report 2025-04-30). TN is reported only.
AUTO_STATION_ITEMS: Final[tuple[str, ...]] = ("ph", "do", "codmn", "nh3_n", "tp")

#: Decimal places kept when a mean is reported and classified (unconfirmed; the precision the
#: CNEMC platform publishes). Items not listed keep 4.
REPORTING_DECIMALS: Final[Mapping[str, int]] = {
    "ph": 2,
    "do": 2,
    "codmn": 2,
    "cod": 1,
    "bod5": 1,
    "nh3_n": 3,
    "tp": 3,
    "tn": 2,
}


def round_half_even(values: npt.ArrayLike, decimals: int) -> npt.NDArray[np.float64]:
    """Round to ``decimals`` places, half to even, on the decimal value (GB/T 8170 rule 3.3).

    Parameters
    ----------
    values : array_like of float
        Values to round; NaN stays NaN.
    decimals : int
        Places after the decimal point.

    Returns
    -------
    numpy.ndarray of float
        Each result is the double nearest the rounded decimal, so it compares exactly with
        limits written as decimal text.
    """
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    quantum = Decimal(1).scaleb(-decimals)
    out = np.full(x.shape, np.nan)
    for i, v in enumerate(x):
        if not math.isnan(v):
            out[i] = float(Decimal(repr(float(v))).quantize(quantum, rounding=ROUND_HALF_EVEN))
    return out


# --- rivers, basins and regions: status by share of sections ---------------------------------


class SevereRule(StrEnum):
    """Which reading of the 重度污染 (heavily polluted) threshold to apply.

    ``reference/water.md`` section 3 has a conflict: the Shenzhen MEEB page [1] says
    I-III < 75 % and 劣Ⅴ >= 40 %; background knowledge of the 2011 text [M] says I-III < 60 % and
    劣Ⅴ >= 40 %. Since I-III and 劣Ⅴ shares add up to at most 100 %, the two readings differ only
    when exactly 60 % of sections are I-III and exactly 40 % are 劣Ⅴ (e.g. 3 and 2 of 5). There
    the 75 % reading gives 重度污染 and the 60 % reading leaves a gap that we fill with 中度污染.
    Default: ``SHARE_75`` (the sourced reading).
    """

    SHARE_75 = "share_75"
    SHARE_60 = "share_60"


#: Minimum number of sections for the share method; below it indicators are averaged over the
#: sections and classified by the single-factor method ([1], Shenzhen MEEB).
MIN_SECTIONS_FOR_SHARES: Final = 5


@dataclass(frozen=True)
class GroupStatus:
    """Status of a river, basin or region.

    Attributes
    ----------
    sections : int
        Sections with a class.
    excellent_share : Fraction
        Share of sections in class I-III (优良比例).
    worse_than_v_share : Fraction
        Share of sections in 劣Ⅴ.
    description_zh : str
        优, 良好, 轻度污染, 中度污染 or 重度污染.
    method : str
        ``share`` (>= 5 sections) or ``mean`` (fewer: class of the mean concentrations).
    water_class : WaterClass or None
        With the ``mean`` method, the class of the averaged indicators.
    """

    sections: int
    excellent_share: Fraction
    worse_than_v_share: Fraction
    description_zh: str
    method: str
    water_class: WaterClass | None = None


def status_by_share(
    classes: Iterable[WaterClass | int], rule: SevereRule = SevereRule.SHARE_75
) -> str:
    """Qualitative status of a river or basin from its sections' classes (national method Table 3).

    Shares are exact fractions, so 75 % of 4 sections is exactly 3.

    ============================  ==========
    Share of sections             Status
    ============================  ==========
    I-III >= 90 %                 优
    75 % <= I-III < 90 %          良好
    I-III < 75 %, 劣Ⅴ < 20 %       轻度污染
    I-III < 75 %, 20 % <= 劣Ⅴ < 40 %  中度污染
    see :class:`SevereRule`       重度污染
    ============================  ==========

    Parameters
    ----------
    classes : iterable of WaterClass or int
        Section classes (1..6); zeros (not measured) are skipped.
    rule : SevereRule
        Reading of the 重度污染 threshold (unconfirmed, named choice).

    Returns
    -------
    str
        The description in Chinese.
    """
    values = [int(c) for c in classes if int(c) > 0]
    if not values:
        raise ValueError("no classified sections")
    n = len(values)
    good = Fraction(sum(1 for c in values if c <= 3), n)
    bad = Fraction(sum(1 for c in values if c == 6), n)
    if good >= Fraction(9, 10):
        return "优"
    if good >= Fraction(3, 4):
        return "良好"
    if bad < Fraction(1, 5):
        return "轻度污染"
    if bad < Fraction(2, 5):
        return "中度污染"
    severe_limit = Fraction(3, 4) if rule is SevereRule.SHARE_75 else Fraction(3, 5)
    return "重度污染" if good < severe_limit else "中度污染"


def group_status(
    section_values: pd.DataFrame,
    section_classes: Sequence[int],
    section_type: SectionType | Sequence[SectionType],
    items: Iterable[str] = CLASS_ITEMS,
    rule: SevereRule = SevereRule.SHARE_75,
) -> GroupStatus:
    """Status of a river, basin or region from its sections (national method section 4).

    Parameters
    ----------
    section_values : pandas.DataFrame
        One row per section, one column per item [mg/L, pH 1] (used below 5 sections).
    section_classes : sequence of int
        Each section's class (1..6; 0 = not classified, skipped).
    section_type : SectionType or sequence
        Per section; with fewer than 5 sections a mixed group is averaged as rivers unless all
        are lakes (unconfirmed).
    items : iterable of str
        Items deciding the class.
    rule : SevereRule
        Reading of the 重度污染 threshold.

    Returns
    -------
    GroupStatus
    """
    classes = [int(c) for c in section_classes if int(c) > 0]
    n = len(classes)
    if n == 0:
        raise ValueError("no classified sections")
    good = Fraction(sum(1 for c in classes if c <= 3), n)
    bad = Fraction(sum(1 for c in classes if c == 6), n)
    if n >= MIN_SECTIONS_FOR_SHARES:
        return GroupStatus(n, good, bad, status_by_share(classes, rule), "share")
    types = (
        [section_type] * len(section_values)
        if isinstance(section_type, SectionType)
        else list(section_type)
    )
    kind = (
        SectionType.LAKE
        if types and all(t == SectionType.LAKE for t in types)
        else SectionType.RIVER
    )
    means = pd.DataFrame(index=[0])
    for code in section_values.columns:
        present = [float(v) for v in section_values[code] if pd.notna(v)]
        if present:
            exact = sum((Fraction(Decimal(repr(v))) for v in present), Fraction(0)) / len(present)
            means[code] = float(fraction_half_even(exact, REPORTING_DECIMALS.get(str(code), 4)))
    result = single_factor_class(means, kind, items)
    cls = WaterClass(int(result.water_class[0])) if result.water_class[0] > 0 else None
    description = _CLASS_DESCRIPTION[cls] if cls else "—"
    return GroupStatus(n, good, bad, description, "mean", cls)


_CLASS_DESCRIPTION: Final[Mapping[WaterClass, str]] = {
    WaterClass.I: "优",
    WaterClass.II: "优",
    WaterClass.III: "良好",
    WaterClass.IV: "轻度污染",
    WaterClass.V: "中度污染",
    WaterClass.WORSE_THAN_V: "重度污染",
}


# --- period values ----------------------------------------------------------------------------


class Period(StrEnum):
    """Assessment periods."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


#: Means are computed exactly on values scaled by 10**MEAN_SCALE_DECIMALS as integers; values
#: with more decimals than this are rounded to it first (published data have at most 4).
MEAN_SCALE_DECIMALS: Final = 6


def fraction_half_even(value: Fraction, decimals: int) -> Fraction:
    """Round an exact rational half to even at ``decimals`` places (GB/T 8170 rule 3.3)."""
    scale = 10**decimals
    scaled = value * scale
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return Fraction(floor, scale)


def period_means(readings: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Section values per month, quarter or year by the method's averaging rules.

    Rules (unconfirmed [M], national method section 3 as recalled): a monthly value is the
    arithmetic mean of the month's valid readings, taken through daily means for automatic
    stations (natural days in China Standard Time) so a day with many readings weighs as much as
    a day with few; a quarterly or annual value is the arithmetic mean of the (unrounded) monthly
    values. pH is averaged arithmetically like the other items. The arithmetic is exact
    (integers and fractions; a float mean of 0.013 and 0.014 is not exactly 0.0135), and the
    result is rounded half-even to :data:`REPORTING_DECIMALS` once, before it is classified.

    Parameters
    ----------
    readings : pandas.DataFrame
        Columns ``section``, ``parameter``, ``day`` (a ``datetime.date`` or timestamp of the
        natural day in CST) and ``value``; only valid readings.
    period : Period
        Month, quarter or year.

    Returns
    -------
    pandas.DataFrame
        Columns ``section``, ``parameter``, ``period`` (``2026-02``, ``2026-Q1``, ``2026``),
        ``value`` (rounded), ``months`` (monthly values used) and ``readings``.
    """
    columns = ["section", "parameter", "period", "value", "months", "readings"]
    if readings.empty:
        return pd.DataFrame(columns=columns)
    frame = readings[["section", "parameter", "day"]].copy()
    frame["day"] = pd.to_datetime(readings["day"]).dt.normalize()
    scale = 10**MEAN_SCALE_DECIMALS
    # Values parsed from decimal text with <= 6 decimals become exact integers here.
    frame["scaled"] = np.rint(readings["value"].to_numpy(dtype=np.float64) * scale).astype(np.int64)
    daily = (
        frame.groupby(["section", "parameter", "day"], sort=True)
        .agg(total=("scaled", "sum"), readings=("scaled", "size"))
        .reset_index()
    )
    daily["month"] = daily["day"].dt.to_period("M")
    if period is Period.MONTH:
        daily["period"] = daily["month"].astype(str)
    else:
        freq = "Q" if period is Period.QUARTER else "Y"
        daily["period"] = daily["month"].dt.asfreq(freq).astype(str)
        if period is Period.QUARTER:
            daily["period"] = daily["period"].str.replace("Q", "-Q", regex=False)
    # One pass over the daily sums (sorted by section, parameter, day): exact fractions per month.
    # Per month, daily totals are summed as integers by their reading count n, so that
    # sum(total_d / n_d) needs one fraction per distinct n rather than one per day.
    groups: dict[tuple[str, str, str], dict[str, dict[int, list[int]]]] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for section, parameter, label, month, total, n in zip(
        daily["section"].astype(str),
        daily["parameter"].astype(str),
        daily["period"],
        daily["month"].astype(str),
        daily["total"].tolist(),
        daily["readings"].tolist(),
        strict=True,
    ):
        key = (section, parameter, label)
        by_n = groups.setdefault(key, {}).setdefault(month, {}).setdefault(n, [0, 0])
        by_n[0] += total
        by_n[1] += 1
        counts[key] = counts.get(key, 0) + n
    rows: list[tuple[object, ...]] = []
    for key, months in groups.items():
        monthly = [
            sum((Fraction(t, n * scale) for n, (t, _) in by_n.items()), Fraction(0))
            / sum(d for _, d in by_n.values())
            for by_n in months.values()
        ]
        mean = sum(monthly, Fraction(0)) / len(monthly)
        value = float(fraction_half_even(mean, REPORTING_DECIMALS.get(key[1], 4)))
        rows.append((*key, value, len(monthly), counts[key]))
    return pd.DataFrame(rows, columns=columns)


# --- lakes: trophic state index ----------------------------------------------------------------

#: Correlation of each parameter with chlorophyll a, r_ij (总站生字〔2001〕090号 《湖泊（水库）
#: 富营养化评价方法及分级技术规定》; UNCONFIRMED [M]).
TLI_CORRELATION: Final[Mapping[str, float]] = {
    "chla": 1.0,
    "tp": 0.84,
    "tn": 0.82,
    "sd": -0.83,
    "codmn": 0.83,
}

#: Trophic bands: upper bounds (exclusive except the last band) and names (UNCONFIRMED [M]).
TLI_BANDS: Final[tuple[tuple[float, str], ...]] = (
    (30.0, "贫营养"),
    (50.0, "中营养"),
    (60.0, "轻度富营养"),
    (70.0, "中度富营养"),
    (math.inf, "重度富营养"),
)


def tli_single(parameter: str, value: float) -> float:
    """Trophic state index of one parameter, TLI(j) (UNCONFIRMED [M]).

    Parameters
    ----------
    parameter : str
        ``chla`` [mg/m3 = ug/L], ``tp`` [mg/L], ``tn`` [mg/L], ``sd`` (transparency) [m] or
        ``codmn`` [mg/L].
    value : float
        Positive value in the parameter's unit.

    Returns
    -------
    float
    """
    if not value > 0:
        raise ValueError(f"TLI({parameter}) needs a positive value, got {value}")
    ln = math.log(value)
    formulas = {
        "chla": 2.5 + 1.086 * ln,
        "tp": 9.436 + 1.624 * ln,
        "tn": 5.453 + 1.694 * ln,
        "sd": 5.118 - 1.94 * ln,
        "codmn": 0.109 + 2.661 * ln,
    }
    if parameter not in formulas:
        raise KeyError(f"TLI has no term for {parameter!r}; known: {sorted(formulas)}")
    return 10.0 * formulas[parameter]


def tli(values: Mapping[str, float]) -> float:
    """Combined trophic state index TLI(Σ) = Σ W_j TLI(j), W_j = r_ij² / Σ r_ij² (UNCONFIRMED [M]).

    Parameters
    ----------
    values : mapping of str to float
        All five of ``chla`` [mg/m3], ``tp`` [mg/L], ``tn`` [mg/L], ``sd`` [m], ``codmn`` [mg/L].
        Note that CNEMC publishes chlorophyll a in mg/L: multiply by 1000 first.

    Returns
    -------
    float
    """
    missing = [p for p in TLI_CORRELATION if p not in values or not values[p] > 0]
    if missing:
        raise ValueError(f"TLI needs positive values of {missing}")
    total = sum(r * r for r in TLI_CORRELATION.values())
    return sum(r * r / total * tli_single(p, values[p]) for p, r in TLI_CORRELATION.items())


def trophic_state(index: float) -> str:
    """Band name of a TLI value (贫营养 < 30 <= 中营养 <= 50 < 轻度 <= 60 < 中度 <= 70 < 重度).

    Band edges are UNCONFIRMED [M]; a value on an edge goes to the lower band except at 30.
    """
    if index < 30.0:
        return "贫营养"
    for upper, name in TLI_BANDS[1:]:
        if index <= upper:
            return name
    return TLI_BANDS[-1][1]


# --- cities: water-quality index ---------------------------------------------------------------


def cwqi_terms(values: Mapping[str, float], section_type: SectionType) -> dict[str, float]:
    """Per-item indices of the city water-quality index (《城市地表水环境质量排名技术规定》2017).

    As implemented by ``sm1lewc/Silence.SurfaceWater`` ``CWQICalculatorV2017.cs`` ([1]):
    pH: ``7 - pH`` if pH <= 7 else ``(pH - 7) / 2``; DO: ``5 / DO`` (class III limit over the
    value); all others ``C / C_III`` (lake TP limit for lakes).

    Parameters
    ----------
    values : mapping of str to float
        Item code -> mean concentration [mg/L, pH 1]; missing or NaN items are skipped.
    section_type : SectionType
        River or lake/reservoir.

    Returns
    -------
    dict of str to float
    """
    terms: dict[str, float] = {}
    for code in CLASS_ITEMS:
        value = values.get(code)
        if value is None or math.isnan(value):
            continue
        if code == "ph":
            terms[code] = 7.0 - value if value <= 7.0 else (value - 7.0) / 2.0
        elif code == "do":
            if value <= 0:
                raise ValueError(f"CWQI needs a positive dissolved oxygen, got {value}")
            terms[code] = float(item("do").limit(WaterClass.III, section_type)) / value
        else:
            terms[code] = value / float(item(code).limit(WaterClass.III, section_type))
    return terms


def cwqi(values: Mapping[str, float], section_type: SectionType) -> float:
    """City water-quality index CWQI: the sum of :func:`cwqi_terms` ([1], UNCONFIRMED beyond it)."""
    return float(sum(cwqi_terms(values, section_type).values()))
