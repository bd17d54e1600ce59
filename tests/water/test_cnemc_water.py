"""Readers: the CNEMC publishing format and mapped CSV/Excel files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.ingest.cnemc_water import (
    parse_mapping,
    read_cnemc,
    read_header,
    read_mapped,
    year_from_name,
)
from ecoguard.water.sections import SectionTable

HEADER = (
    "省份,流域,断面名称,监测时间,水质类别,水温(℃),pH(无量纲),溶解氧(mg/L),电导率(μS/cm),浊度(NTU),"
    "高锰酸盐指数(mg/L),氨氮(mg/L),总磷(mg/L),总氮(mg/L),叶绿素α(mg/L),藻密度(cells/L),lat,lon"
)


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\r\n".join(lines) + "\r\n", encoding=encoding)
    return path


def test_cnemc_rows_become_utc_readings_with_interval(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "water_2026-02-04.csv",
        [
            HEADER,
            "上海市,太湖流域,临江,02-04 11:00,Ⅱ,19.3,7.18,8.13,--,--,3.02,--,0.100,3.95,--,--,,",
        ],
    )
    got = read_cnemc(path)
    assert got.problems == []
    readings = got.readings.set_index("parameter")
    # 11:00 China Standard Time is 03:00 UTC; "--" cells are not stored.
    assert readings.loc["tp", "time"] == pd.Timestamp("2026-02-04T03:00Z")
    assert readings.loc["tp", "time_end"] == pd.Timestamp("2026-02-04T07:00Z")
    assert readings.loc["tp", "value"] == 0.1
    assert sorted(readings.index) == ["codmn", "do", "ph", "tn", "tp", "water_temp"]
    assert got.samples.loc[0, "official_class"] == 2


def test_a_bad_cell_is_reported_and_its_neighbours_kept(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "water_2026-02-04.csv",
        [
            HEADER,
            "上海市,太湖流域,临江,02-04 11:00,Ⅱ,19.3,7.18,8.13,--,--,3.02,abc,0.100,3.95,--,--,,",
            "上海市,太湖流域,黄渡,02-4 1100,Ⅲ,8.7,7.6,8.31,612.5,20.6,3.07,0.412,0.105,3.63,--,--,,",
            "上海市,太湖流域,,02-04 11:00,Ⅲ,8.7,7.6,8.31,612.5,20.6,3.07,0.412,0.105,3.63,--,--,,",
            "上海市,太湖流域,二团,02-04 11:00,Ⅸ,8.5,7.64,9.15,674.5,62.6,2.78,0.233,0.068,2.18,--,--,,",
        ],
    )
    got = read_cnemc(path)
    problems = [(p.row, p.field, p.rule) for p in got.problems]
    assert problems == [
        (2, "氨氮(mg/L)", "not a number"),
        (3, "监测时间", "time is not 'MM-DD HH:MM'"),
        (4, "断面名称", "section name is empty"),
        (5, "水质类别", "not a class Ⅰ-Ⅴ or 劣Ⅴ"),
    ]
    assert str(got.problems[0]) == "water_2026-02-04.csv:2: 氨氮(mg/L): not a number (got 'abc')"
    # Row 2 keeps its other cells; row 5 keeps its values without an official class.
    assert set(got.readings.loc[got.readings.source_row == 2, "parameter"]) >= {"tp", "do"}
    assert got.samples.set_index("section").loc["二团", "official_class"] == 0
    assert sorted(got.samples["section"]) == ["临江", "二团"]


def test_line_numbers_stay_right_after_a_refused_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "water_2026-02-04.csv",
        [
            HEADER,
            "甲,乙,A,bad time,Ⅱ,9,7.1,8,--,--,3,0.1,0.05,1,--,--,,",
            "甲,乙,B,02-04 11:00,Ⅱ,9,7.1,8,--,--,3,x,0.05,1,--,--,,",
        ],
    )
    got = read_cnemc(path)
    assert [(p.row, p.field) for p in got.problems] == [(2, "监测时间"), (3, "氨氮(mg/L)")]
    assert set(got.readings["source_row"]) == {3}


def test_gb18030_file_and_explicit_year(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "water.csv",
        [HEADER, "云南省,滇池流域,断桥,12-31 23:00,Ⅲ,9,8.35,9.78,--,--,--,--,0.042,5.23,--,--,,"],
        encoding="gb18030",
    )
    with pytest.raises(ValueError, match="no year"):
        read_cnemc(path)
    got = read_cnemc(path, year=2025)
    assert got.samples.loc[0, "time"] == pd.Timestamp("2025-12-31T15:00Z")


def test_not_a_cnemc_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "x_2026-01-01.csv", ["a,b", "1,2"])
    with pytest.raises(ValueError, match="not a CNEMC water file"):
        read_cnemc(path)


def test_year_from_name() -> None:
    assert year_from_name(Path("cnemc_water_sections_2026-02-04.csv")) == 2026
    assert year_from_name(Path("water20250105.csv")) == 2025
    assert year_from_name(Path("water.csv")) is None


def test_mapped_csv_with_units_and_aliases(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "lab.csv",
        [
            "站点,采样时间,TP(ug/L),ph,do,section_type",
            "A,2026-01-05 10:00,50,7.1,8.0,lake",
            "A,2026-01-06 10:00,x,7.2,8.1,lake",
        ],
    )
    mapping = parse_mapping(
        read_header(path),
        ["站点=section", "采样时间=time", "TP(ug/L)=tp:ug/L"],
        interval=timedelta(days=1),
    )
    got = read_mapped(path, mapping)
    assert [(p.row, p.field) for p in got.problems] == [(3, "TP(ug/L)")]
    wide = got.wide().set_index("source_row")
    assert wide.loc[2, "tp"] == pytest.approx(0.05)
    assert wide.loc[2, "section_type"] == "lake"
    assert got.readings.iloc[0]["time"] == pd.Timestamp("2026-01-05T02:00Z")
    assert got.readings.iloc[0]["time_end"] == pd.Timestamp("2026-01-06T02:00Z")


def test_mapped_excel(tmp_path: Path) -> None:
    path = tmp_path / "manual.xlsx"
    pd.DataFrame(
        {"断面名称": ["B"], "监测时间": ["2026-03-01"], "总磷(mg/L)": ["0.21"], "codmn": ["5"]}
    ).to_excel(path, index=False)
    got = read_mapped(path, parse_mapping(read_header(path), []))
    assert got.problems == []
    values = got.readings.set_index("parameter")["value"].to_dict()
    assert values == {"tp": 0.21, "codmn": 5.0}


def test_mapping_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no column is mapped to 'time'"):
        parse_mapping(["section", "tp"], [])
    with pytest.raises(ValueError, match="unknown unit"):
        parse_mapping(["section", "time", "P"], ["P=tp:grains"])
    with pytest.raises(ValueError, match="not in the file"):
        parse_mapping(["section", "time"], ["P=tp"])
    with pytest.raises(ValueError, match="not 'source column=target'"):
        parse_mapping(["section", "time"], ["tp"])


def test_sections_file_problems_keep_good_rows(tmp_path: Path) -> None:
    path = tmp_path / "sections.csv"
    path.write_text(
        "name,type,basin,target_class,region\n"
        "金滩,river,长江流域,Ⅲ,江西省\n"
        "金滩,lake,黄河流域,Ⅱ,青海省\n"
        "X,pond,,,\n"
        "Y,river,,劣Ⅴ,\n"
        "Z,,,,\n",
        encoding="utf-8",
    )
    table, problems = SectionTable.from_csv(path)
    assert [(p.row, p.field) for p in problems] == [(4, "type"), (5, "target_class")]
    assert len(table) == 3
    found = table.lookup("金滩", "青海省")
    assert found is not None and found.basin == "黄河流域"
    assert table.lookup("金滩") is None  # ambiguous without the region
    z = table.lookup("Z")
    assert z is not None and z.section_type is None


cell = st.one_of(
    st.floats(0, 50, allow_nan=False).map(lambda v: f"{v:.3f}"),
    st.just("--"),
    st.sampled_from(["abc", "1..2", "nan?", "—x"]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(cell, min_size=4, max_size=4), min_size=1, max_size=12))
def test_every_good_cell_is_kept_whatever_its_neighbours(rows: list[list[str]]) -> None:
    import tempfile

    header = "省份,流域,断面名称,监测时间,水质类别,pH(无量纲),溶解氧(mg/L),氨氮(mg/L),总磷(mg/L)"
    lines = [header] + [f"甲,乙,S{i},02-04 11:00,Ⅱ,{','.join(r)}" for i, r in enumerate(rows)]
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder) / "w_2026-02-04.csv", lines)
        got = read_cnemc(path)
    good = sum(1 for r in rows for c in r if c != "--" and c[0].isdigit() and c.count(".") == 1)
    bad = sum(
        1 for r in rows for c in r if c != "--" and not (c[0].isdigit() and c.count(".") == 1)
    )
    assert len(got.readings) == good
    assert len(got.problems) == bad
    assert all(p.rule == "not a number" for p in got.problems)
    assert len(got.samples) == len(rows)


def test_monthly_manual_samples_describe_their_natural_month(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "manual.csv",
        ["section,time,codmn", "M,2026-02-10 10:00,4.2", "M,2026-12-05 10:00,4.0"],
    )
    got = read_mapped(path, parse_mapping(read_header(path), [], interval=None))
    reading = got.readings.iloc[0]
    assert reading["time"] == pd.Timestamp("2026-02-10T02:00Z")
    # The interval ends where March begins in China Standard Time.
    assert reading["time_end"] == pd.Timestamp("2026-02-28T16:00Z")
    assert got.readings.iloc[1]["time_end"] == pd.Timestamp("2026-12-31T16:00Z")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.lists(cell, min_size=4, max_size=4)), max_size=10))
def test_each_refusal_names_its_own_line(rows: list[tuple[bool, list[str]]]) -> None:
    import tempfile

    header = "省份,流域,断面名称,监测时间,水质类别,pH(无量纲),溶解氧(mg/L),氨氮(mg/L),总磷(mg/L)"
    columns = header.split(",")[5:]
    lines = [header]
    expected = []
    for i, (named, cells) in enumerate(rows):
        lines.append(f"甲,乙,{'S' if named else ''},02-04 11:00,Ⅱ,{','.join(cells)}")
        if not named:
            expected.append((i + 2, "断面名称"))
            continue
        for column, c in zip(columns, cells, strict=True):
            if c != "--" and not (c[0].isdigit() and c.count(".") == 1):
                expected.append((i + 2, column))
    with tempfile.TemporaryDirectory() as folder:
        got = read_cnemc(_write(Path(folder) / "w_2026-02-04.csv", lines))
    assert [(p.row, p.field) for p in got.problems] == expected
