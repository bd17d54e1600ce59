"""`ecoguard air import cnemc`: a second import changes nothing; bad cells give exit 1 and names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecoguard.cli.main import app


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_reimport_of_the_same_file_inserts_nothing(shared_data: Path, home: Path) -> None:
    path = str(shared_data / "cnemc_sites" / "china_sites_20190102.csv.gz")
    runner = CliRunner()
    first = runner.invoke(app, ["air", "import", "cnemc", path, "--format", "json"])
    second = runner.invoke(app, ["air", "import", "cnemc", path, "--format", "json"])
    assert first.exit_code == 0, first.output
    one, two = json.loads(first.stdout)[0], json.loads(second.stdout)[0]
    assert one["rows"] == one["inserted"] > 30000
    assert (two["rows"], two["inserted"], two["duplicates"]) == (one["rows"], 0, one["rows"])
    assert one["days"] == 2  # label 0 belongs to the previous CST day


def test_bad_cells_exit_1_and_name_file_row_field(tmp_path: Path, home: Path) -> None:
    bad = tmp_path / "china_sites_20190115.csv"
    bad.write_text(
        "date,hour,type,1001A\n20190115,1,PM2.5,12\n20190115,2,PM2.5,x\n", encoding="utf-8"
    )
    errors = tmp_path / "errors.csv"
    result = CliRunner().invoke(
        app, ["air", "import", "cnemc", str(bad), "--format", "json", "--errors", str(errors)]
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0]["inserted"] == 1
    assert "china_sites_20190115.csv:3: 1001A/PM2.5: must be a number" in result.stderr
    assert (
        errors.read_text(encoding="utf-8")
        .splitlines()[1]
        .endswith(",3,1001A/PM2.5,must be a number,x")
    )
