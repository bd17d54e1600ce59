"""Rows for the time-series store from logged packets (pure: records in, Arrow tables out).

Tables (all keyed, so replays and re-uploads insert nothing twice):

``source_readings``
    One row per device, parameter, data type and period: keys ``mn, parameter, data_type,
    data_time_utc, day``; ``record_id`` is the WAL position of the packet it came from.
    ``data_time_utc`` is the **start** of the interval (HJ 212-2017
    Table 4: DataTime starts the period for 2051/2061/2031; it is the sampling instant for 2011,
    whose interval is empty). ``interval_end_utc`` is the end: +minute interval (device's
    ``MinInterval``, default 10 min) for ``min``, +1 h for ``hour``, +1 day for ``day``.
    DataTime is China Standard Time (UTC+8). ``day`` (``YYYY-MM-DD`` in CST) partitions the table:
    a keyed upsert (Delta MERGE) reads the partitions it touches, and at gateway rates a month
    is too much to read every round.
    The mover appends (:meth:`~ecoguard.timeseries.store.TimeseriesStore.append`); rows of one
    key are merged when read: each value keeps the first one received (by ``record_id``). So a
    re-upload (补传, RF=1) of a stored period changes nothing, and a factor whose items a split
    packet (PNUM/PNO) spread over two parts (``-Avg`` in one, ``-Max`` in the next; reference
    ``hj212.md`` §2.6: reassemble by MN, CN and DataTime) comes out whole.
``gateway_packets``
    Every accepted packet as received (raw text), keyed by its WAL record id: what a device sent.
``gateway_device_info``
    Field-device information uploaded with CN 3020 (HJ 212-2017 Tables C.39-C.45, codes of
    Appendix B.8-B.10): instrument logs (``i11001-Info=//...//``), states (``i12001``: 0 running,
    1 maintenance, 2 fault, ...), parameters (``i13xxx``); one row per item, with the ``PolId``
    (analyser) it is about. This is what explains a gap or a flagged period of a monitor.
``gateway_refusals``
    The quarantine: refused bytes with the reason code, field, rule and offset, keyed by WAL
    record id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecoguard.ingest.hj212.codec import decode_many
from ecoguard.ingest.hj212.directory import Device
from ecoguard.ingest.hj212.factors import canonical_factor
from ecoguard.ingest.hj212.packet import _NUMERIC_SUFFIX, _TEXT_SUFFIX, CST, Packet, split_cp
from ecoguard.ingest.hj212.wal import RecordId, WalRecord

__all__ = [
    "INFO_TABLE",
    "PACKETS_TABLE",
    "READINGS_KEYS",
    "READINGS_SCHEMA",
    "READINGS_TABLE",
    "REFUSALS_TABLE",
    "Tables",
    "record_id_text",
    "tables_for",
]

READINGS_TABLE: Final = "source_readings"
READINGS_KEYS: Final = ("mn", "parameter", "data_type", "data_time_utc", "day")
PACKETS_TABLE: Final = "gateway_packets"
REFUSALS_TABLE: Final = "gateway_refusals"

_TS = pa.timestamp("us", tz="UTC")
_VALUE_FIELDS = ("rtd", "avg", "min", "max", "cou", "zs_rtd", "zs_avg", "zs_min", "zs_max")

READINGS_SCHEMA: Final = pa.schema(
    [
        ("record_id", pa.string()),
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

INFO_TABLE: Final = "gateway_device_info"
INFO_SCHEMA: Final = pa.schema(
    [
        ("record_id", pa.string()),
        ("mn", pa.string()),
        ("st", pa.string()),
        ("data_time_utc", _TS),
        ("pol_id", pa.string()),
        ("info_id", pa.string()),
        ("value", pa.string()),
        ("number", pa.float64()),
        ("received_at_utc", _TS),
        ("day", pa.string()),
    ]
)
"""Columns of ``gateway_device_info``; ``value`` as sent (log text without its ``//``),
``number`` when the value is a decimal number (states, parameters)."""

INFO_CN: Final = "3020"
"""Upload of field-device information (HJ 212-2017 Table 9)."""

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
    return (moment_utc + CST).date().isoformat()  # strftime costs ten times as much


def _raw_text(raw: bytes) -> str:
    """Received bytes as text; control characters (NUL, CR, LF) escaped as ``\\xNN``."""
    text = raw.decode("utf-8", errors="backslashreplace")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


class Tables(NamedTuple):
    """Rows for each table from one run of WAL records."""

    readings: pa.Table
    packets: pa.Table
    refusals: pa.Table
    device_info: pa.Table


TABLE_NAMES: Final = Tables(READINGS_TABLE, PACKETS_TABLE, REFUSALS_TABLE, INFO_TABLE)
"""The table each field of :class:`Tables` goes to."""


def tables_for(
    records: Sequence[tuple[RecordId, WalRecord]],
    lookup: Callable[[str], Device | None],
) -> Tables:
    """Build the rows of the four tables for a run of WAL records.

    Parameters
    ----------
    records : sequence of (RecordId, WalRecord)
        Records in log order.
    lookup : callable
        MN -> device (site, minute interval, SM4 key for encrypted packets).

    Returns
    -------
    Tables
        ``readings``, ``packets``, ``refusals``, ``device_info``.

    Notes
    -----
    Columnar: Python touches each packet once; Arrow splits the CPs of all packets into items
    and one sort (numpy) picks, per factor and value slot, the item that fills it first, with
    :meth:`Packet.readings`'s rules (suffix -> value slot, legacy code -> 2017 code, the first
    item of a slot wins). ``tests/hj212/test_hj212_records.py`` holds the two to each other.
    """

    def keys(mn: str) -> bytes | None:
        device = lookup(mn)
        return None if device is None else device.sm4_key

    accepted = [(rid, rec) for rid, rec in records if rec.kind == "P"]
    refused = [(rid, rec) for rid, rec in records if rec.kind == "R"]
    decoded = decode_many([rec.raw for _, rec in accepted], keys=keys)
    # One tuple per row, transposed at the end: a dozen list appends per packet cost more.
    packet_rows: list[tuple[object, ...]] = []
    upload_rows: list[tuple[object, ...]] = []
    cps: list[str] = []
    info: dict[str, list[object]] = {name: [] for name in INFO_SCHEMA.names}
    labels: dict[int | None, str] = {}
    for (rid, rec), packet in zip(accepted, decoded, strict=True):
        if not isinstance(packet, Packet):  # cannot happen: it was accepted on arrival
            continue
        received = datetime.fromtimestamp(rec.received_at, UTC)
        record_id = record_id_text(rid)
        version = labels.get(packet.flag)
        if version is None:
            version = labels[packet.flag] = packet.version.label
        data_time = None if packet.data_time is None else _utc(packet.data_time)
        mn, cn, st = packet.mn, packet.cn, packet.st
        packet_rows.append(
            (record_id, mn, st, cn, version, packet.qn, data_time, packet.value_count(),
             received, rec.peer, _raw_text(rec.raw), _day(received))
        )  # fmt: skip
        if cn == INFO_CN:
            _add_info(info, packet, record_id, received)
        data_type = packet.data_type
        if data_type is None or data_time is None:
            continue
        device = lookup(mn)
        period = _PERIOD.get(data_type)
        if data_type == "min":
            period = timedelta(minutes=device.minute_interval if device else 10)
        cps.append(packet.cp)
        upload_rows.append(
            (record_id, mn, data_type, data_time, data_time + period if period else data_time,
             received, cn, st, version, packet.rf, device.site if device else None,
             _day(data_time))
        )  # fmt: skip
    packets = _columns(PACKETS_SCHEMA.names, packet_rows)
    uploads = _columns(_UPLOAD_COLUMNS, upload_rows)
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
    return Tables(
        _readings_table(uploads, cps),
        pa.table(packets, schema=PACKETS_SCHEMA),
        pa.table(refusals, schema=REFUSALS_SCHEMA),
        pa.table(info, schema=INFO_SCHEMA),
    )


def _columns(names: Sequence[str], rows: list[tuple[object, ...]]) -> dict[str, list[object]]:
    """Rows (tuples in ``names`` order) as columns."""
    if not rows:
        return {name: [] for name in names}
    return {name: list(column) for name, column in zip(names, zip(*rows, strict=True), strict=True)}


def _add_info(
    info: dict[str, list[object]], packet: Packet, record_id: str, received: datetime
) -> None:
    """Rows of a 3020 upload. ``DataTime`` and ``PolId`` hold for the items after them
    (Table C.40 sends ``DataTime=…;PolId=w01018;i11001-Info=//…//``, three groups)."""
    data_time: datetime | None = None
    pol_id: str | None = None
    for group in packet.groups():
        names = dict(group)
        when = names.get("DataTime")
        if when is not None:
            data_time = _cst_time(when)
        pol_id = names.get("PolId", pol_id)
        for name, value in group:
            code, dash, suffix = name.rpartition("-")
            if not dash or suffix != "Info":
                continue
            text = value[2:-2].strip() if value.startswith("//") and value.endswith("//") else value
            info["record_id"].append(record_id)
            info["mn"].append(packet.mn)
            info["st"].append(packet.st)
            info["data_time_utc"].append(data_time)
            info["pol_id"].append(pol_id)
            info["info_id"].append(code)
            info["value"].append(text)
            info["number"].append(_number(text))
            info["received_at_utc"].append(received)
            info["day"].append(_day(data_time or received))


def _cst_time(value: str) -> datetime | None:
    """``YYYYMMDDhhmmss[zzz]`` China Standard Time -> aware UTC; ``None`` if not a time."""
    try:
        local = datetime.strptime(value[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return _utc(local - CST)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


_UPLOAD_COLUMNS = (
    "record_id",
    "mn",
    "data_type",
    "data_time_utc",
    "interval_end_utc",
    "received_at_utc",
    "cn",
    "st",
    "version",
    "reupload",
    "site",
    "day",
)
"""Columns of ``source_readings`` that belong to the packet, not to the factor."""

_SLOT_OF_SUFFIX = {**_NUMERIC_SUFFIX, **_TEXT_SUFFIX}
_SLOT_IDS = {slot: i for i, slot in enumerate((*_VALUE_FIELDS, "flag", "eflag"))}


def _plain(cp: str) -> bool:
    """Printable ASCII without log text: Arrow's splitting and trimming equal Python's."""
    return cp.isascii() and cp.isprintable() and "//" not in cp


def _factor_items_python(cps: Sequence[str], uploads: Sequence[int]) -> pa.Table:
    """``(u, code, suffix, value)`` for the CPs the columnar path does not take (log text,
    control characters, non-ASCII), split exactly as :func:`~.codec.split_cp` splits."""
    rows: dict[str, list[object]] = {"u": [], "code": [], "suffix": [], "value": []}
    for u, cp in zip(uploads, cps, strict=True):
        for group in split_cp(cp):
            for name, value in group:
                code, dash, suffix = name.rpartition("-")
                if dash:
                    rows["u"].append(u)
                    rows["code"].append(code)
                    rows["suffix"].append(suffix)
                    rows["value"].append(value)
    return pa.table(rows, schema=_ITEMS_SCHEMA)


_ITEMS_SCHEMA = pa.schema(
    [("u", pa.int64()), ("code", pa.string()), ("suffix", pa.string()), ("value", pa.string())]
)


def _factor_items(cps: pa.Array, uploads: pa.Array) -> pa.Table:
    """``(u, code, suffix, value)`` of every ``code-Suffix=value`` CP item, in order.

    CPs were grammar-checked by the codec (2017 §6.3.3): ``;`` between groups, ``,`` between
    items, one ``=`` per item. Names and values are trimmed; the code is what precedes the last
    ``-`` of the name, as in :meth:`~.codec.Packet.readings`.
    """
    groups = pc.split_pattern(cps, ";")
    items = pc.split_pattern(pc.list_flatten(groups), ",")
    parent = pc.take(
        pc.take(uploads, pc.list_parent_indices(groups)), pc.list_parent_indices(items)
    )
    halves = pc.split_pattern(pc.list_flatten(items), "=", max_splits=1)
    named = pc.equal(pc.list_value_length(halves), 2)  # empty items (a trailing ';') have none
    halves, parent = halves.filter(named), parent.filter(named)
    names = pc.ascii_trim_whitespace(pc.list_element(halves, 0))
    values = pc.ascii_trim_whitespace(pc.list_element(halves, 1))
    parts = pc.split_pattern(names, "-", max_splits=1, reverse=True)
    dashed = pc.equal(pc.list_value_length(parts), 2)  # DataTime and other plain items: none
    parts = parts.filter(dashed)
    return pa.table(
        {
            "u": parent.filter(dashed),
            "code": pc.list_element(parts, 0),
            "suffix": pc.list_element(parts, 1),
            "value": values.filter(dashed),
        },
        schema=_ITEMS_SCHEMA,
    )


def _readings_table(uploads: dict[str, list[object]], cps: list[str]) -> pa.Table:
    if not cps:
        return READINGS_SCHEMA.empty_table()
    plain = [_plain(cp) for cp in cps]
    index = pa.array(range(len(cps)), pa.int64())
    if all(plain):
        items = _factor_items(pa.array(cps, pa.string()), index)
    else:
        mask = pa.array(plain, pa.bool_())
        odd = [i for i, ok in enumerate(plain) if not ok]
        items = pa.concat_tables(
            [
                _factor_items(pa.array(cps, pa.string()).filter(mask), index.filter(mask)),
                _factor_items_python([cps[i] for i in odd], odd),
            ]
        )
    suffixes = items["suffix"].combine_chunks().dictionary_encode()
    slot_ids = np.array(
        [_SLOT_IDS.get(_SLOT_OF_SUFFIX.get(s, ""), -1) for s in suffixes.dictionary.to_pylist()],
        np.int64,
    )  # -1: a suffix with no slot (SampleTime, Info, SN...)
    slots = slot_ids[suffixes.indices.to_numpy(zero_copy_only=False)]
    codes = items["code"].combine_chunks().dictionary_encode()
    u = items["u"].to_numpy()
    code_ids = codes.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    # A reading is one (upload, code); number them in order of first appearance.
    _, first_item, group_of_item = np.unique(
        u * len(codes.dictionary) + code_ids, return_index=True, return_inverse=True
    )
    order = np.argsort(first_item, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    group_of_item = rank[group_of_item]
    first_item = first_item[order]
    # The first item that fills a slot of a reading wins, as in Packet.readings().
    filled = slots >= 0
    slot_keys = group_of_item[filled] * len(_SLOT_IDS) + slots[filled]
    winners_keys, winners_at = np.unique(slot_keys, return_index=True)
    winners = np.flatnonzero(filled)[winners_at]
    winner_group = winners_keys // len(_SLOT_IDS)
    winner_slot = winners_keys % len(_SLOT_IDS)
    values = items["value"].combine_chunks()
    columns: dict[str, pa.Array] = {}
    for slot, slot_id in _SLOT_IDS.items():
        mine = winner_slot == slot_id
        at = np.full(len(first_item), -1, np.int64)
        at[winner_group[mine]] = winners[mine]
        taken = values.take(pa.array(at, mask=at < 0))
        # grammar-checked numbers (codec); Arrow's cast reads the same forms as float()
        columns[slot] = taken if slot in ("flag", "eflag") else pc.cast(taken, pa.float64())
    upload = pa.table(
        {
            name: pa.array(uploads[name], READINGS_SCHEMA.field(name).type)
            for name in _UPLOAD_COLUMNS
        }
    ).take(pa.array(u[first_item]))
    code_of_reading = codes.dictionary.take(pa.array(code_ids[first_item]))
    columns["source_code"] = code_of_reading
    columns["parameter"] = pa.array(
        [canonical_factor(c) for c in codes.dictionary.to_pylist()], pa.string()
    ).take(pa.array(code_ids[first_item]))
    return pa.table(
        [columns[name] if name in columns else upload[name] for name in READINGS_SCHEMA.names],
        schema=READINGS_SCHEMA,
    )
