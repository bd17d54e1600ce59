"""Simulated fleets of data loggers speaking HJ 212 to a gateway (tests, demos, benchmarks).

Each simulated logger is a flue-gas CEMS (ST=31) or a wastewater outlet (ST=32) sending
real-time (2011), minute (2051), hourly (2061) and daily (2031) uploads with plausible values,
as HJ 212-2017 (Flag 5: answer wanted), HJ 212-2025 (Flag 9) or HJ/T 212-2005 (no QN, no Flag).
The logger's data clock advances by one period per packet (a backfill), so every packet has its
own (MN, CN, DataTime) key and an exactly-once check can count rows.

Faults (``--faults``) mix bad packets in: ``crc``, ``length``, ``junk``, ``malformed``,
``oversized``, ``unsupported``, ``unknown_mn``, ``wrong_password``.

Platform commands are answered like a real logger (HJ 212-2017 §6.5, Appendix C): ``1012``
with 9011 ``QnRtn=1``, then 9012 ``ExeRtn=1`` (the logger adopts the time); ``1011`` with 9011,
a ``1011`` upload of its time, 9012; history requests (2051/2061/2031/2041 with
``BeginTime``/``EndTime``) with 9011, one upload per stored period of the range (values
regenerated deterministically per period; ``RF=1`` from 2025 loggers), then 9012 (``ExeRtn=100``
when the range holds no period). 2005 loggers put the QN of their answers inside CP. With
``calibrate_every`` loggers also ask for time calibration (1013) now and then.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from ecoguard.ingest.hj212.build import encode, join_cp
from ecoguard.ingest.hj212.codec import CST_ZONE, Packet, decode
from ecoguard.ingest.hj212.commands import CN_GET_TIME, CN_SET_TIME, HISTORY_CNS
from ecoguard.ingest.hj212.directory import Device

__all__ = ["FAULTS", "FleetStats", "Logger", "make_fleet", "run_fleet"]

FAULTS = (
    "crc",
    "length",
    "junk",
    "malformed",
    "oversized",
    "unsupported",
    "unknown_mn",
    "wrong_password",
)

_FLUE = {  # code: (typical value, spread) - HJ 212-2017 Table B.2 codes
    "a00000": (120.0, 20.0),  # flue-gas flow [m3/s]
    "a34013": (8.0, 3.0),  # particulate [mg/m3]
    "a21026": (25.0, 10.0),  # SO2 [mg/m3]
    "a21002": (45.0, 15.0),  # NOx [mg/m3]
    "a19001": (8.5, 1.0),  # O2 [%]
    "a01011": (12.0, 2.0),  # velocity [m/s]
    "a01012": (95.0, 10.0),  # temperature [degC]
    "a01013": (-0.3, 0.1),  # pressure [kPa]
    "a01014": (9.0, 2.0),  # humidity [%]
}
_WATER = {  # HJ 212-2017 Table B.1 codes
    "w00000": (15.0, 5.0),  # flow [L/s]
    "w01018": (40.0, 15.0),  # COD [mg/L]
    "w21003": (2.0, 1.0),  # NH3-N [mg/L]
    "w21011": (0.3, 0.1),  # TP [mg/L]
    "w21001": (10.0, 3.0),  # TN [mg/L]
    "w01001": (7.2, 0.3),  # pH
}
_LEGACY = {"a34013": "01", "a21026": "02", "a21002": "03", "a19001": "S01", "a00000": "B02"}
_LEGACY |= {"w00000": "B01", "w01018": "011", "w21003": "060", "w21011": "101", "w21001": "065"}
_HISTORY_STEP = {"2061": timedelta(hours=1), "2031": timedelta(days=1), "2041": timedelta(days=1)}
_MAX_HISTORY = 20_000
"""Most uploads one history request gets from a simulated logger."""
_CYCLE = (("2011", timedelta(minutes=1)),) * 6 + (
    ("2051", timedelta(minutes=10)),
    ("2051", timedelta(minutes=10)),
    ("2061", timedelta(hours=1)),
    ("2031", timedelta(days=1)),
)


def make_fleet(
    count: int, *, seed: int = 0, versions: Sequence[int] = (1, 1, 1, 2, 0)
) -> list[Device]:
    """``count`` registered devices with 24-hex MNs (14 characters for 2005 loggers).

    The version of each logger (0: 2005, 1: 2017, 2: 2025) is encoded in its ``site`` label as
    ``sim:<kind>:<version>`` so a fleet can be rebuilt from a device file.
    """
    rng = random.Random(seed)  # noqa: S311 - simulated data, not secrets
    devices = []
    for i in range(count):
        version = versions[i % len(versions)]
        kind = "flue" if i % 2 == 0 else "water"
        mn = f"{rng.getrandbits(56):014X}" if version == 0 else f"{rng.getrandbits(96):024X}"
        devices.append(
            Device(mn=mn, password=f"{rng.randrange(10**6):06d}", site=f"sim:{kind}:{version}")
        )
    return devices


@dataclass
class Logger:
    """One simulated data logger; :meth:`next_packet` yields its next upload."""

    device: Device
    start: datetime = field(default_factory=lambda: datetime(2026, 1, 1))
    seed: int = 0

    def __post_init__(self) -> None:
        parts = (self.device.site or "sim:flue:1").split(":")
        self.kind = parts[1]
        self.version = int(parts[2])
        self.rng = random.Random(f"{self.device.mn}-{self.seed}")  # noqa: S311
        self.clocks = {cn: self.start for cn, _ in _CYCLE}
        self.count = 0
        self.qn_counter = 0
        self.clock_offset = timedelta(0)
        """Logger clock minus the real CST clock (set by a 1012)."""

    @property
    def st(self) -> str:
        """System code (2017 Table 5): 31 flue gas, 32 wastewater."""
        return "31" if self.kind == "flue" else "32"

    def now(self) -> datetime:
        """The logger's clock (naive CST)."""
        return datetime.now(CST_ZONE).replace(tzinfo=None) + self.clock_offset

    def _qn(self) -> str:
        self.qn_counter += 1
        return self.now().strftime("%Y%m%d%H%M%S") + f"{self.qn_counter % 1000:03d}"

    @property
    def _flag_bits(self) -> int | None:
        return None if self.version == 0 else self.version << 2

    def next_packet(self) -> Packet:
        """The next upload (CN cycles 2011 x6, 2051 x2, 2061, 2031); data clock advances."""
        cn, step = _CYCLE[self.count % len(_CYCLE)]
        self.count += 1
        data_time = self.clocks[cn]
        self.clocks[cn] = data_time + step
        flag_value = None if self.version == 0 else (self.version << 2) | 1
        return Packet(
            st=self.st,
            cn=cn,
            pw=self.device.password,
            mn=self.device.mn,
            qn=None if self.version == 0 else self._qn(),
            flag=flag_value,
            cp=join_cp(self._groups(cn, data_time, self.rng)),
        )

    def _groups(
        self, cn: str, data_time: datetime, rng: random.Random
    ) -> list[list[tuple[str, object]]]:
        groups: list[list[tuple[str, object]]] = [
            [("DataTime", data_time.strftime("%Y%m%d%H%M%S"))]
        ]
        if cn == "2041":  # facility daily running time SBxxx-RT [h] (2017 Table 4, C.23)
            return groups + [[(f"SB{i}-RT", f"{rng.uniform(20, 24):.2f}")] for i in (1, 2)]
        factors = _FLUE if self.kind == "flue" else _WATER
        for code, (mean, spread) in factors.items():
            name = _LEGACY.get(code, code) if self.version == 0 else code
            value = mean + rng.gauss(0, spread / 3)
            flag = "N" if rng.random() > 0.02 else rng.choice("MDC")
            if cn == "2011":
                items: list[tuple[str, object]] = [(f"{name}-Rtd", f"{value:.2f}")]
                if code in ("a34013", "a21026", "a21002"):
                    items.append((f"{name}-ZsRtd", f"{value * 1.1:.2f}"))
            else:
                low, high = value - spread / 4, value + spread / 4
                items = [
                    (f"{name}-Min", f"{low:.2f}"),
                    (f"{name}-Avg", f"{value:.2f}"),
                    (f"{name}-Max", f"{high:.2f}"),
                ]
                if code not in ("a19001", "a01011", "a01012", "a01013", "a01014", "w01001"):
                    items.append((f"{name}-Cou", f"{value * 36:.2f}"))
            items.append((f"{name}-Flag", flag))
            groups.append(items)
        return groups

    def calibration_request(self) -> Packet:
        """A time-calibration notification (1013, 2017 Table 9), asking for its 9013."""
        flag = None if self.version == 0 else (self.version << 2) | 1
        return Packet(
            st=self.st,
            cn="1013",
            pw=self.device.password,
            mn=self.device.mn,
            qn=self._qn(),
            flag=flag,
        )

    def history(self, cn: str, begin: datetime, end: datetime) -> list[Packet]:
        """Uploads answering a history request: one per period starting in ``[begin, end]``
        that has ended by the logger's clock; values regenerated from (MN, seed, CN, period)."""
        step = _HISTORY_STEP.get(cn, timedelta(minutes=self.device.minute_interval))
        midnight = begin.replace(hour=0, minute=0, second=0, microsecond=0)
        moment = midnight + step * math.ceil((begin - midnight) / step)
        now = self.now()
        packets: list[Packet] = []
        while moment <= end and moment + step <= now and len(packets) < _MAX_HISTORY:
            rng = random.Random(f"{self.device.mn}-{self.seed}-{cn}-{moment:%Y%m%d%H%M%S}")  # noqa: S311
            packets.append(
                Packet(
                    st=self.st,
                    cn=cn,
                    pw=self.device.password,
                    mn=self.device.mn,
                    qn=self._qn(),
                    flag=self._flag_bits,  # no answer wanted (Table C.21)
                    rf=self.version == 2,  # 2025: re-upload marker
                    cp=join_cp(self._groups(cn, moment, rng)),
                )
            )
            moment += step
        return packets

    def reply(self, frame: bytes) -> list[bytes]:
        """Frames answering a platform command (empty for answers and for other devices)."""
        result = decode(frame, keys=lambda mn: self.device.sm4_key)
        if not isinstance(result, Packet) or result.mn != self.device.mn:
            return []
        cn = result.cn
        if cn.startswith("90"):
            return []
        if result.pw != self.device.password:
            return [self._answer(result, "9011", "QnRtn", 3)]
        if cn == CN_SET_TIME:
            text = result.item("SystemTime") or ""
            try:
                wanted = datetime.strptime(text, "%Y%m%d%H%M%S")
            except ValueError:
                return [self._answer(result, "9011", "QnRtn", 2)]
            self.clock_offset = wanted - datetime.now(CST_ZONE).replace(tzinfo=None)
            return [
                self._answer(result, "9011", "QnRtn", 1),
                self._answer(result, "9012", "ExeRtn", 1),
            ]
        if cn == CN_GET_TIME:
            upload = Packet(
                st=result.st,
                cn=CN_GET_TIME,
                pw=self.device.password,
                mn=self.device.mn,
                qn=result.qn,
                flag=self._flag_bits,
                cp=f"SystemTime={self.now():%Y%m%d%H%M%S}",
            )
            return [
                self._answer(result, "9011", "QnRtn", 1),
                self.frame(upload),
                self._answer(result, "9012", "ExeRtn", 1),
            ]
        if cn in HISTORY_CNS.values():
            try:
                begin = datetime.strptime(result.item("BeginTime") or "", "%Y%m%d%H%M%S")
                end = datetime.strptime(result.item("EndTime") or "", "%Y%m%d%H%M%S")
            except ValueError:
                return [self._answer(result, "9011", "QnRtn", 2)]
            uploads = [self.frame(p) for p in self.history(cn, begin, end)]
            done = self._answer(result, "9012", "ExeRtn", 1 if uploads else 100)
            return [self._answer(result, "9011", "QnRtn", 1), *uploads, done]
        return [self._answer(result, "9011", "QnRtn", 8)] if result.needs_answer else []

    def _answer(self, request: Packet, cn: str, name: str, code: int) -> bytes:
        """9011/9012 (2017 Tables C.1-C.23): ST=91, request's QN, version bits only; a 2005
        logger puts the QN inside CP (``CP=&&QN=...;QnRtn=1&&``)."""
        cp = f"{name}={code}"
        if self.version == 0 and request.qn is not None:
            cp = f"QN={request.qn};{cp}"
        answer = Packet(
            st="91",
            cn=cn,
            pw=self.device.password,
            mn=self.device.mn,
            qn=None if self.version == 0 else request.qn,
            flag=self._flag_bits,
            cp=cp,
        )
        return encode(answer)

    def frame(self, packet: Packet) -> bytes:
        """The packet's frame (encrypted when the device has an SM4 key and speaks 2025)."""
        key = self.device.sm4_key if self.version == 2 else None
        return encode(packet, key=key)

    def bad_frame(self, fault: str) -> bytes:
        """A bad packet of the given fault kind."""
        packet = self.next_packet()
        good = encode(packet)
        if fault == "crc":
            return good[:-6] + (b"0000" if not good[:-2].endswith(b"0000") else b"0001") + b"\r\n"
        if fault == "length":
            return good[:40] + good[44:]
        if fault == "junk":
            return b"##test13912345678\x00\r\n"
        if fault == "malformed":
            text = packet.cp.replace("-Avg=", "-Avg=x", 1).replace("-Rtd=", "-Rtd=x", 1)
            return encode(_replace(packet, cp=text))
        if fault == "oversized":
            return b"##2000" + b"A" * 2000 + b"FFFF\r\n"
        if fault == "unsupported":
            return encode(_replace(packet, cn="4711", cp=""))
        if fault == "unknown_mn":
            return encode(_replace(packet, mn="F" * len(packet.mn)))
        if fault == "wrong_password":
            return encode(_replace(packet, pw="999999" if packet.pw != "999999" else "888888"))
        raise ValueError(f"unknown fault {fault!r}; choose from {', '.join(FAULTS)}")


