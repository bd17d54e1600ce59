"""Rows for the store: interval start/end in UTC from CST DataTime, keys, legacy codes, split."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from ecoguard.cli.main import app
from ecoguard.ingest.hj212.build import encode, join_cp
from ecoguard.ingest.hj212.codec import Packet, decode
from ecoguard.ingest.hj212.directory import Device
from ecoguard.ingest.hj212.listing import list_rows
from ecoguard.ingest.hj212.mover import (
    Compactor,
    CpuShare,
    MoveResult,
    move_once,
    tidy_partition,
)
from ecoguard.ingest.hj212.records import PACKETS_TABLE, READINGS_KEYS, READINGS_TABLE, tables_for
from ecoguard.ingest.hj212.simulate import Logger, make_fleet
from ecoguard.ingest.hj212.wal import WalRecord
from ecoguard.timeseries.store import TimeseriesStore

MN = "010000A8900016F000169DC0"


def _packet(cn: str, data_time: str, **kw: object) -> Packet:
    cp = join_cp([[("DataTime", data_time)], [("w01018-Avg", "20.5"), ("w01018-Flag", "N")]])
    return Packet(st="32", cn=cn, pw="123456", mn=MN, qn="20160801085857223", flag=5, cp=cp, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cn", "data_type", "start", "end"),
    [
        # HJ 212 hourly data label the hour that STARTS; DataTime is CST (UTC+8)
        ("2061", "hour", datetime(2016, 8, 1, 0, tzinfo=UTC), datetime(2016, 8, 1, 1, tzinfo=UTC)),
        ("2031", "day", datetime(2016, 8, 1, 0, tzinfo=UTC), datetime(2016, 8, 2, 0, tzinfo=UTC)),
        ("2051", "min", datetime(2016, 8, 1, 0, tzinfo=UTC), datetime(2016, 8, 1, 0, 5, tzinfo=UTC)),
        ("2011", "rtd", datetime(2016, 8, 1, 0, tzinfo=UTC), datetime(2016, 8, 1, 0, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_interval_of_each_data_type(
    cn: str, data_type: str, start: datetime, end: datetime
) -> None:
    device = Device(mn=MN, password="123456", site="outlet:7", minute_interval=5)
    record = WalRecord("P", 1_700_000_000.0, "peer", encode(_packet(cn, "20160801080000"))[:-2])
    readings, packets, refusals, _ = tables_for([((1, 0), record)], lambda mn: device)
    (row,) = readings.to_pylist()
    assert (row["data_type"], row["data_time_utc"], row["interval_end_utc"]) == (
        data_type,
        start,
        end,
    )
    assert row["avg"] == 20.5 and row["flag"] == "N" and row["site"] == "outlet:7"
    assert row["day"] == "2016-08-01"
    assert packets.num_rows == 1 and refusals.num_rows == 0


def test_day_partition_follows_china_standard_time() -> None:
    record = WalRecord("P", 1.0, "peer", encode(_packet("2061", "20160801003000"))[:-2])
    readings = tables_for([((1, 0), record)], lambda mn: None).readings
    (row,) = readings.to_pylist()
    assert row["data_time_utc"] == datetime(2016, 7, 31, 16, 30, tzinfo=UTC)
    assert row["day"] == "2016-08-01"  # already 1 August in Beijing


def test_split_packet_parts_decode_on_their_own() -> None:
    parts = []
    for pno, items in enumerate([[("w00000-Cou", "63.0")], [("w01018-Avg", "2.1")]], start=1):
        cp = join_cp([[("DataTime", "20160801080000")], items])
        parts.append(
            Packet(st="32", cn="2061", pw="123456", mn=MN, qn=f"2016080108585753{pno}",
                   flag=7, pnum=2, pno=pno, cp=cp)
        )  # fmt: skip
    decoded = [decode(encode(p)) for p in parts]
    assert all(isinstance(d, Packet) and d.split and d.needs_answer for d in decoded)
    records = [((1, i), WalRecord("P", 1.0, "p", encode(p)[:-2])) for i, p in enumerate(parts)]
    readings = tables_for(records, lambda mn: None).readings
    assert sorted(readings.column("parameter").to_pylist()) == ["w00000", "w01018"]


def test_serve_without_devices_or_registry_is_usage_error(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["gateway", "serve", "--port", "0"])
    assert result.exit_code == 2
    assert "--devices" in result.output


# ------------------------------------------------- columnar rows == Packet.readings()

_ROW_FIELDS = ("source_code", "parameter", "rtd", "avg", "min", "max", "cou", "zs_rtd",
               "zs_avg", "zs_min", "zs_max", "flag", "eflag")  # fmt: skip


def _expected_rows(frames: list[bytes]) -> list[tuple[object, ...]]:
    """The oracle: one row per Reading of Packet.readings(), per upload."""
    rows = []
    for i, frame in enumerate(frames):
        packet = decode(frame, keys=_sm4_keys)
        assert isinstance(packet, Packet)
        if packet.data_type is None:
            continue
        for reading in packet.readings():
            values = (
                reading.code,
                reading.parameter,
                *(getattr(reading, f) for f in _ROW_FIELDS[2:]),
            )
            rows.append((f"{1:08d}:{i:010d}", *values))
    return rows


def _actual_rows(frames: list[bytes]) -> list[tuple[object, ...]]:
    records = [((1, i), WalRecord("P", 1.0, "p", f)) for i, f in enumerate(frames)]
    readings = tables_for(records, _sm4_device).readings
    return [tuple(row[f] for f in ("record_id", *_ROW_FIELDS)) for row in readings.to_pylist()]


_FLEET = make_fleet(40, seed=5)
_BY_MN = {d.mn: d for d in _FLEET}


def _sm4_device(mn: str) -> Device | None:
    return _BY_MN.get(mn)


def _sm4_keys(mn: str) -> bytes | None:
    device = _BY_MN.get(mn)
    return None if device is None else device.sm4_key


def _same(actual: list[tuple[object, ...]], expected: list[tuple[object, ...]]) -> None:
    assert sorted(actual, key=repr) == sorted(expected, key=repr)


def test_columnar_readings_equal_packet_readings_for_every_dialect() -> None:
    loggers = [Logger(device) for device in _FLEET]
    frames = [lg.frame(lg.next_packet())[:-2] for _ in range(10) for lg in loggers]
    assert {_sm4_device(decode(f, keys=_sm4_keys).mn).site[-1] for f in frames} == {"0", "1", "2"}  # type: ignore[union-attr]
    expected = _expected_rows(frames)
    assert len(expected) > 2000
    _same(_actual_rows(frames), expected)


@pytest.mark.parametrize(
    "items",
    [
        # spaces and a repeated slot: the first item of a slot wins, names/values trimmed
        [[("DataTime", "20160801080000")], [(" w01018-Avg ", " 2.5 "), ("w01018-Avg", "9")]],
        # a code with only extras, a flag before its value, an unknown suffix, 2005 RS/Ala
        [[("DataTime", "20160801080000")], [("SB1-SampleTime", "20160801075900")],
         [("011-Flag", "N"), ("011-Rtd", "+.5"), ("011-Info", "x")], [("SB2-RS", "1")],
         [("060-Ala", "3e2"), ("060-Rtd", "1.")]],
        # codes with a dash inside, an empty item, NUL in a value (2005 devices)
        [[("DataTime", "20160801080000")], [("a-b-Rtd", "1"), ("a-b-EFlag", "\x00x")]],
        # log text in the CP: the careful splitter
        [[("DataTime", "20160801080000")], [("i11001-Info", "//a;b,c=d//"), ("w01018-Avg", "3")]],
        # non-ASCII in a value
        [[("DataTime", "20160801080000")], [("w01018-Avg", "4"), ("w01018-EFlag", "维护")]],
    ],
)  # fmt: skip
def test_columnar_readings_edge_cases(items: list[list[tuple[str, str]]]) -> None:
    cp = join_cp(items)
    frames = [encode(Packet(st="32", cn="2061", pw="1", mn=MN, qn=None, flag=4, cp=cp))[:-2]]
    frames.append(
        encode(
            Packet(
                st="32",
                cn="2061",
                pw="1",
                mn=MN,
                flag=4,
                cp=join_cp([*items[:1], [("w01-Rtd", "1")]]),
            )
        )[:-2]
    )
    _same(_actual_rows(frames), _expected_rows(frames))


def test_columnar_readings_on_the_real_capture(shared_data: Path) -> None:
    frames = []
    for path in sorted((shared_data / "hj212_capture").glob("*.h212")):
        frames += [line for line in path.read_bytes().split(b"\r\n") if line]
    accepted = [f for f in frames if isinstance(decode(f), Packet)]
    assert len(accepted) == 18_069
    expected = _expected_rows(accepted)
    assert len(expected) > 50_000
    _same(_actual_rows(accepted), expected)


# ------------------------------------------------------------- the mover's appends


def _wal_with(tmp_path: Path, frames: list[bytes]) -> Path:
    from ecoguard.ingest.hj212.wal import WriteAheadLog

    wal = WriteAheadLog(tmp_path / "wal", segment_bytes=1 << 16)
    wal.append([WalRecord("P", 1_700_000_000.0 + i, "p", f) for i, f in enumerate(frames)])
    wal.close()
    return tmp_path / "wal"


def test_split_factor_over_two_parts_reads_as_one_reading(tmp_path: Path) -> None:
    """HJ 212-2017 Table C.49/C.50: parts repeat DataTime; here w01018's items straddle them."""
    parts = [
        [("w00000-Cou", "63.0"), ("w01018-Avg", "2.1")],
        [("w01018-Max", "2.9"), ("w01018-Flag", "N")],
    ]
    frames = [
        encode(Packet(st="32", cn="2061", pw="123456", mn=MN, qn=f"2016080108585753{pno}",
                      flag=7, pnum=2, pno=pno,
                      cp=join_cp([[("DataTime", "20160801080000")], items])))[:-2]
        for pno, items in enumerate(parts, start=1)
    ]  # fmt: skip
    store = TimeseriesStore(tmp_path / "ts")
    move_once(_wal_with(tmp_path, frames), store, lambda mn: None)
    rows = list_rows(store, READINGS_TABLE, mn=MN)
    assert sorted((r["parameter"], r["avg"], r["max"], r["cou"], r["flag"]) for r in rows) == [
        ("w00000", None, None, 63.0, None),
        ("w01018", 2.1, 2.9, None, "N"),
    ]


