"""Rows for the time-series store from logged packets (pure: records in, Arrow tables out).

Tables (all keyed, so replays and re-uploads insert nothing twice):

``source_readings``
    One row per device, parameter, data type and period: keys ``mn, parameter, data_type,
    data_time_utc, day``. ``data_time_utc`` is the **start** of the interval (HJ 212-2017
    Table 4: DataTime starts the period for 2051/2061/2031; it is the sampling instant for 2011,
    whose interval is empty). ``interval_end_utc`` is the end: +minute interval (device's
    ``MinInterval``, default 10 min) for ``min``, +1 h for ``hour``, +1 day for ``day``.
    DataTime is China Standard Time (UTC+8). ``day`` (``YYYY-MM-DD`` in CST) partitions the table:
    a keyed upsert (Delta MERGE) reads the partitions it touches, and at gateway rates a month
    is too much to read every round.
    The first row stored for a key wins: a re-upload (补传, RF=1) of a stored period is a
    duplicate.
``gateway_packets``
    Every accepted packet as received (raw text), keyed by its WAL record id: what a device sent.
``gateway_refusals``
    The quarantine: refused bytes with the reason code, field, rule and offset, keyed by WAL
    record id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import pyarrow as pa

from ecoguard.ingest.hj212.codec import CST, Packet, decode_many
from ecoguard.ingest.hj212.directory import Device
from ecoguard.ingest.hj212.wal import RecordId, WalRecord

__all__ = [
    "PACKETS_TABLE",
    "READINGS_KEYS",
    "READINGS_SCHEMA",
    "READINGS_TABLE",
    "REFUSALS_TABLE",
    "record_id_text",
    "tables_for",
]

READINGS_TABLE: Final = "source_readings"
READINGS_KEYS: Final = ("mn", "parameter", "data_type", "data_time_utc", "day")
PACKETS_TABLE: Final = "gateway_packets"
REFUSALS_TABLE: Final = "gateway_refusals"
RECORD_KEYS: Final = ("record_id", "day")

_TS = pa.timestamp("us", tz="UTC")
_VALUE_FIELDS = ("rtd", "avg", "min", "max", "cou", "zs_rtd", "zs_avg", "zs_min", "zs_max")

READINGS_SCHEMA: Final = pa.schema(
    [
        ("mn", pa.string()),
        ("parameter", pa.string()),
        ("source_code", pa.string()),
        ("data_type", pa.string()),
        ("data_time_utc", _TS),
        ("interval_end_utc", _TS),
        *((name, pa.float64()) for name in _VALUE_FIELDS),
        ("flag", pa.string()),
        ("eflag", pa.string()),
        ("received_at_utc", _TS),
        ("cn", pa.string()),
        ("st", pa.string()),
        ("version", pa.string()),
        ("reupload", pa.bool_()),
        ("site", pa.string()),
        ("day", pa.string()),
    ]
)
"""Columns of ``source_readings``; values as sent (units: HJ 212-2017 Appendix B defaults)."""

PACKETS_SCHEMA: Final = pa.schema(
    [
        ("record_id", pa.string()),
        ("mn", pa.string()),
        ("st", pa.string()),
        ("cn", pa.string()),
        ("version", pa.string()),
        ("qn", pa.string()),
        ("data_time_utc", _TS),
        ("values", pa.int32()),
        ("received_at_utc", _TS),
        ("peer", pa.string()),
        ("raw", pa.string()),
        ("day", pa.string()),
    ]
)

REFUSALS_SCHEMA: Final = pa.schema(
    [
        ("record_id", pa.string()),
        ("received_at_utc", _TS),
        ("peer", pa.string()),
        ("mn", pa.string()),
        ("st", pa.string()),
        ("cn", pa.string()),
        ("version", pa.string()),
        ("reason", pa.string()),
        ("field", pa.string()),
        ("rule", pa.string()),
        ("offset", pa.int32()),
        ("raw", pa.string()),
        ("day", pa.string()),
    ]
)

_PERIOD = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


def record_id_text(record_id: RecordId) -> str:
    """``"<segment>:<offset>"``, zero-padded so that text order is log order."""
    return f"{record_id[0]:08d}:{record_id[1]:010d}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _day(moment_utc: datetime) -> str:
    """The CST calendar day of a UTC instant (natural days in China Standard Time)."""
    return (moment_utc + CST).strftime("%Y-%m-%d")


def _raw_text(raw: bytes) -> str:
    """Received bytes as text; control characters (NUL, CR, LF) escaped as ``\\xNN``."""
    text = raw.decode("utf-8", errors="backslashreplace")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def tables_for(
    records: Sequence[tuple[RecordId, WalRecord]],
    lookup: Callable[[str], Device | None],
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Build the rows of the three tables for a run of WAL records.

    Parameters
    ----------
    records : sequence of (RecordId, WalRecord)
        Records in log order.
    lookup : callable
        MN -> device (site, minute interval, SM4 key for encrypted packets).

    Returns
    -------
    readings, packets, refusals : pyarrow.Table
    """

    def keys(mn: str) -> bytes | None:
        device = lookup(mn)
        return None if device is None else device.sm4_key

    accepted = [(rid, rec) for rid, rec in records if rec.kind == "P"]
    refused = [(rid, rec) for rid, rec in records if rec.kind == "R"]
    decoded = decode_many([rec.raw for _, rec in accepted], keys=keys)
    readings: dict[str, list[object]] = {name: [] for name in READINGS_SCHEMA.names}
    packets: dict[str, list[object]] = {name: [] for name in PACKETS_SCHEMA.names}
    for (rid, rec), packet in zip(accepted, decoded, strict=True):
        received = datetime.fromtimestamp(rec.received_at, UTC)
        if not isinstance(packet, Packet):  # cannot happen: it was accepted on arrival
            continue
        data_time = None if packet.data_time is None else _utc(packet.data_time)
        packets["record_id"].append(record_id_text(rid))
        packets["mn"].append(packet.mn)
        packets["st"].append(packet.st)
        packets["cn"].append(packet.cn)
        packets["version"].append(packet.version.label)
        packets["qn"].append(packet.qn)
        packets["data_time_utc"].append(data_time)
        packets["values"].append(packet.value_count())
        packets["received_at_utc"].append(received)
        packets["peer"].append(rec.peer)
        packets["raw"].append(_raw_text(rec.raw))
        packets["day"].append(_day(received))
        data_type = packet.data_type
        if data_type is None or data_time is None:
            continue
        device = lookup(packet.mn)
        period = _PERIOD.get(data_type)
        if data_type == "min":
            period = timedelta(minutes=device.minute_interval if device else 10)
        end = data_time + period if period is not None else data_time
        day = _day(data_time)
        for reading in packet.readings():
            readings["mn"].append(packet.mn)
            readings["parameter"].append(reading.parameter)
            readings["source_code"].append(reading.code)
            readings["data_type"].append(data_type)
            readings["data_time_utc"].append(data_time)
            readings["interval_end_utc"].append(end)
            for name in _VALUE_FIELDS:
                readings[name].append(getattr(reading, name))
            readings["flag"].append(reading.flag)
            readings["eflag"].append(reading.eflag)
            readings["received_at_utc"].append(received)
            readings["cn"].append(packet.cn)
            readings["st"].append(packet.st)
            readings["version"].append(packet.version.label)
            readings["reupload"].append(packet.rf)
            readings["site"].append(device.site if device else None)
            readings["day"].append(day)
    refusals: dict[str, list[object]] = {name: [] for name in REFUSALS_SCHEMA.names}
    for rid, rec in refused:
        meta = rec.meta or {}
        received = datetime.fromtimestamp(rec.received_at, UTC)
        refusals["record_id"].append(record_id_text(rid))
        refusals["received_at_utc"].append(received)
        refusals["peer"].append(rec.peer)
        for name in ("mn", "st", "cn", "version", "reason", "field", "rule"):
            value = meta.get(name)
            refusals[name].append(None if value is None else str(value))
        refusals["offset"].append(int(meta.get("offset") or 0))
        refusals["raw"].append(_raw_text(rec.raw))
        refusals["day"].append(_day(received))
    return (
        pa.table(readings, schema=READINGS_SCHEMA),
        pa.table(packets, schema=PACKETS_SCHEMA),
        pa.table(refusals, schema=REFUSALS_SCHEMA),
    )
