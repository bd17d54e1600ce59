"""`ecoguard cases ...` end to end over a seeded registry in a temporary ECOGUARD_HOME."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_imports_exports import findings_xlsx, write_vector
from typer.testing import CliRunner, Result

from ecoguard.cli.main import app


@pytest.fixture
def home(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "registry.sqlite3")
    monkeypatch.setenv("ECOGUARD_HOME", str(home))
    monkeypatch.delenv("ECOGUARD_DATABASE_URL", raising=False)
    return home


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_cli_life_cycle(home: Path, tmp_path: Path) -> None:
    r = run("cases", "import-findings", str(findings_xlsx(tmp_path / "f.xlsx")), "--as", "analyst")
    assert r.exit_code == 1  # some rows refused; the good ones kept
    assert "created 3" in r.stderr and "feedback_date" in r.stdout

    r = run("cases", "list", "--as", "karamay", "--format", "json")
    assert r.exit_code == 0
    assert [c["reference"] for c in json.loads(r.stdout)] == ["G3-02"]

    plan = ["--set", "targets=完成整改", "--set", "measures=回填", "--set", "measures=复绿"]
    plan += ["--set", "responsible_unit=乌鲁木齐市人民政府", "--set", "deadline=2026-03-31"]
    r = run("cases", "act", "G3-01", "submit_plan", "--as", "karamay", *plan)
    assert r.exit_code == 2 and "not found" in r.stderr  # another prefecture's case
    r = run("cases", "act", "G3-01", "submit_plan", "--as", "urumqi", *plan)
    assert r.exit_code == 0, r.stderr
    r = run("cases", "act", "G3-01", "report_progress", "--as", "urumqi", "--set", "progress=x")
    assert r.exit_code == 1 and "requires 'percent_done'" in r.stderr
    r = run(
        "cases",
        "act",
        "G3-01",
        "report_progress",
        "--as",
        "urumqi",
        "--set",
        "progress=回填完成",
        "--set",
        "percent_done=100",
    )
    assert r.exit_code == 0, r.stderr
    r = run("cases", "act", "G3-01", "complete", "--as", "urumqi", "--set", "summary=完成")
    assert r.exit_code == 1 and "no evidence" in r.stderr
    evidence = tmp_path / "验收材料.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    r = run("cases", "attach", "G3-01", str(evidence), "--as", "urumqi")
    assert r.exit_code == 0, r.stderr
    stored = list((home / "attachments").rglob("*"))
    assert any(p.is_file() and p.read_bytes() == b"%PDF-1.4 evidence" for p in stored)
    assert (
        run(
            "cases", "act", "G3-01", "complete", "--as", "urumqi", "--set", "summary=完成"
        ).exit_code
        == 0
    )

    r = run("cases", "show", "G3-01", "--as", "analyst", "--json")
    doc = json.loads(r.stdout)
    assert doc["state"] == "completed" and doc["version"] == 4
    assert [e["transition"] or e["kind"] for e in doc["timeline"]] == [
        "created",
        "submit_plan",
        "report_progress",
        "attachment",
        "complete",
    ]
    assert {o["transition"] for o in doc["transitions"]} == {"accept", "reject"}
    assert doc["timeline"][0]["at"].endswith("+08:00")

    r = run(
        "cases",
        "act",
        "G3-01",
        "accept",
        "--as",
        "analyst",
        "--expected-version",
        "3",
        "--set",
        "opinion=同意",
        "--set",
        "accepted_on=2026-03-25",
    )
    assert r.exit_code == 1 and "version 4, not 3" in r.stderr
    r = run(
        "cases",
        "act",
        "G3-01",
        "accept",
        "--as",
        "analyst",
        "--expected-version",
        "4",
        "--set",
        "opinion=同意",
        "--set",
        "accepted_on=2026-03-25",
    )
    assert r.exit_code == 0, r.stderr
    r = run(
        "cases",
        "act",
        "G3-01",
        "close_out",
        "--as",
        "analyst",
        "--set",
        "public_notice=政府网站公示",
        "--set",
        "notice_from=2026-03-20",
        "--set",
        "notice_to=2026-03-19",
        "--set",
        "closed_on=2026-03-28",
    )
    assert r.exit_code == 1 and "'notice_from' (2026-03-20) may not be later" in r.stderr
    r = run(
        "cases",
        "act",
        "G3-01",
        "close_out",
        "--as",
        "analyst",
        "--set",
        "public_notice=政府网站公示",
        "--set",
        "notice_from=2026-03-20",
        "--set",
        "notice_to=2026-03-26",
        "--set",
        "closed_on=2026-03-28",
    )
    assert r.exit_code == 0, r.stderr
    r = run("cases", "lookback", "--fraction", "1", "--due", "2026-09-30", "--seed", "3")
    assert r.exit_code == 0 and "G3-01" in r.stderr
    r = run("cases", "act", "G3-01", "relapse", "--as", "analyst", "--set", "opinion=反弹")
    assert r.exit_code == 0
    r = run("cases", "list", "--relapsed", "--format", "csv")
    assert "G3-01" in r.stdout and r.stdout.count("\n") == 2

    out = tmp_path / "progress.xlsx"
    r = run("cases", "export", "progress", "--output", str(out), "--as", "urumqi")
    assert r.exit_code == 0, r.stderr
    ws = load_workbook(out).active
    assert [row[1] for row in ws.iter_rows(min_row=4, values_only=True)] == ["G3-01", "G3-07"]
    r = run("cases", "comment", "G3-01", "请加快整改", "--as", "viewer")
    assert r.exit_code == 2 and "may not comment" in r.stderr


def test_cli_clues_and_listing(home: Path, tmp_path: Path) -> None:
    path = write_vector(tmp_path / "clues.gpkg", "GPKG")
    r = run("cases", "import-clues", str(path), "--format", "json")
    assert r.exit_code == 1 and "created 2" in r.stderr
    refused = json.loads(r.stdout)
    assert {e["row"] for e in refused} == {3, 4, 5, 6}
    r = run("cases", "list", "--type", "redline_clue", "--format", "json")
    assert [c["reference"] for c in json.loads(r.stdout)] == ["TB-001", "TB-002"]
    out = tmp_path / "clues.geojson"
    assert run("cases", "export", "geojson", "--output", str(out)).exit_code == 0
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert len(fc["features"]) == 2 and fc["features"][0]["geometry"]["type"] == "Polygon"
    r = run("cases", "list", "--type", "nope")
    assert r.exit_code == 2 and "known: inspection_finding" in r.stderr
    r = run("cases", "list", "--as", "nobody")
    assert r.exit_code == 2 and "no active user" in r.stderr
    assert run("cases", "types").exit_code == 0
    r = run("cases", "list", "--overdue", "--due-soon", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []


def test_cli_demo_cases(home: Path) -> None:
    r = run("cases", "demo")
    assert r.exit_code == 0, r.stderr
    assert "6 findings, 5 clues" in r.stderr
    assert "0 findings, 0 clues" in run("cases", "demo").stderr  # idempotent
    rows = json.loads(run("cases", "list", "--format", "json").stdout)
    states = {c["reference"]: c["state"] for c in rows}
    assert states["DEMO-G3-04"] == "closed" and states["DEMO-G3-06"] == "reopened"
    assert states["DEMO-TB-04"] == "rectifying" and states["DEMO-TB-05"] == "closed"
    overdue = json.loads(run("cases", "list", "--overdue", "--format", "json").stdout)
    assert [c["reference"] for c in overdue] == ["DEMO-G3-01", "DEMO-G3-06"]
    counts = json.loads(run("cases", "summary", "--format", "json").stdout)
    uru = next(c for c in counts if c["type"] == "inspection_finding" and c["region"] == "650100")
    assert uru["total"] == 2 and uru["overdue"] == 1 and uru["due_soon"] == 1
    relapsed = json.loads(run("cases", "list", "--relapsed", "--format", "json").stdout)
    assert [c["reference"] for c in relapsed] == ["DEMO-G3-06"]
    doc = json.loads(run("cases", "show", "DEMO-G3-03", "--json").stdout)
    actors = {(e["transition"], e["actor"]) for e in doc["timeline"] if e["transition"]}
    assert ("complete", "admin") in actors and ("accept", "analyst") not in actors
