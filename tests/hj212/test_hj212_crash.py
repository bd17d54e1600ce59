"""Durable before acknowledged: SIGKILL the gateway (and its mover) under load, restart, check
that every acknowledged upload is in the time-series store exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest

from ecoguard.ingest.hj212.directory import JsonDeviceDirectory
from ecoguard.ingest.hj212.mover import main as mover_main
from ecoguard.ingest.hj212.records import READINGS_KEYS
from ecoguard.ingest.hj212.simulate import FleetStats, make_fleet, run_fleet
from ecoguard.timeseries.store import TimeseriesStore

DATA_TYPE = {"2011": "rtd", "2051": "min", "2061": "hour", "2031": "day"}
FACTORS = {"31": 9, "32": 6}


def _start_gateway(home: Path, devices: Path) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ecoguard.ingest.hj212.gateway", "--home", str(home),
         "--devices", str(devices), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: SIGKILL takes the mover too
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("listening on"), line
    return process, int(line.split()[2].rsplit(":", 1)[1])


def _fleet_in_thread(
    port: int, devices: list, duration: float, seed: int
) -> tuple[threading.Thread, list[FleetStats]]:  # type: ignore[type-arg]
    out: list[FleetStats] = []

    def target() -> None:
        out.append(
            asyncio.run(
                run_fleet("127.0.0.1", port, devices, rate=25, duration=duration, seed=seed)
            )
        )

    thread = threading.Thread(target=target)
    thread.start()
    return thread, out


@pytest.mark.slow
def test_sigkill_under_load_loses_no_acknowledged_record(tmp_path: Path) -> None:
    fleet = make_fleet(40, seed=7, versions=(1, 2))  # all ask for answers
    devices = tmp_path / "devices.json"
    JsonDeviceDirectory(fleet).save(devices)
    home = tmp_path / "gw"

    gateway, port = _start_gateway(home, devices)
    thread, stats = _fleet_in_thread(port, fleet, duration=4.0, seed=1)
    time.sleep(2.0)
    os.killpg(gateway.pid, signal.SIGKILL)  # gateway and mover, mid-load
    gateway.wait()
    thread.join()
    first = stats[0]
    assert first.acked > 500, first.acked
    assert first.connections_closed_by_peer == len(fleet)

    # restart on the same home: the loggers reconnect and re-send from the start (补传-like
    # repeats of the same DataTimes) plus new data
    gateway, port = _start_gateway(home, devices)
    thread, stats = _fleet_in_thread(port, fleet, duration=2.0, seed=2)
    thread.join()
    second = stats[0]
    gateway.send_signal(signal.SIGTERM)
    assert gateway.wait(timeout=30) == 0
    mover_main(["--wal", str(home / "wal"), "--store", str(home / "timeseries"),
                "--devices", str(devices), "--once", "--nice", "0"])  # fmt: skip

    store = TimeseriesStore(home / "timeseries")
    # exactly once: every logged record was moved once (the replay after the kill and the
    # restart's re-reading of the log appended nothing twice) ...
    stored = store.read("source_readings", columns=["record_id", "parameter"])
    moved = stored.group_by(["record_id", "parameter"]).aggregate([("parameter", "count")])
    assert moved.num_rows == stored.num_rows > 0
    packets = store.read("gateway_packets", columns=["record_id"])
    assert pc.count_distinct(packets["record_id"]).as_py() == packets.num_rows
    # ... and the loggers' re-sent periods are one reading each when read
    readings = store.read(
        "source_readings",
        columns=["mn", "parameter", "data_type", "data_time_utc", "st"],
        merge_on=READINGS_KEYS,
        order_by="record_id",
    )
    keys = readings.group_by(["mn", "parameter", "data_type", "data_time_utc"]).aggregate(
        [("st", "count")]
    )
    assert keys.num_rows == readings.num_rows
    assert pc.max(keys["st_count"]).as_py() == 1
    assert stored.num_rows > readings.num_rows  # the repeats are there, merged on reading
    # every acknowledged upload is there, with all its factors
    per_packet: dict[tuple[str, str, datetime], int] = {}
    for row in readings.to_pylist():
        key = (row["mn"], row["data_type"], row["data_time_utc"].replace(tzinfo=None))
        per_packet[key] = per_packet.get(key, 0) + 1
    st_of = {d.mn: "31" if d.site and ":flue:" in d.site else "32" for d in fleet}
    missing = []
    for mn, cn, data_time in first.acked_keys + second.acked_keys:
        when = datetime.strptime(data_time, "%Y%m%d%H%M%S") - timedelta(hours=8)
        if per_packet.get((mn, DATA_TYPE[cn], when)) != FACTORS[st_of[mn]]:
            missing.append((mn, cn, data_time))
    assert not missing, missing[:5]
