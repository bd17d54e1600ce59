"""`ecoguard gateway serve | simulate | records | refusals | devices` end to end."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecoguard.cli.main import app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_simulate_then_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path))
    runner = CliRunner()
    devices = tmp_path / "devices.json"
    result = runner.invoke(
        app, ["gateway", "simulate", "--devices", "6", "--register", str(devices)]
    )
    assert result.exit_code == 0, result.output
    port, metrics = _free_port(), _free_port()
    ecoguard = Path(sys.executable).parent / "ecoguard"
    server = subprocess.Popen(
        [str(ecoguard), "gateway", "serve", "--devices", str(devices), "--host", "127.0.0.1",
         "--port", str(port), "--metrics-port", str(metrics)],
        stdout=subprocess.PIPE, text=True, env={**__import__("os").environ},
    )  # fmt: skip
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("listening on")
        result = runner.invoke(
            app,
            ["gateway", "simulate", "--devices", "6", "--rate", "10", "--duration", "2",
             "--port", str(port), "--faults", "crc,unknown_mn,junk", "--fault-rate", "0.2",
             "--format", "json"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        (summary,) = json.loads(result.stdout)
        assert summary["acked"] > 50 and summary["bad_sent"] > 0
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    mover = subprocess.run(
        [sys.executable, "-m", "ecoguard.ingest.hj212.mover", "--wal", str(tmp_path / "gateway" / "wal"),
         "--store", str(tmp_path / "timeseries"), "--devices", str(devices), "--once"],
        check=False,
    )  # fmt: skip
    assert mover.returncode == 0
    mn = json.loads(devices.read_text())["devices"][0]["mn"]
    result = runner.invoke(
        app,
        ["gateway", "records", "--mn", mn, "--from", "2026-01-01T00:00", "--to",
         "2026-01-01T00:03:30+08:00", "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    # real-time data at 00:00, 00:01, 00:02, 00:03 (CST) for the first logger (flue gas, 9 factors)
    assert {r["data_time_utc"] for r in rows if r["data_type"] == "rtd"} == {
        f"2026-01-01T00:0{m}:00+08:00" for m in range(4)
    }
    assert {r["mn"] for r in rows} == {mn}
    result = runner.invoke(
        app,
        ["gateway", "records", "--mn", mn, "--from", "2026-01-01T00:00", "--to",
         "2026-01-01T00:03:30+08:00", "--format", "json", "--data-type", "rtd"],
    )  # fmt: skip
    only_rtd = json.loads(result.stdout)

    def key(r: dict[str, str]) -> tuple[str, str]:
        return r["data_time_utc"], r["parameter"]

    assert sorted(only_rtd, key=key) == sorted(
        (r for r in rows if r["data_type"] == "rtd"), key=key
    )
    assert only_rtd
    result = runner.invoke(app, ["gateway", "records", "--data-type", "week"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["gateway", "refusals", "--format", "json"])
    assert result.exit_code == 1  # refusals exist
    reasons = {r["reason"] for r in json.loads(result.stdout)}
    assert reasons <= {"crc_mismatch", "unknown_mn", "bad_frame"} and reasons
    result = runner.invoke(
        app, ["gateway", "refusals", "--reason", "unknown_mn", "--format", "csv"]
    )
    assert result.stdout.startswith("received_at_utc,")
    result = runner.invoke(app, ["gateway", "devices", "--format", "json"])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 6
    time.sleep(0)


def test_bad_time_is_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["gateway", "records", "--from", "yesterday"])
    assert result.exit_code == 2


def test_unknown_fault_is_usage_error() -> None:
    result = CliRunner().invoke(app, ["gateway", "simulate", "--faults", "gremlins"])
    assert result.exit_code == 2


def test_info_lists_instrument_logs_and_states(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecoguard.ingest.hj212.build import encode
    from ecoguard.ingest.hj212.codec import Packet
    from ecoguard.ingest.hj212.mover import move_once
    from ecoguard.ingest.hj212.wal import WalRecord, WriteAheadLog
    from ecoguard.timeseries.store import TimeseriesStore

    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path))
    mn = "010000A8900016F000169DC0"
    cps = ["DataTime=20100301145000;PolId=w01018;i11001-Info=//清洗管路//",
           "DataTime=20100301150000;PolId=w01018;i12001-Info=1"]  # fmt: skip
    wal = WriteAheadLog(tmp_path / "wal")
    wal.append([
        WalRecord("P", 1.0, "p", encode(Packet(st="32", cn="3020", pw="1", mn=mn, flag=4, cp=cp))[:-2])
        for cp in cps
    ])  # fmt: skip
    wal.close()
    move_once(tmp_path / "wal", TimeseriesStore(tmp_path / "timeseries"), lambda mn: None)
    result = CliRunner().invoke(
        app, ["gateway", "info", "--mn", mn, "--from", "2010-03-01T00:00", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["data_time_utc"], r["pol_id"], r["info_id"], r["value"]) for r in rows] == [
        ("2010-03-01T14:50:00+08:00", "w01018", "i11001", "清洗管路"),
        ("2010-03-01T15:00:00+08:00", "w01018", "i12001", "1"),
    ]
