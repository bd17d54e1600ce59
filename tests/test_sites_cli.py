"""`ecoguard sites import ...`: regions from the installed package, boundary files, station lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ecoguard.cli.main import app
from ecoguard.config import get_settings
from ecoguard.registry.db import make_engine, session_scope
from ecoguard.registry.models import AirStation, Region


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _stations() -> dict[str, str]:
    engine = make_engine(get_settings().registry_url)
    with session_scope(engine) as session:
        return {s.code: s.region_adcode for s in session.scalars(select(AirStation))}


def test_municipality_stations_land_in_the_prefecture_level_city(
    home: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    regions = runner.invoke(
        app, ["sites", "import", "regions", "--province", "北京市", "--no-counties"]
    )
    assert regions.exit_code == 0, regions.output
    listing = tmp_path / "sites.csv"
    listing.write_text(
        "监测点编码,监测点名称,城市,经度,纬度,对照点\n"
        "1001A,万寿西宫,北京,116.3621,39.8784,N\n"
        "1027A,跨省,天津,117.2,39.1,N\n",
        encoding="gb18030",
    )
    result = runner.invoke(app, ["sites", "import", "cnemc-list", str(listing), "--format", "json"])
    assert result.exit_code == 1  # Tianjin is not registered: named, not guessed
    assert json.loads(result.stdout)[0]["created"] == 1
    assert "station 1027A: city '天津' matches no registered prefecture" in result.stderr
    assert _stations() == {"1001A": "110100"}


def test_department_boundary_file_registers_regions(home: Path, tmp_path: Path) -> None:
    square = [[[87.0, 43.0], [88.0, 43.0], [88.0, 44.0], [87.0, 44.0], [87.0, 43.0]]]
    features = [
        {
            "type": "Feature",
            "properties": {"code": "650000", "mc": "新疆维吾尔自治区"},
            "geometry": {"type": "Polygon", "coordinates": square},
        },
        {
            "type": "Feature",
            "properties": {"code": "650100", "mc": "乌鲁木齐市"},
            "geometry": {"type": "Polygon", "coordinates": square},
        },
    ]
    path = tmp_path / "bounds.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "sites",
            "import",
            "boundaries",
            str(path),
            "--adcode-field",
            "code",
            "--name-field",
            "mc",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 boundaries read, 2 regions written" in result.output
    engine = make_engine(get_settings().registry_url)
    with session_scope(engine) as session:
        urumqi = session.get(Region, "650100")
        assert urumqi is not None and urumqi.parent_adcode == "650000" and urumqi.boundary_geojson
    wrong = runner.invoke(app, ["sites", "import", "boundaries", str(path)])
    assert wrong.exit_code == 1 and "adcode" in wrong.output
