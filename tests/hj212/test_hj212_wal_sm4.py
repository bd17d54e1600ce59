"""WAL framing, torn tails, checkpoints; SM4 vectors of HJ 212-2025 Appendix A.2."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.ingest.hj212 import wal as walmod
from ecoguard.ingest.hj212.build import encode
from ecoguard.ingest.hj212.codec import Packet, Reason, Refusal, decode
from ecoguard.ingest.hj212.sm4 import decrypt_cp, encrypt_cp
from ecoguard.ingest.hj212.wal import (
    WalRecord,
    WriteAheadLog,
    read_checkpoint,
    read_records,
    write_checkpoint,
)

KEY = b"0" * 16  # the standard's example key: 16 x 0x30
PLAIN_1 = (
    "DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,a01011-Flag=N;"
    "a01012-Min=9.3,a01012-Avg=9.3,a01012-Max=9.3,a01012-Flag=N;a01014-Min=3.20,a01014-Avg=3.211,"
    "a01014-Max=3.212,a01014-Flag=N"
)
PLAIN_3 = (
    "DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,a01011-Flag=N;"
    "a01014-Min=3.20,a01014-Avg=3.20,a01014-Max=3.20,a01014-Flag=N"
)


def _record(i: int) -> WalRecord:
    return WalRecord("P", 1_700_000_000.0 + i, "127.0.0.1:1", b"##0000frame%d" % i)


def test_wal_round_trip_and_new_segment_per_start(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path, segment_bytes=4096)
    ids = wal.append([_record(i) for i in range(5)])
    wal.close()
    assert [i[0] for i in ids] == [1] * 5
    again = WriteAheadLog(tmp_path, segment_bytes=4096)  # a restart: new segment, ids not reused
    ids2 = again.append([_record(9)])
    again.close()
    assert ids2 == [(2, 0)]
    got = [(rid, rec) for rid, _, rec in read_records(tmp_path, (0, 0))]
    assert [rid for rid, _ in got] == [*ids, *ids2]
    assert got[0][1] == _record(0)


def _tear(segment: Path, used: int, cut: int) -> None:
    """Emulate a crash in the middle of a write: the last ``cut`` written bytes never landed."""
    data = bytearray(segment.read_bytes())
    data[max(0, used - cut) : used] = bytes(min(cut, used))
    segment.write_bytes(bytes(data))


def test_segments_are_zero_filled_and_zero_ends_the_records(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path, segment_bytes=4096)
    wal.append([_record(1)])
    wal.close()
    assert (tmp_path / "seg-00000001.wal").stat().st_size == 4096
    assert len(list(read_records(tmp_path, (0, 0)))) == 1


def test_a_full_segment_rolls_over(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path, segment_bytes=100)  # two 43-byte records a segment
    ids = [wal.append([_record(i)])[0] for i in range(4)]
    wal.close()
    assert [i[0] for i in ids] == [1, 1, 2, 2]
    assert [r.received_at for _, _, r in read_records(tmp_path, (0, 0))] == [
        _record(i).received_at for i in range(4)
    ]


def test_torn_tail_is_ignored_and_reading_continues_in_next_segment(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path, segment_bytes=4096)
    wal.append([_record(i) for i in range(3)])
    used = wal.position[1]
    wal.close()
    _tear(tmp_path / "seg-00000001.wal", used, 5)  # crash in the middle of the last record
    assert len(list(read_records(tmp_path, (0, 0)))) == 2
    wal = WriteAheadLog(tmp_path, segment_bytes=4096)
    wal.append([_record(7)])
    wal.close()
    records = [rec for _, _, rec in read_records(tmp_path, (0, 0))]
    assert [r.received_at for r in records] == [_record(i).received_at for i in (0, 1, 7)]


def test_checkpoint_and_segment_cleanup(tmp_path: Path) -> None:
    assert read_checkpoint(tmp_path) == (0, 0)
    for _ in range(3):
        wal = WriteAheadLog(tmp_path, segment_bytes=4096)
        wal.append([_record(1)])
        wal.close()
    write_checkpoint(tmp_path, (3, 0))
    assert read_checkpoint(tmp_path) == (3, 0)
    assert walmod.delete_moved_segments(tmp_path, (3, 0)) == 2
    assert walmod.segments(tmp_path) == [3]
    assert len(list(read_records(tmp_path, (3, 0)))) == 1


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=20), st.integers(0, 400))
@settings(max_examples=50, deadline=None)  # timing varies on shared CI cores
def test_any_truncation_yields_a_prefix(
    tmp_path_factory: object, raws: list[bytes], cut: int
) -> None:
    folder = tmp_path_factory.mktemp("wal")  # type: ignore[attr-defined]
    wal = WriteAheadLog(folder, segment_bytes=16384)
    wal.append([WalRecord("R", 1.0, "p", raw, {"reason": "bad_frame"}) for raw in raws])
    used = wal.position[1]
    wal.close()
    _tear(folder / "seg-00000001.wal", used, cut)
    got = [rec.raw for _, _, rec in read_records(folder, (0, 0))]
    assert got == raws[: len(got)]


def test_sm4_reproduces_appendix_a2_ciphertext() -> None:
    cipher = encrypt_cp(PLAIN_1.encode(), KEY)
    # printed in HJ 212-2025 Appendix A.2 example 2 (first and last blocks)
    assert cipher.startswith(b"{0xE4,0x3E,0x15,0x9A,0xCF,0xAB,0x24,0x2C,0xB5,0x31,0x55,0xFB")
    assert cipher.endswith(b"0xD7,0x46,0x7C,0x70,0xB9,0x4F,0x1D,0x4A,0x7B,0x03,0x50,0xA4,0x8D,0xBF,0x8B,0x41}")  # fmt: skip
    assert cipher.count(b"0x") == 208  # 13 whole blocks, no plaintext tail
    cipher3 = encrypt_cp(PLAIN_3.encode(), KEY)
    assert cipher3.endswith(b"0xEF,0x70,0x12,0x85,0x54,0xB8,0x24,0x38,0xE9,0x1A,0xDC,0xE9,0x8A,0x0D,0x03,0xA4}g=N")  # fmt: skip
    assert decrypt_cp(cipher3, KEY) == PLAIN_3.encode()


def test_encrypted_packet_keeps_plaintext_length_and_crc() -> None:
    packet = Packet(
        st="31", cn="2051", pw="123456", mn="010000A8900016F000169DC0",
        qn="20240520210700000", flag=9, cp=PLAIN_3,
    )  # fmt: skip
    frame = encode(packet, key=KEY)
    assert frame.startswith(b"##0234") and frame.endswith(b"&&B541\r\n")  # Appendix A.2 example 3
    decoded = decode(frame, keys=lambda mn: KEY)
    assert isinstance(decoded, Packet) and decoded.encrypted
    assert decoded.cp == PLAIN_3 and decoded.length_ok
    assert [r.avg for r in decoded.readings()] == [1.35, 3.20]
    wrong = decode(frame, keys=lambda mn: b"1" * 16)
    assert isinstance(wrong, Refusal) and wrong.reason is Reason.CRC_MISMATCH
    no_key = decode(frame)
    assert isinstance(no_key, Refusal) and no_key.reason is Reason.MALFORMED_FIELD


def test_unmoved_bytes_counts_records_not_the_zero_fill(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path, segment_bytes=4096)
    records = [WalRecord("P", 1.0, "p", b"##0300" + b"x" * 300) for _ in range(40)]
    sizes = []
    for record in records:  # several segments
        sizes.append(len(record.encode()))
        wal.append([record])
    assert wal.position[0] > 2
    assert wal.unmoved_bytes((0, 0)) == sum(sizes)
    ids = [rid for rid, _, _ in read_records(tmp_path, (0, 0))]
    assert wal.unmoved_bytes(ids[25]) == sum(sizes[25:])
    assert wal.unmoved_bytes(wal.position) == 0
    wal.close()
