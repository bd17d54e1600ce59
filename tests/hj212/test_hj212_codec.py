"""HJ 212 codec: CRC (Appendix A), vectors from the reference notes, round trips, refusals."""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.ingest.hj212.build import build_frame, encode, join_cp, request
from ecoguard.ingest.hj212.codec import (
    Packet,
    PacketRefusedError,
    Reason,
    Refusal,
    _decode_carefully,
    decode,
    decode_many,
)
from ecoguard.ingest.hj212.crc import (
    POSSIBLE_LOW_BYTES,
    crc_hj212,
    crc_hj212_bitwise,
    crc_hj212_many,
)
from ecoguard.ingest.hj212.factors import Version
from ecoguard.ingest.hj212.frame import Framer, Junk

# Reference notes hj212.md §1.4: packets with CRCs verified against the HJ 212 algorithm.
VERIFIED = [
    # HJ 212-2017 Appendix A (p.20); the prose says 1C08, the packet (and the algorithm) 1C80
    "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80",
    # HJ 212-2025 Appendix A.1
    "##0087QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&2200",
    # HJ 212-2025 Appendix A.2 plaintext examples 1 and 3
    "##0295QN=20240520210700000;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,a01011-Flag=N;a01012-Min=9.3,a01012-Avg=9.3,a01012-Max=9.3,a01012-Flag=N;a01014-Min=3.20,a01014-Avg=3.211,a01014-Max=3.212,a01014-Flag=N&&2200",
    "##0234QN=20240520210700000;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,a01011-Flag=N;a01014-Min=3.20,a01014-Avg=3.20,a01014-Max=3.20,a01014-Flag=N&&B541",
    # IceCoffee.HJ212 README (ambient air hourly, 15-char MN, 24-char PW)
    "##0285QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;CP=&&DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&C181",
    # flash520/hj212 parse_test.go (MN with underscores)
    "##0411QN=20220513162608370;ST=22;CN=2051;PW=123456;MN=JLYP01_AIR01_0001;Flag=4;CP=&&DataTime=20220513162600;a21004-Avg=4,a21004-Flag=N;a05024-Avg=63,a05024-Flag=N;a21026-Avg=6,a21026-Flag=N;a21005-Avg=0.427,a21005-Flag=N;a34004-Avg=14,a34004-Flag=N;a34002-Avg=31,a34002-Flag=N;a01007-Avg=1,a01007-Flag=N;a01008-Avg=11,a01008-Flag=N;a01001-Avg=17,a01001-Flag=N;a01002-Avg=85,a01002-Flag=N;a01006-Avg=95,a01006-Flag=N&&D641",
    # xiaoyao9184 tests: 2005 style, 17-digit DataTime; generator output with lower-case hex
    "##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980",
    "##0136ST=32;CN=2011;PW=000000;MN=LD130133000015;CP=&&DataTime=20160824003817;011-Rtd=231.0,011-Flag=N;B01-Rtd=36.91;060-Rtd=1.803,060-Flag=N&&1dc0",
    # 2016 capture: 2005 answer with QN inside CP; 2005 alarm; vendor heartbeat 8013
    "##0084ST=91;CN=9011;PW=123456;MN=LD130107000188;Flag=0;CP=&&QN=20160824000504006;QnRtn=1&&5780",
    "##0127QN=20160823235559979;ST=32;CN=2072;PW=123456;MN=ZG130182201401;Flag=1;CP=&&AlarmTime=20160823235559;B01-Ala=16.00,AlarmType=1&&5D80",
    "##0073ST=32;CN=8013;PW=123456;MN=ZG130182201205;Flag=0;CP=&&HeartbeatTime=120&&0500",
    # derived from 2017 Appendix C interaction examples, and 2025 reference packets
    "##0107QN=20160801085857223;ST=32;CN=1000;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&OverTime=5;ReCount=3&&CAC1",
    "##0094QN=20160801085857223;ST=91;CN=9011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&1B00",
    "##0095QN=20160801085857223;ST=91;CN=9012;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&ExeRtn=1&&6240",
    "##0087QN=20160801085857223;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&3240",
    "##0087QN=20160801085857223;ST=91;CN=9013;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&2A80",
    "##0087QN=20160801085857223;ST=32;CN=2012;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&&&3C00",
    "##0134QN=20160801085857223;ST=32;CN=2061;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&BeginTime=20160801080000;EndTime=20160801080000&&7EC0",
    "##0137QN=20160801085857223;ST=32;CN=2081;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20160801085857;RestartTime=20160801085624&&9AC1",
    "##0258QN=20240601085857223;ST=31;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&DataTime=20240601085857;a00000-Rtd=33471.0,a34013-Rtd=12.34,a21026-Rtd=18.5,a21002-Rtd=42.1,a19001-Rtd=6.8,a01011-Rtd=11.2,a01012-Rtd=138.5,a01014-Rtd=8.6,a01013-Rtd=101.3&&8801",
    "##0087QN=20240601085857223;ST=31;CN=9015;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&FCC1",
]  # fmt: skip

