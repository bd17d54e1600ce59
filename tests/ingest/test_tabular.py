"""Long-format tables through a column mapping: units, hour labels, station names, bad cells."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from ecoguard.ingest.tabular import ColumnMapping, MappingError, read_station_table

MAPPINGS = Path(__file__).resolve().parents[2] / "docs" / "mappings"
UTC = dt.UTC


def test_beijing_file_lands_with_co_in_mg_and_hour_starting_labels(shared_data: Path) -> None:
    mapping = ColumnMapping.from_json(MAPPINGS / "beijing_multisite.json")
    path = shared_data / "beijing_multisite" / "PRSA_Data_Dongsi_20130301-20170228.csv.gz"
    result = read_station_table(path, mapping)
    assert result.errors == []
    assert result.table.num_rows == 26_304  # 2013-03-01 .. 2016-02-29, every hour
    first = result.table.slice(0, 1).to_pylist()[0]
    # row "2013,3,1,0" is 00:00-01:00 CST on 2013-03-01 = 16:00-17:00 UTC the day before
    assert first["station_code"] == "1003A"
    assert first["interval_start_utc"] == dt.datetime(2013, 2, 28, 16, tzinfo=UTC)
    assert first["interval_end_utc"] == dt.datetime(2013, 2, 28, 17, tzinfo=UTC)
    assert first["month"] == "2013-03"
    co = [v for v in result.table["co"].to_pylist() if v is not None]
    assert max(co) <= 10.0  # the 10000 ug/m3 instrument ceiling becomes 10 mg/m3


def _mapping() -> ColumnMapping:
    return ColumnMapping(
        station="site",
        time=["time"],
        hour_label="end",
        columns={"pm2_5": "PM25", "co": "CO"},
        units={"co": "ug/m3"},
        stations={"Station A": "6001A"},
    )


def test_bad_cells_named_and_neighbours_kept(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "site,time,PM25,CO\n"
        "Station A,2026-01-05 10:00,35,800\n"
        "Station A,2026-01-05 11:00,x,900\n"
        "Station A,not a time,10,10\n"
        ",2026-01-05 12:00,10,10\n"
        "Station A,2026-01-05 13:00,-4,NA\n",
        encoding="utf-8",
    )
    result = read_station_table(path, _mapping())
    assert [(e.row, e.field, e.rule) for e in result.errors] == [
        (4, "time", "a valid date and hour"),
        (5, "site", "a station"),
        (3, "PM25", "must be a number"),
        (6, "PM25", "must be within 0..20000"),
    ]
    rows = result.table.to_pylist()
    assert [(r["pm2_5"], r["co"]) for r in rows] == [(35.0, 0.8), (None, 0.9), (None, None)]
    assert rows[0]["interval_end_utc"] == dt.datetime(2026, 1, 5, 2, tzinfo=UTC)


def test_excel_is_read_like_csv(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["site", "time", "PM25", "CO"])
    sheet.append(["Station A", "2026-01-05 10:00", "35", "800"])
    book.save(tmp_path / "export.xlsx")
    result = read_station_table(tmp_path / "export.xlsx", _mapping())
    assert result.errors == []
    assert result.table.to_pylist()[0]["co"] == 0.8


def test_mapping_mistakes_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="unknown canonical columns"):
        ColumnMapping(station="s", time=["t"], columns={"pm25": "PM25"})
    with pytest.raises(MappingError, match="unit 'ppm' of co"):
        ColumnMapping(station="s", time=["t"], columns={"co": "CO"}, units={"co": "ppm"})
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps({"station": "s", "time": ["t"], "colums": {}}), encoding="utf-8")
    with pytest.raises(MappingError, match=r"m\.json"):
        ColumnMapping.from_json(bad)
    data = tmp_path / "d.csv"
    data.write_text("site,when\nA,2026-01-01\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"d\.csv: columns \['time', 'PM25', 'CO'\]"):
        read_station_table(data, _mapping())
