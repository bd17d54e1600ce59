"""Demo layers over real prefecture boundaries, synthetic units, maps and project parsing."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from ecoguard.zoning.demo import demo_layers, grid_boundaries, read_boundaries, synthetic_units
from ecoguard.zoning.mapdraw import encode_png, map_features, render_png
from ecoguard.zoning.model import ListLevel, Project, UnitCategory
from ecoguard.zoning.projects import ProjectInputError, parse_coords, parse_point, parse_wkt
from ecoguard.zoning.screening import ZoningIndex

XINJIANG = "boundaries/650000_xinjiang_prefectures_echarts.geojson"


@pytest.fixture(scope="module")
def xinjiang(shared_data: Path):  # type: ignore[no-untyped-def]
    bounds = read_boundaries(shared_data / XINJIANG)
    return bounds, demo_layers(bounds)


@pytest.mark.shared_data
def test_demo_units_tile_each_real_prefecture(xinjiang) -> None:  # type: ignore[no-untyped-def]
    bounds, demo = xinjiang
    assert len(bounds) >= 14
    units = demo.units
    cats = set(units.table["category"])
    assert cats == {int(c) for c in UnitCategory}
    for b in bounds:
        mine = units.geometry[(units.table["admin_code"] == b.code).to_numpy()]
        assert len(mine) > 0, b.name
        assert shapely.union_all(mine).difference(b.geometry.buffer(1e-9)).area < 1e-9
        # units do not overlap: their areas add up to the area of their union
        assert sum(g.area for g in mine) == pytest.approx(shapely.union_all(mine).area, rel=1e-6)
        # slivers under 2 % of a cell are dropped; the rest of the prefecture is covered
        assert shapely.union_all(mine).area / b.geometry.area > 0.95


@pytest.mark.shared_data
def test_demo_rules_reference_real_scopes_at_every_level(xinjiang) -> None:  # type: ignore[no-untyped-def]
    bounds, demo = xinjiang
    levels = {r.level for r in demo.rules}
    assert levels == set(ListLevel)
    units = set(demo.units.table["code"])
    regions = set(demo.units.table["region"])
    cities = {b.code for b in bounds}
    for rule in demo.rules:
        assert rule.text.startswith("【示例】") and "非官方" in rule.source
        if rule.level is ListLevel.UNIT:
            assert rule.scope in units
        elif rule.level is ListLevel.REGION:
            assert rule.scope in regions
        elif rule.level is ListLevel.CITY:
            assert rule.scope in cities


@pytest.mark.shared_data
def test_demo_screening_of_urumqi(xinjiang) -> None:  # type: ignore[no-untyped-def]
    bounds, demo = xinjiang
    index = ZoningIndex(demo.units, demo.rules, demo.redlines, demo.reserves)
    urumqi = next(b for b in bounds if b.code == "650100")
    site = shapely.point_on_surface(urumqi.geometry)
    r = index.screen(Project("p", site, "C3211"))  # copper smelting: 两高 and heavy metals
    applied = [u for u in r.units if u.applied]
    assert len(applied) == 1 and applied[0].admin_code == "650100"
    levels = {f.rule.level for f in r.rules}
    assert {ListLevel.PROVINCE, ListLevel.REGION, ListLevel.CITY} <= levels
    assert "两高" in r.derived_flags


def test_grid_fallback_has_every_layer() -> None:
    demo = demo_layers(None)
    assert len(grid_boundaries()) == 12
    assert len(demo.units) > 100 and len(demo.redlines) > 10 and len(demo.reserves) >= 12
    zones = set(demo.reserves.table["zone"])
    assert zones == {"核心区", "缓冲区", "实验区"}


def test_synthetic_units_tile_the_box() -> None:
    layer = synthetic_units(500, bbox=(80.0, 40.0, 82.0, 41.0), seed=3)
    assert len(layer) == 500
    assert sum(g.area for g in layer.geometry) == pytest.approx(2.0, rel=1e-9)
    assert all(g.is_valid for g in layer.geometry)
    assert layer.table["code"].is_unique


def _decode_png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF
        if tag == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif tag == b"IDAT":
            idat += body
        pos += 12 + length
    w, h = size
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, 1 + 3 * w)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, 3)


def test_png_encoder_round_trip() -> None:
    pixels = np.random.default_rng(1).integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    assert (_decode_png(encode_png(pixels)) == pixels).all()


def test_png_map_shows_the_project_over_its_unit(index: ZoningIndex) -> None:
    result = index.screen(
        Project("p", Polygon([(87.05, 43.05), (87.08, 43.05), (87.08, 43.08), (87.05, 43.08)]))
    )
    features = map_features(index, result)
    assert {f.style for f in features} >= {"priority", "general", "redlines", "project"}
    img = _decode_png(render_png(features, 400, 300))
    assert img.shape == (300, 400, 3)
    px = img.astype(int)
    purple = (px[..., 2] > px[..., 1] + 40) & (px[..., 0] > px[..., 1] + 20)
    green = (px[..., 1] > px[..., 0] + 20) & (px[..., 1] > px[..., 2] + 20)
    red = (px[..., 0] > px[..., 1] + 40) & (px[..., 0] > px[..., 2] + 40)
    assert purple.sum() > 300 and green.sum() > 300 and red.sum() > 30
    # the project is drawn as a compact block: its pixels fill most of their bounding box
    ys, xs = np.nonzero(purple)
    assert purple.sum() / ((np.ptp(ys) + 1) * (np.ptp(xs) + 1)) > 0.8
    assert tuple(img[0, 0]) == (255, 255, 255)


def test_parse_project_geometries() -> None:
    assert parse_point("87.6, 43.8") == Point(87.6, 43.8)
    assert isinstance(parse_coords("87,43;87.1,43;87.1,43.1"), LineString)
    assert isinstance(parse_coords("87,43;87.1,43;87.1,43.1;87,43"), Polygon)
    assert parse_coords("87,43") == Point(87, 43)
    bowtie = parse_wkt("POLYGON((87 43, 87.1 43.1, 87.1 43, 87 43.1, 87 43))")
    assert bowtie.is_valid and bowtie.area == pytest.approx(0.005)
    for bad in ("POINT(500000 4700000)", "POLYGON EMPTY", "POLYGON((1 2,"):
        with pytest.raises(ProjectInputError):
            parse_wkt(bad)
    with pytest.raises(ProjectInputError, match="lon,lat"):
        parse_point("87.6")


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), seed=st.integers(0, 10_000))
def test_every_point_in_a_synthetic_tiling_gets_exactly_one_unit(n: int, seed: int) -> None:
    layer = synthetic_units(n, bbox=(80.0, 40.0, 81.0, 41.0), seed=seed)
    index = ZoningIndex(layer)
    rng = np.random.default_rng(seed)
    pts = [
        Project(str(i), Point(x, y))
        for i, (x, y) in enumerate(rng.uniform([80, 40], [81, 41], (20, 2)))
    ]
    for r in index.screen_many(pts):
        assert len([u for u in r.units if u.applied]) == 1


def test_batch_from_a_vector_file_and_excel(tmp_path: Path) -> None:
    import json

    import openpyxl

    from ecoguard.zoning.projects import read_batch

    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"项目编号": "A", "行业代码": "C2611", "二氧化硫": 12.5, "标签": "两高"},
             "geometry": {"type": "Point", "coordinates": [87.1, 43.1]}},
            {"type": "Feature", "properties": {"项目编号": "B", "行业代码": "nonsense"},
             "geometry": {"type": "Point", "coordinates": [87.2, 43.2]}},
            {"type": "Feature", "properties": {"项目编号": "C", "行业代码": ""},
             "geometry": {"type": "LineString", "coordinates": [[87.0, 43.0], [87.1, 43.1]]}},
        ],
    }  # fmt: skip
    path = tmp_path / "projects.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    batch = read_batch(path, {"industry": "M7310"})
    assert [p.project_id for p in batch.projects] == ["A", "C"]
    a, c = batch.projects
    assert a.industry == "C2611" and a.emissions == {"SO2": 12.5} and a.flags == frozenset({"两高"})
    assert c.industry == "M7310" and c.geometry.geom_type == "LineString"
    assert [(i.feature, i.field, i.rule) for i in batch.issues] == [("B", "行业代码", "format")]

    wb = openpyxl.Workbook()
    wb.active.append(["编号", "经度", "纬度", "NOx", "规模"])
    wb.active.append(["X1", 87.5, 43.5, 3, 120])
    wb.active.append([None, None, None, None, None])
    wb.active.append(["X2", 87.6, None, None, "many"])
    wb.save(tmp_path / "p.xlsx")
    batch = read_batch(tmp_path / "p.xlsx")
    assert [(p.project_id, p.emissions, p.capacity) for p in batch.projects] == [
        ("X1", {"NOX": 3.0}, 120.0)
    ]
    assert batch.read == 2 and batch.issues[0].feature == "X2"


def test_demo_from_registry_boundaries() -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from ecoguard.registry.base import Base
    from ecoguard.registry.models import Region
    from ecoguard.zoning.demo import registry_prefectures

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    square = shapely.to_geojson(shapely.box(87.0, 43.0, 88.5, 44.0))
    with Session(engine) as session:
        session.add_all(
            [
                Region(adcode="650000", name="新疆", level="province", parent_adcode=None),
                Region(adcode="650100", name="乌鲁木齐市", level="prefecture", parent_adcode="650000",
                       boundary_geojson=square),
                Region(adcode="650200", name="克拉玛依市", level="prefecture", parent_adcode="650000"),
                Region(adcode="650102", name="天山区", level="county", parent_adcode="650100",
                       boundary_geojson=square),
            ]
        )  # fmt: skip
        session.commit()
        bounds = registry_prefectures(session, "650000")
    assert [(b.code, b.name) for b in bounds] == [("650100", "乌鲁木齐市")]
    demo = demo_layers(bounds)
    assert set(demo.units.table["admin_code"]) == {"650100"}
    assert sum(g.area for g in demo.units.geometry) == pytest.approx(1.5)


def test_report_summary_lists_the_strictest_first(index: ZoningIndex, tmp_path: Path) -> None:
    import docx

    from ecoguard.zoning.report import write_report

    sites = [(87.12, 43.08), (87.06, 43.07), (88.0, 44.0), (87.16, 43.13), (87.13, 43.05)]
    results = index.screen_many(
        [Project(str(i), Point(x, y), "C2611") for i, (x, y) in enumerate(sites)]
    )
    path = write_report(tmp_path / "r.docx", results, index, summary_limit=2, detail_limit=1)
    doc = docx.Document(str(path))
    summary = doc.tables[0]
    assert len(summary.rows) == 3
    assert [row.cells[2].text for row in summary.rows[1:]] == ["禁止 prohibited", "限制 restricted"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "禁止 prohibited: 1" in text and "最严格的 2 个项目" in text and "其余 4 个项目" in text
    assert len(doc.inline_shapes) == 1