# xiaoyao9184 README/T212ParserTest.example: DataTime shortened but the CRC of the 17-digit
# version kept; the correct CRC is 3C00. Must be refused.
WRONG_CRC = "##0136ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980"


def test_crc_known_values() -> None:
    assert crc_hj212(b"") == 0xFFFF
    assert crc_hj212(b"\x00") == 0x4040
    assert crc_hj212(b"123456789") == 0x2F80  # MODBUS would give 4B37


@given(st.binary(max_size=600))
@settings(deadline=None)
def test_table_crc_equals_appendix_a_bitwise(data: bytes) -> None:
    value = crc_hj212(data)
    assert value == crc_hj212_bitwise(data)
    assert not data or value & 0xFF in POSSIBLE_LOW_BYTES


@given(st.lists(st.binary(max_size=300), max_size=40))
@settings(deadline=None)
def test_vectorised_crc_equals_scalar(segments: list[bytes]) -> None:
    assert [int(v) for v in crc_hj212_many(segments)] == [crc_hj212(s) for s in segments]


def test_crc_paths_agree_at_every_boundary() -> None:
    lengths = [0, 1, 2, 3, 127, 128, 129, 1024, 4095, 4096, 4097, 9000]
    segments = [os.urandom(n) for n in lengths]
    expected = [crc_hj212_bitwise(s) for s in segments]
    assert [crc_hj212(s) for s in segments] == expected
    assert [int(v) for v in crc_hj212_many(segments)] == expected


def test_vectorised_crc_over_many_chunks() -> None:
    segments = [os.urandom(i % 700) for i in range(9000)]
    assert [int(v) for v in crc_hj212_many(segments)] == [crc_hj212(s) for s in segments]


@pytest.mark.parametrize("text", VERIFIED)
def test_verified_vectors_decode(text: str) -> None:
    packet = decode(text.encode(), strict=True)
    assert isinstance(packet, Packet)
    assert packet.length_ok


def test_published_example_with_wrong_crc_is_refused() -> None:
    refusal = decode(WRONG_CRC.encode())
    assert isinstance(refusal, Refusal)
    assert refusal.reason is Reason.CRC_MISMATCH
    assert "computed 3C00" in refusal.rule
    assert refusal.mn == "LD130133000015"
    with pytest.raises(PacketRefusedError, match="crc_mismatch"):
        decode(WRONG_CRC.encode(), strict=True)


def test_appendix_a_prose_crc_1c08_is_refused() -> None:
    text = VERIFIED[0][:-4] + "1C08"
    refusal = decode(text.encode())
    assert isinstance(refusal, Refusal) and refusal.reason is Reason.CRC_MISMATCH


def test_2005_legacy_upload() -> None:
    packet = decode(VERIFIED[6].encode(), strict=True)
    assert isinstance(packet, Packet)
    assert packet.version is Version.HJ212_2005
    assert packet.qn is None and packet.flag is None
    # 17-digit DataTime, CST -> UTC, milliseconds dropped
    assert packet.data_time == datetime(2016, 8, 23, 16, 38, 17)
    readings = {r.parameter: r for r in packet.readings()}
    assert set(readings) == {"w00000", "w01018", "w21003"}  # B01, 011, 060 (Appendix B)
    assert readings["w01018"].rtd == 231.0 and readings["w01018"].flag == "N"
    assert readings["w01018"].code == "011"
    assert packet.value_count() == 3


