"""Platform -> device commands over real loopback TCP: 1013 -> 9013 + 1012, history requests and
set/get time through the spool folder and the CLI, not connected, time-outs, bad input."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecoguard.cli.main import app
from ecoguard.ingest.hj212.build import encode
from ecoguard.ingest.hj212.codec import CST_ZONE, Packet, decode
from ecoguard.ingest.hj212.commands import (
    CommandDesk,
    CommandError,
    State,
    command_frame,
    make_request,
    parse_request,
    request_json,
)
from ecoguard.ingest.hj212.directory import Device, JsonDeviceDirectory
from ecoguard.ingest.hj212.factors import Version
from ecoguard.ingest.hj212.gateway import Gateway, GatewayConfig
from ecoguard.ingest.hj212.mover import move_once
from ecoguard.ingest.hj212.simulate import Logger, run_fleet
from ecoguard.timeseries.store import TimeseriesStore

MN = "010000A8900016F000169DC0"
DEVICES = {
    0: Device(mn="LD130133000015", password="123456", site="sim:water:0"),
    1: Device(mn=MN, password="123456", site="sim:flue:1"),
    2: Device(mn="0A0000A8900016F000169DC2", password="654321", site="sim:water:2",
              sm4_key=b"0" * 16),
}  # fmt: skip
ECOGUARD = [str(Path(sys.executable).parent / "ecoguard")]


async def _start(tmp_path: Path, *devices: Device) -> Gateway:
    config = GatewayConfig(home=tmp_path / "gw", store_root=tmp_path / "ts", mover=False)
    gateway = Gateway(config, JsonDeviceDirectory(list(devices or DEVICES.values())))
    await gateway.start()
    return gateway


async def _line(reader: asyncio.StreamReader, timeout: float = 5) -> Packet:
    line = await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout)
    packet = decode(line)  # checks length and CRC
    assert isinstance(packet, Packet), packet
    return packet


async def _cli(*args: str, process: bool = False) -> tuple[int, str, str]:
    """``ecoguard gateway ...`` in a worker thread, or in its own process (the real console
    script, ~3 s to start); the event loop keeps serving the gateway meanwhile."""
    if not process:
        result = await asyncio.to_thread(CliRunner().invoke, app, ["gateway", *args])
        return result.exit_code, result.stdout, result.stderr
    child = await asyncio.create_subprocess_exec(
        *ECOGUARD, "gateway", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    out, err = await asyncio.wait_for(child.communicate(), 90)
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("version", [0, 1, 2])
def test_1013_is_answered_9013_then_1012_with_cst_time(tmp_path: Path, version: int) -> None:
    device = DEVICES[version]

    async def scenario() -> None:
        gateway = await _start(tmp_path)
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        flag = None if version == 0 else (version << 2) | 1
        ask = Packet(st="32", cn="1013", pw=device.password, mn=device.mn,
                     qn="20260101000000001", flag=flag)  # fmt: skip
        writer.write(encode(ask))
        if version:
            answer = await _line(reader)
            assert (answer.cn, answer.qn, answer.st, answer.flag) == (
                "9013",
                ask.qn,
                "91",
                version << 2,
            )
        command = await _line(reader)
        now = datetime.now(CST_ZONE).replace(tzinfo=None)
        assert command.cn == "1012" and command.mn == device.mn and command.pw == device.password
        assert command.st == "32"
        assert command.flag == flag  # 2017: 5, 2025: 9 (answer wanted); 2005: no Flag
        assert command.qn is not None and len(command.qn) == 17 and command.qn != ask.qn
        sent = datetime.strptime(command.item("SystemTime") or "", "%Y%m%d%H%M%S")
        assert abs((sent - now).total_seconds()) < 5
        # the device answers like the standard's Table C.3 (2005: QN inside CP)
        logger = Logger(device)
        for frame in logger.reply(command.raw or encode(command)):
            writer.write(frame)
        deadline = asyncio.get_running_loop().time() + 5
        while gateway.metrics.cmd_outcomes.get(state="executed") < 1:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
        assert gateway.metrics.cmd_sent.get(cn="1012") == 1
        assert gateway.metrics.cmd_answers.get(cn="9011", code="1") == 1
        assert gateway.metrics.cmd_answers.get(cn="9012", code="1") == 1
        assert abs(logger.clock_offset) < timedelta(seconds=5)
        writer.close()
        await gateway.stop()
        assert not gateway.desk.by_qn and not gateway.desk.watch
        text = gateway.registry.render()  # the Prometheus exposition
        assert 'hj212_commands_sent_total{cn="1012"} 1' in text
        assert 'hj212_command_answers_total{cn="9012",code="1"} 1' in text
        assert 'hj212_command_outcomes_total{state="executed"} 1' in text
        assert not list((tmp_path / "gw" / "commands" / "done").iterdir())  # automatic: no file

    asyncio.run(scenario())


@pytest.mark.parametrize("version", [1, 2])
def test_history_request_through_the_spool_lands_in_the_store(tmp_path: Path, version: int) -> None:
    device = DEVICES[version]
    home = tmp_path / "gw"

    async def scenario() -> dict[str, object]:
        gateway = await _start(tmp_path)
        stop = asyncio.Event()
        fleet = asyncio.create_task(
            run_fleet("127.0.0.1", gateway.port, [device], rate=2, duration=120, stop=stop)
        )
        while not gateway.devices.get(device.mn):  # connected and seen
            await asyncio.sleep(0.05)
        code, out, err = await _cli(
            "request-history", "--home", str(home), "--mn", device.mn, "--data", "hour",
            "--begin", "2026-03-01T08:00", "--end", "20260301113000", "--wait", "30",
            "--format", "json", process=True,
        )  # fmt: skip
        assert code == 0, out + err
        (outcome,) = json.loads(out)
        stop.set()
        stats = await fleet
        assert stats.commands == 1
        await gateway.stop()
        assert gateway.metrics.cmd_sent.get(cn="2061") == 1
        return dict(outcome)

    outcome = asyncio.run(scenario())
    assert outcome["state"] == "executed" and outcome["final"] is True
    assert (outcome["cn"], outcome["begin"], outcome["end"]) == (
        "2061",
        "20260301080000",
        "20260301110000",
    )
    assert (outcome["qn_rtn"], outcome["exe_rtn"], outcome["uploads"]) == (1, 1, 4)
    saved = json.loads((home / "commands" / "done" / f"{outcome['id']}.json").read_text())
    assert saved["state"] == "executed" and len(saved["events"]) >= 3
    assert not list((home / "commands").glob("*.json"))  # the request was taken
    store = TimeseriesStore(tmp_path / "ts")
    move_once(home / "wal", store, JsonDeviceDirectory([device]).lookup)
    rows = [r for r in store.read("source_readings").to_pylist() if r["data_type"] == "hour"]
    history = {r["data_time_utc"] for r in rows if r["data_time_utc"].year == 2026
               and r["data_time_utc"].month == 3}  # fmt: skip
    # 08:00 .. 11:00 CST = 00:00 .. 03:00 UTC, one upload per hour, every factor
    assert {t.hour for t in history} == {0, 1, 2, 3}
    march = [r for r in rows if r["data_time_utc"] in history]
    factors = 9 if "flue" in (device.site or "") else 6
    assert len(march) == 4 * factors  # every factor of every hour, no duplicates
    assert {r["reupload"] for r in march} == {version == 2}  # 2025: RF=1


def test_set_time_get_time_no_data_and_calibration_with_a_simulated_logger(
    tmp_path: Path,
) -> None:
    device = DEVICES[2]
    home = tmp_path / "gw"
    tomorrow = f"{datetime.now(CST_ZONE) + timedelta(days=1):%Y%m%d}000000"

    async def scenario() -> list[dict[str, object]]:
        gateway = await _start(tmp_path)
        stop = asyncio.Event()
        fleet = asyncio.create_task(
            run_fleet("127.0.0.1", gateway.port, [device], rate=1, duration=120,
                      calibrate_every=1.0, stop=stop)
        )  # fmt: skip
        while not gateway.devices.get(device.mn):
            await asyncio.sleep(0.05)
        outcomes = []
        for args, expected_code in [
            (["set-time"], 0),
            (["get-time"], 0),
            (["request-history", "--data", "day", "--begin", tomorrow, "--end", tomorrow], 1),
        ]:
            code, out, err = await _cli(*args, "--home", str(home), "--mn", device.mn,
                                        "--format", "json")  # fmt: skip
            assert code == expected_code, out + err
            outcomes += json.loads(out)
        code, out, err = await _cli("commands", "--home", str(home), "--format", "json")
        assert code == 0, err
        assert [r["command"] for r in json.loads(out)] == ["history", "get-time", "set-time"]
        await asyncio.sleep(1.5)  # one more 1013 -> 1012 round
        stop.set()
        stats = await fleet
        await gateway.stop()
        assert stats.calibration_requests >= 2 and stats.commands >= 5
        assert gateway.metrics.cmd_sent.get(cn="1012") >= 3  # set-time + the calibrations
        assert gateway.metrics.cmd_outcomes.get(state="executed") >= 4
        return outcomes

    set_outcome, get_outcome, none = asyncio.run(scenario())
    assert (set_outcome["state"], set_outcome["cn"], set_outcome["exe_rtn"]) == (
        "executed",
        "1012",
        1,
    )
    assert (get_outcome["state"], get_outcome["cn"]) == ("executed", "1011")
    device_time = datetime.strptime(str(get_outcome["device_time"]), "%Y%m%d%H%M%S")
    now = datetime.now(CST_ZONE).replace(tzinfo=None)
    assert abs((device_time - now).total_seconds()) < 30
    assert (none["state"], none["cn"], none["exe_rtn"], none["uploads"]) == (
        "no_data",
        "2031",
        100,
        0,
    )


def test_device_not_connected_unknown_mn_invalid_file_and_restart(tmp_path: Path) -> None:
    home = tmp_path / "gw"
    done = home / "commands" / "done"
    done.mkdir(parents=True)
    left = {"id": "old", "command": "get-time", "state": "sent", "final": False}
    (done / "old.json").write_text(json.dumps(left))  # in flight when a gateway was killed

    async def scenario() -> None:
        gateway = await _start(tmp_path)
        restarted = json.loads((done / "old.json").read_text())
        assert (restarted["state"], restarted["final"]) == ("timed_out", True)
        tmp = home / "commands" / ".bad.json.tmp"  # spooled as the CLI does: tmp, then rename
        tmp.write_text(
            json.dumps({"format": "ecoguard.hj212.command/1", "id": "bad", "command": "history",
                        "mn": MN, "data": "hour", "begin": "2026-13-01", "end": "20260101000000"})
        )  # fmt: skip
        tmp.replace(home / "commands" / "bad.json")
        code, out, err = await _cli("get-time", "--home", str(home), "--mn", MN, "--format", "json")
        assert code == 1
        (outcome,) = json.loads(out)
        assert outcome["state"] == "not_connected"
        assert "no open connection" in outcome["detail"] and "not connected" in err.replace(
            "_", " "
        )
        code, out, _ = await _cli(
            "set-time", "--home", str(home), "--mn", "NOSUCHMN", "--format", "json"
        )
        assert code == 1
        assert json.loads(out)[0]["state"] == "unknown_mn"
        await gateway.stop()
        assert gateway.metrics.cmd_outcomes.get(state="not_connected") == 1
        assert gateway.metrics.cmd_outcomes.get(state="unknown_mn") == 1
        assert gateway.metrics.cmd_sent.values == {}
        invalid = json.loads((done / "bad.json").read_text())
        assert invalid["state"] == "invalid"
        assert invalid["detail"].startswith("bad.json: begin: '2026-13-01' is not a time")
        assert not (home / "commands" / "bad.json").exists()

    asyncio.run(scenario())


def test_unanswered_command_is_resent_then_timed_out(tmp_path: Path) -> None:
    home = tmp_path / "gw"

    async def scenario() -> None:
        gateway = await _start(tmp_path)
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        heartbeat = Packet(st="31", cn="9015", pw="123456", mn=MN, qn="20260101000000001", flag=9)
        writer.write(encode(heartbeat))  # a 2025 heartbeat: the gateway now knows the device
        assert (await _line(reader)).cn == "9013"
        cli = asyncio.create_task(
            _cli("get-time", "--home", str(home), "--mn", MN, "--timeout", "0.6", "--retries",
                 "1", "--wait", "20", "--format", "json")
        )  # fmt: skip
        first = await _line(reader, 20)
        again = await _line(reader, 5)  # no 9011 from us: resent, same QN
        assert (first.cn, first.flag, again.qn) == ("1011", 9, first.qn)
        assert first.cp == ""
        code, out, err = await cli
        assert code == 1, out + err
        (outcome,) = json.loads(out)
        assert outcome["state"] == "timed_out" and outcome["attempts"] == 2
        assert "no 9011" in outcome["detail"]
        writer.close()
        await gateway.stop()
        assert gateway.metrics.cmd_sent.get(cn="1011") == 2
        assert gateway.metrics.cmd_outcomes.get(state="timed_out") == 1

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--data", "weekly"], ["--data", "weekly"]),
        (["--begin", "2026-01-02T00:00", "--end", "2026-01-01T00:00"], ["--begin", "after end"]),
        (["--begin", "yesterday"], ["--begin", "'yesterday' is not a time", "YYYYMMDDhhmmss"]),
        (["--begin", "20260101000000", "--end", "20260301000000"], ["longer than 31 days"]),
        (["--data", "minute", "--end", "20260109000000"], ["longer than 7 days", "minute"]),
        (["--retries", "500"], ["--retries", "0..99"]),
    ],
)
def test_bad_cli_input_is_a_usage_error(tmp_path: Path, args: list[str], words: list[str]) -> None:
    base = {"--data": "hour", "--begin": "20260101000000", "--end": "20260101230000"}
    options = dict(base)
    for name, value in zip(args[::2], args[1::2], strict=True):
        options[name] = value
    argv = ["gateway", "request-history", "--home", str(tmp_path), "--mn", MN]
    for name, value in options.items():
        argv += [name, value]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split()).replace("│", "")
    text = " ".join(text.split())
    for word in words:
        assert word in text, text
    assert not (tmp_path / "commands").exists()  # nothing was queued


def test_spool_file_rules_and_frames() -> None:
    request = make_request("history", MN, id="r1", data="minute", begin="20260101081230",
                           end="2026-01-01T00:15:00+00:00")  # fmt: skip
    assert (request.begin, request.end) == (
        datetime(2026, 1, 1, 8, 12),
        datetime(2026, 1, 1, 8, 15),
    )
    assert parse_request(request_json(request), "r1.json") == request
    with pytest.raises(CommandError, match=r"r2\.json: field 'format'"):
        parse_request('{"id": "r2"}', "r2.json")
    body = json.loads(request_json(request)) | {"retries": "three"}
    with pytest.raises(CommandError, match=r"r1\.json: field 'retries' must be a number"):
        parse_request(json.dumps(body), "r1.json")
    with pytest.raises(CommandError, match="not JSON"):
        parse_request("{", "r3.json")
    with pytest.raises(CommandError, match="id must match"):
        make_request("get-time", MN, id="../etc/passwd")
    now = datetime(2026, 1, 1, 8, 30)
    frames = {
        v: command_frame(
            request, pw="123456", st="31", version=v, qn="20260101083000001", now_cst=now
        )
        for v in Version
    }
    assert frames[Version.HJ212_2017] == (
        b"##0134QN=20260101083000001;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=5;CP=&&BeginTime=20260101081200;EndTime=20260101081500&&CB81\r\n"
    )
    assert b"Flag=9;" in frames[Version.HJ212_2025] and b"Flag" not in frames[Version.HJ212_2005]
    for frame in frames.values():
        assert isinstance(decode(frame), Packet)
    # a 9011 with another QN is taken for the only command in flight (2017 Table C.43)
    desk = CommandDesk()
    command = desk.open(make_request("get-time", MN, id="r4"), "20260101083000002")
    desk.sent(command, 0.0, datetime(2026, 1, 1))
    other = Packet(
        st="91", cn="9011", pw="123456", mn=MN, qn="20260101083000999", flag=4, cp="QnRtn=2"
    )
    assert desk.observe(other, 0.1, datetime(2026, 1, 1)) is command
    assert command.state is State.REFUSED and not desk.watch and not desk.by_qn