class _CrashAfterFirstTable(TimeseriesStore):
    def append(self, table: str, data: pa.Table, **kw: Any) -> bool:
        done = super().append(table, data, **kw)
        raise OSError("power cut after the first table")
        return done  # pragma: no cover


def test_round_interrupted_between_tables_lands_every_record_once(tmp_path: Path) -> None:
    logger = Logger(make_fleet(1, seed=2, versions=(1,))[0])
    frames = [logger.frame(logger.next_packet())[:-2] for _ in range(30)]
    wal = _wal_with(tmp_path, frames[:20])
    with pytest.raises(OSError, match="power cut"):
        move_once(wal, _CrashAfterFirstTable(tmp_path / "ts"), lambda mn: None)
    store = TimeseriesStore(tmp_path / "ts")
    first_readings = store.read(READINGS_TABLE).num_rows
    assert first_readings > 0 and not store.exists(PACKETS_TABLE)
    # more records arrive before the restart: the repeated round is larger than the first
    from ecoguard.ingest.hj212.wal import WriteAheadLog

    more = WriteAheadLog(wal, segment_bytes=1 << 16)
    more.append([WalRecord("P", 1.0, "p", f) for f in frames[20:]])
    more.close()
    result = move_once(wal, store, lambda mn: None)
    assert result.records == 30 and result.packets == 30
    assert result.readings == store.read(READINGS_TABLE).num_rows - first_readings
    stored = store.read(READINGS_TABLE, columns=["record_id", "parameter"])
    per_record = stored.group_by(["record_id", "parameter"]).aggregate([("parameter", "count")])
    assert per_record.num_rows == stored.num_rows  # nothing twice
    assert pc.count_distinct(stored["record_id"]).as_py() == 30 - sum(
        1
        for f in frames
        if decode(f).data_type is None  # type: ignore[union-attr]
    )
    assert move_once(wal, store, lambda mn: None).records == 0