def test_2017_minute_upload_fields() -> None:
    packet = decode(VERIFIED[5].encode(), strict=True)
    assert isinstance(packet, Packet)
    assert packet.version is Version.HJ212_2017
    assert not packet.needs_answer
    assert packet.data_type == "min"
    assert packet.value_count() == 11
    o3 = next(r for r in packet.readings() if r.code == "a05024")
    assert o3.avg == 63.0 and o3.flag == "N"


def test_2025_flags_and_heartbeat() -> None:
    packet = decode(VERIFIED[-1].encode(), strict=True)
    assert isinstance(packet, Packet)
    assert packet.version is Version.HJ212_2025
    assert packet.needs_answer and not packet.split
    assert packet.cn == "9015"


def test_answer_with_qn_inside_cp() -> None:
    packet = decode(VERIFIED[8].encode(), strict=True)
    assert isinstance(packet, Packet)
    assert packet.item("QN") == "20160824000504006" and packet.item("QnRtn") == "1"


def test_alarm_uses_alarm_time() -> None:
    packet = decode(VERIFIED[9].encode(), strict=True)
    assert isinstance(packet, Packet)
    assert packet.data_type == "alarm"
    assert packet.data_time == datetime(2016, 8, 23, 15, 55, 59)
    (reading,) = packet.readings()
    assert reading.parameter == "w00000" and reading.rtd == 16.0


def _frame(segment: str) -> bytes:
    return build_frame(segment.encode())


HEAD = "QN=20240601085857223;ST=31;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=9"


@pytest.mark.parametrize(
    ("frame", "reason", "field"),
    [
        (b"hello\r\n", Reason.BAD_FRAME, "header"),
        (b"##test13912345678\x00", Reason.BAD_FRAME, "length"),
        (b"##0010ABC", Reason.BAD_LENGTH, "length"),
        (b"##1500" + b"x" * 1500 + b"FFFF", Reason.OVERSIZED, "length"),
        (_frame(HEAD + ";CP=&&DataTime=20240601085857;a21026-Rtd=abc&&"), Reason.MALFORMED_FIELD, "a21026-Rtd"),
        (_frame(HEAD + ";CP=&&DataTime=20240601085857;a21026-Rtd=nan&&"), Reason.MALFORMED_FIELD, "a21026-Rtd"),
        (_frame(HEAD + ";CP=&&DataTime=2024060108585;a21026-Rtd=1&&"), Reason.MALFORMED_FIELD, "DataTime"),
        (_frame(HEAD + ";CP=&&DataTime=20241301085857;a21026-Rtd=1&&"), Reason.MALFORMED_FIELD, "DataTime"),
        (_frame(HEAD + ";CP=&&a21026-Rtd=1&&"), Reason.MALFORMED_FIELD, "DataTime"),
        (_frame(HEAD + ";CP=&&DataTime=20240601085857;FANSTATUS&&"), Reason.MALFORMED_FIELD, "FANSTATUS"),
        (_frame(HEAD.replace("CN=2011", "CN=20x1") + ";CP=&&&&"), Reason.MALFORMED_FIELD, "CN"),
        (_frame(HEAD.replace("Flag=9", "Flag=13") + ";CP=&&&&"), Reason.MALFORMED_FIELD, "Flag"),
        (_frame(HEAD.replace("Flag=9", "Flag=11") + ";CP=&&&&"), Reason.MALFORMED_FIELD, "PNUM/PNO"),
        (_frame(HEAD.replace("MN=010000A8900016F000169DC0;", "") + ";CP=&&&&"), Reason.MALFORMED_FIELD, "MN"),
        (_frame(HEAD), Reason.MALFORMED_FIELD, "CP"),
        (_frame(HEAD.replace("CN=2011", "CN=4711") + ";CP=&&&&"), Reason.UNSUPPORTED_COMMAND, "CN"),
    ],
)  # fmt: skip
def test_refusals_name_reason_and_field(frame: bytes, reason: Reason, field: str) -> None:
    refusal = decode(frame)
    assert isinstance(refusal, Refusal), refusal
    assert (refusal.reason, refusal.field) == (reason, field), str(refusal)
    assert str(refusal).startswith(reason.value)


def test_refusal_with_a_non_ascii_digit_in_flag() -> None:
    # a byte flipped to 0xB2 reads "²" (latin-1), a digit to str.isdigit() but not to int()
    frame = VERIFIED[8].encode().replace(b"Flag=0", b"Flag=\xb2")
    refusal = decode(frame)
    assert isinstance(refusal, Refusal) and refusal.reason is Reason.CRC_MISMATCH
    assert refusal.version is None and refusal.mn == "LD130107000188"
    assert decode_many([frame]) == [refusal]


