"""The gateway over real loopback TCP: answers, connection policy, quarantine, metrics."""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter
from pathlib import Path

import pytest

from ecoguard.ingest.hj212.build import encode, join_cp
from ecoguard.ingest.hj212.codec import Packet, decode
from ecoguard.ingest.hj212.directory import Device, JsonDeviceDirectory
from ecoguard.ingest.hj212.gateway import Gateway, GatewayConfig
from ecoguard.ingest.hj212.mover import move_once
from ecoguard.ingest.hj212.simulate import FAULTS, Logger, make_fleet
from ecoguard.timeseries.store import TimeseriesStore

MN = "010000A8900016F000169DC0"
DEVICE = Device(mn=MN, password="123456", site="sim:flue:1")


def _upload(minute: int, flag: int = 5, qn_suffix: int = 0) -> Packet:
    cp = join_cp(
        [
            [("DataTime", f"20260101{minute // 60:02d}{minute % 60:02d}00")],
            [("a21026-Rtd", "12.5"), ("a21026-Flag", "N")],
            [("a34013-Rtd", "3.25"), ("a34013-Flag", "N")],
        ]
    )
    return Packet(
        st="31",
        cn="2011",
        pw="123456",
        mn=MN,
        qn=f"20260101000000{qn_suffix:03d}",
        flag=flag,
        cp=cp,
    )


async def _start(tmp_path: Path, **kw: object) -> Gateway:
    config = GatewayConfig(home=tmp_path / "gw", store_root=tmp_path / "ts", mover=False, **kw)  # type: ignore[arg-type]
    gateway = Gateway(config, JsonDeviceDirectory([DEVICE, *make_fleet(2)]))
    await gateway.start()
    return gateway


async def _read_lines(reader: asyncio.StreamReader, count: int, timeout: float = 5) -> list[bytes]:
    lines = []
    for _ in range(count):
        lines.append(await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout))
    return lines


def test_split_reads_several_per_read_and_answers(tmp_path: Path) -> None:
    async def scenario() -> None:
        gateway = await _start(tmp_path)
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        frames = [encode(_upload(i, qn_suffix=i)) for i in range(6)]
        # first frame one byte at a time, then the rest in one write
        for b in frames[0]:
            writer.write(bytes([b]))
            await writer.drain()
        writer.write(b"".join(frames[1:]))
        heartbeat = Packet(st="31", cn="9015", pw="123456", mn=MN, qn="20260101000000999", flag=9)
        writer.write(encode(heartbeat))
        lines = await _read_lines(reader, 7)
        answers = [decode(line) for line in lines]
        assert all(isinstance(a, Packet) for a in answers)
        cns = Counter(a.cn for a in answers if isinstance(a, Packet))
        assert cns == {"9014": 6, "9013": 1}
        acks = {a.qn for a in answers if isinstance(a, Packet) and a.cn == "9014"}
        assert acks == {f"20260101000000{i:03d}" for i in range(6)}
        first = next(a for a in answers if isinstance(a, Packet) and a.cn == "9014")
        assert (first.st, first.flag, first.mn, first.pw, first.cp) == ("91", 4, MN, "123456", "")
        hb = next(a for a in answers if isinstance(a, Packet) and a.cn == "9013")
        assert hb.flag == 8  # 2025 answer: version bits only
        writer.close()
        await gateway.stop()
        assert gateway.devices[MN].packets == 7

    asyncio.run(scenario())


def test_every_refusal_kind_interleaved_good_packets_land(tmp_path: Path) -> None:
    async def scenario() -> None:
        gateway = await _start(tmp_path)
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        logger = Logger(DEVICE)
        good: list[Packet] = []
        expected_answers = 0
        for i, fault in enumerate(FAULTS):
            packet = _upload(i, qn_suffix=i)
            good.append(packet)
            writer.write(encode(packet))
            expected_answers += 1
            writer.write(logger.bad_frame(fault))
            if fault in ("unknown_mn", "wrong_password", "unsupported"):
                expected_answers += 1  # 9011 QnRtn=4 / 3 / 8
        lines = await _read_lines(reader, expected_answers)
        answers = [decode(line) for line in lines]
        acked = {a.qn for a in answers if isinstance(a, Packet) and a.cn == "9014"}
        assert acked == {p.qn for p in good}
        qnrtn = sorted(
            a.item("QnRtn") or "" for a in answers if isinstance(a, Packet) and a.cn == "9011"
        )
        assert qnrtn == ["3", "4", "8"]
        # policy: junk and bad packets do not close the connection ...
        writer.write(encode(_upload(100, qn_suffix=100)))
        (line,) = await _read_lines(reader, 1)
        assert b"CN=9014" in line
        # ... three consecutive authentication failures do
        for _ in range(3):
            writer.write(logger.bad_frame("unknown_mn"))
        await _read_lines(reader, 3)
        assert await asyncio.wait_for(reader.read(), 5) == b""
        await gateway.stop()
        {k[0][1]: v for k, v in gateway.metrics.packets.values.items() if k}
        assert gateway.metrics.packets.get(outcome="accepted", reason="") == len(good) + 1

    asyncio.run(scenario())
    store = TimeseriesStore(tmp_path / "ts")
    result = move_once(tmp_path / "gw" / "wal", store, JsonDeviceDirectory([DEVICE]).lookup)
    assert result.packets == len(FAULTS) + 1
    readings = store.read("source_readings")
    assert readings.num_rows == 2 * (len(FAULTS) + 1)  # two factors per good packet
    refusals = store.read("gateway_refusals").to_pylist()
    got = Counter(r["reason"] for r in refusals)
    assert got == {
        "crc_mismatch": 1,
        "bad_length": 1,
        "bad_frame": 1,
        "malformed_field": 1,
        "oversized": 1,
        "unsupported_command": 1,
        "unknown_mn": 4,
        "wrong_password": 1,
    }
    assert all(r["rule"] and r["field"] for r in refusals)
    # a second move (a replay) adds nothing
    from ecoguard.ingest.hj212.wal import write_checkpoint

    write_checkpoint(tmp_path / "gw" / "wal", (0, 0))
    move_once(tmp_path / "gw" / "wal", store, JsonDeviceDirectory([DEVICE]).lookup)
    assert store.read("source_readings").num_rows == readings.num_rows
    assert store.read("gateway_refusals").num_rows == len(refusals)