def test_wal_folder_made_anew_is_not_mistaken_for_one_already_moved(tmp_path: Path) -> None:
    logger = Logger(make_fleet(1, seed=3, versions=(1,))[0])
    store = TimeseriesStore(tmp_path / "ts")
    move_once(_wal_with(tmp_path / "one", [logger.frame(logger.next_packet())[:-2]]), store,
              lambda mn: None)  # fmt: skip
    # same positions (segment 1, offset 0) in a new folder: a new writer identity
    move_once(_wal_with(tmp_path / "two", [logger.frame(logger.next_packet())[:-2]]), store,
              lambda mn: None)  # fmt: skip
    assert store.read(PACKETS_TABLE).num_rows == 2


def test_compactor_compacts_a_partition_after_enough_appends() -> None:
    calls: list[tuple[str, str]] = []
    compactor = Compactor(lambda table, day: calls.append((table, day)), threshold=3)
    result = MoveResult(1, 1, 1, 0, 0, frozenset({("source_readings", "2026-01-01")}))
    assert [compactor.after(result) for _ in range(4)] == [
        [],
        [],
        [("source_readings", "2026-01-01")],
        [],
    ]
    assert calls == [("source_readings", "2026-01-01")]


def test_field_device_information_3020_goes_to_its_own_table(tmp_path: Path) -> None:
    """HJ 212-2017 Table C.40 (the reference's example) and an instrument state (B.9)."""
    cps = [
        "DataTime=20100301145000;PolId=w01018;i11001-Info=//清洗管路//",
        "DataTime=20100301150000;PolId=w01018;i12001-Info=1;i13004-Info=12.5",
    ]
    frames = [
        encode(Packet(st="32", cn="3020", pw="123456", mn=MN, qn="20160801085857223", flag=5,
                      cp=cp))[:-2]
        for cp in cps
    ]  # fmt: skip
    tables = tables_for([((1, i), WalRecord("P", 1.0, "p", f)) for i, f in enumerate(frames)],
                        lambda mn: None)  # fmt: skip
    assert tables.readings.num_rows == 0 and tables.packets.num_rows == 2
    rows = [(r["data_time_utc"], r["pol_id"], r["info_id"], r["value"], r["number"], r["day"])
            for r in tables.device_info.to_pylist()]  # fmt: skip
    assert rows == [
        (
            datetime(2010, 3, 1, 6, 50, tzinfo=UTC),
            "w01018",
            "i11001",
            "清洗管路",
            None,
            "2010-03-01",
        ),
        (datetime(2010, 3, 1, 7, 0, tzinfo=UTC), "w01018", "i12001", "1", 1.0, "2010-03-01"),
        (datetime(2010, 3, 1, 7, 0, tzinfo=UTC), "w01018", "i13004", "12.5", 12.5, "2010-03-01"),
    ]
    store = TimeseriesStore(tmp_path / "ts")
    result = move_once(_wal_with(tmp_path, frames), store, lambda mn: None)
    assert result.device_info == 3
    assert store.read("gateway_device_info").num_rows == 3


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux scheduling policies")
def test_mover_takes_a_normal_cpu_share_when_it_falls_behind(tmp_path: Path) -> None:
    from ecoguard.ingest.hj212.wal import WriteAheadLog, write_checkpoint

    logger = Logger(make_fleet(1, seed=4, versions=(1,))[0])
    wal = WriteAheadLog(tmp_path / "wal", segment_bytes=4096)
    for _ in range(12):  # a batch a segment: 12 segments
        wal.append([WalRecord("P", 1.0, "p", logger.frame(logger.next_packet())[:-2])] * 8)
    wal.close()
    share = CpuShare(behind=4)
    try:
        share.set_idle(True)
        assert os.sched_getscheduler(0) == os.SCHED_IDLE
        share.update(tmp_path / "wal")  # 11 segments after the checkpoint's: catch up
        assert os.sched_getscheduler(0) == os.SCHED_OTHER and not share.idle
        write_checkpoint(tmp_path / "wal", (12, 0))  # moved up to the newest segment
        share.update(tmp_path / "wal")
        assert os.sched_getscheduler(0) == os.SCHED_IDLE and share.idle
    finally:
        share.set_idle(False)
    assert os.sched_getscheduler(0) == os.SCHED_OTHER