def test_wrong_length_with_good_crc_is_accepted_by_crc() -> None:
    good = VERIFIED[6]
    frame = good[:2] + "0143" + good[6:]  # length 4 too large, as seen once in the capture
    packet = decode(frame.encode())
    assert isinstance(packet, Packet) and not packet.length_ok


def test_wrong_length_and_bad_crc_is_bad_length() -> None:
    good = VERIFIED[6]
    frame = good[:60] + good[64:]  # four bytes lost
    refusal = decode(frame.encode())
    assert isinstance(refusal, Refusal) and refusal.reason is Reason.BAD_LENGTH


def test_tolerated_quirks() -> None:
    quirky = [
        # MN before PW, trailing ';' in CP, comma in header, spaces, NUL bytes in ST
        "ST=32;CN=2011;MN=LD130133000015;PW=123456;Flag=0;CP=&&DataTime=20160824003817;011-Rtd=231.0;&&",
        "QN=20160801085857534,ST=32;CN=2061;PW=123456;MN=A1;Flag=4;CP=&&BeginTime=20160801080000,EndTime=20160801080000&&",
        "ST=32;CN=2011;PW=123456;MN=A1;CP=&& DataTime=20160824003817 ;011-Rtd= 231.0 ,011-Flag=N&&",
        "ST=\x00\x00;CN=9015;PW=123456;MN=A1;CP=&&DataTime=20160824003817;CON-RT=0&&",
        "QN=20160801085857223;ST=32;CN=3020;PW=123456;MN=A1;Flag=5;CP=&&DataTime=20100301145000;PolId=w01018;i11001-Info=//清洗管路;a,b=c//&&",
    ]  # fmt: skip
    for segment in quirky:
        packet = decode(_frame(segment), strict=True)
        assert isinstance(packet, Packet)
    log = decode(_frame(quirky[-1]), strict=True)
    assert isinstance(log, Packet)
    assert log.item("i11001-Info") == "//清洗管路;a,b=c//"


def test_history_request_matches_appendix_c21() -> None:
    packet = request(
        "2061",
        "010000A8900016F000169DC0",
        "123456",
        "20160801085857223",
        items=[("BeginTime", "20160801080000"), ("EndTime", "20160801080000")],
    )
    # derived frame of 2017 Table C.21 (reference notes hj212.md §1.4)
    assert encode(packet).decode() == VERIFIED[17] + "\r\n"
    decoded = decode(encode(packet))
    assert isinstance(decoded, Packet)
    assert decoded.data_type is None and decoded.needs_answer  # a request, not an upload


def test_decode_many_matches_decode() -> None:
    frames = [v.encode() for v in VERIFIED] + [WRONG_CRC.encode(), b"junk", b""]
    assert decode_many(frames) == [decode(f) for f in frames]


# ---------------------------------------------------------------- property tests

codes = st.sampled_from(["a21026", "a21002", "a34013", "a19001", "w01018", "w21003", "011", "B02"])
numbers = st.decimals(min_value=-1e6, max_value=1e6, places=3, allow_nan=False).map(str)
data_cns = st.sampled_from(["2011", "2051", "2061", "2031"])


@st.composite
def packets(draw: st.DrawFn) -> Packet:
    version = draw(st.sampled_from([None, 0, 1, 2]))
    cn = draw(data_cns)
    flag = None if version is None else (version << 2) | draw(st.integers(0, 1))
    when = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)))
    groups: list[list[tuple[str, object]]] = [[("DataTime", when.strftime("%Y%m%d%H%M%S"))]]
    for code in draw(st.lists(codes, unique=True, max_size=5)):  # stays under 1024 bytes
        items: list[tuple[str, object]] = []
        for suffix in draw(
            st.lists(
                st.sampled_from(["Rtd", "Avg", "Min", "Max", "Cou", "ZsAvg"]),
                unique=True,
                min_size=1,
            )
        ):
            items.append((f"{code}-{suffix}", draw(numbers)))
        items.append((f"{code}-Flag", draw(st.sampled_from("NFMSDCTB"))))
        groups.append(items)
    qn = None if version is None else when.strftime("%Y%m%d%H%M%S") + "123"
    return Packet(
        st=draw(st.sampled_from(["31", "32", "22"])),
        cn=cn,
        pw=draw(st.text("0123456789", min_size=6, max_size=6)),
        mn=draw(st.text("0123456789ABCDEF", min_size=14, max_size=24)),
        qn=qn,
        flag=flag,
        rf=version == 2 and draw(st.booleans()),
        cp=join_cp(groups),
    )


