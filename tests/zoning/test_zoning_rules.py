"""Pure rule functions: industry selectors, field parsing, inheritance and per-clause verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from ecoguard.zoning.industry import (
    derived_flags,
    normalize_code,
    selector_matches,
    validate_selector,
)
from ecoguard.zoning.model import (
    AccessRule,
    Dimension,
    Effect,
    ListLevel,
    PollutantCap,
    Project,
    UnitCategory,
    Verdict,
)
from ecoguard.zoning.rules import (
    RuleBook,
    UnitKey,
    applicable,
    judge,
    parse_caps,
    parse_category,
    parse_dimension,
    parse_effect,
    parse_level,
)
from ecoguard.zoning.service import ZoningService
from ecoguard.zoning.store import save_layer, save_rules

CODES = st.from_regex(r"\A[0-9]{4}\Z")


def test_normalize_code() -> None:
    assert normalize_code("c2611") == ("C", "2611")
    assert normalize_code("4411") == ("D", "4411")
    assert normalize_code("A") == ("A", "")
    for bad in ("", "26X", "C99999", "Z11"):
        with pytest.raises(ValueError, match="GB/T 4754"):
            normalize_code(bad)
    with pytest.raises(ValueError, match="not in section"):
        normalize_code("A2611")


@given(code=CODES, cut=st.integers(2, 4))
def test_a_prefix_selects_every_code_below_it(code: str, cut: int) -> None:
    if not normalize_code(code)[0]:
        return  # division outside every section (e.g. 98, 99)
    assert selector_matches(validate_selector(code[:cut]), code, frozenset())
    assert selector_matches(validate_selector(normalize_code(code)[0]), code, frozenset())


@given(code=CODES, lo=CODES, hi=CODES)
def test_range_selects_exactly_its_interval(code: str, lo: str, hi: str) -> None:
    lo, hi = min(lo, hi), max(lo, hi)
    sel = validate_selector(f"{lo}-{hi}")
    assert selector_matches(sel, code, frozenset()) == (lo <= code <= hi)


def test_selectors() -> None:
    assert validate_selector("c26") == "C26"
    assert validate_selector("2511~2519") == "2511-2519"
    assert validate_selector("两高") == "两高"
    with pytest.raises(ValueError, match="equal length"):
        validate_selector("25-2519")
    assert not selector_matches("C26", "", frozenset())
    assert not selector_matches("B", "C2611", frozenset())
    assert selector_matches("两高", "M7310", frozenset({"两高"}))


def test_liang_gao_derivation() -> None:
    assert derived_flags("D4411") == frozenset({"两高"})
    assert derived_flags("D4412") == frozenset()
    assert derived_flags("C3110") == frozenset({"两高"})
    assert derived_flags("C1310") == frozenset()
    assert derived_flags("nonsense") == frozenset()


def test_parsers() -> None:
    assert parse_level("市州") is ListLevel.CITY and parse_level("Unit") is ListLevel.UNIT
    assert parse_dimension("区域布局管控") is Dimension.SPATIAL_LAYOUT
    assert parse_effect("鼓励") is Effect.ALLOW
    assert (
        parse_category("2") is UnitCategory.KEY
        and parse_category("优先保护") is UnitCategory.PRIORITY
    )
    assert parse_caps("SO2<=100 t/a; 氮氧化物: 500 kg/a, COD 3") == (
        PollutantCap("SO2", 100.0),
        PollutantCap("NOX", 0.5),
        PollutantCap("COD", 3.0),
    )
    with pytest.raises(ValueError, match="unit 'mg/L'"):
        parse_caps("SO2<=1 mg/L")
    with pytest.raises(ValueError, match="expected one of"):
        parse_effect("maybe")


def _rule(effect: Effect, **kw: object) -> AccessRule:
    return AccessRule("r", ListLevel.UNIT, "U", Dimension.POLLUTANT_DISCHARGE, effect, "text", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("effect", "caps", "emissions", "expected"),
    [
        (Effect.PROHIBIT, (), {}, Verdict.PROHIBITED),
        (Effect.RESTRICT, (), {}, Verdict.RESTRICTED),
        (Effect.REQUIRE, (), {}, Verdict.ALLOWED_WITH_CONDITIONS),
        (Effect.ALLOW, (), {}, Verdict.ALLOWED),
        (Effect.PROHIBIT, (PollutantCap("SO2", 10),), {"SO2": 10.0}, Verdict.ALLOWED),
        (Effect.PROHIBIT, (PollutantCap("SO2", 10),), {"SO2": 10.5}, Verdict.PROHIBITED),
        (Effect.RESTRICT, (PollutantCap("SO2", 10),), {"SO2": 11.0}, Verdict.RESTRICTED),
        (Effect.REQUIRE, (PollutantCap("SO2", 10),), {"SO2": 5.0}, Verdict.ALLOWED_WITH_CONDITIONS),
        (Effect.REQUIRE, (PollutantCap("SO2", 10),), {"SO2": 50.0}, Verdict.RESTRICTED),
        (Effect.ALLOW, (PollutantCap("SO2", 10),), {}, Verdict.RESTRICTED),
        (
            Effect.PROHIBIT,
            (PollutantCap("SO2", 10), PollutantCap("NOX", 5)),
            {"SO2": 1.0},
            Verdict.PROHIBITED,
        ),
    ],
)
def test_judge(
    effect: Effect, caps: tuple[PollutantCap, ...], emissions: dict[str, float], expected: Verdict
) -> None:
    verdict, reasons = judge(
        _rule(effect, caps=caps), Project("p", Point(0, 0), emissions=emissions), frozenset()
    )
    assert verdict is expected
    assert reasons and reasons[0].startswith("单元清单 r")


def test_capacity_threshold() -> None:
    rule = _rule(Effect.PROHIBIT, capacity_min=30.0)
    small = Project("p", Point(0, 0), capacity=10.0)
    big = Project("p", Point(0, 0), capacity=30.0)
    unknown = Project("p", Point(0, 0))
    book = RuleBook([rule])
    unit = UnitKey("U", UnitCategory.KEY, "", "", "650102")
    assert applicable([unit], book, small, frozenset()) == []
    assert judge(rule, big, frozenset())[0] is Verdict.PROHIBITED
    assert judge(rule, unknown, frozenset())[0] is Verdict.PROHIBITED
    assert "capacity not given" in " ".join(judge(rule, unknown, frozenset())[1])


def test_inheritance_top_down_and_filters() -> None:
    L, D, E = ListLevel, Dimension, Effect
    rules = [
        AccessRule("u", L.UNIT, "ZH1", D.SPATIAL_LAYOUT, E.PROHIBIT, "u"),
        AccessRule("c", L.CITY, "650100", D.SPATIAL_LAYOUT, E.RESTRICT, "c"),
        AccessRule("c-other", L.CITY, "650200", D.SPATIAL_LAYOUT, E.RESTRICT, "x"),
        AccessRule("r", L.REGION, "北疆", D.SPATIAL_LAYOUT, E.RESTRICT, "r"),
        AccessRule("p", L.PROVINCE, "650000", D.RESOURCE_EFFICIENCY, E.REQUIRE, "p"),
        AccessRule("p-other", L.PROVINCE, "620000", D.RESOURCE_EFFICIENCY, E.REQUIRE, "x"),
        AccessRule("star", L.PROVINCE, "*", D.SPATIAL_LAYOUT, E.REQUIRE, "s"),
        AccessRule(
            "water", L.PROVINCE, "*", D.SPATIAL_LAYOUT, E.REQUIRE, "w", elements=frozenset({"水"})
        ),
        AccessRule(
            "prio",
            L.PROVINCE,
            "*",
            D.SPATIAL_LAYOUT,
            E.REQUIRE,
            "k",
            categories=frozenset({UnitCategory.PRIORITY}),
        ),
    ]
    book = RuleBook(rules)
    unit = UnitKey("ZH1", UnitCategory.KEY, "大气", "北疆", "650102")
    assert [r.rule_id for r in book.inherited(unit)] == ["star", "p", "r", "c", "u"]
    water_priority = UnitKey("ZH2", UnitCategory.PRIORITY, "水", "南疆", "650202")
    assert [r.rule_id for r in book.inherited(water_priority)] == [
        "star",
        "water",
        "prio",
        "p",
        "c-other",
    ]
    found = applicable([unit], book, Project("x", Point(0, 0)), frozenset())
    assert [r.rule_id for r, _ in found] == ["star", "p", "r", "c", "u"]
    with pytest.raises(ValueError, match="duplicate rule_id"):
        RuleBook([rules[0], rules[0]])


def test_service_sees_a_newer_version(tmp_path: Path) -> None:
    from handbuilt import rulebook, units_layer

    service = ZoningService(tmp_path / "zoning")
    save_layer(service.root, units_layer())
    first = service.index()
    assert service.index() is first
    save_rules(service.root, rulebook())
    second = service.index()
    assert second is not first and len(second.book) == len(rulebook())