def _replace(packet: Packet, **changes: object) -> Packet:
    return dataclasses.replace(packet, **changes)  # type: ignore[arg-type]


@dataclass
class FleetStats:
    """What a fleet run saw."""

    sent: int = 0
    acked: int = 0
    bad_sent: int = 0
    answers_9011: int = 0
    commands: int = 0
    """Platform commands the loggers answered."""
    calibration_requests: int = 0
    """1013 time-calibration notifications sent."""
    connections_closed_by_peer: int = 0
    connect_failures: int = 0
    latencies: list[float] = field(default_factory=list)
    acked_keys: list[tuple[str, str, str]] = field(default_factory=list)
    """(MN, CN, DataTime) of every acknowledged upload."""

    def percentile(self, q: float) -> float:
        """Latency percentile [s] (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


class _Client(asyncio.Protocol):
    def __init__(self, stats: FleetStats, logger: Logger | None = None) -> None:
        self.stats = stats
        self.logger = logger
        self.buffer = b""
        self.waiting: dict[str, tuple[float, tuple[str, str, str]]] = {}
        self.lost = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        now = time.perf_counter()
        while b"\r\n" in self.buffer:
            line, _, self.buffer = self.buffer.partition(b"\r\n")
            i = line.find(b"QN=")
            qn = line[i + 3 : i + 20].decode() if i >= 0 else ""
            if b"CN=9014" in line:
                entry = self.waiting.pop(qn, None)
                if entry is not None:
                    self.stats.acked += 1
                    self.stats.latencies.append(now - entry[0])
                    self.stats.acked_keys.append(entry[1])
            elif b"CN=9011" in line:
                self.stats.answers_9011 += 1
            elif b"CN=9013" not in line and self.logger is not None and self.transport:
                frames = self.logger.reply(line)  # a platform command
                if frames:
                    self.stats.commands += 1
                    self.transport.write(b"".join(frames))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)


async def _run_logger(
    host: str,
    port: int,
    logger: Logger,
    rate: float,
    until: float,
    stats: FleetStats,
    faults: Sequence[str],
    fault_rate: float,
    stagger: float,
    calibrate_every: float = 0.0,
    stop: asyncio.Event | None = None,
) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(stagger)
    for attempt in range(40):  # the gateway may still be starting
        try:
            transport, client = await loop.create_connection(
                lambda: _Client(stats, logger), host, port
            )
            break
        except OSError:
            if attempt == 39 or loop.time() > until:
                stats.connect_failures += 1
                return
            await asyncio.sleep(0.25)
    period = 1.0 / rate
    next_at = loop.time()
    rng = random.Random(logger.device.mn)  # noqa: S311
    calibrate_at = loop.time() if calibrate_every > 0 else math.inf
    try:
        while loop.time() < until and not client.lost.done():
            if stop is not None and stop.is_set():
                break
            if loop.time() >= calibrate_at:
                transport.write(logger.frame(logger.calibration_request()))
                stats.calibration_requests += 1
                calibrate_at += calibrate_every
            if faults and rng.random() < fault_rate:
                transport.write(logger.bad_frame(rng.choice(faults)))
                stats.bad_sent += 1
            else:
                packet = logger.next_packet()
                frame = logger.frame(packet)
                key = (packet.mn, packet.cn, packet.cp[9:23])
                if packet.qn is not None:
                    client.waiting[packet.qn] = (time.perf_counter(), key)
                transport.write(frame)
                stats.sent += 1
            next_at += period
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        # wait for outstanding answers
        deadline = loop.time() + 5
        while client.waiting and loop.time() < deadline and not client.lost.done():
            await asyncio.sleep(0.05)
    finally:
        if client.lost.done():
            stats.connections_closed_by_peer += 1
        transport.close()


async def run_fleet(
    host: str,
    port: int,
    devices: Sequence[Device],
    *,
    rate: float,
    duration: float,
    faults: Sequence[str] = (),
    fault_rate: float = 0.0,
    seed: int = 0,
    calibrate_every: float = 0.0,
    stop: asyncio.Event | None = None,
) -> FleetStats:
    """Connect every device, send ``rate`` packets/s each for ``duration`` seconds.

    Loggers answer platform commands while they run; with ``calibrate_every`` > 0 each also
    sends a 1013 time-calibration request on connecting and then every that many seconds.
    Setting ``stop`` ends the run before ``duration``.

    Returns
    -------
    FleetStats
        Sent, acknowledged (9014 matched by QN), latencies, keys of acknowledged uploads.
    """
    stats = FleetStats()
    loop = asyncio.get_running_loop()
    until = loop.time() + duration
    ramp = min(1.0, duration / 4)
    await asyncio.gather(
        *(
            _run_logger(
                host,
                port,
                Logger(device, seed=seed),
                rate,
                until,
                stats,
                faults,
                fault_rate,
                ramp * i / max(1, len(devices)),
                calibrate_every,
                stop,
            )
            for i, device in enumerate(devices)
        )
    )
    return stats