@given(packets())
@settings(max_examples=200, deadline=None)  # timing varies on shared CI cores
def test_build_parse_round_trip(packet: Packet) -> None:
    frame = encode(packet)
    decoded = decode(frame, strict=True)
    assert isinstance(decoded, Packet)
    assert decoded.data_time is not None
    assert decoded == Packet(**{**_fields(packet), "data_time": decoded.data_time})
    assert encode(decoded) == frame


def _fields(packet: Packet) -> dict[str, object]:
    return {name: getattr(packet, name) for name in packet.__dataclass_fields__}


@given(packets(), st.integers(1, 64))
@settings(deadline=None)
def test_framer_reassembles_any_chunking(packet: Packet, chunk: int) -> None:
    frames = [encode(packet)] * 3
    stream = b"##junk\r\n".join(frames) + b"\x00\x00garbage"
    framer = Framer()
    out: list[bytes | Junk] = []
    for i in range(0, len(stream), chunk):
        out += framer.feed(stream[i : i + chunk])
    got = [o for o in out if isinstance(o, bytes)]
    assert [decode(g) for g in got if isinstance(decode(g), Packet)] == [decode(f) for f in frames]


@given(st.binary(max_size=400))
@settings(max_examples=500, deadline=None)  # timing varies on shared CI cores
def test_fuzz_random_bytes_never_raise(data: bytes) -> None:
    result = decode(data)
    assert isinstance(result, Packet | Refusal)
    for item in Framer().feed(data):
        assert isinstance(item, bytes | Junk)


@given(packets(), st.data())
@settings(max_examples=300, deadline=None)  # timing varies on shared CI cores
def test_fuzz_mutated_packets_never_raise(packet: Packet, data: st.DataObject) -> None:
    frame = bytearray(encode(packet))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(frame) - 1))
        frame[pos] = data.draw(st.integers(0, 255))
    body = bytes(frame)
    # recompute the CRC half the time, so the parser (not only the CRC) sees the damage
    if data.draw(st.booleans()):
        segment = body[6:-6]
        body = b"##%04d%s%04X\r\n" % (len(segment), segment, crc_hj212(segment))
    result = decode(body)
    assert isinstance(result, Packet | Refusal)
    if isinstance(result, Packet):
        result.readings()
        result.value_count()


def test_encode_refuses_segments_over_1024_bytes() -> None:
    big = Packet(st="31", cn="2011", pw="123456", mn="A" * 24, cp="DataTime=20260101000000;" + "a21026-Rtd=1.0;" * 80)  # fmt: skip
    with pytest.raises(ValueError, match="split it"):
        encode(big)


# ------------------------------------------------ batch path == one-at-a-time path


def _everything(result: Packet | Refusal | None) -> tuple[object, ...] | None:
    """All fields, including those left out of ``==`` (``raw``, a refusal's packet)."""
    if result is None:
        return None
    if isinstance(result, Packet):
        return (*dataclasses.astuple(result), result.raw, result.readings(), result.value_count())
    return (*dataclasses.astuple(result)[:-1], _everything(result.packet), str(result))


def _assert_batch_equals_single(frames: list[bytes]) -> None:
    # the oracle: every check in order, no fast path (decode and decode_many have one each)
    single = [_everything(_decode_carefully(f, None, None, False)) for f in frames]
    assert [_everything(decode(f)) for f in frames] == single
    assert [_everything(r) for r in decode_many(frames)] == single
    for i in range(0, len(frames), 7):  # batch composition must not matter
        assert [_everything(r) for r in decode_many(frames[i : i + 7])] == single[i : i + 7]


