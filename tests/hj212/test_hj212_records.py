"""Rows for the store: interval start/end in UTC from CST DataTime, keys, legacy codes, split."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from ecoguard.cli.main import app
from ecoguard.ingest.hj212.build import encode, join_cp
from ecoguard.ingest.hj212.codec import Packet, decode
from ecoguard.ingest.hj212.directory import Device
from ecoguard.ingest.hj212.records import tables_for
from ecoguard.ingest.hj212.wal import WalRecord

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
    readings, packets, refusals = tables_for([((1, 0), record)], lambda mn: device)
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
    readings, _, _ = tables_for([((1, 0), record)], lambda mn: None)
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
    readings, _, _ = tables_for(records, lambda mn: None)
    assert sorted(readings.column("parameter").to_pylist()) == ["w00000", "w01018"]


def test_serve_without_devices_or_registry_is_usage_error(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["gateway", "serve", "--port", "0"])
    assert result.exit_code == 2
    assert "--devices" in result.output
