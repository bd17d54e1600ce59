"""HJ 633-2012 / HJ 633-2026 AQI: reference vectors, rules and properties.

The reference vectors are those of /work/shared/reference/air.md §2.6 (computed from Table 1 of
HJ 633-2012 and Table 3 of HJ 633-2026 with exact arithmetic).  The slow reference implementation
below uses ``fractions.Fraction`` and ``decimal`` straight from the formula of the standards.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.standards.hj633 import (
    LEVELS,
    NA,
    Edition,
    daily_report,
    edition_for,
    hourly_report,
    iaqi,
    level_of,
    mask_names,
)

E12, E26 = Edition.HJ633_2012, Edition.HJ633_2026

# --- the reference implementation (independent: tables typed again from air.md §2.1) ------------

STEPS = [0, 50, 100, 150, 200, 300, 400, 500]
REF_2012 = {
    "so2_24h": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "so2_1h": [0, 150, 500, 650, 800],
    "no2_24h": [0, 40, 80, 180, 280, 565, 750, 940],
    "no2_1h": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "pm10_24h": [0, 50, 150, 250, 350, 420, 500, 600],
    "co_24h": [0, 2, 4, 14, 24, 36, 48, 60],
    "co_1h": [0, 5, 10, 35, 60, 90, 120, 150],
    "o3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
    "o3_8h": [0, 100, 160, 215, 265, 800],
    "pm2_5_24h": [0, 35, 75, 115, 150, 250, 350, 500],
}
REF_2026 = {**REF_2012, "pm10_24h": [0, 50, 120, 250, 350, 420, 500, 600]}
REF_2026["pm2_5_24h"] = [0, 35, 60, 115, 150, 250, 350, 500]


def ref_iaqi(column: str, value: str, edition: Edition) -> int | None:
    """Exact IAQI by the formula; None where the standard computes none (2012 > 800 rules)."""
    table = REF_2012 if edition is E12 else REF_2026
    c = Decimal(value)
    if edition is E26:  # §4.2.2: GB/T 8170 rounding first
        c = c.quantize(Decimal("0.1") if column.startswith("co") else Decimal(1), ROUND_HALF_EVEN)
    bps = table[column]
    if c > bps[-1]:
        if column == "so2_1h":
            return 200 if edition is E26 else None
        if column == "o3_8h":
            return 300 if edition is E26 else None
        return 500
    for j in range(len(bps) - 1):
        if bps[j] <= c <= bps[j + 1]:
            x = Fraction(STEPS[j + 1] - STEPS[j], bps[j + 1] - bps[j]) * (Fraction(c) - bps[j])
            return STEPS[j] + math.ceil(x)
    raise AssertionError(value)


# --- air.md §2.6 reference vectors ---------------------------------------------------------------

VECTORS = [  # column, concentration, IAQI 2012, IAQI 2026 (None: the other indicator's IAQI is used)
    ("so2_24h", "50", 50, 50),
    ("so2_24h", "100", 75, 75),
    ("so2_24h", "150", 100, 100),
    ("so2_24h", "475", 150, 150),
    ("so2_24h", "800", 200, 200),
    ("so2_24h", "1000", 225, 225),
    ("so2_1h", "150", 50, 50),
    ("so2_1h", "500", 100, 100),
    ("so2_1h", "650", 150, 150),
    ("so2_1h", "800", 200, 200),
    ("so2_1h", "801", None, 200),
    ("no2_24h", "40", 50, 50),
    ("no2_24h", "80", 100, 100),
    ("no2_24h", "100", 110, 110),
    ("no2_24h", "180", 150, 150),
    ("no2_1h", "100", 50, 50),
    ("no2_1h", "200", 100, 100),
    ("no2_1h", "450", 125, 125),
    ("co_24h", "2", 50, 50),
    ("co_24h", "2.2", 55, 55),
    ("co_24h", "4", 100, 100),
    ("co_24h", "12", 140, 140),
    ("co_1h", "5", 50, 50),
    ("co_1h", "10", 100, 100),
    ("co_1h", "12.7", 106, 106),
    ("co_1h", "65.4", 218, 218),
    ("o3_1h", "160", 50, 50),
    ("o3_1h", "161", 52, 52),
    ("o3_1h", "250", 125, 125),
    ("o3_1h", "800", 300, 300),
    ("o3_1h", "1200", 500, 500),
    ("o3_8h", "100", 50, 50),
    ("o3_8h", "101", 51, 51),
    ("o3_8h", "160", 100, 100),
    ("o3_8h", "200", 137, 137),
    ("o3_8h", "265", 200, 200),
    ("o3_8h", "800", 300, 300),
    ("o3_8h", "801", None, 300),
    ("pm10_24h", "50", 50, 50),
    ("pm10_24h", "100", 75, 86),
    ("pm10_24h", "120", 85, 100),
    ("pm10_24h", "150", 100, 112),
    ("pm10_24h", "250", 150, 150),
    ("pm10_24h", "600", 500, 500),
    ("pm2_5_24h", "35", 50, 50),
    ("pm2_5_24h", "36", 52, 52),
    ("pm2_5_24h", "50", 69, 80),
    ("pm2_5_24h", "60", 82, 100),
    ("pm2_5_24h", "75", 100, 114),
    ("pm2_5_24h", "76", 102, 115),
    ("pm2_5_24h", "115", 150, 150),
    ("pm2_5_24h", "500", 500, 500),
]


@pytest.mark.parametrize(("column", "conc", "v2012", "v2026"), VECTORS)
def test_reference_vectors(column: str, conc: str, v2012: int | None, v2026: int) -> None:
    got12 = int(iaqi(column, float(conc), E12))
    assert got12 == (NA if v2012 is None else v2012)
    assert int(iaqi(column, float(conc), E26)) == v2026
    assert ref_iaqi(column, conc, E12) == v2012 and ref_iaqi(column, conc, E26) == v2026


def test_float_trap_cases_vectorised() -> None:
    # plain float interpolation + ceil gives 56 and 219 here
    assert iaqi("co_24h", np.array([2.2, 2.2, 2.9, 0.5]), E12).tolist() == [55, 55, 73, 13]
    assert iaqi("co_1h", np.array([65.4]), E26).tolist() == [218]


def test_pm_one_hour_means_use_daily_columns_in_2026_only() -> None:
    assert int(iaqi("pm2_5_1h", 75, E26)) == 114
    assert int(iaqi("pm10_1h", 150, E26)) == 112
    with pytest.raises(ValueError, match="pm2_5_1h"):
        iaqi("pm2_5_1h", 75, E12)


# --- GB/T 8170 rounding before IAQI (HJ 633-2026 §4.2.2) ------------------------------------------


@pytest.mark.parametrize(
    ("column", "conc", "expected_2026", "expected_2012"),
    [
        ("pm2_5_24h", 60.5, 100, 83),  # 60.5 -> 60 (even): 100; 2012 no rounding
        ("pm2_5_24h", 61.5, 102, 84),  # 61.5 -> 62
        ("pm2_5_24h", 35.4, 50, 51),
        ("pm2_5_24h", 35.5, 52, 51),  # 35.5 -> 36 (even)
        ("co_24h", 4.05, 100, 101),  # 4.05 -> 4.0 (even); 2012: 100.25 -> 101
        ("co_24h", 4.15, 101, 101),  # 4.15 -> 4.2
        ("co_1h", 0.25, 2, 3),  # 0.25 -> 0.2: 0.2*10 = 2
        ("co_1h", 0.35, 4, 4),  # 0.35 -> 0.4
    ],
)
def test_2026_rounds_concentrations_half_even(
    column: str, conc: float, expected_2026: int, expected_2012: int
) -> None:
    assert int(iaqi(column, conc, E26)) == expected_2026
    assert ref_iaqi(column, repr(conc), E26) == expected_2026
    assert int(iaqi(column, conc, E12)) == ref_iaqi(column, repr(conc), E12)


# --- properties ----------------------------------------------------------------------------------

columns = st.sampled_from(sorted(REF_2012))
editions = st.sampled_from([E12, E26])
conc_strings = st.builds(
    lambda units, places: str(Decimal(units).scaleb(-places)),
    st.integers(min_value=0, max_value=4_200_000),
    st.sampled_from([0, 1, 2, 3]),
)


@settings(deadline=None)  # the machine is shared: no per-example deadline
@given(column=columns, edition=editions, values=st.lists(conc_strings, min_size=1, max_size=30))
def test_agrees_with_fraction_reference(column: str, edition: Edition, values: list[str]) -> None:
    got = iaqi(column, np.array([float(v) for v in values]), edition)
    expected = [ref_iaqi(column, v, edition) for v in values]
    assert got.tolist() == [NA if e is None else e for e in expected]


@settings(deadline=None)  # the machine is shared: no per-example deadline
@given(
    column=columns,
    edition=editions,
    a=st.floats(0, 4000, allow_nan=False),
    b=st.floats(0, 4000, allow_nan=False),
)
def test_monotone_in_concentration(column: str, edition: Edition, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    top = REF_2012[column][-1]
    if column in ("so2_1h", "o3_8h") and edition is E12 and hi > top:
        return  # no IAQI above 800 in 2012 (the report takes another indicator's IAQI)
    assert int(iaqi(column, lo, edition)) <= int(iaqi(column, hi, edition))


@settings(deadline=None)  # the machine is shared: no per-example deadline
@given(column=columns, edition=editions, data=st.data())
def test_continuous_at_breakpoints(column: str, edition: Edition, data: st.DataObject) -> None:
    table = REF_2012 if edition is E12 else REF_2026
    j = data.draw(st.integers(1, len(table[column]) - 2))
    bp = table[column][j]
    # the same IAQI whether the breakpoint is the top of one segment or the bottom of the next
    assert int(iaqi(column, bp, edition)) == STEPS[j]
    step = 0.1 if column.startswith("co") else 1.0
    below, above = iaqi(column, [bp - step, bp + step], edition).tolist()
    assert STEPS[j - 1] < below <= STEPS[j] < above <= STEPS[j + 1]


def test_missing_and_negative_are_na_not_errors() -> None:
    out = iaqi("pm2_5_24h", [np.nan, -5.0, 0.0, 0.001], E12)
    assert out.tolist() == [NA, NA, 0, 1]


def test_above_top_breakpoint_is_capped_and_flagged() -> None:
    r = hourly_report(
        {"so2_1h": 5, "no2_1h": 5, "co_1h": 0.2, "o3_1h": 30, "pm10_1h": 650, "pm2_5_1h": 900},
        E26,
    )
    assert r.aqi.item() == 500
    assert r.iaqi["pm10"].item() == 500 and r.iaqi["pm2_5"].item() == 500
    assert str(mask_names(r.above_range_mask)) == "PM10,PM2.5"
    assert str(mask_names(r.primary_mask)) == "PM10,PM2.5"


# --- levels, colours -----------------------------------------------------------------------------


def test_levels_and_colours() -> None:
    assert level_of([0, 50, 51, 100, 101, 150, 151, 200, 201, 300, 301, 500, NA]).tolist() == [
        1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 0,
    ]  # fmt: skip
    assert [lv.category_zh for lv in LEVELS] == [
        "优",
        "良",
        "轻度污染",
        "中度污染",
        "重度污染",
        "严重污染",
    ]
    assert [lv.colour_hex for lv in LEVELS] == [
        "#00E400", "#FFFF00", "#FF7E00", "#FF0000", "#99004C", "#7E0023",
    ]  # fmt: skip
    for lv in LEVELS:
        assert lv.colour_hex == "#{:02X}{:02X}{:02X}".format(*lv.rgb)
    assert LEVELS[5].category_en == "Severely polluted" and LEVELS[0].grade_zh == "一级"


# --- reports -------------------------------------------------------------------------------------


def h12(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "so2_1h": 10, "no2_1h": 20, "co_1h": 0.5, "o3_1h": 50, "o3_8h": 40,
        "pm10_24h": 30, "pm2_5_24h": 20,
    }  # fmt: skip
    base.update(kw)
    return base


def h26(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "so2_1h": 10, "no2_1h": 20, "co_1h": 0.5, "o3_1h": 50, "pm10_1h": 30, "pm2_5_1h": 20,
    }  # fmt: skip
    base.update(kw)
    return base


def test_primary_pollutant_only_above_50_and_ties_kept() -> None:
    # PM10 24h 150 -> 100 and PM2.5 24h 75 -> 100 in 2012: a tie
    r = hourly_report(h12(pm10_24h=150, pm2_5_24h=75), E12)
    assert r.aqi.item() == 100 and r.record(()).primary == ("PM10", "PM2.5")
    # AQI <= 50: no primary pollutant even though PM2.5 is the largest
    r = hourly_report(h12(pm2_5_24h=35), E12)
    assert r.aqi.item() == 50 and r.primary_mask.item() == 0
    # O3 via its 1-h or 8-h IAQI counts as O3
    r = hourly_report(h12(o3_1h=250, o3_8h=100), E12)
    assert r.aqi.item() == 125 and r.record(()).primary == ("O3",)


def test_exceeding_pollutants_2012_only() -> None:
    r = hourly_report(h12(pm10_24h=200, pm2_5_24h=120, no2_1h=200), E12)
    assert r.record(()).exceeding == ("PM10", "PM2.5")  # NO2 IAQI 100 is not above 100
    assert hourly_report(h26(pm2_5_1h=120), E26).exceeding_mask is None


def test_so2_over_800_rules() -> None:
    r = hourly_report(h12(so2_1h=900, so2_24h=700), E12)
    assert r.iaqi["so2"].item() == int(iaqi("so2_24h", 700, E12)) == 185
    assert r.aqi.item() == 185 and r.record(()).primary == ("SO2",)
    r = hourly_report(h12(so2_1h=900), E12)  # no 24-h mean given: SO2 IAQI NA, AQI from the rest
    assert r.iaqi["so2"].item() == NA and not r.complete.item()
    r = hourly_report(h26(so2_1h=900), E26)
    assert r.iaqi["so2"].item() == 200 and r.aqi.item() == 200


def test_o3_8h_over_800_rules() -> None:
    r = hourly_report(h12(o3_1h=900, o3_8h=850), E12)
    assert r.iaqi["o3_8h"].item() == NA and r.iaqi["o3"].item() == r.iaqi["o3_1h"].item() == 350
    d = daily_report(
        {"so2_24h": 5, "no2_24h": 5, "co_24h": 0.5, "pm10_24h": 20, "pm2_5_24h": 10,
         "o3_8h_max": 850, "o3_1h_max": 1000},
        E12,
    )  # fmt: skip
    assert d.aqi.item() == 400
    d = daily_report(
        {"so2_24h": 5, "no2_24h": 5, "co_24h": 0.5, "pm10_24h": 20, "pm2_5_24h": 10,
         "o3_8h_max": 850},
        E26,
    )  # fmt: skip
    assert d.aqi.item() == 300 and d.level.item() == 5


def test_daily_indicator_sets_differ_by_edition() -> None:
    day = {"so2_24h": 5, "no2_24h": 5, "co_24h": 0.5, "pm10_24h": 20, "pm2_5_24h": 10,
           "o3_8h_max": 90}  # fmt: skip
    with pytest.raises(ValueError, match="o3_1h_max"):
        daily_report(day, E12)  # 2012 also needs the O3 daily max 1-h
    r12 = daily_report({**day, "o3_1h_max": 250}, E12)
    assert r12.aqi.item() == 125 and r12.record(()).primary == ("O3",)
    with pytest.raises(ValueError, match="o3_1h_max"):
        daily_report({**day, "o3_1h_max": 250}, E26)  # dropped in 2026
    assert daily_report(day, E26).aqi.item() == 45


def test_2026_missing_pollutant_publication_rule() -> None:
    conc = h26(pm2_5_1h=[np.nan, np.nan, 30], pm10_1h=[200, 60, 60])
    r = hourly_report(conc, E26)
    # PM2.5 missing: AQI 131 (> 100) is published, AQI 58 is not; complete rows always are
    assert r.aqi.tolist() == [131, 58, 58]
    assert r.published.tolist() == [True, False, True]
    assert r.complete.tolist() == [False, False, True]
    assert np.isnan(r.aqi_float()[1]) and r.aqi_float()[0] == 131
    # 2012 has no such clause: computable means published
    r12 = hourly_report(h12(pm2_5_24h=[np.nan], pm10_24h=[60]), E12)
    assert r12.published.tolist() == [True] and r12.complete.tolist() == [False]


def test_all_missing_gives_na() -> None:
    nan = float("nan")
    r = hourly_report({k: [nan] for k in h26()}, E26)
    assert r.aqi.tolist() == [NA] and r.level.tolist() == [0] and not r.published[0]
    assert r.record(0).aqi is None and r.record(0).level is None


def test_bad_indicator_names_are_refused() -> None:
    with pytest.raises(ValueError, match=r"pm25_1h"):
        hourly_report({**h26(), "pm25_1h": 3}, E26)
    with pytest.raises(ValueError, match="not given"):
        hourly_report({k: v for k, v in h26().items() if k != "co_1h"}, E26)


def test_shapes_are_kept_and_chunks_agree() -> None:
    rng = np.random.default_rng(1)
    n = 200_003  # several chunks plus a remainder
    conc = {k: rng.gamma(2.0, 40.0, n).round(1) for k in h26()}
    conc["co_1h"] = rng.gamma(2.0, 0.6, n).round(2)
    conc["pm2_5_1h"][rng.random(n) < 0.1] = np.nan
    r = hourly_report(conc, E26)
    r2 = hourly_report({k: v.reshape(-1, 1) for k, v in conc.items()}, E26)
    assert r2.aqi.shape == (n, 1)
    assert np.array_equal(r.aqi, r2.aqi.ravel())
    expected = np.max([np.asarray(r.iaqi[p], dtype=np.int32) for p in r.iaqi], axis=0)
    assert np.array_equal(r.aqi, expected)
    sample = rng.choice(n, 300, replace=False)
    for i in sample:
        row = {k: v[i] for k, v in conc.items()}
        one = hourly_report(row, E26)
        assert one.aqi.item() == r.aqi[i]
        assert one.primary_mask.item() == r.primary_mask[i]


def test_edition_for_switches_on_2026_03_01_cst() -> None:
    assert edition_for(dt.date(2026, 2, 28)) is E12
    assert edition_for(dt.date(2026, 3, 1)) is E26
    # 2026-02-28 16:30 UTC is 2026-03-01 00:30 CST
    assert edition_for(dt.datetime(2026, 2, 28, 16, 30, tzinfo=dt.UTC)) is E26
    assert edition_for(dt.datetime(2026, 2, 28, 15, 30, tzinfo=dt.UTC)) is E12
    assert Edition("hj633-2026") is E26


# --- report against the slow reference, row by row -----------------------------------------------

maybe_conc = st.one_of(st.none(), st.integers(0, 1300).map(float), conc_strings.map(float))
COLS_2012 = {
    "so2_1h": "so2", "no2_1h": "no2", "co_1h": "co", "o3_1h": "o3", "o3_8h": "o3",
    "pm10_24h": "pm10", "pm2_5_24h": "pm2_5",
}  # fmt: skip
COLS_2026 = {
    "so2_1h": "so2", "no2_1h": "no2", "co_1h": "co", "o3_1h": "o3", "pm10_1h": "pm10",
    "pm2_5_1h": "pm2_5",
}  # fmt: skip
NAMES = {"so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3", "pm10": "PM10", "pm2_5": "PM2.5"}


def ref_report(row: dict[str, float | None], edition: Edition) -> tuple[int | None, set[str], bool]:
    cols = COLS_2012 if edition is E12 else COLS_2026
    per: dict[str, int] = {}
    complete = True
    for ind, pol in cols.items():
        v = row[ind]
        if v is None:
            complete = False
            continue
        column = {"pm10_1h": "pm10_24h", "pm2_5_1h": "pm2_5_24h"}.get(ind, ind)
        value = ref_iaqi(column, repr(v), edition)
        if value is None:  # 2012 > 800 rules: O3 8-h is then replaced by O3 1-h (complete);
            complete = complete and ind == "o3_8h"  # SO2 1-h needs the 24-h mean (not given)
            continue
        per[pol] = max(per.get(pol, -1), value)
    if not per:
        return None, set(), False
    aqi = max(per.values())
    primary = {NAMES[p] for p, v in per.items() if v == aqi} if aqi > 50 else set()
    return aqi, primary, complete


@settings(deadline=None)  # the machine is shared: no per-example deadline
@given(data=st.data(), edition=editions)
def test_report_rows_agree_with_reference(data: st.DataObject, edition: Edition) -> None:
    cols = COLS_2012 if edition is E12 else COLS_2026
    rows = [{k: data.draw(maybe_conc) for k in cols} for _ in range(5)]
    conc = {k: [np.nan if r[k] is None else r[k] for r in rows] for k in cols}
    rep = hourly_report(conc, edition)
    for i, row in enumerate(rows):
        aqi, primary, complete = ref_report(row, edition)
        rec = rep.record(i)
        assert rec.aqi == aqi
        assert set(rec.primary) == primary
        assert rec.complete == complete
        if edition is E26:
            assert rec.published == (aqi is not None and (complete or aqi > 100))
        else:
            assert rec.exceeding is not None
            assert set(rec.exceeding) == {
                NAMES[p] for p in NAMES if (v := rep.iaqi[p][i]) > 100 and v != NA
            }


def test_cnemc_practice_report_without_data() -> None:
    from ecoguard.standards.hj633 import cnemc_realtime_report

    six = h26(pm2_5_1h=[53.0, 317.0, np.nan], pm10_1h=[76.0, np.nan, 30.0], so2_1h=[15, 15, 915])
    r = cnemc_realtime_report(six)
    # PM 1-h means on the 2012 daily columns: PM2.5 53 -> 73, 317 -> 367; SO2 > 800 -> 200
    assert r.aqi.tolist() == [73, 367, 200]
    assert r.edition is E12 and r.kind == "hourly-cnemc"
    assert r.exceeding_mask is not None and r.complete.tolist() == [True, False, False]
    assert r.published.tolist() == [True, True, True]
    with pytest.raises(ValueError, match="o3_8h"):
        cnemc_realtime_report({**six, "o3_8h": 10})


def test_bad_values_name_the_indicator() -> None:
    with pytest.raises(ValueError, match=r"'co_1h' is not numeric"):
        hourly_report({**h26(), "co_1h": ["0.5", "n/a"]}, E26)
    with pytest.raises(ValueError, match=r"shapes do not match: .*pm2_5_1h \(3,\)"):
        hourly_report({**h26(), "so2_1h": [1.0, 2.0], "pm2_5_1h": [1.0, 2.0, 3.0]}, E26)
