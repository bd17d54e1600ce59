"""HJ 212 gateway benchmark: codec rate and acknowledged packets/s, beside their floors.

Run from the checkout (needs ../shared/data/hj212_capture)::

    .venv/bin/python benchmarks/bench_hj212.py [--connections 1000] [--rate 12] [--duration 20]

Prints, in one run:

* codec alone on the real 2016 capture (frame + CRC + parse, one core): vectorised batch decode,
  one-at-a-time decode, and the floor/peer of a bit-by-bit Appendix A CRC (the reference
  notes' algorithm) with the same parse;
* the disk's fsync rate (one 300-byte write + fsync per call) -- the ceiling of a gateway that
  fsyncs per packet -- beside the gateway's group commit;
* the gateway under load: ``--connections`` loggers over loopback TCP, each sending ``--rate``
  packets/s (2017 uploads asking for 9014), sustained acknowledged packets/s and client-side
  p50/p99 latency from write to 9014 (after the WAL fsync), with the mover running.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

import uvloop

from ecoguard.ingest.hj212.codec import Packet, decode, decode_many
from ecoguard.ingest.hj212.crc import crc_hj212_bitwise
from ecoguard.ingest.hj212.directory import Device, JsonDeviceDirectory
from ecoguard.ingest.hj212.simulate import Logger, make_fleet

CAPTURE = Path(__file__).resolve().parents[2] / "shared" / "data" / "hj212_capture"


def capture_frames() -> list[bytes]:
    frames: list[bytes] = []
    for path in sorted(CAPTURE.glob("*.h212")):
        lines = path.read_bytes().split(b"\r\n")
        frames += lines[:-1] if lines and lines[-1] == b"" else lines
    return frames


def best_rate(fn, count: int, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return count / best


def bitwise_peer(frames: list[bytes]) -> None:
    """Frame check with the bit-by-bit Appendix A CRC, then the same parse."""
    for frame in frames:
        segment = frame[6:-4]
        crc = crc_hj212_bitwise(segment)
        decode(frame, crc=crc)


def fsync_rate(folder: Path, count: int = 1000) -> float:
    path = folder / "fsync.probe"
    with path.open("ab") as f:
        t0 = time.perf_counter()
        for _ in range(count):
            f.write(b"x" * 300)
            f.flush()
            os.fsync(f.fileno())
        elapsed = time.perf_counter() - t0
    path.unlink()
    return count / elapsed


class _Conn(asyncio.Protocol):
    def __init__(self, waiting: dict[str, float], latencies: list[float]) -> None:
        self.waiting = waiting
        self.latencies = latencies
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\r\n")
        for line in lines:
            i = line.find(b"QN=")
            sent = self.waiting.pop(line[i + 3 : i + 20].decode(), None)
            if sent is not None:
                self.latencies.append(now - sent)


async def drive(
    port: int, fleet: list[Device], rate: float, duration: float
) -> tuple[int, int, list[float], float]:
    """Open one connection per logger, send on a global schedule, match 9014 answers by QN."""
    loop = asyncio.get_running_loop()
    per_logger = int(rate * duration)
    frames: list[list[tuple[str, bytes]]] = []
    for device in fleet:
        logger = Logger(device)
        pkts = [logger.next_packet() for _ in range(per_logger)]
        frames.append([(p.qn or "", logger.frame(p)) for p in pkts])
    gc.collect()
    gc.freeze()  # the pre-built frames stay out of the collector's way
    waiting: list[dict[str, float]] = [{} for _ in fleet]  # QNs are unique per logger only
    latencies: list[float] = []
    conns: list[_Conn] = []
    for i in range(0, len(fleet), 50):  # open in steps, like loggers coming online
        opened = await asyncio.gather(
            *(
                loop.create_connection(lambda j=j: _Conn(waiting[j], latencies), "127.0.0.1", port)
                for j in range(i, min(i + 50, len(fleet)))
            )
        )
        conns += [c for _, c in opened]
    schedule = sorted(
        (k / rate + (j / len(fleet)) / rate, j, k)
        for j in range(len(fleet))
        for k in range(per_logger)
    )
    start = time.perf_counter()
    sent = 0
    pointer = 0
    while pointer < len(schedule):
        now = time.perf_counter() - start
        while pointer < len(schedule) and schedule[pointer][0] <= now:
            _, j, k = schedule[pointer]
            qn, frame = frames[j][k]
            waiting[j][qn] = time.perf_counter()
            transport = conns[j].transport
            if transport is not None and not transport.is_closing():
                transport.write(frame)
                sent += 1
            pointer += 1
        await asyncio.sleep(0.002)
    send_elapsed = time.perf_counter() - start
    deadline = time.perf_counter() + 10
    while any(waiting) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    for c in conns:
        if c.transport is not None:
            c.transport.close()
    return sent, len(latencies), latencies, send_elapsed


def histogram_quantile(text: str, name: str, q: float) -> float:
    """Upper bound of the bucket holding quantile ``q`` of a Prometheus histogram [s]."""
    buckets = [
        (float("inf") if le == "+Inf" else float(le), float(count))
        for le, count in re.findall(rf'^{name}_bucket{{le="([^"]+)"}} (\S+)$', text, re.M)
    ]
    total = buckets[-1][1] if buckets else 0.0
    for bound, count in buckets:
        if total and count >= q * total:
            return bound
    return float("nan")


def stored_packets(store: Path) -> int:
    """Rows of ``gateway_packets`` in the store (from the Delta log's file statistics)."""
    from deltalake import DeltaTable

    path = store / "gateway_packets"
    if not DeltaTable.is_deltatable(str(path)):
        return 0
    actions = DeltaTable(str(path)).get_add_actions(flatten=True)
    return int(sum(actions.column("num_records").to_pylist()))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process [s] (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scrape(port: int) -> str:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data.decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=12.0, help="packets/s per connection")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--no-mover", action="store_true")
    args = parser.parse_args()

    print(f"# HJ 212 gateway benchmark  (cores: {os.cpu_count()}, load avg at start: "
          f"{os.getloadavg()[0]:.2f})")  # fmt: skip
    frames = capture_frames()
    n = len(frames)
    accepted = sum(isinstance(p, Packet) for p in decode_many(frames))
    batch = best_rate(lambda: decode_many(frames), n)
    single = best_rate(lambda: [decode(f) for f in frames], n)
    subset = frames[:3000]
    peer = best_rate(lambda: bitwise_peer(subset), len(subset), repeat=1)
    crc_only = best_rate(lambda: [crc_hj212_bitwise(f[6:-4]) for f in subset], len(subset), 1)
    print(f"\n## Codec on the real capture: {n} lines, {accepted} accepted")
    print(f"{'what':58s} {'packets/s':>12s} {'x bitwise':>10s}")
    rows = [
        ("decode_many (vectorised CRC + parse), one core", batch),
        ("decode one at a time (table CRC + parse), one core", single),
        ("peer/floor: bit-by-bit CRC (Appendix A) + same parse", peer),
        ("floor: bit-by-bit CRC alone", crc_only),
    ]
    for label, rate in rows:
        print(f"{label:58s} {rate:12,.0f} {rate / peer:10.1f}")

    with tempfile.TemporaryDirectory() as tmp:  # /tmp: same disk as the checkout here
        home = Path(tmp)
        fsyncs = fsync_rate(home)
        fleet = make_fleet(args.connections, seed=3, versions=(1,))
        devices = home / "devices.json"
        JsonDeviceDirectory(fleet).save(devices)
        command = [sys.executable, "-m", "ecoguard.ingest.hj212.gateway", "--home",
                   str(home / "gw"), "--devices", str(devices), "--port", "0",
                   "--metrics-port", "0"]  # fmt: skip
        if args.no_mover:
            command.append("--no-mover")
        server = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            ports = [int(p) for p in re.findall(r":(\d+)", line)]
            port, metrics_port = ports[0], ports[1]
            cpu_before = cpu_seconds(server.pid)
            client_before = time.process_time()
            sent, acked, latencies, elapsed = uvloop.run(
                drive(port, fleet, args.rate, args.duration)
            )
            gateway_cpu = cpu_seconds(server.pid) - cpu_before
            client_cpu = time.process_time() - client_before
            text = scrape(metrics_port)
            store = home / "gw" / "timeseries"
            moved_at_end = stored_packets(store)
            drain = float("nan")
            if not args.no_mover:  # does the mover keep up? time until every packet is moved
                drain_started = time.perf_counter()
                while time.perf_counter() - drain_started < 300:
                    if stored_packets(store) >= acked:
                        drain = time.perf_counter() - drain_started
                        break
                    time.sleep(0.25)
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)  # gateway and its mover
                server.wait()
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else float("nan")
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else float("nan")
    batches = float(re.search(r"^hj212_wal_batches_total (\S+)$", text, re.M).group(1))  # type: ignore[union-attr]
    records = float(re.search(r"^hj212_wal_records_total (\S+)$", text, re.M).group(1))  # type: ignore[union-attr]
    mover = "off" if args.no_mover else "on"
    print(
        f"\n## Gateway: {args.connections} connections x {args.rate:g} packets/s for "
        f"{args.duration:g} s over loopback, mover {mover}"
    )
    print(f"{'what':58s} {'value':>12s}")
    print(f"{'offered packets/s':58s} {sent / elapsed:12,.0f}")
    print(f"{'acknowledged packets/s (9014 after fsync)':58s} {acked / elapsed:12,.0f}")
    print(f"{'acknowledged / sent':58s} {acked / max(1, sent):12.4f}")
    print(f"{'ack latency p50 [ms]':58s} {p50:12.1f}")
    print(f"{'ack latency p99 [ms]':58s} {p99:12.1f}")
    print(f"{'records per group commit (mean)':58s} {records / max(1, batches):12.1f}")
    for q in (0.5, 0.99):
        bound = histogram_quantile(text, "hj212_ack_latency_seconds", q) * 1000
        label = f"gateway-side receipt-to-answer p{q * 100:g} [ms] (bucket bound)"
        print(f"{label:58s} {bound:12g}")
    for q in (0.5, 0.99, 0.999):
        bound = histogram_quantile(text, "hj212_wal_commit_seconds", q) * 1000
        label = f"WAL write+fsync per group commit p{q * 100:g} [ms] (bucket bound)"
        print(f"{label:58s} {bound:12g}")
    per_packet = gateway_cpu / max(1, acked)
    print(f"{'gateway process CPU per acknowledged packet [us]':58s} {per_packet * 1e6:12.1f}")
    print(f"{'implied capacity of one free core [packets/s]':58s} {1 / per_packet:12,.0f}")
    client = client_cpu / max(1, sent)
    label = "load generator CPU per packet [us] (incl. building frames)"
    print(f"{label:58s} {client * 1e6:12.1f}")
    if not args.no_mover:
        print(f"{'packets in the store when the load stopped (share)':58s} "
              f"{moved_at_end / max(1, acked):12.3f}")  # fmt: skip
        print(f"{'time the mover then needed to catch up [s]':58s} {drain:12.1f}")
        moved = acked / (elapsed + drain)
        print(f"{'mover: records moved per second over load + catch-up':58s} {moved:12,.0f}")
    print(f"{'floor: fsync/s of this disk (one record per fsync)':58s} {fsyncs:12,.0f}")
    print(f"{'acked packets/s / fsync/s (group commit gain)':58s} {acked / elapsed / fsyncs:12.1f}")
    if latencies:
        print(f"{'mean latency [ms]':58s} {statistics.fmean(latencies) * 1000:12.1f}")
    print(f"\nload avg at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
