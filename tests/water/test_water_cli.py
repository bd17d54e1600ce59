"""`ecoguard water import|classify|assess` end to end, on a temporary ECOGUARD_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecoguard.cli.main import app

SECTIONS_FIXTURE = Path(__file__).parent / "data" / "cnemc_sections_2026-02-04.csv"
runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _manual_file(tmp_path: Path) -> Path:
    """Monthly manual samples of three sections in February 2025 and 2026."""
    lines = ["section,region,basin,time,ph,do,codmn,nh3_n,tp"]
    for year, tp_a, tp_lake in ((2025, "0.35", "0.02"), (2026, "0.15", "0.06")):
        lines += [
            f"A桥,甲省,甲流域,{year}-02-03 10:00,7.5,8.0,3.0,0.2,{tp_a}",
            f"A桥,甲省,甲流域,{year}-02-17 10:00,7.5,8.0,3.0,0.2,{tp_a}",
            f"B水库,甲省,甲流域,{year}-02-10 10:00,7.8,9.0,2.5,0.1,{tp_lake}",
            f"C河口,乙省,甲流域,{year}-02-10 10:00,9.6,9.0,2.5,0.1,0.05",
        ]
    path = tmp_path / "manual.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _sections_file(tmp_path: Path) -> Path:
    path = tmp_path / "sections.csv"
    path.write_text(
        "name,type,basin,target_class\nA桥,river,甲流域,Ⅲ\nB水库,lake,甲流域,Ⅱ\nC河口,river,甲流域,Ⅳ\n",
        encoding="utf-8",
    )
    return path


def test_import_is_idempotent_and_assess_compares_with_last_year(
    tmp_path: Path, home: Path
) -> None:
    data = _manual_file(tmp_path)
    first = runner.invoke(app, ["water", "import", str(data), "--format", "json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)[0]["inserted"] == 8 * 5
    again = runner.invoke(app, ["water", "import", str(data), "--format", "json"])
    assert json.loads(again.stdout)[0]["inserted"] == 0
    assert (home / "timeseries" / "water_readings").is_dir()

    sections = _sections_file(tmp_path)
    result = runner.invoke(
        app,
        ["water", "assess", "--by", "section", "--period", "2026-02",
         "--sections", str(sections), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["section"]: r for r in json.loads(result.stdout)}
    # A桥: TP 0.15 -> Ⅲ (river) this year, 0.35 -> Ⅴ last year; target Ⅲ met.
    assert (rows["A桥"]["water_class"], rows["A桥"]["water_class_last_year"]) == ("Ⅲ", "Ⅴ")
    assert rows["A桥"]["meets_target"] is True
    assert rows["A桥"]["samples"] == 2
    # B水库: lake TP 0.06 -> Ⅳ against target Ⅱ, exceeding by (0.06-0.025)/0.025 = 1.4 times.
    assert rows["B水库"]["water_class"] == "Ⅳ"
    assert rows["B水库"]["exceedances"] == "tp 1.40x"
    assert rows["C河口"]["water_class"] == "劣Ⅴ" and rows["C河口"]["deciding"] == "ph"
    # CWQI of A桥: pH (7.5-7)/2 + DO 5/8 + CODMn 3/6 + NH3-N 0.2/1 + TP 0.15/0.2.
    assert rows["A桥"]["cwqi"] == pytest.approx(0.25 + 0.625 + 0.5 + 0.2 + 0.75)

    basin = runner.invoke(
        app,
        ["water", "assess", "--by", "basin", "--period", "2026-Q1",
         "--sections", str(sections), "--format", "json"],
    )  # fmt: skip
    assert basin.exit_code == 0, basin.output
    (row,) = json.loads(basin.stdout)
    assert row["classified"] == 3
    assert row["excellent_pct"] == pytest.approx(33.3)
    assert row["excellent_pct_last_year"] == pytest.approx(33.3)
    assert row["worse_than_v_pct"] == pytest.approx(33.3)
    assert row["target_met_pct"] == pytest.approx(33.3)
    assert row["status_method"] == "mean"  # fewer than 5 sections


def test_assess_without_types_reports_unknown_sections(tmp_path: Path, home: Path) -> None:
    runner.invoke(app, ["water", "import", str(_manual_file(tmp_path))])
    result = runner.invoke(
        app, ["water", "assess", "--by", "region", "--period", "2026-02", "--format", "csv"]
    )
    assert result.exit_code == 1
    assert "2 sections have no class (type unknown): A桥, B水库" in result.stderr


def test_classify_cnemc_layout_with_section_type_and_xlsx(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "water_2026-02-04.csv"
    path.write_text(
        "省份,流域,断面名称,监测时间,水质类别,pH(无量纲),溶解氧(mg/L),高锰酸盐指数(mg/L),"
        "氨氮(mg/L),总磷(mg/L),总氮(mg/L)\n"
        "江苏省,太湖流域,胥湖心,02-04 11:00,Ⅱ,8.24,12.25,--,--,0.020,1.41\n",
        encoding="utf-8",
    )
    unknown = runner.invoke(app, ["water", "classify", str(path), "--format", "json"])
    assert unknown.exit_code == 1
    (row,) = json.loads(unknown.stdout)
    assert row["water_class"] == ""
    assert "as a river Ⅰ, as a lake/reservoir Ⅱ; the name suggests a lake" in row["note"]

    lake = runner.invoke(
        app, ["water", "classify", str(path), "--section-type", "lake", "--format", "json"]
    )
    assert lake.exit_code == 0, lake.output
    (row,) = json.loads(lake.stdout)
    assert (row["water_class"], row["agrees"], row["deciding"]) == ("Ⅱ", True, "tp")
    assert row["type_source"] == "option"
    assert row["rules"] == "GB 3838-2002; 环办〔2011〕22号 (21 items)"

    out = tmp_path / "classes.xlsx"
    xlsx = runner.invoke(
        app,
        [
            "water",
            "classify",
            str(path),
            "--section-type",
            "lake",
            "--format",
            "xlsx",
            "-o",
            str(out),
        ],
    )
    assert xlsx.exit_code == 0, xlsx.output
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("water_class") + 1).value == "Ⅱ"


def test_usage_errors_exit_2(tmp_path: Path, home: Path) -> None:
    assert runner.invoke(app, ["water", "classify", str(tmp_path / "none.csv")]).exit_code == 2
    bad = runner.invoke(app, ["water", "assess", "--period", "2026-13"])
    assert bad.exit_code == 2
    assert "month must be 01-12" in bad.output
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["water", "classify", str(plain)])
    assert result.exit_code == 2
    assert "no column is mapped to 'section'" in result.output


@pytest.mark.shared_data
def test_classify_real_file_with_sections(shared_data: Path, home: Path) -> None:
    data = shared_data / "water" / "cnemc_water_sections_2026-02-04.csv"
    result = runner.invoke(
        app,
        ["water", "classify", str(data), "--sections", str(SECTIONS_FIXTURE), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 600
    assert sum(r["agrees"] is False for r in rows) == 2
    assert "computed class differs for 2" in result.stderr


def test_flagged_readings_are_stored_but_left_out_of_means(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "flags.csv"
    path.write_text(
        "section,time,tp,flag\n"
        "D,2026-03-01 08:00,0.05,N\n"
        "D,2026-03-01 12:00,0.90,M\n"
        "D,2026-03-02 08:00,0.07,n\n"
        "D,2026-03-03 08:00,0.08,Q\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["water", "import", str(path), "--format", "json"])
    assert result.exit_code == 1  # the unknown flag Q is reported
    assert "flags.csv:5: flag: unknown data flag" in result.stderr
    assert json.loads(result.stdout)[0]["inserted"] == 4  # all stored, Q as X (rejected)
    from ecoguard.timeseries.store import TimeseriesStore

    kept = TimeseriesStore(home / "timeseries").read("quarantine").to_pylist()
    assert [(q["kind"], q["file"], q["row"], q["field"], q["value"]) for q in kept] == [
        ("water", "flags.csv", 5, "flag", "Q")
    ]
    sections = tmp_path / "s.csv"
    sections.write_text("name,type,basin,target_class\nD,river,,\n", encoding="utf-8")
    month = runner.invoke(
        app,
        ["water", "assess", "--period", "2026-03", "--sections", str(sections), "--format", "json"],
    )
    (row,) = json.loads(month.stdout)
    assert row["tp"] == pytest.approx(0.06)  # (0.05 + 0.07) / 2; 0.90 (M) and 0.08 (X) left out
    assert row["samples"] == 2


def test_months_are_natural_months_in_china_standard_time(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "edge.csv"
    # 23:00 CST on 28 Feb is 15:00 UTC (February); 00:30 CST on 1 March is 16:30 UTC on 28 Feb
    # but belongs to March.
    path.write_text(
        "section,time,tp\n"
        "E,2026-02-28 23:00,0.05\n"
        "E,2026-03-01 00:30,0.25\n"
        "E,2026-02-28T16:30:00+00:00,0.25\n",
        encoding="utf-8",
    )
    imported = runner.invoke(app, ["water", "import", str(path), "--format", "json"])
    assert imported.exit_code == 0, imported.output
    # The last two lines are the same instant: one reading stored, the repeat skipped.
    assert json.loads(imported.stdout)[0]["inserted"] == 2
    sections = tmp_path / "s.csv"
    sections.write_text("name,type,basin,target_class\nE,river,,\n", encoding="utf-8")
    values = {}
    for month in ("2026-02", "2026-03"):
        out = runner.invoke(
            app,
            ["water", "assess", "--period", month, "--sections", str(sections), "--format", "json"],
        )
        (row,) = json.loads(out.stdout)
        values[month] = (row["tp"], row["water_class"])
    assert values == {"2026-02": (0.05, "Ⅱ"), "2026-03": (0.25, "Ⅳ")}


@pytest.mark.shared_data
def test_import_real_file_keeps_published_classes(shared_data: Path, home: Path) -> None:
    data = shared_data / "water" / "cnemc_water_sections_2026-02-04.csv"
    first = runner.invoke(app, ["water", "import", str(data), "--format", "json"])
    assert first.exit_code == 0, first.output
    (summary,) = json.loads(first.stdout)
    assert (summary["samples"], summary["published_classes"]) == (600, 593)
    assert summary["inserted"] == summary["readings"] > 0
    again = json.loads(
        runner.invoke(app, ["water", "import", str(data), "--format", "json"]).stdout
    )
    assert (again[0]["inserted"], again[0]["published_classes"]) == (0, 0)
    from ecoguard.timeseries.store import TimeseriesStore
    from ecoguard.water.store import PUBLISHED_TABLE

    stored = TimeseriesStore(home / "timeseries").read(PUBLISHED_TABLE).to_pandas()
    jintan = stored[stored["section"] == "金滩"].set_index("region")["water_class"].to_dict()
    assert len(jintan) == 2  # same name in two provinces, both kept


def test_manual_items_decide_by_default_but_not_with_automatic(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "manual.csv"
    path.write_text(
        "section,time,ph,do,codmn,nh3_n,tp,cod,hg\nF,2026-02-10 10:00,7.5,8,3,0.2,0.05,32,0.00004\n",
        encoding="utf-8",
    )
    national = runner.invoke(
        app, ["water", "classify", str(path), "--section-type", "river", "--format", "json"]
    )
    (row,) = json.loads(national.stdout)
    assert (row["water_class"], row["deciding"]) == ("Ⅴ", "cod")  # COD 32 > 30 (Ⅳ limit)
    automatic = runner.invoke(
        app,
        ["water", "classify", str(path), "--section-type", "river", "--items", "automatic",
         "--format", "json"],
    )  # fmt: skip
    (row,) = json.loads(automatic.stdout)
    assert (row["water_class"], row["deciding"]) == ("Ⅱ", "codmn,nh3_n,tp")
    assert row["rules"] == "GB 3838-2002; 环办〔2011〕22号 (ph,do,codmn,nh3_n,tp)"


def test_region_assessment_ends_with_all_sections_together(tmp_path: Path, home: Path) -> None:
    runner.invoke(app, ["water", "import", str(_manual_file(tmp_path))])
    sections = _sections_file(tmp_path)
    result = runner.invoke(
        app,
        ["water", "assess", "--by", "region", "--period", "2026-02",
         "--sections", str(sections), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["region"]: r for r in json.loads(result.stdout)}
    assert list(rows) == ["乙省", "甲省", "(all)"]
    assert (rows["甲省"]["classified"], rows["乙省"]["classified"]) == (2, 1)
    assert rows["(all)"]["classified"] == 3
    assert rows["(all)"]["worse_than_v_pct"] == pytest.approx(33.3)
    # Last year A桥 was Ⅴ (TP 0.35) and B水库 Ⅱ (lake TP 0.02).
    assert rows["甲省"]["excellent_pct_last_year"] == pytest.approx(50.0)


def test_import_fills_region_and_basin_from_the_sections(tmp_path: Path, home: Path) -> None:
    data = tmp_path / "lab.csv"
    data.write_text("section,time,tp\n金滩,2026-04-02 09:00,0.05\n", encoding="utf-8")
    sections = tmp_path / "s.csv"
    sections.write_text(
        "name,type,basin,target_class,region\n金滩,river,黄河流域,Ⅱ,青海省\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["water", "import", str(data), "--sections", str(sections)])
    assert result.exit_code == 0, result.output
    out = runner.invoke(
        app,
        ["water", "assess", "--by", "region", "--period", "2026-04", "--sections", str(sections),
         "--format", "json"],
    )  # fmt: skip
    (row,) = json.loads(out.stdout)
    assert (row["region"], row["classified"], row["target_met_pct"]) == ("青海省", 1, 100.0)