def test_closed_days_of_readings_are_rewritten_merged_open_days_compacted(tmp_path: Path) -> None:
    logger = Logger(make_fleet(1, seed=6, versions=(1,))[0])
    frames = [logger.frame(logger.next_packet())[:-2] for _ in range(10)]
    store = TimeseriesStore(tmp_path / "ts")
    for i in range(3):  # the same packets three times: re-uploads
        wal = tmp_path / f"wal{i}"
        move_once(_wal_with(wal, frames), store, lambda mn: None)
    day = store.partition_values(READINGS_TABLE, "day")[0]  # 2026-01-01 (the logger's clock)
    merged = store.read(READINGS_TABLE, merge_on=READINGS_KEYS, order_by="record_id")
    assert store.read(READINGS_TABLE).num_rows == 3 * merged.num_rows
    on_the_day = datetime.fromisoformat(day).replace(tzinfo=UTC)
    assert tidy_partition(store, READINGS_TABLE, day, now=on_the_day) == "compacted"
    assert store.read(READINGS_TABLE).num_rows == 3 * merged.num_rows
    assert tidy_partition(store, PACKETS_TABLE, day) == "compacted"  # packets are never merged
    assert tidy_partition(store, READINGS_TABLE, day) == "merged"

    def rows(table: pa.Table) -> list[dict[str, object]]:
        return sorted(table.to_pylist(), key=lambda r: (r["data_type"], r["data_time_utc"],
                                                         r["parameter"]))  # fmt: skip

    assert rows(store.read(READINGS_TABLE)) == rows(merged)