def test_idle_and_slow_connections_are_closed(tmp_path: Path) -> None:
    async def scenario() -> None:
        gateway = await _start(tmp_path, idle_timeout=2.0, frame_timeout=0.6)
        idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        slow_reader, slow_writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        frame = encode(_upload(1))
        slow_writer.write(frame[:30])  # half a frame, then nothing
        t0 = time.monotonic()
        assert await asyncio.wait_for(slow_reader.read(), 10) == b""
        slow_closed = time.monotonic() - t0
        assert await asyncio.wait_for(idle_reader.read(), 10) == b""
        idle_closed = time.monotonic() - t0
        assert 0.5 < slow_closed < 6 and 1.9 < idle_closed < 9  # generous: shared CI cores
        assert gateway.metrics.closed.get(cause="frame_timeout") == 1
        assert gateway.metrics.closed.get(cause="idle_timeout") == 1
        assert gateway.metrics.packets.get(outcome="refused", reason="bad_frame") == 1
        idle_writer.close()
        slow_writer.close()
        await gateway.stop()

    asyncio.run(scenario())


def test_metrics_endpoint(tmp_path: Path) -> None:
    async def scenario() -> str:
        gateway = await _start(tmp_path, metrics_port=0)
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        writer.write(encode(_upload(5, qn_suffix=5)))
        await _read_lines(reader, 1)
        loop = asyncio.get_running_loop()

        def scrape() -> str:
            with socket.create_connection(("127.0.0.1", gateway.metrics_port), timeout=5) as s:
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            return data.decode()

        text = await loop.run_in_executor(None, scrape)
        writer.close()
        await gateway.stop()
        return text

    text = asyncio.run(scenario())
    assert text.startswith("HTTP/1.1 200 OK")
    assert 'hj212_packets_total{outcome="accepted",reason=""} 1' in text
    assert "hj212_ack_latency_seconds_count 1" in text
    assert "hj212_connections_open 1" in text
    assert "# TYPE hj212_wal_backlog_bytes gauge" in text


@pytest.mark.parametrize("version", [0, 2])
def test_2005_and_2025_loggers(tmp_path: Path, version: int) -> None:
    device = Device(mn="LD130133000015" if version == 0 else MN, password="123456",
                    site=f"sim:water:{version}", sm4_key=b"0" * 16 if version == 2 else None)  # fmt: skip

    async def scenario() -> None:
        config = GatewayConfig(home=tmp_path / "gw", store_root=tmp_path / "ts", mover=False)
        gateway = Gateway(config, JsonDeviceDirectory([device]))
        await gateway.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        logger = Logger(device)
        for _ in range(3):
            writer.write(logger.frame(logger.next_packet()))
        if version == 2:
            assert len(await _read_lines(reader, 3)) == 3  # encrypted CP, 9014 each
        else:
            await asyncio.sleep(0.5)  # 2005 loggers ask for no answer
        writer.close()
        await gateway.stop()
        assert gateway.metrics.packets.get(outcome="accepted", reason="") == 3

    asyncio.run(scenario())
    store = TimeseriesStore(tmp_path / "ts")
    move_once(tmp_path / "gw" / "wal", store, JsonDeviceDirectory([device]).lookup)
    rows = store.read("source_readings").to_pylist()
    assert len(rows) == 3 * 6
    if version == 0:
        assert {r["source_code"] for r in rows} >= {"B01", "011"}  # legacy codes kept ...
        assert {r["parameter"] for r in rows} >= {"w00000", "w01018"}  # ... and mapped


@pytest.mark.slow
def test_a_dead_mover_is_restarted(tmp_path: Path) -> None:
    async def scenario() -> None:
        config = GatewayConfig(home=tmp_path / "gw", store_root=tmp_path / "ts", mover=True)
        gateway = Gateway(config, JsonDeviceDirectory([DEVICE]))
        await gateway.start()
        first = gateway._mover
        assert first is not None
        first.kill()
        deadline = time.monotonic() + 20
        while gateway.metrics.mover_restarts.get() == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert gateway.metrics.mover_restarts.get() == 1
        assert gateway._mover is not None and gateway._mover.pid != first.pid
        await gateway.stop()

    asyncio.run(scenario())