_QUIRKS = [
    (b";", b","),
    (b";", b" ; "),
    (b"=", b" = "),
    (b",", b",,"),
    (b"&&", b";&&"),
    (b"&&", b"&& "),
    (b"=", b"=\x00"),
    (b"-Rtd=", b"-Rtd=x"),
    (b"-Avg=", b"-Avg=1e5"),
    (b"-Min=", b"-Min=\t"),
    (b"-Flag=N", b"-Info=//a;b=c//"),
    (b"-Flag=N", b"-Flag=\xc7\xe5"),
    (b"-Flag=N", b"-Flag=\xe6\xb8\x85"),
    (b"Flag=", b"Flag=\xb2"),
    (b"CN=20", b"CN=\xd9\xa2"),
    (b"QN=", b"QN=20260101;X="),
    (b"ST=", b"QN=20260101000000123;ST="),
    (b";MN=", b";QN=1;MN="),
    (b";CP=", b";RF=1;CP="),
    (b"DataTime=20", b"DataTime=19"),
    (b"DataTime=", b"AlarmTime="),
    (b"CP=&&", b"CP=&&{0x12,0x34}"),
]


@st.composite
def frame_batches(draw: st.DrawFn) -> list[bytes]:
    """Frames as devices send them, then damaged or given the quirks of real traffic."""
    frames = []
    for packet in draw(st.lists(packets(), min_size=1, max_size=6)):
        frame = encode(packet)
        segment = frame[6:-6]
        for old, new in draw(st.lists(st.sampled_from(_QUIRKS), max_size=2)):
            segment = segment.replace(old, new, draw(st.sampled_from([1, -1])))
        body = bytearray(segment)
        for _ in range(draw(st.integers(0, 2))):
            if body:
                body[draw(st.integers(0, len(body) - 1))] = draw(st.integers(0, 255))
        segment = bytes(body)
        crc = b"%04X" % crc_hj212(segment)
        if draw(st.booleans()):
            crc = crc.lower()
        length = len(segment) + draw(st.sampled_from([0, 0, 0, 1, -3]))
        tail = draw(st.sampled_from([b"\r\n", b"\n", b""]))
        frame = b"##%04d%s%s%s" % (max(length, 0), segment, crc, tail)
        if draw(st.integers(0, 9)) == 0:
            frame = frame[: draw(st.integers(0, len(frame)))]
        frames.append(frame)
    return frames


@given(frame_batches())
@settings(max_examples=300, deadline=None)  # timing varies on shared CI cores
def test_decode_many_equals_decode_on_generated_and_damaged_frames(frames: list[bytes]) -> None:
    _assert_batch_equals_single(frames)


@given(st.lists(st.binary(max_size=120).map(lambda b: b"##0" + b), max_size=8))
@settings(max_examples=200, deadline=None)
def test_decode_many_equals_decode_on_random_bytes(frames: list[bytes]) -> None:
    _assert_batch_equals_single(frames)


def test_decode_many_finds_the_one_bad_packet_among_good_ones() -> None:
    good = [v.encode() for v in VERIFIED] * 30
    bad = [
        _frame(HEAD + ";CP=&&DataTime=20240601085857;a21026-Rtd=1,0;a21002-Rtd=2&&"),  # "0"
        _frame(HEAD + ";CP=&&DataTime=20240601085857;a21026-Rtd=1x&&"),  # not a number
        _frame(HEAD + ";CP=&&DataTime=20240601085857;a21026-Rtd=1;&&"),  # tolerated ";"
        _frame(HEAD.replace("CN=2011", "CN=9015") + ";CP=&&a21026-Rtd=x&&"),  # not an upload
    ]
    for k, frame in enumerate(bad):
        batch = [*good[: 100 * k], frame, *good[100 * k :]]
        _assert_batch_equals_single(batch)
    _assert_batch_equals_single(good + bad)


@pytest.mark.shared_data
def test_decode_many_equals_decode_on_the_real_capture(shared_data: Path) -> None:
    frames: list[bytes] = []
    for path in sorted((shared_data / "hj212_capture").glob("*.h212")):
        lines = path.read_bytes().split(b"\r\n")
        frames += lines[:-1] if lines and lines[-1] == b"" else lines
    assert len(frames) == 18079
    batch = decode_many(frames)
    assert sum(isinstance(r, Packet) for r in batch) == 18069
    careful = [_everything(_decode_carefully(f, None, None, False)) for f in frames]
    assert [_everything(decode(f)) for f in frames] == careful
    assert [_everything(r) for r in batch] == careful
