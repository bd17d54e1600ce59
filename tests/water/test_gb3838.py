"""GB 3838-2002 class limits and the single-factor method."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.standards import gb3838
from ecoguard.standards.gb3838 import (
    TABLE_1,
    TABLE_2,
    SectionType,
    WaterClass,
    exceedances,
    factor_class,
    nudge_worse,
    single_factor_class,
    table2_compliance,
)

CONCENTRATION_ITEMS = [i.code for i in TABLE_1 if i.direction is gb3838.Direction.AT_MOST]


def test_table_1_has_23_classed_items_and_table_2_five() -> None:
    # Table 1 has 24 items; item 1 (water temperature) limits man-made change, not classes.
    assert len(TABLE_1) == 23
    assert [i.table for i in TABLE_1] == [f"Table 1 item {n}" for n in range(2, 25)]
    assert [i.code for i in TABLE_2] == ["sulfate", "chloride", "nitrate_n", "fe", "mn"]


@pytest.mark.parametrize("code", CONCENTRATION_ITEMS)
def test_limits_are_non_decreasing(code: str) -> None:
    spec = gb3838.item(code)
    for limits in (spec.limits, spec.lake_limits or spec.limits):
        values = [float(v) for v in limits]
        assert values == sorted(values)


@pytest.mark.parametrize(
    ("code", "value", "section_type", "expected"),
    [
        # A value equal to a limit belongs to that limit's class (<= for concentrations).
        ("tp", 0.1, SectionType.RIVER, WaterClass.II),
        ("tp", 0.100001, SectionType.RIVER, WaterClass.III),
        ("tp", 0.1, SectionType.LAKE, WaterClass.IV),
        ("tp", 0.025, SectionType.LAKE, WaterClass.II),
        ("tp", 0.4, SectionType.RIVER, WaterClass.V),
        ("tp", 0.41, SectionType.RIVER, WaterClass.WORSE_THAN_V),
        ("tp", 0.21, SectionType.LAKE, WaterClass.WORSE_THAN_V),
        ("nh3_n", 0.15, SectionType.RIVER, WaterClass.I),
        ("nh3_n", 0.151, SectionType.RIVER, WaterClass.II),
        ("codmn", 2.0, SectionType.RIVER, WaterClass.I),
        ("codmn", 15.01, SectionType.RIVER, WaterClass.WORSE_THAN_V),
        # Items whose class I and II share a limit skip class II.
        ("cod", 15.0, SectionType.RIVER, WaterClass.I),
        ("cod", 15.1, SectionType.RIVER, WaterClass.III),
        ("hg", 0.00005, SectionType.RIVER, WaterClass.I),
        ("hg", 0.00006, SectionType.RIVER, WaterClass.III),
        # Dissolved oxygen: higher is better, >= the limit.
        ("do", 7.5, SectionType.RIVER, WaterClass.I),
        ("do", 7.49, SectionType.RIVER, WaterClass.II),
        ("do", 5.0, SectionType.RIVER, WaterClass.III),
        ("do", 2.0, SectionType.RIVER, WaterClass.V),
        ("do", 1.99, SectionType.RIVER, WaterClass.WORSE_THAN_V),
        # pH: 6-9 inclusive for every class, 劣Ⅴ outside.
        ("ph", 6.0, SectionType.RIVER, WaterClass.I),
        ("ph", 9.0, SectionType.LAKE, WaterClass.I),
        ("ph", 9.01, SectionType.RIVER, WaterClass.WORSE_THAN_V),
        ("ph", 5.99, SectionType.RIVER, WaterClass.WORSE_THAN_V),
        ("fecal_coliform", 2000, SectionType.RIVER, WaterClass.II),
    ],
)
def test_factor_class_boundaries(
    code: str, value: float, section_type: SectionType, expected: WaterClass
) -> None:
    assert factor_class(code, [value], section_type)[0] == expected


def test_values_parsed_from_text_compare_exactly_with_limits() -> None:
    # 0.1 + 0.2 != 0.3 in binary; values parsed from text (as files give them) still land right.
    assert factor_class("tp", [float("0.100")], SectionType.RIVER)[0] == 2
    assert factor_class("nh3_n", [float("1.0")], SectionType.RIVER)[0] == 3


def test_missing_values_are_class_zero() -> None:
    assert factor_class("tp", [math.nan, 0.01], SectionType.RIVER).tolist() == [0, 1]


def test_do_saturation_meets_class_i() -> None:
    classes = factor_class("do", [7.0, 7.0], SectionType.RIVER, do_saturation=[91.0, 89.0])
    assert classes.tolist() == [1, 2]


def test_per_row_section_types() -> None:
    classes = factor_class("tp", [0.05, 0.05], [SectionType.RIVER, SectionType.LAKE])
    assert classes.tolist() == [2, 3]
    named = factor_class("tp", [0.05, 0.05, 0.05], ["river", "lake_reservoir", "湖库"])
    assert named.tolist() == [2, 3, 3]
    with pytest.raises(ValueError, match="neither 'river' nor 'lake'"):
        factor_class("tp", [0.05], ["pond"])


def test_table_2_items_give_compliance_not_class() -> None:
    assert table2_compliance("fe", [0.3, 0.31, math.nan]).tolist() == [True, False, True]
    with pytest.raises(ValueError, match="no classes"):
        factor_class("fe", [0.1])
    with pytest.raises(ValueError, match="not a Table 2 item"):
        table2_compliance("tp", [0.1])


def test_unknown_item_is_named() -> None:
    with pytest.raises(KeyError, match="'tpx' is not a GB 3838-2002 item"):
        factor_class("tpx", [1.0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Ⅲ", 3), ("III", 3), ("3", 3), ("Ⅲ类", 3), ("劣Ⅴ", 6), ("劣V", 6), ("Ⅰ", 1)],
)
def test_class_labels_parse(text: str, expected: int) -> None:
    assert WaterClass.parse(text) == expected
    assert WaterClass.parse(WaterClass(expected).label) == expected


def test_bad_class_label_is_an_error() -> None:
    with pytest.raises(ValueError, match="not a water-quality class"):
        WaterClass.parse("VI")


def test_single_factor_worst_item_decides_and_is_named() -> None:
    values = pd.DataFrame(
        {"ph": [7.5, 9.5], "do": [8.0, 8.0], "codmn": [3.0, 1.0], "tp": [0.15, 0.01]}
    )
    result = single_factor_class(values, SectionType.RIVER, ["ph", "do", "codmn", "nh3_n", "tp"])
    assert result.water_class.tolist() == [3, 6]
    assert result.deciding == [("tp",), ("ph",)]
    assert result.factor_classes["nh3_n"].tolist() == [0, 0]


def test_exceedances_against_target() -> None:
    found = exceedances(
        {"tp": 0.3, "do": 4.0, "codmn": 3.0, "ph": 9.5}, WaterClass.III, SectionType.RIVER
    )
    assert [(e.code, e.limit) for e in found] == [("ph", 9.0), ("do", 5.0), ("tp", 0.2)]
    assert found[0].multiple is None and found[1].multiple is None
    assert found[2].multiple == pytest.approx(0.5)


def test_every_class_has_a_description_and_colour() -> None:
    assert [gb3838.CLASS_STYLE[c].description_zh for c in WaterClass] == [
        "优", "优", "良好", "轻度污染", "中度污染", "重度污染"
    ]  # fmt: skip
    assert all(gb3838.CLASS_STYLE[c].colour.startswith("#") for c in WaterClass)


concentrations = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


@settings(deadline=None)
@given(code=st.sampled_from(CONCENTRATION_ITEMS), a=concentrations, b=concentrations,
       lake=st.booleans())  # fmt: skip
def test_a_higher_concentration_never_gets_a_better_class(
    code: str, a: float, b: float, lake: bool
) -> None:
    kind = SectionType.LAKE if lake else SectionType.RIVER
    low, high = sorted((a, b))
    classes = factor_class(code, [low, high], kind)
    assert classes[0] <= classes[1]


@settings(deadline=None)
@given(a=st.floats(0, 20, allow_nan=False), b=st.floats(0, 20, allow_nan=False))
def test_less_oxygen_never_gets_a_better_class(a: float, b: float) -> None:
    low, high = sorted((a, b))
    classes = factor_class("do", [low, high])
    assert classes[0] >= classes[1]


@settings(deadline=None)
@given(value=concentrations)
def test_lake_phosphorus_is_never_judged_more_leniently_than_river(value: float) -> None:
    river = factor_class("tp", [value], SectionType.RIVER)[0]
    lake = factor_class("tp", [value], SectionType.LAKE)[0]
    assert lake >= river


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(5, 10), st.floats(0, 12), st.floats(0, 20), st.floats(0, 0.6)),
        min_size=1,
        max_size=20,
    )
)
def test_section_class_is_the_worst_factor_class(rows: list[tuple[float, ...]]) -> None:
    frame = pd.DataFrame(rows, columns=["ph", "do", "codmn", "tp"])
    result = single_factor_class(frame, SectionType.RIVER, ["ph", "do", "codmn", "tp"])
    expected = np.max(result.factor_classes.to_numpy(), axis=1)
    assert result.water_class.tolist() == expected.tolist()
    for cls, deciding, (_, factors) in zip(
        result.water_class, result.deciding, result.factor_classes.iterrows(), strict=True
    ):
        assert deciding and all(factors[c] == cls for c in deciding)


def test_nudge_worse_moves_values_off_a_limit_towards_a_worse_class() -> None:
    assert factor_class("tp", nudge_worse("tp", [0.02, 0.019]), SectionType.RIVER).tolist() == [
        2,
        1,
    ]
    assert factor_class("do", nudge_worse("do", [5.0]), SectionType.RIVER).tolist() == [4]
    assert factor_class("ph", nudge_worse("ph", [6.0, 9.0, 7.0])).tolist() == [6, 6, 1]


def test_limit_lookup() -> None:
    assert gb3838.item("tp").limit(WaterClass.III, SectionType.LAKE) == "0.05"
    assert gb3838.item("tp").limit(WaterClass.III, SectionType.RIVER) == "0.2"
    with pytest.raises(ValueError, match="range"):
        gb3838.item("ph").limit(WaterClass.I, SectionType.RIVER)
    with pytest.raises(ValueError, match="no limit"):
        gb3838.item("do").limit(WaterClass.WORSE_THAN_V, SectionType.RIVER)
