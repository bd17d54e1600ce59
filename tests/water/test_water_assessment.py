"""National assessment method: shares, period means, TLI, CWQI."""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.standards.gb3838 import SectionType, WaterClass
from ecoguard.standards.water_assessment import (
    AUTO_STATION_ITEMS,
    CLASS_ITEMS,
    Period,
    SevereRule,
    cwqi,
    cwqi_terms,
    fraction_half_even,
    group_status,
    period_means,
    round_half_even,
    status_by_share,
    tli,
    tli_single,
    trophic_state,
)


def test_class_items_are_table_1_without_temperature_tn_and_coliforms() -> None:
    assert len(CLASS_ITEMS) == 21
    assert not {"tn", "fecal_coliform", "water_temp"} & set(CLASS_ITEMS)
    assert set(AUTO_STATION_ITEMS) <= set(CLASS_ITEMS)


def test_round_half_even_on_decimal_values() -> None:
    # 0.125 -> 0.12 (half to even); 2.675 is 2.67499... in binary but 2.675 as a decimal.
    assert round_half_even([0.125, 0.135, 2.675, math.nan], 2)[:3].tolist() == [0.12, 0.14, 2.68]


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        ([1] * 9 + [4], "优"),  # 90 % exactly
        ([1] * 8 + [4] * 2, "良好"),
        ([2, 2, 2, 4], "良好"),  # 75 % exactly
        ([2, 4, 4, 4, 4], "轻度污染"),
        ([2, 4, 4, 6, 4], "中度污染"),  # 劣Ⅴ 20 %
        ([2, 6, 6, 4, 4], "重度污染"),  # 劣Ⅴ 40 %
        ([1, 1, 1, 6, 6], "重度污染"),  # 60 % I-III and 40 % 劣Ⅴ: the readings differ here
    ],
)
def test_status_by_share(classes: list[int], expected: str) -> None:
    assert status_by_share(classes) == expected


def test_severe_readings_differ_only_at_sixty_forty() -> None:
    assert status_by_share([1, 1, 1, 6, 6], SevereRule.SHARE_60) == "中度污染"
    assert status_by_share([1, 1, 6, 6, 4], SevereRule.SHARE_60) == "重度污染"


@settings(deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=60))
def test_severe_readings_agree_except_at_sixty_forty(classes: list[int]) -> None:
    n = len(classes)
    good = Fraction(sum(c <= 3 for c in classes), n)
    bad = Fraction(sum(c == 6 for c in classes), n)
    a = status_by_share(classes, SevereRule.SHARE_75)
    b = status_by_share(classes, SevereRule.SHARE_60)
    assert (a != b) == (good == Fraction(3, 5) and bad == Fraction(2, 5))


@settings(deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=30), st.integers(0, 29))
def test_a_worse_section_never_improves_the_status(classes: list[int], index: int) -> None:
    order = ["优", "良好", "轻度污染", "中度污染", "重度污染"]
    i = index % len(classes)
    worse = list(classes)
    worse[i] = min(6, worse[i] + 1)
    assert order.index(status_by_share(worse)) >= order.index(status_by_share(classes))


def test_fewer_than_five_sections_average_then_classify() -> None:
    values = pd.DataFrame({"ph": [7.0, 8.0], "do": [8.0, 6.0], "tp": [0.1, 0.31]})
    status = group_status(values, [2, 6], SectionType.RIVER, ["ph", "do", "tp"])
    # TP mean 0.205 -> Ⅳ; DO mean 7.0 -> Ⅱ.
    assert status.method == "mean"
    assert status.water_class is WaterClass.IV
    assert status.description_zh == "轻度污染"
    assert status.excellent_share == Fraction(1, 2)


def test_five_sections_use_shares() -> None:
    status = group_status(pd.DataFrame(), [1, 2, 3, 4, 6], SectionType.RIVER)
    assert (status.method, status.description_zh) == ("share", "中度污染")
    assert status.worse_than_v_share == Fraction(1, 5)


def test_period_means_go_through_daily_means() -> None:
    readings = pd.DataFrame(
        {
            "section": ["A"] * 4,
            "parameter": ["tp"] * 4,
            "day": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-01", "2026-01-02"]),
            "value": [0.1, 0.1, 0.1, 0.3],
        }
    )
    monthly = period_means(readings, Period.MONTH)
    # Day means 0.1 and 0.3: month 0.2 (not 0.15 from the four readings).
    assert monthly[["period", "value", "readings"]].values.tolist() == [["2026-01", 0.2, 4]]


