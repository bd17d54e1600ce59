"""`ecoguard zoning ...` end to end in a temporary ECOGUARD_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import pytest
import shapely
from shapely.geometry import box
from typer.testing import CliRunner

from ecoguard.cli.main import app


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path / "home"))
    return tmp_path


def _run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def _fc(path: Path, features: list[tuple[dict[str, object], object]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": p,
                        "geometry": json.loads(shapely.to_geojson(g)),
                    }
                    for p, g in features
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def _load(home: Path) -> None:
    units = _fc(
        home / "units.geojson",
        [
            (
                {"DYBM": "U1", "MC": "一号", "FL": "优先保护单元", "XZQ": "650102"},
                box(87.0, 43.0, 87.1, 43.1),
            ),
            (
                {"DYBM": "U2", "MC": "二号", "FL": "一般管控单元", "XZQ": "650102"},
                box(87.1, 43.0, 87.2, 43.1),
            ),
            (
                {"DYBM": "U3", "MC": "坏的", "FL": "不存在的类别", "XZQ": "650102"},
                box(87.0, 43.1, 87.1, 43.2),
            ),
        ],
    )
    r = _run(
        "zoning", "import", "units", str(units),
        "--map", "code=DYBM", "--map", "name=MC", "--map", "category=FL", "--map", "admin_code=XZQ",
        "--format", "csv",
    )  # fmt: skip
    assert r.exit_code == 1, r.output  # type: ignore[attr-defined]
    assert "read 3, kept 2" in r.output and "fid 2 (U3)" in r.output and "enum" in r.output  # type: ignore[attr-defined]
    red = _fc(
        home / "red.geojson", [({"code": "RL1", "name": "红线"}, box(87.02, 43.02, 87.04, 43.04))]
    )
    assert _run("zoning", "import", "redlines", str(red)).exit_code == 0  # type: ignore[attr-defined]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "编号",
            "层级",
            "适用范围",
            "管控维度",
            "效力",
            "条款内容",
            "来源",
            "行业代码",
            "污染物限值",
        ]
    )
    ws.append(
        [
            "P1",
            "省级",
            "650000",
            "空间布局约束",
            "禁止",
            "禁止新建化工项目。",
            "示例第1条",
            "26",
            "",
        ]
    )
    ws.append(
        [
            "U2-1",
            "单元",
            "U2",
            "污染物排放管控",
            "限制",
            "SO2 超 10 吨须替代。",
            "示例U2",
            "",
            "SO2<=10",
        ]
    )
    wb.save(home / "rules.xlsx")
    r = _run("zoning", "import", "rules", str(home / "rules.xlsx"))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]


def test_nothing_loaded_is_a_usage_error(home: Path) -> None:
    r = _run("zoning", "screen", "--point", "87.05,43.05")
    assert r.exit_code == 2  # type: ignore[attr-defined]
    assert "no control units" in r.output  # type: ignore[attr-defined]


def test_import_and_screen_single(home: Path) -> None:
    _load(home)
    r = _run(
        "zoning", "screen", "--point", "87.05,43.05", "--industry", "C2611", "--format", "json"
    )
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    data = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert data["verdict"] == "prohibited"
    assert [u["code"] for u in data["units"]] == ["U1"]
    assert data["rules"][0]["text"] == "禁止新建化工项目。"

    r = _run(
        "zoning", "screen", "--point", "87.15,43.05", "--emission", "SO2=12", "--format", "json"
    )
    data = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert data["verdict"] == "restricted" and data["rules"][0]["rule_id"] == "U2-1"

    r = _run("zoning", "screen", "--coords", "87.03,43.03;87.035,43.03;87.035,43.035;87.03,43.03")
    assert r.exit_code == 0 and "禁止" in r.output and "RL1" in r.output  # type: ignore[attr-defined]


def test_screen_usage_errors(home: Path) -> None:
    _load(home)
    assert _run("zoning", "screen").exit_code == 2  # type: ignore[attr-defined]
    assert _run("zoning", "screen", "--point", "87,43", "--wkt", "POINT(1 1)").exit_code == 2  # type: ignore[attr-defined]
    r = _run("zoning", "screen", "--point", "500000,4700000")
    assert r.exit_code == 2 and "lon must be" in r.output  # type: ignore[attr-defined]
    r = _run("zoning", "screen", "--point", "87,43", "--industry", "X12")
    assert r.exit_code == 2 and "GB/T 4754" in r.output  # type: ignore[attr-defined]
    r = _run("zoning", "screen", "--point", "87,43", "--format", "xlsx")
    assert r.exit_code == 2 and "--output" in r.output  # type: ignore[attr-defined]


def test_batch_with_a_bad_row_and_report(home: Path) -> None:
    _load(home)
    batch = home / "projects.csv"
    batch.write_text(
        "id,name,lon,lat,wkt,industry,SO2\n"
        "a,甲,87.05,43.05,,C2611,\n"
        "b,乙,87.15,43.05,,C1310,5\n"
        'c,丙,,,"POLYGON((87.05 43.05,87.15 43.05,87.15 43.07,87.05 43.07,87.05 43.05))",,20\n'
        "d,丁,abc,43,,,\n"
        "e,戊,87.15,43.06,,Z99,\n",
        encoding="utf-8",
    )
    out = home / "out.xlsx"
    report = home / "report.docx"
    r = _run(
        "zoning",
        "screen",
        "--batch",
        str(batch),
        "--format",
        "xlsx",
        "--output",
        str(out),
        "--report",
        str(report),
    )
    assert r.exit_code == 1, r.output  # type: ignore[attr-defined]
    assert "2 row(s) could not be screened" in r.output  # type: ignore[attr-defined]
    assert "projects.csv: feature d: field lon" in r.output  # type: ignore[attr-defined]
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    header = rows[0]
    got = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(got) == {"a", "b", "c"}
    assert got["a"]["verdict"] == "prohibited"
    assert got["b"]["verdict"] == "allowed"
    assert got["c"]["verdict"] == "restricted" and got["c"]["units"] in ("U1;U2", "U2;U1")
    text = "\n".join(p.text for p in docx.Document(str(report)).paragraphs)
    assert "禁止" in text and "不构成审批意见" in text
    doc = docx.Document(str(report))
    assert len(doc.inline_shapes) == 3  # a map per project
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "禁止新建化工项目。" in cells and "SO2 超 10 吨须替代。" in cells


def test_map_files(home: Path) -> None:
    _load(home)
    svg = home / "m.svg"
    png = home / "m.png"
    assert _run("zoning", "screen", "--point", "87.05,43.05", "--map", str(svg)).exit_code == 0  # type: ignore[attr-defined]
    assert _run("zoning", "screen", "--point", "87.05,43.05", "--map", str(png)).exit_code == 0  # type: ignore[attr-defined]
    assert svg.read_text(encoding="utf-8").count("<path") == 3  # U1, U2 and the red line
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_demo_grid_and_status(home: Path) -> None:
    r = _run("zoning", "demo", "--source", "grid")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert "from grid boundaries (12 prefectures)" in r.output  # type: ignore[attr-defined]
    r = _run("zoning", "status", "--format", "json")
    info = {row["layer"]: row for row in json.loads(r.stdout)}  # type: ignore[attr-defined]
    assert info["units"]["features"] > 100 and info["rules"]["features"] > 100
    r = _run("zoning", "screen", "--point", "85,40", "--industry", "C2611", "--format", "json")
    assert json.loads(r.stdout)["verdict"] in ("prohibited", "restricted")  # type: ignore[attr-defined]


def test_single_project_from_a_file_and_repaired_batch_rows(home: Path) -> None:
    _load(home)
    site = _fc(
        home / "site.geojson",
        [({"n": 1}, box(87.05, 43.05, 87.06, 43.06)), ({"n": 2}, box(87.12, 43.05, 87.13, 43.06))],
    )
    r = _run("zoning", "screen", "--file", str(site), "--format", "json")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    data = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert data["geometry_wkt"].startswith("MULTIPOLYGON")
    assert sorted(u["code"] for u in data["units"]) == ["U1", "U2"]
    batch = home / "bow.csv"
    batch.write_text(
        'id,wkt\nbow,"POLYGON((87.01 43.01,87.05 43.05,87.05 43.01,87.01 43.05,87.01 43.01))"\n',
        encoding="utf-8",
    )
    r = _run("zoning", "screen", "--batch", str(batch), "--format", "csv")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert "repaired: bow.csv: feature bow: field geometry: [valid-geometry]" in r.output  # type: ignore[attr-defined]
    assert "bow," in r.stdout  # type: ignore[attr-defined]


def test_screen_registered_enterprises(home: Path) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from ecoguard.registry.base import Base
    from ecoguard.registry.models import Enterprise, Region

    assert _run("zoning", "screen", "--enterprises").exit_code == 2  # type: ignore[attr-defined]
    _load(home)
    (home / "home").mkdir(exist_ok=True)
    engine = create_engine(f"sqlite:///{home / 'home' / 'registry.sqlite3'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Region(adcode="650000", name="新疆", level="province"),
                Region(
                    adcode="650100", name="乌鲁木齐市", level="prefecture", parent_adcode="650000"
                ),
                Region(
                    adcode="650200", name="克拉玛依市", level="prefecture", parent_adcode="650000"
                ),
            ]
        )
        session.flush()
        for uscc, industry, region, lon, lat in (
            ("91650100MA0000001X", "C2611", "650100", 87.06, 43.07),
            ("91650100MA0000002X", "XX", "650100", 87.12, 43.08),
            ("91650200MA0000003X", "C2611", "650200", 84.9, 45.6),
        ):
            session.add(Enterprise(uscc=uscc, name=f"企业{uscc[-2]}", industry_code=industry,
                                   region_adcode=region, lon=lon, lat=lat))  # fmt: skip
        session.commit()
    engine.dispose()
    r = _run("zoning", "screen", "--enterprises", "--region", "650100", "--format", "json")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    data = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert [(d["project_id"], d["verdict"]) for d in data] == [
        ("91650100MA0000001X", "prohibited"),
        ("91650100MA0000002X", "restricted"),  # U2-1 caps SO2; the registry has no emissions
    ]
    assert "warning:" in r.output and "91650100MA0000002X" in r.output  # type: ignore[attr-defined]


def test_export_round_trips_through_import(home: Path) -> None:
    assert _run("zoning", "demo", "--source", "grid").exit_code == 0  # type: ignore[attr-defined]
    from ecoguard.zoning.importer import read_layer, read_rules
    from ecoguard.zoning.model import LayerKind
    from ecoguard.zoning.store import load_layer, load_rules

    root = home / "home" / "zoning"
    for suffix in (".gpkg", ".shp", ".geojson"):
        out = home / f"units{suffix}"
        r = _run("zoning", "export", "units", str(out))
        assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
        back = read_layer(out, LayerKind.UNITS)
        stored = load_layer(root, LayerKind.UNITS)
        assert stored is not None and back.rejected == []
        assert back.layer.table.equals(stored.table)
        assert all(a.equals(b) for a, b in zip(back.layer.geometry, stored.geometry, strict=True))
    for suffix in (".xlsx", ".csv"):
        out = home / f"list{suffix}"
        assert _run("zoning", "export", "rules", str(out)).exit_code == 0  # type: ignore[attr-defined]
        again = read_rules(out)
        assert again.issues == [] and again.rules == load_rules(root)
    assert _run("zoning", "export", "units", str(home / "x.txt")).exit_code == 2  # type: ignore[attr-defined]
