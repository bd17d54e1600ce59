"""CNEMC china_sites files: hour labels become intervals, bad cells are refused one by one."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecoguard.ingest.cnemc import read_cnemc_sites_file, read_cnemc_station_list

# Hand-made in the CNEMC layout (header date,hour,type,<codes>; CRLF); values invented.
SMALL = (
    "date,hour,type,1001A,1002A\r\n"
    "20190115,0,AQI,73,\r\n"
    "20190115,0,PM2.5,53,abc\r\n"
    "20190115,0,CO,1.2,-0.5\r\n"
    "20190115,16,PM2.5,80,81\r\n"
    "20190115,24,PM2.5,1,1\r\n"
    "20190115,16,PM1,1,1\r\n"
)


def test_hour_label_is_the_end_of_the_hour_in_china_standard_time(tmp_path: Path) -> None:
    path = tmp_path / "china_sites_20190115.csv"
    path.write_text(SMALL, encoding="utf-8")
    result = read_cnemc_sites_file(path)
    rows = {(r["station_code"], r["interval_end_utc"]): r for r in result.table.to_pylist()}
    # label 16 on 2019-01-15 CST = 15:00-16:00 CST = 07:00-08:00 UTC
    r16 = rows[("1001A", datetime(2019, 1, 15, 8, tzinfo=UTC))]
    assert r16["interval_start_utc"] == datetime(2019, 1, 15, 7, tzinfo=UTC)
    assert r16["pm2_5"] == 80.0
    # label 0 is the last hour of the previous CST day, so it belongs to December's partition
    r0 = rows[("1001A", datetime(2019, 1, 14, 16, tzinfo=UTC))]
    assert (r0["aqi_published"], r0["pm2_5"], r0["co"], r0["month"]) == (73.0, 53.0, 1.2, "2019-01")


def test_each_bad_cell_is_named_and_its_neighbours_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "china_sites_20190115.csv"
    path.write_text(SMALL, encoding="utf-8")
    result = read_cnemc_sites_file(path)
    by_field = {(e.row, e.field): e for e in result.errors}
    assert by_field[(3, "1002A/PM2.5")].rule == "must be a number"
    assert by_field[(4, "1002A/CO")].rule.startswith("must be within 0..")
    assert by_field[(6, "date/hour")].value == "20190115 24"
    assert by_field[(7, "type")].value == "PM1"
    assert len(result.errors) == 4
    kept = {(r["station_code"], r["interval_end_utc"].hour): r for r in result.table.to_pylist()}
    assert kept[("1002A", 8)]["pm2_5"] == 81.0  # the same station's good cells land
    # 1002A's hour 0 had only refused or empty cells: no row rather than zeros
    assert ("1002A", 16) not in kept


def test_wrong_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"other\.csv: header must start with date,hour,type"):
        read_cnemc_sites_file(path)


def test_real_file_cells_land_where_the_file_has_them(shared_data: Path) -> None:
    path = shared_data / "cnemc_sites" / "china_sites_20190101.csv.gz"
    result = read_cnemc_sites_file(path)
    assert result.errors == []
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    header = lines[0].split(",")
    # the PM2.5 row of hour 16 for 1001A, read straight from the text
    row = next(line.split(",") for line in lines if line.startswith("20190101,16,PM2.5,"))
    expected = float(row[header.index("1001A")])
    got = [
        r["pm2_5"]
        for r in result.table.to_pylist()
        if r["station_code"] == "1001A"
        and r["interval_end_utc"] == datetime(2019, 1, 1, 8, tzinfo=UTC)
    ]
    assert got == [expected]


def test_station_list_reads_gb18030_and_keeps_cnemc_city(shared_data: Path) -> None:
    rows, errors = read_cnemc_station_list(shared_data / "cnemc_sites" / "site_list_GB18030.csv")
    assert len(rows) == 2026
    assert errors == []
    by_code = {r.code: r for r in rows}
    assert by_code["1002A"].is_background
    assert sum(r.is_background for r in rows) == 250
    assert {r.city for r in rows} >= {"石河子", "五家渠", "乌鲁木齐"}


def test_station_list_in_utf8_with_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(
        "监测点编码,监测点名称,城市,经度,纬度,对照点\n"
        "1001A,万寿西宫,北京,116.3621,39.8784,N\n"
        "XYZ,坏,北京,116,39,N\n"
        "1003A,东四,北京,-,,N\n"
        "1004A,远,北京,200,39,N\n",
        encoding="utf-8",
    )
    rows, errors = read_cnemc_station_list(path)
    assert [r.code for r in rows] == ["1001A", "1003A"]
    assert rows[1].lon is None and rows[1].lat is None
    assert [(e.row, e.field) for e in errors] == [(3, "监测点编码"), (5, "经度")]