def test_quarter_and_year_are_means_of_months() -> None:
    readings = pd.DataFrame(
        {
            "section": ["A"] * 3,
            "parameter": ["codmn"] * 3,
            "day": pd.to_datetime(["2026-01-05", "2026-02-05", "2026-04-05"]),
            "value": [2.0, 4.0, 9.0],
        }
    )
    quarter = period_means(readings, Period.QUARTER)
    assert quarter[["period", "value", "months"]].values.tolist() == [
        ["2026-Q1", 3.0, 2],
        ["2026-Q2", 9.0, 1],
    ]
    year = period_means(readings, Period.YEAR)
    assert year[["period", "value", "months"]].values.tolist() == [["2026", 5.0, 3]]


def test_tli_at_reference_point() -> None:
    # At Chl-a 1 mg/m3 TLI(chla) = 25; the combined index weighs the five terms by r^2.
    assert tli_single("chla", 1.0) == pytest.approx(25.0)
    values = {"chla": 10.0, "tp": 0.05, "tn": 1.0, "sd": 1.0, "codmn": 4.0}
    weights = {"chla": 1.0, "tp": 0.84**2, "tn": 0.82**2, "sd": 0.83**2, "codmn": 0.83**2}
    total = sum(weights.values())
    expected = sum(weights[p] / total * tli_single(p, v) for p, v in values.items())
    assert tli(values) == pytest.approx(expected)
    assert 30 < tli(values) < 60


@settings(deadline=None)
@given(st.floats(0.005, 0.5), st.floats(0.005, 0.5))
def test_more_phosphorus_raises_tli(a: float, b: float) -> None:
    base = {"chla": 5.0, "tn": 1.0, "sd": 1.0, "codmn": 3.0}
    low, high = sorted((a, b))
    assert tli(base | {"tp": low}) <= tli(base | {"tp": high})


def test_tli_needs_all_parameters() -> None:
    with pytest.raises(ValueError, match="sd"):
        tli({"chla": 5.0, "tp": 0.05, "tn": 1.0, "codmn": 3.0})


@pytest.mark.parametrize(
    ("index", "band"),
    [(29.9, "贫营养"), (30, "中营养"), (50, "中营养"), (50.1, "轻度富营养"), (70.5, "重度富营养")],
)
def test_trophic_bands(index: float, band: str) -> None:
    assert trophic_state(index) == band


def test_cwqi_terms() -> None:
    terms = cwqi_terms({"ph": 8.0, "do": 10.0, "tp": 0.1, "nh3_n": 0.5}, SectionType.RIVER)
    assert terms == pytest.approx({"ph": 0.5, "do": 0.5, "tp": 0.5, "nh3_n": 0.5})
    lake = cwqi_terms({"tp": 0.1}, SectionType.LAKE)
    assert lake["tp"] == pytest.approx(2.0)
    assert cwqi({"ph": 6.5, "codmn": 3.0}, SectionType.RIVER) == pytest.approx(1.0)


def test_period_means_are_exact_before_rounding_half_even() -> None:
    # (0.204 + 0.075) / 2 = 0.1395 exactly, which rounds half-even to 0.140; the float mean is
    # 0.13949999999999999 and would round to 0.139.
    assert (0.204 + 0.075) / 2 < 0.1395
    readings = pd.DataFrame(
        {
            "section": ["A", "A"],
            "parameter": ["tp", "tp"],
            "day": pd.to_datetime(["2026-05-01", "2026-05-02"]),
            "value": [0.204, 0.075],
        }
    )
    assert period_means(readings, Period.MONTH)["value"].tolist() == [0.14]


@settings(deadline=None)
@given(st.lists(st.integers(0, 2000), min_size=1, max_size=12))
def test_monthly_mean_of_single_daily_readings_is_the_rounded_exact_mean(ints: list[int]) -> None:
    values = [i / 1000 for i in ints]
    readings = pd.DataFrame(
        {
            "section": "A",
            "parameter": "tp",
            "day": pd.date_range("2026-07-01", periods=len(values), freq="D"),
            "value": values,
        }
    )
    exact = fraction_half_even(Fraction(sum(ints), 1000 * len(ints)), 3)
    assert period_means(readings, Period.MONTH)["value"].tolist() == [float(exact)]


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [("0.0125", 3, "0.012"), ("0.0135", 3, "0.014"), ("-0.0135", 3, "-0.014"), ("2.5", 0, "2")],
)
def test_fraction_half_even(value: str, decimals: int, expected: str) -> None:
    assert fraction_half_even(Fraction(value), decimals) == Fraction(expected)
