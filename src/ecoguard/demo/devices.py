"""Demo traffic of the registered demo data loggers, sent through a real HJ 212 gateway.

``ecoguard demo`` registers HJ 212 devices for the flue-gas and wastewater outlets of the demo
enterprises (:data:`ecoguard.registry.demo.DEMO_ENTERPRISES`). :func:`run_demo_traffic` makes
them talk: it starts a :class:`~ecoguard.ingest.hj212.gateway.Gateway` on a free loopback port
with the registry as its device directory, connects one logger per device and uploads what a
logger would have sent over the last 24 hours (HJ 212-2017 Table 9):

* real-time data (CN 2011) of the last hour, one sample a minute;
* minute data (CN 2051, ``MinInterval`` 10 min) and hourly data (CN 2061) of every complete
  period that starts in the last 24 hours;
* daily data (CN 2031) of the last 7 complete days (China Standard Time), so that a chart of
  daily values has more than one point.

Flue-gas outlets (ST=31) send flow, particulate, SO2, NOx, O2, velocity, temperature, pressure
and humidity (codes of HJ 212-2017 Table B.2) with converted (折算) concentrations; wastewater
outlets (ST=32) send flow, COD, NH3-N, TP, TN and pH (Table B.1). Levels depend on the outlet's
emission standard (a coal power plant near ultra-low emission, a cement kiln, a textile boiler,
a refinery, a municipal treatment plant) and follow the daily load. Some loggers speak
HJ 212-2025 (``Flag=9``), the others HJ 212-2017 (``Flag=5``). The registry holds no SM4 keys,
so no logger encrypts its CP.

With them goes field-device information (CN 3020, :mod:`ecoguard.demo.device_info`): daily
calibrations, a maintenance visit a day, instrument parameters; readings taken meanwhile carry
the flags C and M. A few bad frames go with them (one with a damaged CRC from every logger, one
with a wrong password from every other logger), so that the quarantine has content.
After the loggers have their answers the gateway stops (writing ``last_seen`` and
``connection_state`` back to the registry) and the mover drains the write-ahead log into
``source_readings``, ``gateway_packets`` and ``gateway_refusals``.

Everything is deterministic: a value depends only on the MN, the factor and the period, so a
second run inside the same 10 minutes stores no new reading (the tables are keyed), and bad
frames are only sent for devices without refusals in the last 24 hours.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import math
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoguard.demo.device_info import INFO_CN, flag, info_uploads, stored_info_times
from ecoguard.ingest.hj212.build import encode, join_cp
from ecoguard.ingest.hj212.codec import CST_ZONE, Packet
from ecoguard.ingest.hj212.directory import RegistryDeviceDirectory
from ecoguard.ingest.hj212.gateway import Gateway, GatewayConfig
from ecoguard.ingest.hj212.listing import list_rows
from ecoguard.ingest.hj212.mover import run_mover
from ecoguard.ingest.hj212.records import READINGS_TABLE, REFUSALS_TABLE
from ecoguard.registry.demo import DEMO_ENTERPRISES
from ecoguard.registry.models import Device, Outlet
from ecoguard.timeseries.store import TimeseriesStore

__all__ = [
    "DAILY_DAYS",
    "RTD_MINUTES",
    "DemoLogger",
    "TrafficReport",
    "bad_frames",
    "demo_loggers",
    "run_demo_traffic",
    "uploads",
]

RTD_MINUTES: Final = 60
"""Real-time samples (one a minute) sent for the last this many minutes."""
MINUTE_INTERVAL: Final = 10
"""``MinInterval`` of the demo loggers [min] (HJ 212-2017 Table C.20 default)."""
DAILY_DAYS: Final = 7
"""Complete CST days of daily data sent."""
WINDOW: Final = timedelta(hours=24)
"""Minute and hourly data cover the periods that start in this window before now."""


# ------------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class _Factor:
    """One measured factor: level at full load, relative spread, and how it is reported."""

    code: str
    level: float
    spread: float
    """Relative standard deviation of the 10-minute values (absolute for pH)."""
    follows_load: bool = False
    """Scales with the load (flows, velocity); concentrations only wobble."""
    cou: str | None = None
    """``"flow"``: Cou is the volume; ``"mass"``: Cou is the mass (with the outlet's flow)."""
    converted: bool = False
    """Also report the value converted to the reference O2 (``Zs``, 折算)."""
    digits: int = 2


@dataclass(frozen=True)
class _Profile:
    """An outlet type: its factors, load pattern and reference O2 [%]."""

    st: str
    factors: tuple[_Factor, ...]
    load_swing: float
    """Amplitude of the daily load cycle (0: steady)."""
    peak_hour: float
    """CST hour of the load peak."""
    o2_ref: float = 0.0
    flow_to_m3: float = 1.0
    """Flow unit to m3/s: 1 for flue gas [m3/s], 0.001 for wastewater [L/s]."""


def _flue(
    flow: float,
    pm: float,
    so2: float,
    nox: float,
    o2: float,
    velocity: float,
    temp: float,
    humidity: float,
) -> tuple[_Factor, ...]:
    return (
        _Factor("a00000", flow, 0.03, follows_load=True, cou="flow", digits=1),
        _Factor("a34013", pm, 0.12, cou="mass", converted=True),
        _Factor("a21026", so2, 0.10, cou="mass", converted=True),
        _Factor("a21002", nox, 0.08, cou="mass", converted=True),
        _Factor("a19001", o2, 0.03),
        _Factor("a01011", velocity, 0.03, follows_load=True),
        _Factor("a01012", temp, 0.02, digits=1),
        _Factor("a01013", -0.30, 0.05, digits=3),
        _Factor("a01014", humidity, 0.04),
    )


def _water(
    flow: float, cod: float, nh3: float, tp: float, tn: float, ph: float
) -> tuple[_Factor, ...]:
    return (
        _Factor("w00000", flow, 0.05, follows_load=True, cou="flow", digits=1),
        _Factor("w01018", cod, 0.10, cou="mass", digits=1),
        _Factor("w21003", nh3, 0.15, cou="mass", digits=3),
        _Factor("w21011", tp, 0.12, cou="mass", digits=3),
        _Factor("w21001", tn, 0.08, cou="mass"),
        _Factor("w01001", ph, 0.08),
    )


#: Outlet profiles by emission standard; flue-gas units of HJ 212-2017 Table B.2 (flow
#: [m3/s], concentrations [mg/m3], O2 and humidity [%], velocity [m/s], temperature [degC],
#: pressure [kPa]), wastewater units of Table B.1 (flow [L/s], concentrations [mg/L]).
_PROFILES: Final[dict[tuple[str, str], _Profile]] = {
    # coal power plant after ultra-low-emission retrofit, wet stack
    ("air", "GB 13223-2011"): _Profile(
        "31", _flue(180.0, 4.0, 18.0, 35.0, 6.5, 14.0, 48.0, 13.0), 0.15, 19.5, o2_ref=6.0
    ),
    # cement kiln tail (SNCR)
    ("air", "GB 4915-2013"): _Profile(
        "31", _flue(110.0, 12.0, 40.0, 190.0, 9.5, 12.0, 115.0, 8.0), 0.03, 12.0, o2_ref=10.0
    ),
    # industrial coal-fired boiler of a textile mill (day shifts)
    ("air", "GB 13271-2014"): _Profile(
        "31", _flue(25.0, 15.0, 60.0, 120.0, 9.0, 8.0, 65.0, 10.0), 0.25, 14.0, o2_ref=9.0
    ),
    # refinery FCC regenerator flue gas
    ("air", "GB 31570-2015"): _Profile(
        "31", _flue(60.0, 18.0, 45.0, 80.0, 4.0, 10.0, 150.0, 9.0), 0.05, 15.0, o2_ref=3.0
    ),
    # municipal wastewater treatment plant (morning and evening peaks folded into one)
    ("water", "GB 18918-2002"): _Profile(
        "32", _water(350.0, 25.0, 1.5, 0.25, 10.0, 7.2), 0.20, 11.0, flow_to_m3=0.001
    ),
    # textile dyeing and finishing
    ("water", "GB 4287-2012"): _Profile(
        "32", _water(15.0, 55.0, 4.0, 0.40, 12.0, 7.6), 0.30, 15.0, flow_to_m3=0.001
    ),
    # refinery wastewater
    ("water", "GB 31570-2015"): _Profile(
        "32", _water(40.0, 40.0, 3.0, 0.30, 15.0, 7.4), 0.08, 13.0, flow_to_m3=0.001
    ),
}
_DEFAULT: Final = {
    "air": _PROFILES[("air", "GB 13271-2014")],
    "water": _PROFILES[("water", "GB 18918-2002")],
}


# ------------------------------------------------------------------------------- loggers


@dataclass(frozen=True)
class DemoLogger:
    """A registered demo device and how its simulated logger talks.

    Attributes
    ----------
    mn, password : str
        As registered (``devices.mn``, ``devices.access_password``).
    medium : {"air", "water"}
        Of the outlet: flue gas (ST=31) or wastewater (ST=32).
    standard : str
        Emission standard of the outlet (chooses the levels).
    version : int
        1: HJ 212-2017 (``Flag=5``), 2: HJ 212-2025 (``Flag=9``).
    """

    mn: str
    password: str
    medium: str
    standard: str
    version: int = 1

    @property
    def profile(self) -> _Profile:
        """Levels and factors of the outlet type."""
        return _PROFILES.get((self.medium, self.standard), _DEFAULT[self.medium])


def demo_loggers(session: Session) -> list[DemoLogger]:
    """The registered devices of the demo enterprises' outlets, in MN order.

    Every third device (by MN) speaks HJ 212-2025, the others HJ 212-2017; a device whose
    ``protocol`` names 2025 always does. Devices that are not demo devices are left alone.
    """
    wanted = {o.mn for e in DEMO_ENTERPRISES for o in e.outlets}
    rows = session.execute(
        select(
            Device.mn,
            Device.access_password,
            Device.protocol,
            Outlet.medium,
            Outlet.emission_standard,
        )
        .outerjoin(Outlet, Outlet.id == Device.outlet_id)
        .where(Device.mn.in_(wanted))
        .order_by(Device.mn)
    ).all()
    loggers = []
    for i, (mn, password, protocol, medium, standard) in enumerate(rows):
        version = 2 if "2025" in (protocol or "") or i % 3 == 2 else 1
        loggers.append(
            DemoLogger(
                mn=mn,
                password=password,
                medium=medium if medium in ("air", "water") else "air",
                standard=standard or "",
                version=version,
            )
        )
    return loggers


# ------------------------------------------------------------------------------- values


def _noise(mn: str, code: str, minute: int) -> float:
    """Deterministic noise of about unit variance for a factor at a CST epoch minute."""
    digest = hashlib.blake2b(f"{mn}|{code}|{minute}".encode(), digest_size=12).digest()
    total = sum(int.from_bytes(digest[i : i + 4], "little") for i in (0, 4, 8)) / 0xFFFFFFFF
    return (total - 1.5) * 2.0


def _load(profile: _Profile, moment: datetime) -> float:
    """Share of full load at a CST wall-clock moment (daily cosine around the peak hour)."""
    hour = moment.hour + moment.minute / 60
    return 1.0 - profile.load_swing * (1 - math.cos(2 * math.pi * (hour - profile.peak_hour) / 24))


def _minutes(moment: datetime) -> int:
    return int((moment - datetime(2000, 1, 1)).total_seconds() // 60)


def _value(logger: DemoLogger, factor: _Factor, moment: datetime, spread: float = 1.0) -> float:
    """Value of ``factor`` at ``moment`` (CST, naive); ``spread`` scales the noise."""
    profile = logger.profile
    load = _load(profile, moment)
    noise = _noise(logger.mn, factor.code, _minutes(moment)) * factor.spread * spread
    if factor.code == "w01001":  # pH: absolute spread
        return factor.level + noise
    if factor.code == "a01013":  # static pressure: negative, relative spread
        return factor.level * (1 + noise)
    level = factor.level * (load if factor.follows_load else 1.0)
    if factor.code == "a19001":  # O2 rises a little when the load falls
        level = factor.level + (1 - load) * 3
    return max(level * (1 + noise), 0.0)


def _converted(profile: _Profile, value: float, o2: float) -> float:
    """Concentration at the reference O2 (GB 13223 / GB 13271: C * (21 - O2ref) / (21 - O2))."""
    return value * (21 - profile.o2_ref) / max(21 - o2, 1.0)


@dataclass(frozen=True)
class _Stats:
    avg: float
    low: float
    high: float


def _period_stats(logger: DemoLogger, factor: _Factor, start: datetime, step: timedelta) -> _Stats:
    """Mean, minimum and maximum of the 10-minute values in ``[start, start + step)``."""
    count = max(1, int(step / timedelta(minutes=MINUTE_INTERVAL)))
    if count == 1:  # a 10-minute period: spread of the minute values inside it
        avg = _value(logger, factor, start)
        half = abs(avg) * factor.spread * 0.6 + (0.05 if factor.code == "w01001" else 0.0)
        return _Stats(avg, avg - half, avg + half)
    values = [
        _value(logger, factor, start + i * timedelta(minutes=MINUTE_INTERVAL)) for i in range(count)
    ]
    return _Stats(sum(values) / len(values), min(values), max(values))


def _fmt(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def _cp_rtd(logger: DemoLogger, moment: datetime) -> str:
    profile = logger.profile
    o2 = next((f for f in profile.factors if f.code == "a19001"), None)
    o2_now = _value(logger, o2, moment, 0.5) if o2 else 21.0
    groups: list[list[tuple[str, object]]] = [[("DataTime", moment.strftime("%Y%m%d%H%M%S"))]]
    for factor in profile.factors:
        value = _value(logger, factor, moment, 1.3)
        items: list[tuple[str, object]] = [(f"{factor.code}-Rtd", _fmt(value, factor.digits))]
        if factor.converted:
            zs = _converted(profile, value, o2_now)
            items.append((f"{factor.code}-ZsRtd", _fmt(zs, factor.digits)))
        items.append((f"{factor.code}-Flag", flag(logger, factor.code, moment)))
        groups.append(items)
    return join_cp(groups)


def _cp_period(logger: DemoLogger, start: datetime, step: timedelta) -> str:
    profile = logger.profile
    stats = {f.code: _period_stats(logger, f, start, step) for f in profile.factors}
    flow = next((stats[f.code].avg for f in profile.factors if f.cou == "flow"), 0.0)
    seconds = step.total_seconds()
    volume = flow * profile.flow_to_m3 * seconds  # [m3]
    o2 = stats["a19001"].avg if "a19001" in stats else 21.0
    daily = step >= timedelta(days=1)
    groups: list[list[tuple[str, object]]] = [[("DataTime", start.strftime("%Y%m%d%H%M%S"))]]
    for factor in profile.factors:
        s = stats[factor.code]
        d = factor.digits
        items: list[tuple[str, object]] = [
            (f"{factor.code}-Min", _fmt(s.low, d)),
            (f"{factor.code}-Avg", _fmt(s.avg, d)),
            (f"{factor.code}-Max", _fmt(s.high, d)),
        ]
        if factor.converted:
            items.append((f"{factor.code}-ZsAvg", _fmt(_converted(profile, s.avg, o2), d)))
        if factor.cou == "flow":
            items.append((f"{factor.code}-Cou", _fmt(volume, 1)))  # [m3]
        elif factor.cou == "mass":
            # mg/m3 * m3 = mg -> kg (flue gas); mg/L * L = mg -> kg (wastewater: m3 * 1000 L)
            litres = 1000.0 if profile.st == "32" else 1.0
            items.append((f"{factor.code}-Cou", _fmt(s.avg * volume * litres * 1e-6, 4)))
        items.append((f"{factor.code}-Flag", "N" if daily else flag(logger, factor.code, start)))
        groups.append(items)
    return join_cp(groups)


def _floor(moment: datetime, step: timedelta) -> datetime:
    base = datetime(2000, 1, 1)
    return base + ((moment - base) // step) * step


def _ceil(moment: datetime, step: timedelta) -> datetime:
    floor = _floor(moment, step)
    return floor if floor == moment else floor + step


def uploads(logger: DemoLogger, now: datetime) -> list[Packet]:
    """What ``logger`` uploads for the 24 hours before ``now``, in the order it sends them.

    Parameters
    ----------
    logger : DemoLogger
        Device and dialect.
    now : datetime
        Aware end of the window (the data clock starts 24 h before it, in CST).

    Returns
    -------
    list of Packet
        Real-time (2011), minute (2051), hourly (2061), daily (2031) and device information
        (3020, from 00:00 CST of the first day) uploads, each asking for an answer (``Flag``
        bit 0), sorted by the time the period ends; QNs are unique.
    """
    local = now.astimezone(CST_ZONE).replace(tzinfo=None, microsecond=0)
    minute, ten, hour, day = (
        timedelta(minutes=1),
        timedelta(minutes=MINUTE_INTERVAL),
        timedelta(hours=1),
        timedelta(days=1),
    )
    items: list[tuple[datetime, str, str]] = []  # (sent at, CN, CP)
    first_rtd = _floor(local, minute) - (RTD_MINUTES - 1) * minute
    for i in range(RTD_MINUTES):
        moment = first_rtd + i * minute
        items.append((moment, "2011", _cp_rtd(logger, moment)))
    for cn, step in (("2051", ten), ("2061", hour)):
        start = _ceil(local - WINDOW, step)
        while start + step <= local:
            items.append((start + step, cn, _cp_period(logger, start, step)))
            start += step
    today = _floor(local, day)
    for k in range(DAILY_DAYS, 0, -1):
        start = today - k * day
        items.append((start + day, "2031", _cp_period(logger, start, day)))
    since = _floor(local - WINDOW, day)  # the states of the window's first hours, too
    items.extend((t, INFO_CN, cp) for t, cp in info_uploads(logger, since - minute, local))
    items.sort(key=lambda item: item[0])
    qn_base = int(now.timestamp() * 1000)
    return [_packet(logger, cn, cp, qn_base + i) for i, (_, cn, cp) in enumerate(items)]


def _packet(logger: DemoLogger, cn: str, cp: str, qn_ms: int) -> Packet:
    """An upload asking for an answer; QN from an epoch millisecond (17 digits, CST)."""
    qn_time = datetime.fromtimestamp(qn_ms // 1000, CST_ZONE)
    return Packet(
        st=logger.profile.st,
        cn=cn,
        pw=logger.password,
        mn=logger.mn,
        qn=qn_time.strftime("%Y%m%d%H%M%S") + f"{qn_ms % 1000:03d}",
        flag=(logger.version << 2) | 1,
        cp=cp,
    )


def due(logger: DemoLogger, previous: datetime, now: datetime) -> list[Packet]:
    """What a live logger sends at ``now`` when it last sent at ``previous`` (both aware).

    The real-time sample of the current minute, and the minute, hourly and daily data of every
    period that ended in ``(previous, now]``.
    """
    local = now.astimezone(CST_ZONE).replace(tzinfo=None, microsecond=0)
    last = previous.astimezone(CST_ZONE).replace(tzinfo=None, microsecond=0)
    items = [("2011", _cp_rtd(logger, _floor(local, timedelta(minutes=1))))]
    for cn, step in (
        ("2051", timedelta(minutes=MINUTE_INTERVAL)),
        ("2061", timedelta(hours=1)),
        ("2031", timedelta(days=1)),
    ):
        end = _floor(local, step)
        while end > last:
            items.append((cn, _cp_period(logger, end - step, step)))
            end -= step
    items.extend((INFO_CN, cp) for _, cp in info_uploads(logger, last, local))
    qn_base = int(now.timestamp() * 1000)
    return [_packet(logger, cn, cp, qn_base + i) for i, (cn, cp) in enumerate(items)]


def bad_frames(packet: Packet, kinds: Sequence[str]) -> list[bytes]:
    """Bad copies of ``packet``: ``"crc"`` (a damaged CRC) and ``"wrong_password"``.

    The gateway refuses them with reasons ``crc_mismatch`` and ``wrong_password``.
    """
    frames = []
    for kind in kinds:
        if kind == "crc":
            good = encode(packet)
            crc = int(good[-6:-2], 16) ^ 0x5A5A
            frames.append(good[:-6] + f"{crc:04X}".encode() + b"\r\n")
        elif kind == "wrong_password":
            wrong = packet.pw[::-1] if packet.pw[::-1] != packet.pw else packet.pw + "0"
            qn = None if packet.qn is None else packet.qn[:-3] + "999"
            frames.append(encode(dataclasses.replace(packet, pw=wrong, qn=qn)))
        else:
            raise ValueError(f"unknown bad-frame kind {kind!r}; choose crc or wrong_password")
    return frames


# ------------------------------------------------------------------------------- running

_DATA_TYPE: Final = {"2011": "rtd", "2051": "min", "2061": "hour", "2031": "day", INFO_CN: "info"}


def _key(packet: Packet) -> tuple[str, str, datetime]:
    """``(MN, data type, data time in UTC)`` of one of :func:`uploads`' packets."""
    moment = datetime.strptime(packet.cp[9:23], "%Y%m%d%H%M%S").replace(tzinfo=CST_ZONE)
    return packet.mn, _DATA_TYPE[packet.cn], moment.astimezone(UTC)


@dataclass
class TrafficReport:
    """What :func:`run_demo_traffic` sent and stored."""

    devices: int = 0
    versions: Counter[str] = field(default_factory=Counter)
    packets_sent: int = 0
    acknowledged: int = 0
    bad_sent: int = 0
    answers_9011: int = 0
    readings_stored: int = 0
    info_stored: int = 0
    refusals_stored: int = 0
    refusal_reasons: Counter[str] = field(default_factory=Counter)
    devices_seen: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the demo command."""
        versions = ", ".join(f"{v}: {n}" for v, n in sorted(self.versions.items()))
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(self.refusal_reasons.items()))
        return (
            f"devices: {self.devices} loggers ({versions}) via the HJ 212 gateway, "
            f"{self.acknowledged:,} of {self.packets_sent:,} packets acknowledged, "
            f"{self.readings_stored:,} new readings in {READINGS_TABLE}, "
            f"{self.info_stored} new information uploads (CN 3020), "
            f"{self.refusals_stored} new refusals"
            + (f" ({reasons})" if reasons else "")
            + f" in {self.seconds:.1f} s"
        )


@dataclass
class _Outcome:
    acked: int = 0
    refused: int = 0


async def _talk(host: str, port: int, frames: Sequence[bytes], answers: int) -> _Outcome:
    """Send ``frames`` on one connection; wait (at most 20 s) for ``answers`` answers."""
    outcome = _Outcome()
    reader, writer = await asyncio.open_connection(host, port)

    async def read() -> None:
        while outcome.acked + outcome.refused < answers:
            line = await reader.readuntil(b"\r\n")
            if b"CN=9014" in line:
                outcome.acked += 1
            elif b"CN=9011" in line:
                outcome.refused += 1

    reading = asyncio.create_task(read())
    try:
        for i in range(0, len(frames), 40):
            writer.write(b"".join(frames[i : i + 40]))
            await writer.drain()
        await asyncio.wait_for(reading, 20)
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        reading.cancel()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return outcome


async def _run_gateway(
    config: GatewayConfig,
    directory: RegistryDeviceDirectory,
    plan: Sequence[tuple[list[bytes], int]],
) -> tuple[list[_Outcome], int]:
    gateway = Gateway(config, directory)
    await gateway.start()
    try:
        outcomes = await asyncio.gather(
            *(_talk(config.host, gateway.port, frames, answers) for frames, answers in plan)
        )
    finally:
        await gateway.stop()  # commits what is pending, writes last_seen back
    return list(outcomes), sum(1 for d in gateway.devices.values() if d.last_seen)


def _stored(
    store: TimeseriesStore, mns: set[str], since: datetime
) -> tuple[set[tuple[str, str, datetime, str]], Counter[str]]:
    """Keys (MN, data type, data time, parameter) of the demo devices' readings from ``since``
    on, and their refusals by reason."""
    readings = {
        (r["mn"], r["data_type"], r["data_time_utc"], r["parameter"])
        for r in list_rows(store, READINGS_TABLE, start=since)
        if r["mn"] in mns
    }
    refusals = Counter(
        str(r["reason"]) for r in list_rows(store, REFUSALS_TABLE, start=since) if r["mn"] in mns
    )
    return readings, refusals


def run_demo_traffic(
    loggers: Sequence[DemoLogger],
    registry_url: str,
    store_root: Path,
    gateway_home: Path,
    *,
    now: datetime | None = None,
) -> TrafficReport:
    """Send the demo devices' last 24 hours through a real gateway and store what it accepted.

    Parameters
    ----------
    loggers : sequence of DemoLogger
        The devices to run (:func:`demo_loggers`, read in a session that is closed now: the
        gateway writes ``last_seen`` to the registry when it stops).
    registry_url : str
        The same registry: the gateway's device directory and where liveness is written back.
    store_root : Path
        Root of the time-series store (``source_readings``, ``gateway_refusals``).
    gateway_home : Path
        Folder of the demo gateway's write-ahead log and state.
    now : datetime, optional
        Aware end of the data window (default: now).

    Returns
    -------
    TrafficReport
        Packets sent and acknowledged, new readings and refusals stored.

    Notes
    -----
    Like a logger that knows what the platform already has, each device sends only the
    periods whose readings are not stored yet, and bad frames only when none of its frames was
    refused in the last 24 hours: a second run adds nothing twice.
    """
    started = time.perf_counter()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    report = TrafficReport(devices=len(loggers))
    report.versions.update(f"HJ 212-{2017 if lg.version == 1 else 2025}" for lg in loggers)
    if not loggers:
        return report
    store = TimeseriesStore(store_root)
    directory = RegistryDeviceDirectory(registry_url)
    wal = gateway_home / "wal"
    if wal.is_dir():  # records a run stopped before moving them: store them first
        run_mover(wal, store, directory.lookup, once=True)
    mns = {lg.mn for lg in loggers}
    since = now - timedelta(days=DAILY_DAYS + 1)
    have, refused_before = _stored(store, mns, since)
    have_info = {(mn, "info", moment) for mn, moment in stored_info_times(store, mns, since)}
    have_packets = {key[:3] for key in have} | have_info
    recent = list_rows(store, REFUSALS_TABLE, start=now - WINDOW)
    refused_recently = {r["mn"] for r in recent}
    plan: list[tuple[list[bytes], int]] = []
    for index, logger in enumerate(loggers):
        packets = uploads(logger, now)
        frames = [encode(p) for p in packets if _key(p) not in have_packets]
        answers = len(frames)
        report.packets_sent += len(frames)
        if logger.mn not in refused_recently:
            kinds = ["crc"] + (["wrong_password"] if index % 2 == 0 else [])
            bad = bad_frames(packets[len(packets) // 2], kinds)
            frames[3:3] = bad  # early in the stream, between good uploads
            report.bad_sent += len(bad)
            answers += kinds.count("wrong_password")  # 9011 QnRtn=3; a bad CRC gets no answer
        if frames:
            plan.append((frames, answers))
    if plan:
        gateway_home.mkdir(parents=True, exist_ok=True)
        config = GatewayConfig(
            home=gateway_home,
            store_root=store_root,
            host="127.0.0.1",
            port=0,
            registry_url=registry_url,
            mover=False,
            registry_interval=3600.0,
            wal_segment_bytes=8 * 1024 * 1024,
        )
        # a thread of its own: the caller's thread may run an event loop already (an
        # application, or Playwright's sync API in a test session)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-gateway") as pool:
            outcomes, report.devices_seen = pool.submit(
                asyncio.run, _run_gateway(config, directory, plan)
            ).result()
        report.acknowledged = sum(o.acked for o in outcomes)
        report.answers_9011 = sum(o.refused for o in outcomes)
        run_mover(wal, store, directory.lookup, once=True)
        stored, refused_after = _stored(store, mns, since)
        report.readings_stored = len(stored - have)
        report.info_stored = len(stored_info_times(store, mns, since)) - len(have_info)
        report.refusal_reasons = refused_after - refused_before
        report.refusals_stored = sum(report.refusal_reasons.values())
    report.seconds = time.perf_counter() - started
    return report


# ------------------------------------------------------------------------------- live


async def _drain(reader: asyncio.StreamReader) -> None:
    """Read (and drop) the gateway's answers, so that it never stops reading from us."""
    while await reader.read(65536):
        pass


async def _live_logger(
    host: str, port: int, logger: DemoLogger, interval: float, until: float, offset: float
) -> int:
    """Send :func:`due` every ``interval`` seconds until ``until`` (loop time); reconnect when
    the gateway goes away. Returns the packets sent."""
    loop = asyncio.get_running_loop()
    sent = 0
    previous = datetime.now(UTC)
    await asyncio.sleep(offset)
    while loop.time() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(min(2.0, max(0.0, until - loop.time())))
            continue
        draining = asyncio.create_task(_drain(reader))
        try:
            while loop.time() < until and not draining.done():
                now = datetime.now(UTC)
                packets = due(logger, previous, now)
                writer.write(b"".join(encode(p) for p in packets))
                await writer.drain()
                sent += len(packets)
                previous = now
                await asyncio.sleep(min(interval, max(0.0, until - loop.time())))
        except ConnectionError:
            pass
        finally:
            draining.cancel()
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
    return sent


async def run_live(
    host: str,
    port: int,
    loggers: Sequence[DemoLogger],
    *,
    interval: float = 60.0,
    duration: float = float("inf"),
) -> int:
    """Keep every logger connected to the gateway at ``host:port``, sending a real-time sample
    every ``interval`` seconds and minute, hourly and daily data as their periods end.

    Returns
    -------
    int
        Packets sent (when ``duration`` seconds have passed).
    """
    loop = asyncio.get_running_loop()
    until = loop.time() + duration
    spread = min(interval, 5.0) / max(1, len(loggers))
    counts = await asyncio.gather(
        *(_live_logger(host, port, lg, interval, until, i * spread) for i, lg in enumerate(loggers))
    )
    return sum(counts)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m ecoguard.demo.devices``: the demo loggers, live, against a running gateway.

    Used by ``scripts/run-demo`` beside ``ecoguard gateway serve`` so that the demo devices stay
    online; runs until killed (or ``--duration`` seconds).
    """
    import argparse

    from ecoguard.config import get_settings
    from ecoguard.registry.db import make_engine, session_scope

    parser = argparse.ArgumentParser(description="Demo HJ 212 loggers, live.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8212)
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--duration", type=float, default=float("inf"))
    args = parser.parse_args(argv)
    engine = make_engine(get_settings().registry_url)
    try:
        with session_scope(engine, actor="demo") as session:
            loggers = demo_loggers(session)
    finally:
        engine.dispose()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_live(args.host, args.port, loggers, interval=args.interval, duration=args.duration)
        )


if __name__ == "__main__":
    main()
