"""Screening against hand-built layers where the right answer is known (see conftest.py)."""

from __future__ import annotations

import pyproj
import pytest
from handbuilt import UNIT_BOXES, rulebook, units_layer
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from ecoguard.zoning.model import LayerKind, Project, Relation, UnitCategory, Verdict
from ecoguard.zoning.screening import ZoningIndex


def _screen(index: ZoningIndex, geom: object, industry: str = "", **kw: object):  # type: ignore[no-untyped-def]
    return index.screen(Project("p", geom, industry=industry, **kw))  # type: ignore[arg-type]


def _applied(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [u.code for u in result.units if u.applied]


def _rule_verdicts(result) -> dict[str, Verdict]:  # type: ignore[no-untyped-def]
    return {f.rule.rule_id: f.verdict for f in result.rules}


def test_point_inside_general_unit_with_emissions_below_cap(index: ZoningIndex) -> None:
    r = _screen(index, Point(87.12, 43.08), "C2511", emissions={"SO2": 50.0})
    assert _applied(r) == ["U2"]
    assert r.units[0].relation is Relation.INSIDE and r.units[0].share == 1.0
    assert _rule_verdicts(r) == {
        "P-2": Verdict.ALLOWED_WITH_CONDITIONS,
        "R-1": Verdict.ALLOWED,
    }
    assert r.verdict is Verdict.ALLOWED_WITH_CONDITIONS
    assert "两高" in r.derived_flags  # 25xx is read as 两高, but P-1 binds priority units only


def test_cap_exceeded_restricts(index: ZoningIndex) -> None:
    r = _screen(index, Point(87.12, 43.08), "C2511", emissions={"SO2": 150.0})
    assert _rule_verdicts(r)["R-1"] is Verdict.RESTRICTED
    assert r.verdict is Verdict.RESTRICTED
    assert any("SO2 150 t/a > 100 t/a" in reason for f in r.rules for reason in f.reasons)


def test_missing_emission_for_a_capped_pollutant_cannot_be_judged(index: ZoningIndex) -> None:
    r = _screen(index, Point(87.12, 43.08), "C1310")
    assert _rule_verdicts(r)["R-1"] is Verdict.RESTRICTED
    assert any("not given for SO2" in reason for reason in r.rules[-1].reasons)


def test_liang_gao_in_priority_unit_is_prohibited(index: ZoningIndex) -> None:
    r = _screen(index, Point(87.06, 43.07), "C2611", emissions={"SO2": 1.0})
    assert _applied(r) == ["U1"]
    assert _rule_verdicts(r)["P-1"] is Verdict.PROHIBITED
    assert r.verdict is Verdict.PROHIBITED
    assert any("P-1" in reason for reason in r.reasons)
    # city clause C-1 (industry 26) applies too, from every level down
    assert [f.rule.level.name for f in r.rules] == ["PROVINCE", "PROVINCE", "REGION", "CITY"]


def test_explicit_flag_selects_without_code(index: ZoningIndex) -> None:
    r = index.screen(Project("p", Point(87.06, 43.07), flags=frozenset({"两高"})))
    assert _rule_verdicts(r)["P-1"] is Verdict.PROHIBITED


def test_inside_red_line_is_prohibited_with_overlap(index: ZoningIndex) -> None:
    site = box(87.025, 43.025, 87.035, 43.035)
    r = _screen(index, site, "M7310")
    (hit,) = [h for h in r.protected if h.layer is LayerKind.REDLINES]
    assert hit.code == "RL1" and hit.relation is Relation.INSIDE
    assert hit.share == pytest.approx(1.0)
    assert hit.overlap_m2 == pytest.approx(r.area_m2)
    assert r.verdict is Verdict.PROHIBITED
    assert any("red line" in reason for reason in r.reasons)


def test_touching_red_line_boundary_is_restricted(index: ZoningIndex) -> None:
    r = _screen(index, box(87.04, 43.025, 87.05, 43.035), "M7310")
    (hit,) = r.protected
    assert hit.relation is Relation.BOUNDARY and hit.overlap_m2 == 0.0
    assert hit.verdict is Verdict.RESTRICTED


def test_reserve_zones(index: ZoningIndex) -> None:
    core = _screen(index, Point(87.16, 43.03), "M7310")
    experimental = _screen(index, Point(87.16, 43.13), "M7310")
    assert core.protected[0].zone == "核心区" and core.verdict is Verdict.PROHIBITED
    assert experimental.protected[0].verdict is Verdict.RESTRICTED
    assert experimental.verdict is Verdict.RESTRICTED


def test_outside_every_unit_is_restricted_not_allowed(index: ZoningIndex) -> None:
    r = _screen(index, Point(88.0, 44.0), "C1310", emissions={"SO2": 1.0})
    assert r.units == () and r.rules == ()
    assert r.verdict is Verdict.RESTRICTED
    assert "outside every loaded control unit" in r.reasons[0]


def test_point_on_shared_edge_goes_to_the_stricter_unit(index: ZoningIndex) -> None:
    r = _screen(index, Point(87.1, 43.05), "C2611", emissions={"SO2": 1.0})
    relations = {u.code: (u.relation, u.applied, u.tie_break) for u in r.units}
    assert relations == {
        "U1": (Relation.BOUNDARY, True, True),
        "U2": (Relation.BOUNDARY, False, False),
    }
    assert r.verdict is Verdict.PROHIBITED  # U1 is priority: P-1 binds


def test_point_on_edge_between_equal_categories_goes_to_smaller_code(index: ZoningIndex) -> None:
    r = _screen(index, Point(87.15, 43.1))
    assert _applied(r) == ["U2"]
    assert {u.code for u in r.units} == {"U2", "U4"}


def test_point_on_four_unit_corner(index: ZoningIndex) -> None:
    r = _screen(index, Point(87.1, 43.1))
    assert {u.code for u in r.units} == {"U1", "U2", "U3", "U4"}
    assert _applied(r) == ["U1"]
    assert [u.code for u in r.units if u.tie_break] == ["U1"]


def test_polygon_across_two_units_splits_area(index: ZoningIndex) -> None:
    site = box(87.05, 43.05, 87.15, 43.07)
    r = _screen(index, site, "C1310", emissions={"SO2": 1.0})
    assert sorted(_applied(r)) == ["U1", "U2"]
    assert all(u.relation is Relation.OVERLAPS for u in r.units)
    assert sum(u.overlap_m2 for u in r.units) == pytest.approx(r.area_m2, rel=1e-9)
    assert sum(u.share for u in r.units) == pytest.approx(1.0)
    assert r.units[0].share == pytest.approx(0.5, abs=0.01)
    assert all(set(f.via_units) <= {"U1", "U2"} for f in r.rules)
    p2 = next(f for f in r.rules if f.rule.rule_id == "P-2")
    assert sorted(p2.via_units) == ["U1", "U2"]


def test_polygon_sharing_only_an_edge_does_not_take_the_neighbours_rules(
    index: ZoningIndex,
) -> None:
    r = _screen(index, box(87.1, 43.05, 87.15, 43.07), "C2611", emissions={"SO2": 1.0})
    assert _applied(r) == ["U2"]
    u1 = next(u for u in r.units if u.code == "U1")
    assert u1.relation is Relation.BOUNDARY and not u1.applied and u1.overlap_m2 == 0.0
    assert "P-1" not in _rule_verdicts(r)


def test_line_across_three_units(index: ZoningIndex) -> None:
    line = LineString([(87.05, 43.05), (87.15, 43.05), (87.15, 43.15)])
    r = _screen(index, line, "G5410")
    assert sorted(_applied(r)) == ["U1", "U2", "U4"]
    lengths = {u.code: u.overlap_m for u in r.units}
    assert sum(lengths.values()) == pytest.approx(r.length_m, rel=1e-9)
    # U2 holds half a degree-step of longitude and half of latitude; U1 and U4 one each
    assert lengths["U2"] == pytest.approx(lengths["U1"] + lengths["U4"], rel=1e-3)
    assert all(u.overlap_m2 == 0.0 for u in r.units)
    geodesic = pyproj.Geod(ellps="GRS80").geometry_length(line)
    assert r.length_m == pytest.approx(geodesic, rel=0.01)  # Albers is not equidistant


def test_unit_clause_applies_only_in_its_unit(index: ZoningIndex) -> None:
    in_u3 = _screen(index, Point(87.05, 43.15), "C2631")
    in_u4 = _screen(index, Point(87.15, 43.18), "C2631")
    assert _rule_verdicts(in_u3)["U3-1"] is Verdict.PROHIBITED
    assert "U3-1" not in _rule_verdicts(in_u4)
    assert all(f.rule.rule_id != "U9-1" for f in in_u3.rules + in_u4.rules)


def test_partly_outside_polygon_is_referred(index: ZoningIndex) -> None:
    r = _screen(index, box(87.15, 43.05, 87.25, 43.07), "M7310")
    assert r.verdict is Verdict.RESTRICTED
    assert any("lies outside" in reason for reason in r.reasons)


def test_overlap_area_is_the_true_area() -> None:
    """Albers on CGCS2000 is equal-area: areas match the geodesic area of the ellipsoid."""
    index = ZoningIndex(units_layer(), rulebook())
    site = box(87.01, 43.01, 87.09, 43.09)
    r = index.screen(Project("p", site))
    geod = pyproj.Geod(ellps="GRS80")
    true_area = abs(geod.geometry_area_perimeter(site)[0])
    assert r.area_m2 == pytest.approx(true_area, rel=1e-4)
    assert r.units[0].overlap_m2 == pytest.approx(true_area, rel=1e-4)
    assert 4.5e7 < true_area < 6e7  # about 6.5 km x 8.9 km


def test_batch_equals_single(index: ZoningIndex) -> None:
    projects = [
        Project("a", Point(87.12, 43.08), "C2511", emissions={"SO2": 150.0}),
        Project("b", Point(87.1, 43.05), "C2611"),
        Project("c", box(87.05, 43.05, 87.15, 43.07), "C1310"),
        Project("d", Point(88.0, 44.0)),
        Project("e", Point(87.03, 43.03)),
    ]
    batch = index.screen_many(projects)
    assert [r.to_dict() for r in batch] == [index.screen(p).to_dict() for p in projects]


def test_to_dict_carries_text_source_and_disclaimer(index: ZoningIndex) -> None:
    d = _screen(index, Point(87.06, 43.07), "C2611").to_dict()
    assert d["verdict"] == "prohibited" and d["verdict_zh"] == "禁止"
    p1 = next(r for r in d["rules"] if r["rule_id"] == "P-1")
    assert p1["text"] == "优先保护单元内禁止新建两高项目。" and p1["source"] == "示例省级清单 第1条"
    assert "不构成审批意见" in d["disclaimer"]


INDUSTRIES = ["", "C2611", "C2511", "C1310", "C2631", "M7310", "D4411"]
EPS = 1e-6
PROTECTED = (
    box(87.02, 43.02, 87.04, 43.04),
    box(87.15, 43.02, 87.18, 43.05),
    box(87.15, 43.12, 87.18, 43.15),
)
REFERENCE = {
    "U1": Point(87.07, 43.07),
    "U2": Point(87.12, 43.08),
    "U3": Point(87.05, 43.15),
    "U4": Point(87.12, 43.18),
}


@settings(max_examples=150, deadline=None)
@given(
    code=st.sampled_from(sorted(UNIT_BOXES)),
    fx=st.floats(0.0, 1.0),
    fy=st.floats(0.0, 1.0),
    industry=st.sampled_from(INDUSTRIES),
    so2=st.one_of(st.none(), st.floats(0, 500)),
)
def test_moving_a_site_inside_one_unit_never_changes_its_verdict(
    index: ZoningIndex, code: str, fx: float, fy: float, industry: str, so2: float | None
) -> None:
    geom, _, _ = UNIT_BOXES[code]
    x0, y0, x1, y1 = geom.bounds
    # stay clear of the unit's edges and of the protected areas' footprints
    x = x0 + EPS + fx * (x1 - x0 - 2 * EPS)
    y = y0 + EPS + fy * (y1 - y0 - 2 * EPS)
    site = Point(x, y)
    if any(p.intersects(site) for p in PROTECTED):
        return
    emissions = {} if so2 is None else {"SO2": so2}
    here = index.screen(Project("p", site, industry, emissions=emissions))
    centre = index.screen(Project("p", REFERENCE[code], industry, emissions=emissions))
    assert _applied(here) == [code]
    assert here.verdict is centre.verdict
    assert _rule_verdicts(here) == _rule_verdicts(centre)


@settings(max_examples=80, deadline=None)
@given(
    x0=st.floats(87.0, 87.19),
    y0=st.floats(43.0, 43.19),
    w=st.floats(0.001, 0.2),
    h=st.floats(0.001, 0.2),
)
def test_unit_overlaps_add_up_to_the_covered_part(
    index: ZoningIndex, x0: float, y0: float, w: float, h: float
) -> None:
    site = box(x0, y0, x0 + w, y0 + h)
    r = index.screen(Project("p", site))
    inside = site.intersection(box(87.0, 43.0, 87.2, 43.2)).area / site.area
    total = sum(u.share for u in r.units)
    assert total == pytest.approx(inside, abs=1e-3)
    assert all(0.0 <= u.share <= 1.0 + 1e-9 for u in r.units)
    if inside < 0.999:
        assert r.verdict >= Verdict.RESTRICTED


@settings(max_examples=60, deadline=None)
@given(fy=st.floats(0.0, 1.0), industry=st.sampled_from(INDUSTRIES))
def test_tie_break_on_the_u1_u2_edge_always_picks_u1(
    index: ZoningIndex, fy: float, industry: str
) -> None:
    r = index.screen(Project("p", Point(87.1, 43.0 + fy * 0.1), industry))
    assert _applied(r) == ["U1"]
    assert [u.code for u in r.units if u.tie_break] == ["U1"]
    assert UnitCategory.PRIORITY in {u.category for u in r.units}


def test_line_along_a_shared_edge_uses_the_tie_break(index: ZoningIndex) -> None:
    r = _screen(index, LineString([(87.1, 43.02), (87.1, 43.08)]), "C2611")
    assert {u.code: u.relation for u in r.units} == {
        "U1": Relation.BOUNDARY,
        "U2": Relation.BOUNDARY,
    }
    assert _applied(r) == ["U1"]
    assert r.units[0].tie_break and r.units[0].overlap_m == 0.0
    assert r.verdict is Verdict.PROHIBITED  # P-1 of the priority unit binds

    unselected = _screen(index, LineString([(87.1, 43.02), (87.1, 43.08)]), "M7310")
    assert unselected.verdict is Verdict.ALLOWED_WITH_CONDITIONS  # P-2 only; not "outside"
    assert not any("outside" in reason for reason in unselected.reasons)


@settings(max_examples=80, deadline=None)
@given(
    code=st.sampled_from(sorted(UNIT_BOXES)),
    fx=st.floats(0.0, 1.0),
    fy=st.floats(0.0, 1.0),
    size=st.floats(1e-4, 0.01),
    industry=st.sampled_from(INDUSTRIES),
)
def test_moving_a_small_polygon_inside_one_unit_never_changes_its_verdict(
    index: ZoningIndex, code: str, fx: float, fy: float, size: float, industry: str
) -> None:
    geom, _, _ = UNIT_BOXES[code]
    x0, y0, x1, y1 = geom.bounds
    x = x0 + EPS + fx * (x1 - x0 - size - 2 * EPS)
    y = y0 + EPS + fy * (y1 - y0 - size - 2 * EPS)
    site = box(x, y, x + size, y + size)
    if any(p.intersects(site) for p in PROTECTED):
        return
    ref = REFERENCE[code]
    reference = box(ref.x, ref.y, ref.x + size, ref.y + size)
    here = index.screen(Project("p", site, industry, emissions={"SO2": 1.0}))
    there = index.screen(Project("p", reference, industry, emissions={"SO2": 1.0}))
    assert _applied(here) == [code] and here.units[0].relation is Relation.INSIDE
    assert here.verdict is there.verdict
    assert here.units[0].share == pytest.approx(1.0)
