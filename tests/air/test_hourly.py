"""Hourly AQI of stored station-hours: the edition follows the data's date unless named."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from ecoguard.air.hourly import HourlyQuery, HourlyRules, hourly_aqi_table, read_station_hours
from ecoguard.air.imports import store_air_hourly
from ecoguard.cli.main import app
from ecoguard.ingest.air_hourly import VALUE_COLUMNS, air_hourly_schema
from ecoguard.timeseries.store import TimeseriesStore

UTC = dt.UTC


def _row(station: str, end_utc: dt.datetime, **values: float) -> dict[str, object]:
    start = end_utc - dt.timedelta(hours=1)
    row: dict[str, object] = dict.fromkeys(VALUE_COLUMNS)
    row.update(values)
    row.update(
        month=(start + dt.timedelta(hours=8)).strftime("%Y-%m"),
        station_code=station,
        interval_start_utc=start,
        interval_end_utc=end_utc,
        source="test",
    )
    return row


# Hand-made: the same concentrations a few days before and after HJ 633-2026 came into force.
CONC = {
    "so2": 10.0,
    "no2": 40.0,
    "co": 0.6,
    "o3": 60.0,
    "o3_8h": 50.0,
    "pm10": 130.0,
    "pm2_5": 76.0,
}
BEFORE = dt.datetime(2026, 2, 27, 8, tzinfo=UTC)  # 16:00 CST
AFTER = dt.datetime(2026, 3, 2, 8, tzinfo=UTC)


def _table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=air_hourly_schema())


def test_edition_follows_the_date_of_each_hour() -> None:
    rows = _table(
        [
            _row("6001A", BEFORE, **CONC, pm2_5_24h=76.0, pm10_24h=130.0),
            _row("6001A", AFTER, **CONC),
        ]
    )
    result = hourly_aqi_table(rows).to_pylist()
    assert [r["rules"] for r in result] == ["hj633-2012-cnemc", "hj633-2026"]
    # HJ 633-2026: PM2.5 1-h 76 on the new daily breakpoints (60 -> 100, 115 -> 150) = 115
    assert (result[1]["aqi"], result[1]["primary_pollutants"], result[1]["category"]) == (
        115,
        "PM2.5",
        "轻度污染",
    )
    assert result[1]["exceeding_pollutants"] is None  # 2026 deleted 超标污染物
    assert result[1]["time"] == "2026-03-02T16:00:00+08:00"


def test_named_edition_applies_to_every_hour() -> None:
    rows = _table([_row("6001A", AFTER, **CONC, pm2_5_24h=76.0, pm10_24h=130.0)])
    forced = hourly_aqi_table(rows, HourlyRules.HJ633_2012).to_pylist()[0]
    assert forced["rules"] == "hj633-2012"
    # the 2012 text: PM by 24-h moving means on the 2012 breakpoints (76 -> 102, 130 -> 90)
    assert (forced["aqi"], forced["exceeding_pollutants"]) == (102, "PM2.5")


def test_missing_pollutant_hides_aqi_at_or_below_100_under_2026() -> None:
    low = dict(CONC, pm2_5=40.0, pm10=60.0)
    del low["so2"]
    result = hourly_aqi_table(_table([_row("6001A", AFTER, **low)])).to_pylist()[0]
    assert result["aqi"] is None and result["complete"] is False
    # the single-pollutant IAQIs are still reported: 40 on 35 -> 50, 60 -> 100 gives 60
    assert result["iaqi_pm2_5"] == 60


def test_query_reads_one_cnemc_day_of_labels(tmp_path: Path) -> None:
    store = TimeseriesStore(tmp_path)
    # labels 00:00 and 23:00 CST of 2026-03-02 belong to that day; 2026-03-03 00:00 does not
    labels = [dt.datetime(2026, 3, 1, 16, tzinfo=UTC), dt.datetime(2026, 3, 2, 15, tzinfo=UTC)]
    outside = dt.datetime(2026, 3, 2, 16, tzinfo=UTC)
    store_air_hourly(store, _table([_row("6001A", t, **CONC) for t in [*labels, outside]]))
    got = read_station_hours(store, HourlyQuery(dt.date(2026, 3, 2), dt.date(2026, 3, 2)))
    assert got["interval_end_utc"].to_pylist() == labels


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path))
    return tmp_path


def test_cli_aqi_rows_and_refusals(home: Path) -> None:
    store_air_hourly(TimeseriesStore(home / "timeseries"), _table([_row("6001A", AFTER, **CONC)]))
    runner = CliRunner()
    out = runner.invoke(
        app, ["air", "aqi", "--from", "2026-03-02", "--to", "2026-03-02", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert [(r["station"], r["time"], r["aqi"]) for r in rows] == [
        ("6001A", "2026-03-02T16:00:00+08:00", 115)
    ]
    bad = runner.invoke(app, ["air", "aqi", "--from", "2026-03-32", "--to", "2026-03-02"])
    assert bad.exit_code == 2 and "not a date" in bad.output
