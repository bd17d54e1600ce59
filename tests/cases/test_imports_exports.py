"""Imports with bad rows (findings from Excel; clues from GeoJSON, GPKG, Shapefile, Excel) and
the published exports (progress table, disclosure list, clue table, GeoJSON)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
from helpers import NOTICE, PLAN, Clock, as_user
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ecoguard.cases.exports import (
    PROGRESS_COLUMNS,
    clue_features,
    clue_rows,
    disclosure_rows,
    progress_rows,
    write_table,
)
from ecoguard.cases.importers import CaseInputError, import_clues, import_findings, read_clues
from ecoguard.cases.service import CaseFilter
from ecoguard.registry.db import make_engine, make_sessionmaker

HEADER = [
    "问题编号",
    "督察类型",
    "轮次",
    "批次",
    "反馈日期",
    "问题内容",
    "行政区划代码",
    "整改时限",
    "责任单位",
]
AFTER = dt.datetime(2026, 3, 31, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "registry.sqlite3"
    shutil.copyfile(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def findings_xlsx(path: Path) -> Path:
    book = Workbook()
    ws = book.active
    ws.append(["第三轮中央生态环境保护督察反馈问题整改清单"])  # a title row above the header
    ws.append(HEADER)
    ws.append(
        [
            "G3-01",
            "中央",
            "第三轮",
            "第一批",
            "2024-02-28",
            "某保护区违规采砂",
            "650100",
            "2026-03-31",
            "乌鲁木齐市人民政府",
        ]
    )
    ws.append(
        [
            "G3-02",
            "中央",
            "第三轮",
            "第一批",
            dt.datetime(2024, 2, 28),
            "城市黑臭水体",
            "650200",
            dt.date(2026, 6, 30),
            "克拉玛依市人民政府",
        ]
    )
    ws.append([])  # empty lines are skipped
    ws.append(
        ["G3-03", "中央", "第三轮", "第一批", "2024-02-30", "日期不存在", "650100", None, None]
    )
    ws.append(["G3-04", "中央", "第三轮", "第一批", "2024-02-28", None, "650100", None, None])
    ws.append(
        ["G3-05", "中央", "第三轮", "第一批", "2024-02-28", "区划不存在", "659999", None, None]
    )
    ws.append(["G3-01", "中央", "第三轮", "第一批", "2024-02-28", "重复编号", "650100", None, None])
    ws.append(
        ["G3-06", "国家", "第三轮", "第一批", "2024-02-28", "督察类型不对", "650100", None, None]
    )
    ws.append(
        ["G3-07", "省级", "第三轮", None, "20240228", "县城污水直排", "650102", "2026-04-30", None]
    )
    book.save(path)
    return path


def test_import_findings_keeps_good_rows_and_names_bad_ones(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = findings_xlsx(tmp_path / "第三轮.xlsx")
    with as_user(factory, "analyst") as svc:
        result = import_findings(svc, path)
    problems = {(e.row, e.field): e.rule for e in result.errors}
    assert len(result.created) == 3, result.errors
    assert problems[(6, "feedback_date")].startswith("expected a date")
    assert problems[(7, "text")] == "required"
    assert "region 659999 does not exist" in problems[(8, "region_adcode")]
    assert "duplicate reference (also in row 3)" in problems[(9, "reference")]
    assert "中央" in problems[(10, "level")]
    assert str(result.errors[0]).startswith("第三轮.xlsx:6: feedback_date:")
    with as_user(factory, "analyst") as svc:
        _rows, total = svc.search(CaseFilter(case_type="inspection_finding"))
        assert total == 3
        g1 = svc.by_reference("inspection_finding", "G3-01")
        assert g1.batch == "第三轮 第一批" and g1.deadline == dt.date(2026, 3, 31)
        assert g1.details["feedback_date"] == "2024-02-28" and g1.details["level"] == "central"
        assert svc.by_reference("inspection_finding", "G3-07").details["level"] == "provincial"
        # importing the same file again creates nothing and names every duplicate
        again = import_findings(svc, path)
        assert again.created == []
        assert sum("already registered" in e.rule for e in again.errors) == 3
    # a prefecture officer may not register findings at all
    with as_user(factory, "urumqi") as svc:
        refused = import_findings(svc, findings_xlsx(tmp_path / "b.xlsx"))
        assert refused.created == [] and all(
            "may not register" in e.rule for e in refused.errors if e.field == "row"
        )


def test_unreadable_and_headerless_files(tmp_path: Path, factory: sessionmaker[Session]) -> None:
    bad = tmp_path / "x.xlsx"
    bad.write_text("not a workbook")
    with as_user(factory, "analyst") as svc:
        with pytest.raises(CaseInputError, match="cannot read as an Excel workbook"):
            import_findings(svc, bad)
        book = Workbook()
        book.active.append(["a", "b"])
        book.save(tmp_path / "h.xlsx")
        with pytest.raises(CaseInputError, match="no header row with the required columns"):
            import_findings(svc, tmp_path / "h.xlsx")
        with pytest.raises(CaseInputError, match="cannot read as a vector file"):
            read_clues(bad.with_suffix(".geojson"))


def _square(x: float, y: float, d: float = 0.01) -> shapely.Polygon:
    return shapely.box(x, y, x + d, y + d)


CLUE_FIELDS = ["tbbh", "jcpc", "qsx", "yjlx", "bhqk", "mj", "gnfq", "bhdmc"]


def clue_records() -> list[tuple[shapely.Geometry | None, list[object]]]:
    return [
        (
            _square(87.6, 43.8),
            ["TB-001", "2026-1", "2026-01-15", "04", 1, 1.25, "核心区", "示例保护区"],
        ),
        (
            _square(84.9, 45.6),
            ["TB-002", "2026-1", "20260115", "采石场", 2, 0.8, "缓冲区", "示例保护区"],
        ),
        (_square(87.6, 43.8), ["TB-003", "2026-1", "2026-01-15", "99", 1, 1.0, "核心区", ""]),
        (shapely.Point(87.6, 43.8), ["TB-004", "2026-1", "2026-01-15", "01", 1, 1.0, "实验区", ""]),
        (_square(87.6, 43.8), ["TB-005", "2026-1", "2026-01-15", "01", 1, -3, "外围", ""]),
        (_square(10.0, 10.0), ["TB-006", "2026-1", "2026-01-15", "01", 1, 1.0, "核心区", ""]),
    ]


def write_vector(path: Path, driver: str) -> Path:
    records = clue_records()
    geoms = [g for g, _ in records]
    if driver == "ESRI Shapefile":  # a shapefile holds one geometry type: a null shape instead
        geoms[3] = None
    values = [np.array([r[i] for _, r in records], dtype=object) for i in range(len(CLUE_FIELDS))]
    values[4] = np.array([r[4] for _, r in records], dtype=np.int32)
    values[5] = np.array([r[5] for _, r in records], dtype=np.float64)
    wkb = np.array(shapely.to_wkb(geoms), dtype=object)
    pyogrio.raw.write(
        str(path),
        wkb,
        values,
        CLUE_FIELDS,
        driver=driver,
        crs="EPSG:4326",
        geometry_type="Unknown",
        encoding="UTF-8" if driver == "ESRI Shapefile" else None,
    )
    return path


@pytest.mark.parametrize(
    ("name", "driver"),
    [("clues.geojson", "GeoJSON"), ("clues.gpkg", "GPKG"), ("clues.shp", "ESRI Shapefile")],
)
def test_import_clue_polygons(
    factory: sessionmaker[Session], tmp_path: Path, name: str, driver: str
) -> None:
    path = write_vector(tmp_path / name, driver)
    with as_user(factory, "analyst") as svc:
        result = import_clues(svc, path)
    problems = {(e.row, e.field): e.rule for e in result.errors}
    assert sorted(problems) == [
        (3, "activity_type"),
        (4, "geometry"),
        (5, "area_ha"),
        (5, "function_zone"),
        (6, "geometry"),
    ], problems
    assert "01 农业用地" in problems[(3, "activity_type")]
    assert problems[(4, "geometry")].startswith("expected a polygon")
    assert "within China" in problems[(6, "geometry")]
    assert len(result.created) == 2
    with as_user(factory, "analyst") as svc:
        tb1 = svc.by_reference("redline_clue", "TB-001")
        tb2 = svc.by_reference("redline_clue", "TB-002")
    # the region came from the registered boundaries: a county of Urumqi, and Karamay
    assert tb1.region_adcode.startswith("6501") and tb2.region_adcode.startswith("6502")
    assert tb1.details["activity_type_name"] == "采石场" and tb1.details["change_type"] == "1"
    assert tb2.details["change_type_name"] == "规模扩大" and tb2.area_ha == 0.8
    assert json.loads(tb1.geometry_geojson or "")["type"] == "Polygon"
    assert tb1.state == "issued"


def test_clue_workflow_and_geojson(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = write_vector(tmp_path / "c.geojson", "GeoJSON")
    with as_user(factory, "analyst") as svc:
        import_clues(svc, path)
    with as_user(factory, "urumqi") as svc:
        (clue,) = svc.search(CaseFilter(case_type="redline_clue"))[0]
        svc.act(
            clue.id,
            "first_check",
            {"opinion": "属实，未批先建", "checked_on": "2026-02-01", "is_violation": True},
        )
    with as_user(factory, "karamay") as svc:
        assert svc.search(CaseFilter(case_type="redline_clue"))[1] == 1  # only its own clue
    with as_user(factory, "analyst") as svc:
        svc.act(clue.id, "review", {"review_opinion": "同意初核意见", "reviewed_on": "2026-02-10"})
        cases = svc.search(CaseFilter(case_type="redline_clue"))[0]
        fc = clue_features(cases, AFTER)
        assert [f["properties"]["reference"] for f in fc["features"]] == ["TB-001", "TB-002"]
        props = fc["features"][0]["properties"]
        assert props["state"] == "reviewed" and props["activity_type_name"] == "采石场"
        rows = clue_rows(cases)
        assert rows[0]["初核意见"] == "属实，未批先建" and rows[0]["复核时间"] == "2026-02-10"
        assert rows[0]["状态"] == "已复核" and rows[1]["状态"] == "已下发"


def test_progress_table_and_disclosure_list(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with as_user(factory, "analyst") as svc:
        import_findings(svc, findings_xlsx(tmp_path / "f.xlsx"))
        ids = {c.reference: c.id for c in svc.search(CaseFilter())[0]}
    root = tmp_path / "att"
    with as_user(factory, "urumqi", root=root) as svc:
        svc.act(ids["G3-01"], "submit_plan", PLAN)
        svc.act(
            ids["G3-01"], "report_progress", {"progress": "完成采砂坑回填", "percent_done": 100}
        )
        svc.attach(ids["G3-01"], "验收.pdf", b"evidence", kind="evidence")
        svc.act(ids["G3-01"], "complete", {"summary": "已回填并复绿"})
    with as_user(factory, "analyst") as svc:
        svc.act(ids["G3-01"], "accept", {"opinion": "同意", "accepted_on": "2026-03-20"})
        svc.act(ids["G3-01"], "close_out", NOTICE)
    with as_user(factory, "analyst", clock=Clock(AFTER)) as svc:
        cases = svc.search(CaseFilter(case_type="inspection_finding"))[0]
        rows = progress_rows(cases, AFTER, {"650100": "乌鲁木齐市"})
        by_ref = {r["问题编号"]: r for r in rows}
        assert by_ref["G3-01"]["完成情况"] == "已完成"
        assert by_ref["G3-01"]["销号情况"] == "已销号（2026-03-28）"
        assert by_ref["G3-01"]["整改措施"] == "1. 拆除违建；2. 生态修复"
        assert by_ref["G3-01"]["地区"] == "乌鲁木齐市"
        assert by_ref["G3-02"]["完成情况"] == "序时推进"
        out = tmp_path / "progress.xlsx"
        write_table(out, rows, PROGRESS_COLUMNS, title="整改落实情况表", as_of=AFTER)
        ws = load_workbook(out).active
        assert ws["A1"].value == "整改落实情况表"
        assert ws["A2"].value == "截至2026年4月1日"  # the CST date of 2026-03-31 16:00 UTC
        assert [c.value for c in ws[3]] == list(PROGRESS_COLUMNS)
        assert ws.max_row == 3 + 3
        public = disclosure_rows(cases)
        assert [r["问题编号"] for r in public] == ["G3-01"]
        assert public[0]["整改完成情况"] == "已回填并复绿"
        assert "opinion" not in json.dumps(public, ensure_ascii=False)


def test_overdue_finding_in_progress_table(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with as_user(factory, "analyst") as svc:
        import_findings(svc, findings_xlsx(tmp_path / "f.xlsx"))
        cases = svc.search(CaseFilter())[0]
    by_ref = {r["问题编号"]: r for r in progress_rows(cases, AFTER)}
    assert by_ref["G3-01"]["完成情况"] == "逾期未完成"
    before = AFTER - dt.timedelta(seconds=1)
    assert {r["问题编号"]: r for r in progress_rows(cases, before)}["G3-01"][
        "完成情况"
    ] == "序时推进"


def test_clue_area_computed_when_absent(factory: sessionmaker[Session], tmp_path: Path) -> None:
    """Without 面积 the area is the polygon's geodesic area on GRS 80 [ha]."""
    polygon = _square(87.6, 43.8)  # 0.01 deg: 1.113 km x 0.804 km at 43.8 N
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "图斑编号": "TB-A",
                    "监测批次": "b",
                    "时相": "2026-01-15",
                    "人类活动类型": "采石场",
                    "变化情况": "新增",
                },
                "geometry": json.loads(shapely.to_geojson(polygon)),
            }
        ],
    }
    path = tmp_path / "a.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with as_user(factory, "analyst") as svc:
        result = import_clues(svc, path)
        assert result.errors == []
        case = svc.get(result.created[0])
    assert case.area_ha == pytest.approx(1.1132 * 0.8034 * 100, rel=2e-3)
    assert case.details["area_computed"] is True
