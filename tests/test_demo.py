"""`ecoguard demo`, the README's run command, fills a fresh home and can be run twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecoguard.cli.main import app


@pytest.mark.slow
def test_demo_fills_a_fresh_home_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--from", "2026-01-10", "--to", "2026-01-11"])
    assert first.exit_code == 0, first.output
    assert "PUBLIC passwords" in first.output and "analyst" in first.output
    assert "24 new air stations" in first.output
    assert "1,152 new in air_station_hourly" in first.output  # 24 stations x 48 hours
    assert "water: 24 new sections" in first.output
    assert "cases: 6 new inspection findings, 5 new clues" in first.output
    second = runner.invoke(app, ["demo", "--from", "2026-01-10", "--to", "2026-01-11"])
    assert second.exit_code == 0, second.output
    assert "0 new air stations" in second.output and " 0 new in air_station_hourly" in second.output
    assert "water: 0 new sections, 0 new readings" in second.output
    assert "cases: 0 new inspection findings, 0 new clues" in second.output
    aqi = runner.invoke(
        app,
        [
            "air",
            "aqi",
            "--from",
            "2026-01-11",
            "--to",
            "2026-01-11",
            "--station",
            "6002A",
            "--format",
            "json",
        ],
    )
    rows = json.loads(aqi.stdout)
    # labels 00:00 (the last hour of the 10th) .. 23:00 of the 11th
    assert len(rows) == 24 and {r["rules"] for r in rows} == {"hj633-2012-cnemc"}
    daily = runner.invoke(
        app,
        [
            "air",
            "daily",
            "--from",
            "2026-01-10",
            "--to",
            "2026-01-11",
            "--by",
            "city",
            "--format",
            "json",
        ],
    )
    assert daily.exit_code == 0, daily.output
    cities = {r["code"] for r in json.loads(daily.stdout)}
    assert "乌鲁木齐市 (650100)" in cities and "石河子市 (659001)" in cities
