"""Importing department files: attribute mapping, CRS, validity repair, clear errors, storage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pyogrio.raw
import pyproj
import pytest
import shapely
from handbuilt import rulebook
from shapely.geometry import Point, Polygon, box

from ecoguard.zoning.importer import ZoningInputError, parse_mapping, read_layer, read_rules
from ecoguard.zoning.model import Dimension, Effect, LayerKind, ListLevel, UnitCategory
from ecoguard.zoning.store import load_layer, load_rules, save_layer, save_rules, versions

BOWTIE = Polygon([(87.0, 43.0), (87.1, 43.1), (87.1, 43.0), (87.0, 43.1)])
FLAT = Polygon([(87.0, 43.0), (87.1, 43.0), (87.2, 43.0)])


def _geojson(path: Path, features: list[tuple[dict[str, object], object]]) -> Path:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": props,
                "geometry": None if geom is None else json.loads(shapely.to_geojson(geom)),
            }
            for props, geom in features
        ],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _unit(code: str, cat: str = "优先保护单元", **extra: str) -> dict[str, object]:
    return {"环境管控单元编码": code, "环境管控单元名称": f"名{code}", "管控单元分类": cat, **extra}


def test_chinese_attribute_names_are_recognised(tmp_path: Path) -> None:
    path = _geojson(
        tmp_path / "units.geojson",
        [(_unit("ZH65010210001", 要素="水环境", 行政区划代码="650102"), box(87, 43, 87.1, 43.1))],
    )
    result = read_layer(path, LayerKind.UNITS)
    assert result.issues == []
    row = result.layer.table.iloc[0]
    assert (row["code"], row["name"], row["category"], row["element"], row["admin_code"]) == (
        "ZH65010210001",
        "名ZH65010210001",
        int(UnitCategory.PRIORITY),
        "水",
        "650102",
    )


def test_bad_features_are_reported_and_neighbours_kept(tmp_path: Path) -> None:
    path = _geojson(
        tmp_path / "units.geojson",
        [
            (_unit("A1"), box(87, 43, 87.1, 43.1)),
            (_unit("A2", "重点管控单元"), BOWTIE),
            (_unit(""), box(88, 43, 88.1, 43.1)),
            (_unit("A1"), box(89, 43, 89.1, 43.1)),
            (_unit("A5", "特别单元"), box(90, 43, 90.1, 43.1)),
            (_unit("A6"), Point(87, 43)),
            (_unit("A7"), FLAT),
            (_unit("A8"), None),
            (_unit("A9", "一般管控单元"), box(91, 43, 91.1, 43.1)),
        ],
    )
    result = read_layer(path, LayerKind.UNITS)
    assert list(result.layer.table["code"]) == ["A1", "A2", "A9"]
    assert result.read == 9
    by_rule = {(i.feature.split(" (")[0], i.rule, i.severity) for i in result.issues}
    assert by_rule == {
        ("fid 1", "valid-geometry", "repaired"),
        ("fid 2", "required", "rejected"),
        ("fid 3", "unique", "rejected"),
        ("fid 4", "enum", "rejected"),
        ("fid 5", "polygonal", "rejected"),
        ("fid 6", "valid-geometry", "rejected"),
        ("fid 7", "required", "rejected"),
        ("A1 / A2", "overlap", "warning"),  # the repaired bow-tie lies inside A1
    }
    repaired = result.layer.geometry[1]
    assert repaired.is_valid and repaired.area == pytest.approx(0.005)
    msg = str(
        next(i for i in result.issues if i.rule == "valid-geometry" and i.severity == "rejected")
    )
    assert msg.startswith("units.geojson: feature fid 6 (A7): field geometry: [valid-geometry]")
    enum = next(i for i in result.issues if i.rule == "enum")
    assert enum.field == "管控单元分类" and "特别单元" in enum.message


def test_overlapping_units_are_flagged_not_refused(tmp_path: Path) -> None:
    path = _geojson(
        tmp_path / "u.geojson",
        [
            (_unit("O1"), box(87.0, 43.0, 87.1, 43.1)),
            (_unit("O2"), box(87.05, 43.0, 87.15, 43.1)),
            (_unit("O3"), box(87.15, 43.0, 87.2, 43.1)),  # touches O2 only
        ],
    )
    result = read_layer(path, LayerKind.UNITS)
    assert len(result.layer) == 3 and result.rejected == []
    (warning,) = result.issues
    assert (warning.feature, warning.rule, warning.severity) == ("O1 / O2", "overlap", "warning")
    assert "overlap by 45" in warning.message  # 0.05 x 0.1 degree at 43 N: 4.07 x 11.1 km = 45 km2


def test_rules_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "rule_id,level,scope,dimension,effect,text,industries\n"
        "A,province,*,spatial_layout,prohibit,禁止新建燃煤电厂。,D4411\n"
        "B,city,650100,risk_prevention,sometimes,坏的。,\n",
        encoding="utf-8-sig",
    )
    result = read_rules(path)
    assert [r.rule_id for r in result.rules] == ["A"]
    assert [(i.feature, i.field, i.rule) for i in result.issues] == [("row 3", "effect", "format")]


def test_bowtie_repair_keeps_both_lobes(tmp_path: Path) -> None:
    path = _geojson(tmp_path / "u.geojson", [(_unit("B1"), BOWTIE)])
    result = read_layer(path, LayerKind.UNITS)
    geom = result.layer.geometry[0]
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(0.005)  # two triangles of 0.0025 deg2


def test_explicit_mapping_and_category_from_code(tmp_path: Path) -> None:
    path = _geojson(
        tmp_path / "u.geojson",
        [({"DYBM_X": "ZH65010220003", "MC": "乌鲁木齐重点"}, box(87, 43, 87.1, 43.1))],
    )
    result = read_layer(path, LayerKind.UNITS, parse_mapping(["code=DYBM_X", "name=MC"]))
    row = result.layer.table.iloc[0]
    assert row["category"] == int(UnitCategory.KEY) and row["admin_code"] == "650102"
    assert [i.rule for i in result.issues] == ["from-code"]
    assert "unconfirmed" in result.issues[0].message


def test_unknown_mapping_attribute_is_a_usage_error(tmp_path: Path) -> None:
    path = _geojson(tmp_path / "u.geojson", [({"X": "1"}, box(87, 43, 87.1, 43.1))])
    with pytest.raises(ZoningInputError, match=r"u.geojson: --map code=NOPE: no attribute 'NOPE'"):
        read_layer(path, LayerKind.UNITS, {"code": "NOPE"})
    with pytest.raises(ZoningInputError, match="no attribute for the unit/feature code"):
        read_layer(path, LayerKind.REDLINES)
    with pytest.raises(ZoningInputError, match="expected field=attribute"):
        parse_mapping(["code"])


def test_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ZoningInputError, match=r"broken\.geojson: cannot read"):
        read_layer(bad, LayerKind.UNITS)


def test_gauss_kruger_geopackage_is_reprojected(tmp_path: Path) -> None:
    """A GeoPackage in CGCS2000 3-degree Gauss-Kruger zone 29 (EPSG:4517, CM 87E)."""
    to_gk = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4517", always_xy=True)
    lonlat = box(87.0, 43.0, 87.1, 43.1)
    gk = shapely.transform(lonlat, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1])))
    path = tmp_path / "redlines.gpkg"
    pyogrio.raw.write(
        str(path),
        geometry=np.array([shapely.to_wkb(gk)], dtype=object),
        field_data=[np.array(["RL-1"], dtype=object), np.array(["示例红线"], dtype=object)],
        fields=["红线编码", "名称"],
        geometry_type="Polygon",
        crs="EPSG:4517",
        driver="GPKG",
    )
    result = read_layer(path, LayerKind.REDLINES)
    geom = result.layer.geometry[0]
    assert result.layer.table.iloc[0]["code"] == "RL-1"
    assert geom.bounds == pytest.approx((87.0, 43.0, 87.1, 43.1), abs=1e-7)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_projected_coordinates_without_crs_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "units.shp"
    pyogrio.raw.write(
        str(path),
        geometry=np.array([shapely.to_wkb(box(500000, 4760000, 508000, 4771000))], dtype=object),
        field_data=[np.array(["U"], dtype=object), np.array(["1"], dtype=object)],
        fields=["code", "category"],
        geometry_type="Polygon",
        driver="ESRI Shapefile",
    )
    with pytest.raises(ZoningInputError, match=r"not longitude/latitude.*give --crs"):
        read_layer(path, LayerKind.UNITS)
    ok = read_layer(path, LayerKind.UNITS, crs="EPSG:4538")  # CGCS2000 GK CM 87E
    assert 86.9 < ok.layer.geometry[0].bounds[0] < 87.1


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


HEADER = [
    "编号",
    "层级",
    "适用范围",
    "管控维度",
    "效力",
    "条款内容",
    "来源",
    "行业代码",
    "污染物限值",
    "单元类别",
]


def test_rules_from_excel_with_row_errors(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "list.xlsx",
        [
            HEADER,
            [
                "S1",
                "省级",
                "",
                "空间布局约束",
                "禁止",
                "禁止新建两高项目。",
                "示例 第1条",
                "两高",
                "",
                "优先保护单元",
            ],
            [
                "S2",
                "片区",
                "北疆",
                "污染物排放管控",
                "限制",
                "SO2 超 100 t/a 须削减替代。",
                "",
                "C;D4411",
                "SO2<=100 t/a",
                "",
            ],
            ["S3", "市州", "650100", "环境风险", "限制", "维度写错。", "", "", "", ""],
            ["S4", "单元", "", "资源利用效率", "要求", "缺少范围。", "", "", "", ""],
            ["S5", "单元", "ZH1", "资源利用效率", "要求", "行业代码写错。", "", "C99X", "", ""],
            [None] * 10,
            ["S1", "省级", "*", "资源利用效率", "要求", "重复编号。", "", "", "", ""],
            [
                "S7",
                "unit",
                "ZH1",
                "resource_efficiency",
                "allow",
                "鼓励节水。",
                "",
                "",
                "COD: 5",
                "",
            ],
        ],
    )
    result = read_rules(path)
    assert [r.rule_id for r in result.rules] == ["S1", "S2", "S7"]
    s1, s2, s7 = result.rules
    assert (s1.level, s1.scope, s1.dimension, s1.effect) == (
        ListLevel.PROVINCE,
        "*",
        Dimension.SPATIAL_LAYOUT,
        Effect.PROHIBIT,
    )
    assert s1.categories == frozenset({UnitCategory.PRIORITY})
    assert (
        s2.industries == ("C", "D4411")
        and s2.caps[0].pollutant == "SO2"
        and s2.caps[0].limit == 100.0
    )
    assert s7.caps[0].pollutant == "COD" and s7.caps[0].limit == 5.0
    problems = {(i.feature, i.field, i.rule) for i in result.issues}
    assert problems == {
        ("row 4", "管控维度", "format"),
        ("row 5", "适用范围", "required"),
        ("row 6", "行业代码", "format"),
        ("row 8", "编号", "unique"),
    }
    assert result.read == 7


def test_rules_missing_required_column(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "x.xlsx", [["编号", "条款内容"], ["1", "x"]])
    with pytest.raises(
        ZoningInputError, match=r"x.xlsx: no column for \['level', 'dimension', 'effect'\]"
    ):
        read_rules(path)


def test_store_round_trip_and_versions(tmp_path: Path) -> None:
    path = _geojson(
        tmp_path / "u.geojson",
        [(_unit("A1", 要素="大气"), box(87, 43, 87.1, 43.1)), (_unit("A2", "一般"), BOWTIE)],
    )
    layer = read_layer(path, LayerKind.UNITS, version="20260101T000000Z").layer
    root = tmp_path / "zoning"
    first = save_layer(root, layer)
    second = save_layer(root, layer)
    assert first != second and versions(root, "units") == ["20260101T000000Z", "20260101T000000Z-2"]
    back = load_layer(root, LayerKind.UNITS)
    assert back is not None and back.version == "20260101T000000Z-2"
    assert back.table.equals(layer.table)
    assert all(a.equals(b) for a, b in zip(back.geometry, layer.geometry, strict=True))
    import pyarrow.parquet as pq

    geo = json.loads(pq.read_schema(first).metadata[b"geo"])
    assert geo["columns"]["geometry"]["crs"]["id"] == {"authority": "EPSG", "code": 4490}
    assert load_layer(root, LayerKind.REDLINES) is None

    rules = rulebook()
    save_rules(root, rules)
    assert load_rules(root) == rules


def test_gbk_shapefile_without_cpg_needs_encoding(tmp_path: Path) -> None:
    path = tmp_path / "units.shp"
    pyogrio.raw.write(
        str(path),
        geometry=np.array([shapely.to_wkb(box(87, 43, 87.1, 43.1))], dtype=object),
        field_data=[np.array(["U1"], dtype=object), np.array(["重点管控单元"], dtype=object)],
        fields=["编码", "管控类别"],
        geometry_type="Polygon",
        crs="EPSG:4490",
        driver="ESRI Shapefile",
        encoding="GBK",
    )
    (tmp_path / "units.cpg").unlink()
    with pytest.raises(ZoningInputError, match="look garbled, give --encoding GBK"):
        read_layer(path, LayerKind.UNITS)
    ok = read_layer(path, LayerKind.UNITS, encoding="GBK")
    assert ok.issues == []
    assert ok.layer.table.iloc[0]["code"] == "U1"
    assert ok.layer.table.iloc[0]["category"] == int(UnitCategory.KEY)
