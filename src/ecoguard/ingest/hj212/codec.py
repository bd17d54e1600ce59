"""HJ 212 packet codec: bytes in, a typed :class:`Packet` or a :class:`Refusal` out. No I/O.

Accepts the three dialects in the field (HJ/T 212-2005, HJ 212-2017, HJ 212-2025) and builds
packets exactly as HJ 212-2017 §6.3 lays them out::

    "##" | LLLL | data segment | CCCC | "\\r\\n"

* ``LLLL``: decimal length of the data segment in bytes (2017 Table 2);
* data segment ``QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;[PNUM=…;PNO=…;][RF=1;]CP=&&…&&``
  (2017 §6.3.2 Table 3; ``RF`` from HJ 212-2025 Table 3);
* ``CCCC``: CRC16 of Appendix A over the data segment (:mod:`.crc`).

Tolerated quirks of real devices (reference notes ``hj212.md`` §6): header fields in any order,
``,`` as a separator, spaces around names and values, no ``QN``/``Flag`` (2005), NUL bytes in
values, 17-digit ``DataTime`` (milliseconds, truncated), lower-case CRC hex, a trailing ``;``
before ``&&``, and a wrong length field when the CRC over the CRLF-delimited span matches.

Every refusal names the packet part (``field``), the rule broken, the byte offset in the frame
where it was found, and one :class:`Reason` code. The types (:class:`Packet`, :class:`Refusal`,
...) live in :mod:`.packet` and are re-exported here.

Two paths, one result. Most traffic is plain: standard layout, upper-case CRC, ASCII CP,
one ``=`` per item. :func:`_fast_packet` builds such packets from memos (a device repeats its
header, devices share ``DataTime`` values and CP group shapes) and vouches for nothing else;
everything it does not accept goes through :func:`_decode`, which checks in order and
explains the first failure. Tests hold :func:`decode` and :func:`decode_many` to the careful
path's result on generated, damaged and real frames.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import datetime

from ecoguard.ingest.hj212.crc import crc_hj212, crc_hj212_many, format_crc_many
from ecoguard.ingest.hj212.factors import DATA_TYPE_BY_CN, KNOWN_CNS, Version
from ecoguard.ingest.hj212.packet import (
    _LOG_VALUE,
    _NUMERIC_ITEM,
    _SUFFIXES,
    CST,
    CST_ZONE,
    MAX_SEGMENT,
    Packet,
    PacketRefusedError,
    Reading,
    Reason,
    Refusal,
    _new_packet,
    split_cp,
)
from ecoguard.ingest.hj212.sm4 import CipherError, decrypt_cp, is_encrypted_cp

__all__ = [
    "CST",
    "CST_ZONE",
    "MAX_SEGMENT",
    "Packet",
    "PacketRefusedError",
    "Reading",
    "Reason",
    "Refusal",
    "decode",
    "decode_many",
    "split_cp",
]

KeyLookup = Callable[[str], bytes | None]
"""MN -> the device's 16-byte SM4 key, or ``None`` (HJ 212-2025 §6.4.3)."""


# ---------------------------------------------------------------------------- decoding

_HEX_DIGITS = b"0123456789ABCDEFabcdef"
_HEADER_ITEM = re.compile(r"\s*([^;,=\s]+)\s*=\s*([^;,]*?)\s*(?:[;,]|$)")
_HEADER_ALL = re.compile(r"(?:\s*[^;,=\s]+\s*=[^;,]*(?:[;,]|$)|\s*[;,])*")
_ITEM = r"\s*[^;,=\s][^;,=]*=[^;,=]*"
_CP_ALL = re.compile(rf"(?:{_ITEM})?(?:[;,](?:{_ITEM})?)*\s*")
"""CP grammar, 2017 §6.3.3: items NAME=value, ',' within a group, ';' between; empty items ok."""
_CP_WITH_LOGS = re.compile(
    rf"(?:\s*[^;,=\s][^;,=]*=(?:{_LOG_VALUE}|[^;,=]*))?"
    rf"(?:[;,](?:\s*[^;,=\s][^;,=]*=(?:{_LOG_VALUE}|[^;,=]*))?)*\s*",
    re.DOTALL,
)
_TWO_EQUALS = re.compile(r"=[^;,]*=")
_NUMBER = r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?\s*(?:[;,]|$)"
_BAD_NUMBER = re.compile(rf"-(?:{_SUFFIXES})\s*=(?!{_NUMBER})")
_DATA_TIME = re.compile(r"(?:^|[;,])\s*DataTime\s*=\s*([^;,]*?)\s*(?:[;,]|$)")
_ALARM_TIME = re.compile(r"(?:^|[;,])\s*AlarmTime\s*=\s*([^;,]*?)\s*(?:[;,]|$)")


_Header = tuple[str, str, str, str, str | None, int | None, int | None, int | None, bool]
"""ST, CN, PW, MN, QN, Flag, PNUM, PNO, RF of a header that passed :func:`_header_values`."""


class _Refuse(Exception):  # noqa: N818 - internal control flow, converted to Refusal
    def __init__(
        self, reason: Reason, fld: str, rule: str, offset: int, packet: Packet | None = None
    ) -> None:
        self.args4 = (reason, fld, rule, offset)
        self.packet = packet


def decode(
    frame: bytes,
    *,
    keys: KeyLookup | None = None,
    crc: int | None = None,
    strict: bool = False,
) -> Packet | Refusal:
    """Decode one frame.

    Parameters
    ----------
    frame : bytes
        From ``##`` to the CRC, with or without the trailing ``\\r\\n``.
    keys : callable, optional
        MN -> SM4 key for HJ 212-2025 encrypted CP; without it encrypted packets are refused.
    crc : int, optional
        The CRC of the data segment if already computed (by :func:`decode_many`).
    strict : bool
        Raise :class:`PacketRefusedError` instead of returning the :class:`Refusal`.

    Returns
    -------
    Packet or Refusal
    """
    raw = frame
    if raw[-1:] == b"\n":
        raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
    if raw[:2] == b"##" and 10 <= len(raw) <= _FAST_MAX_FRAME and (crc is None or 0 <= crc < 65536):
        seg = raw[6:-4]
        built = _fast_packet(raw, seg, b"%04X" % (crc_hj212(seg) if crc is None else crc))
        if built is not None:
            packet, body, is_upload = built
            if _plain_body(body, is_upload):
                return packet
    return _decode_carefully(frame, keys, crc, strict)


def _decode_carefully(
    frame: bytes, keys: KeyLookup | None, crc: int | None, strict: bool
) -> Packet | Refusal:
    """:func:`decode` by the book: every check in order, the first failure explained."""
    header: dict[str, str] = {}
    try:
        packet = _decode(frame, keys, crc, header)
    except _Refuse as refuse:
        reason, fld, rule, offset = refuse.args4
        flag = header.get("Flag")
        version = None
        if flag is None and header:
            version = "2005"
        elif (
            flag is not None
            and flag.isdigit()
            and flag.isascii()  # "²" is a digit to isdigit() but not to int()
            and (int(flag) >> 2) & 0x3F in (0, 1, 2)
        ):
            version = Version((int(flag) >> 2) & 0x3F).label
        refusal = Refusal(
            reason,
            fld,
            rule,
            offset,
            mn=header.get("MN"),
            st=header.get("ST"),
            cn=header.get("CN"),
            version=version,
            packet=refuse.packet,
        )
        if strict:
            raise PacketRefusedError(refusal) from None
        return refusal
    return packet


def decode_many(
    frames: Sequence[bytes], *, keys: KeyLookup | None = None
) -> list[Packet | Refusal]:
    """Decode many frames; the result equals ``[decode(f, keys=keys) for f in frames]``.

    Work that does not depend on one frame alone is done once for the batch: the CRCs in one
    vectorised pass (:func:`crc_hj212_many`), the CP grammar and number checks on the distinct
    shapes of the batch's CP groups (:func:`_doubtful`), header parsing once per distinct
    header (a device repeats its own), time conversion once per distinct ``DataTime``. A frame
    the fast path cannot vouch for (any refusal, encrypted CP, the 2072 alarm, non-ASCII CP,
    a tolerated quirk such as spaces or a trailing ``;``) is decoded by :func:`decode`, which
    alone explains refusals; both paths are tested to agree on every frame.

    Parameters
    ----------
    frames : sequence of bytes
        Each from ``##`` to the CRC, with or without the trailing ``\\r\\n``.
    keys : callable, optional
        MN -> SM4 key, as for :func:`decode`.

    Returns
    -------
    list of Packet or Refusal
        One per frame, in order.
    """
    raws: list[bytes] = []
    segments: list[bytes] = []
    for frame in frames:
        if frame[-1:] == b"\n":
            frame = frame[:-2] if frame.endswith(b"\r\n") else frame[:-1]
        raws.append(frame)
        segments.append(frame[6:-4] if len(frame) >= 10 else b"")
    crcs = crc_hj212_many(segments)
    results: list[Packet | Refusal | None] = []
    bodies: list[bytes] = []  # non-empty CP data areas of the packets built here ...
    owners: list[int] = []  # ... and their indices in results
    uploads: set[int] = set()  # indices of data uploads (their numbers are checked)
    for raw, seg, crc_text in zip(raws, segments, format_crc_many(crcs), strict=True):
        built = _fast_packet(raw, seg, crc_text)
        if built is None:
            results.append(None)
            continue
        packet, body, is_upload = built
        if is_upload:
            uploads.add(len(results))
        if body:
            owners.append(len(results))
            bodies.append(body)
        results.append(packet)
    for i in _doubtful(bodies, owners, uploads):
        results[i] = None
    return [
        _decode_carefully(frames[i], keys, int(crcs[i]), False) if result is None else result
        for i, result in enumerate(results)
    ]


def _fast_packet(raw: bytes, seg: bytes, crc_text: bytes) -> tuple[Packet, bytes, bool] | None:
    """The packet of a frame in the plain layout, or ``None``: let :func:`_decode` judge it.

    ``raw`` is the frame without its tail, ``seg`` its data segment, ``crc_text`` the computed
    CRC as four upper-case hex digits. Every check of :func:`_decode` that a plain frame could
    fail is made here (length field, CRC as sent, header via :func:`_remember_header`, CP
    framing, ``DataTime``) except the CP grammar and numbers, left to the caller with the
    returned CP ``body`` and whether the packet is a data upload (see :func:`_doubtful`).
    """
    n = len(raw)
    cp_at = seg.find(b"CP=&&")
    declared = _LENGTHS.get(raw[2:6]) if raw.__class__ is bytes else None  # bytearray: slow
    if (
        declared is None
        or not 10 <= n <= _FAST_MAX_FRAME
        or raw[:2] != b"##"
        or raw[n - 4 :] != crc_text  # the CRC as sent, upper case: lower case takes _decode
        or cp_at < 0
        or seg.startswith(b"{0", cp_at + 5)  # maybe SM4 ciphertext
        or seg[-2:] != b"&&"
        or len(seg) < cp_at + 7
    ):
        return None
    head = seg[:cp_at]
    qn: str | None = None
    if head[:3] == b"QN=" and head[20:21] == b";" and head[3:20].isdigit():
        qn = head[3:20].decode("ascii")
        head = head[21:]
        entry = _HEADERS_AFTER_QN.get(head)
        if entry is None:
            entry = _remember_header(_HEADERS_AFTER_QN, head)
    else:
        entry = _HEADERS.get(head)
        if entry is None:
            entry = _remember_header(_HEADERS, head)
    if not entry:
        return None
    (st, cn, pw, mn, header_qn, flag, pnum, pno, rf), is_upload = entry
    body = seg[cp_at + 5 : -2]
    if not body.isascii():  # the byte-level checks of the caller equal the text ones for ASCII
        return None
    cp = body.decode("ascii")
    data_time = None
    if is_upload:
        if cp[:9] == "DataTime=":  # where devices put it; times repeat across devices
            if cp[23:24] in _END_OF_VALUE:
                data_time = _TIMES.get(cp[9:23])
            elif cp[26:27] in _END_OF_VALUE and cp[23:26].isdigit() and cp[23:26].isascii():
                data_time = _TIMES.get(cp[9:23])  # 17 digits: milliseconds dropped
        if data_time is None:
            try:
                data_time = _upload_time(cp)
            except _Refuse:
                return None
    packet = _new_packet(
        st,
        cn,
        pw,
        mn,
        header_qn if qn is None else qn,
        flag,
        pnum,
        pno,
        rf,
        cp,
        False,
        len(seg) == declared,
        data_time,
        raw,
    )
    return packet, body, is_upload


_FAST_MAX_FRAME = 2 + 4 + 9 * MAX_SEGMENT + 4
"""Longest frame :func:`_decode` does not call oversized (the ``n - 10`` test there)."""
_LENGTHS = {b"%04d" % n: n for n in range(MAX_SEGMENT + 1)}
"""Length fields a frame may carry, as sent -> value."""
_END_OF_VALUE = (";", ",", "")

_HeaderEntry = tuple[_Header, bool]
_HEADERS: dict[bytes, _HeaderEntry | tuple[()]] = {}
"""Header bytes (up to ``CP=&&``) -> typed header and "is a data upload", or ``()``: not plain."""
_HEADERS_AFTER_QN: dict[bytes, _HeaderEntry | tuple[()]] = {}
"""The same for the header bytes after a leading ``QN=<17 digits>;`` (QN changes every time)."""


def _remember_header(
    memo: dict[bytes, _HeaderEntry | tuple[()]], head: bytes
) -> _HeaderEntry | tuple[()]:
    """Parse a header once for :func:`_fast_packet`; ``()`` when :func:`_decode` must judge it.

    Only headers :func:`_decode` accepts as they are get an entry: no problem in any item, ST/CN/MN
    present, all of Table 3 valid, a known command other than the 2072 alarm (AlarmTime).
    A header behind a leading QN must not hold another ``QN`` (which of two wins depends on
    the path :func:`_parse_header` takes).
    """
    header: dict[str, str] = {}
    entry: _HeaderEntry | tuple[()] = ()
    if (memo is not _HEADERS_AFTER_QN or b"QN" not in head) and _parse_header(head, header) is None:
        try:
            _require_ids(header)
            values = _header_values(header)
        except _Refuse:
            pass
        else:
            if values[1] in KNOWN_CNS and values[1] != "2072":
                entry = (values, values[1] in DATA_TYPE_BY_CN)
    if len(memo) >= 32768:  # about 10 MB; a national network has tens of thousands of MNs
        memo.clear()
    memo[head] = entry
    return entry


def _upload_time(cp: str) -> datetime | None:
    """``DataTime`` of a data upload (the end of :func:`_check_cp`); raises if refused."""
    found = _DATA_TIME.search(cp)
    if found is None:
        if _NUMERIC_ITEM.search(cp) is None:
            return None
        raise _Refuse(Reason.MALFORMED_FIELD, "DataTime", "", 0)
    return _parse_time(found.group(1), "DataTime", 0)


def _doubtful(bodies: list[bytes], owners: list[int], uploads: set[int]) -> set[int]:
    """Indices (``owners``) of ASCII CP ``bodies`` that fail :func:`_plain_body`.

    The checks are local to a group (between ``;``) and blind to which digit stands where, so
    they are run once per distinct group shape of the whole batch (real traffic: 18 000
    packets, under 700 shapes). Only bodies holding a failing shape are judged one by one.
    """
    if not bodies:
        return set()
    text = b";".join(bodies).translate(_DIGITS_AS_ZERO)
    failing = [shape for shape in set(text.split(b";")) if _judge(shape) != (True, True)]
    if not failing:
        return set()
    starts = [0]
    for body in bodies:
        starts.append(starts[-1] + len(body) + 1)
    suspects: set[int] = set()
    for shape in failing:
        if not shape:  # an empty group: a body with ';;' or a ';' at either end
            suspects.update(
                k
                for k, body in enumerate(bodies)
                if b";;" in body or body[:1] == b";" or body[-1:] == b";"
            )
            continue
        if text.count(shape) > len(bodies):  # a short shape ("0") is found everywhere
            suspects.update(range(len(bodies)))
            break
        at = text.find(shape)
        while at >= 0:  # a shape inside a longer group only adds a suspect
            suspects.add(bisect_right(starts, at) - 1)
            at = text.find(shape, at + 1)
    return {owners[k] for k in suspects if not _plain_body(bodies[k], owners[k] in uploads)}


def _plain_body(body: bytes, is_upload: bool) -> bool:
    """Whether an ASCII CP body passes the fast path of :func:`_check_cp` (every item of
    exactly one ``=`` after a non-empty name, no space, no ``//`` log text) and, in a data
    upload, :data:`_BAD_NUMBER`; then :func:`_check_cp` accepts it (``DataTime`` aside)."""
    for shape in _shapes(body):
        plain, numbers_ok = _judge(shape)
        if not plain or (is_upload and not numbers_ok):
            return False
    return True


def _shapes(text: bytes) -> list[bytes]:
    """The groups (``;``) of CP text with every digit written as ``0``: no check here sees
    which digit stands where, and the shapes repeat."""
    return [] if not text else text.translate(_DIGITS_AS_ZERO).split(b";")


def _judge(shape: bytes) -> tuple[bool, bool]:
    """Whether a group shape is plain (:func:`_plain_group`) and has no bad number."""
    verdict = _VERDICTS.get(shape)
    if verdict is None:
        verdict = (_plain_group(shape), _BAD_NUMBER_ASCII.search(shape) is None)
        if len(_VERDICTS) >= 16384:  # real traffic has hundreds; junk must not fill memory
            _VERDICTS.clear()
        _VERDICTS[shape] = verdict
    return verdict


_VERDICTS: dict[bytes, tuple[bool, bool]] = {}
"""Group shapes already judged (a bounded memo)."""


def _plain_group(group: bytes) -> bool:
    """:func:`_plain_body` for one group, numbers aside."""
    if b" " in group or b"//" in group:
        return False
    return all(item.count(b"=") == 1 and item[:1] != b"=" for item in group.split(b","))


_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_ASCII_SPACE = r"[\s\x1c-\x1f]"  # what \s matches in ASCII text (str patterns)
_BAD_NUMBER_ASCII = re.compile(_BAD_NUMBER.pattern.replace(r"\s", _ASCII_SPACE).encode("ascii"))
""":data:`_BAD_NUMBER` for ASCII bytes (``\\d`` and ``\\s`` as a str pattern reads them there)."""


def _decode(
    frame: bytes, keys: KeyLookup | None, crc: int | None, header: dict[str, str]
) -> Packet:
    if frame[-1:] == b"\n":
        frame = frame[:-2] if frame.endswith(b"\r\n") else frame[:-1]
    n = len(frame)
    if not frame.startswith(b"##"):
        raise _Refuse(Reason.BAD_FRAME, "header", "frame must start with '##' (2017 Table 2)", 0)
    length_text = frame[2:6]
    if len(length_text) < 4 or not length_text.isdigit():
        raise _Refuse(
            Reason.BAD_FRAME,
            "length",
            f"length field {length_text!r} is not 4 decimal digits (2017 Table 2)",
            2,
        )
    declared = int(length_text)
    if declared > MAX_SEGMENT:
        raise _Refuse(
            Reason.OVERSIZED,
            "length",
            f"declared data segment {declared} > {MAX_SEGMENT} bytes (2017 Table 2)",
            2,
        )
    if n - 10 > MAX_SEGMENT + 8 * MAX_SEGMENT:  # ciphertext text may be ~5x plaintext
        raise _Refuse(Reason.OVERSIZED, "data segment", f"frame of {n} bytes", 6)
    crc_text = frame[n - 4 :]
    segment = frame[6 : n - 4]
    actual = len(segment)
    if n < 10 or crc_text.translate(None, _HEX_DIGITS):
        if actual != declared:
            raise _Refuse(
                Reason.BAD_LENGTH,
                "length",
                f"declared {declared} bytes but {max(actual, 0)} before the tail, and no CRC",
                2,
            )
        raise _Refuse(
            Reason.BAD_FRAME, "CRC", "no 4 hex digits before the tail (2017 Table 2)", n - 4
        )
    sent_crc = int(crc_text, 16)
    cp_at = segment.find(b"CP=&&")
    head_bytes = segment if cp_at < 0 else segment[:cp_at]
    header_problem = _parse_header(head_bytes, header)
    plain = segment
    encrypted = False
    if (
        cp_at >= 0
        and segment.startswith(b"{0", cp_at + 5)
        and is_encrypted_cp(segment[cp_at + 5 : cp_at + 8])
    ):
        plain = _decrypt(segment, cp_at, header, keys)
        encrypted = True
        crc = None
    computed = crc_hj212(plain) if crc is None else crc
    length_ok = len(plain) == declared
    if computed != sent_crc:
        if not length_ok:
            raise _Refuse(
                Reason.BAD_LENGTH,
                "length",
                f"declared {declared} bytes but the segment has {len(plain)}, and the CRC "
                f"fails (sent {crc_text.decode('latin-1')}, computed {computed:04X}): "
                "bytes lost or frames merged",
                2,
            )
        rule = f"sent {crc_text.decode('latin-1')}, computed {computed:04X} (2017 Appendix A)"
        if encrypted:
            rule += " over the decrypted segment: wrong SM4 key?"
        raise _Refuse(Reason.CRC_MISMATCH, "CRC", rule, n - 4)
    if header_problem is not None:
        raise header_problem
    return _build_packet(plain, cp_at, header, encrypted, length_ok, frame)


def _parse_header(head: bytes, header: dict[str, str]) -> _Refuse | None:
    """Read ``NAME=value`` header items in any order (separators ``;`` or ``,``, spaces trimmed).

    The first problem is returned, not raised, so that a damaged frame is reported by its CRC
    rather than by the damage it caused.
    """
    text = head.decode("latin-1")
    if " " not in text and "," not in text:  # fast path: the standard layout
        items = [item for item in text.split(";") if item]
        if text.count("=") == len(items) and _TWO_EQUALS.search(text) is None:
            header.update(item.split("=", 1) for item in items)  # type: ignore[misc]
            return None
    problem = None
    for item in text.replace(",", ";").split(";"):
        name, eq, value = item.partition("=")
        name = name.strip()
        if eq and name:
            header.setdefault(name, value.strip())
        elif item.strip() and problem is None:
            problem = _Refuse(
                Reason.MALFORMED_FIELD,
                "header",
                f"header item {item.strip()[:20]!r} is not NAME=value (2017 §6.3.2)",
                6 + text.find(item),
            )
    return problem


def _decrypt(segment: bytes, cp_at: int, header: dict[str, str], keys: KeyLookup | None) -> bytes:
    mn = header.get("MN", "")
    key = keys(mn) if keys is not None else None
    if key is None:
        raise _Refuse(
            Reason.MALFORMED_FIELD,
            "CP",
            f"CP is SM4-encrypted (HJ 212-2025 §6.4) but no key is registered for MN {mn!r}",
            6 + cp_at,
        )
    close = segment.rfind(b"&&")
    if close < cp_at + 5:
        raise _Refuse(Reason.MALFORMED_FIELD, "CP", "CP must end with '&&'", 6 + cp_at)
    try:
        body = decrypt_cp(segment[cp_at + 5 : close], key)
    except CipherError as exc:
        raise _Refuse(Reason.MALFORMED_FIELD, "CP", str(exc), 6 + cp_at + 5) from None
    return segment[: cp_at + 5] + body + segment[close:]


def _int_field(header: dict[str, str], name: str, offset: int) -> int | None:
    value = header.get(name)
    if value is None:
        return None
    if not value.isdigit() or not value.isascii():
        raise _Refuse(
            Reason.MALFORMED_FIELD, name, f"{name}={value[:12]!r} is not an integer", offset
        )
    return int(value)


def _header_values(header: dict[str, str]) -> _Header:
    """Check the header fields of 2017 Table 3 (after ST/CN/MN presence and CP) and type them."""
    cn = header["CN"]
    if len(cn) != 4 or not cn.isdigit() or not cn.isascii():
        raise _Refuse(Reason.MALFORMED_FIELD, "CN", f"CN={cn[:12]!r} is not 4 digits", 6)
    flag = _int_field(header, "Flag", 6)
    if flag is not None and (flag > 255 or (flag >> 2) & 0x3F > 2):
        raise _Refuse(
            Reason.MALFORMED_FIELD,
            "Flag",
            f"Flag={flag}: version bits {(flag >> 2) & 0x3F} are not 0 (2005), 1 (2017) "
            "or 2 (2025) (2017 Table 3)",
            6,
        )
    pnum = _int_field(header, "PNUM", 6)
    pno = _int_field(header, "PNO", 6)
    if flag is not None and flag & 2 and (pnum is None or pno is None or not 1 <= pno <= pnum):
        raise _Refuse(
            Reason.MALFORMED_FIELD,
            "PNUM/PNO",
            f"Flag={flag} announces a split packet: need 1 <= PNO <= PNUM, got "
            f"PNUM={pnum}, PNO={pno} (2017 Table 3)",
            6,
        )
    qn = header.get("QN")
    if qn is not None and (not qn.isdigit() or len(qn) not in (14, 16, 17)):
        raise _Refuse(
            Reason.MALFORMED_FIELD, "QN", f"QN={qn[:20]!r} is not 17 digits (2017 §6.3.2)", 6
        )
    rf = header.get("RF", "0") not in ("", "0")
    return header["ST"], cn, header.get("PW", ""), header["MN"], qn, flag, pnum, pno, rf


def _require_ids(header: dict[str, str]) -> None:
    for name in ("ST", "CN", "MN"):
        if not header.get(name):
            raise _Refuse(Reason.MALFORMED_FIELD, name, f"{name} is missing (2017 Table 3)", 6)


def _build_packet(
    seg: bytes, cp_at: int, header: dict[str, str], encrypted: bool, length_ok: bool, raw: bytes
) -> Packet:
    _require_ids(header)
    if cp_at < 0:
        raise _Refuse(Reason.MALFORMED_FIELD, "CP", "no 'CP=&&' (2017 §6.3.2)", 6)
    st, cn, pw, mn, qn, flag, pnum, pno, rf = _header_values(header)
    close = seg.rfind(b"&&")
    if close < cp_at + 5:
        raise _Refuse(Reason.MALFORMED_FIELD, "CP", "CP must end with '&&' (2017 §6.3.3)", 6)
    if seg[close + 2 :].strip(b" ;"):
        raise _Refuse(
            Reason.MALFORMED_FIELD,
            "CP",
            "bytes after the closing '&&' of CP (2017 §6.3.2)",
            6 + close + 2,
        )
    body = seg[cp_at + 5 : close]
    try:
        cp = body.decode("utf-8")
    except UnicodeDecodeError:
        cp = body.decode("gb18030", errors="replace")  # legacy devices send GBK text
    data_time = _check_cp(cp, cn, 6 + cp_at + 5) if cn in KNOWN_CNS else None
    packet = _new_packet(
        st, cn, pw, mn, qn, flag, pnum, pno, rf, cp, encrypted, length_ok, data_time, raw
    )
    if cn not in KNOWN_CNS:
        _check_cp(cp, "0000", 6 + cp_at + 5)
        raise _Refuse(
            Reason.UNSUPPORTED_COMMAND,
            "CN",
            f"CN={cn} is not a command of HJ/T 212-2005, HJ 212-2017 (Table 9) or HJ 212-2025",
            6,
            packet,
        )
    return packet


def _check_cp(cp: str, cn: str, offset: int) -> datetime | None:
    """Check the CP grammar (2017 §6.3.3) and, for data uploads, numbers and the data time.

    Regular expressions do the work in C; Python only runs to explain a refusal.
    """
    if "//" in cp:
        valid = _CP_WITH_LOGS.fullmatch(cp) is not None
    elif (
        cp.count("=") == cp.count(";") + cp.count(",") + 1
        and " " not in cp
        and _TWO_EQUALS.search(cp) is None
        and ";=" not in cp
        and ",=" not in cp
        and cp[:1] != "="
    ):
        valid = True  # fast path: one '=' per item, every name non-empty
    else:
        valid = _CP_ALL.fullmatch(cp) is not None
    if not valid:
        raise _Refuse(
            Reason.MALFORMED_FIELD,
            _first_bad_item(cp),
            "CP items must be NAME=value, joined by ',' within a factor and ';' between "
            "factors (2017 §6.3.3)",
            offset,
        )
    if cn not in DATA_TYPE_BY_CN:
        return None
    bad = _BAD_NUMBER.search(cp)
    if bad is not None:
        start = max(cp.rfind(";", 0, bad.start()), cp.rfind(",", 0, bad.start())) + 1
        name = cp[start : bad.end() - 1].strip()
        value = cp[bad.end() :].split(";")[0].split(",")[0]
        raise _Refuse(
            Reason.MALFORMED_FIELD,
            name,
            f"{name}={value[:20]!r} is not a decimal number (2017 §6.3.3, Table 4 data types)",
            offset + len(cp[:start].encode()),
        )
    time_name = "AlarmTime" if cn == "2072" else "DataTime"
    found = (_ALARM_TIME if cn == "2072" else _DATA_TIME).search(cp)
    if found is None:
        if _NUMERIC_ITEM.search(cp) is None:
            return None  # a request (history BeginTime/EndTime, or start/stop): no readings
        raise _Refuse(
            Reason.MALFORMED_FIELD, time_name, f"CN={cn} needs {time_name} (2017 Table 4)", offset
        )
    return _parse_time(found.group(1), time_name, offset + found.start(1))


def _first_bad_item(cp: str) -> str:
    for item in cp.replace(",", ";").split(";"):
        name, eq, _ = item.partition("=")
        if item.strip() and (not eq or not name.strip()):
            return item.strip()[:24]
    return "CP"


def _parse_time(value: str, name: str, offset: int) -> datetime:
    """``YYYYMMDDhhmmss[zzz]`` CST -> naive UTC (2017 Table 4; 17 digits seen in 2005 traffic)."""
    moment = _TIMES.get(value[:14]) if len(value) in (14, 17) else None
    if moment is not None and value.isdigit() and value.isascii():
        return moment  # loggers of one platform report the same periods: most times repeat
    if len(value) not in (14, 17) or not value.isdigit() or not value.isascii():
        raise _Refuse(
            Reason.MALFORMED_FIELD,
            name,
            f"{name}={value[:20]!r} is not YYYYMMDDhhmmss (14 digits, or 17 with milliseconds)",
            offset,
        )
    try:
        local = datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[8:10]),
            int(value[10:12]),
            int(value[12:14]),
        )
    except ValueError as exc:
        raise _Refuse(
            Reason.MALFORMED_FIELD, name, f"{name}={value!r} is not a valid time ({exc})", offset
        ) from None
    if local.year < 1971:
        raise _Refuse(Reason.MALFORMED_FIELD, name, f"{name}={value!r} is before 1971", offset)
    moment = local - CST
    if len(_TIMES) >= 65536:
        _TIMES.clear()
    _TIMES[value[:14]] = moment
    return moment


_TIMES: dict[str, datetime] = {}
"""Valid 14-digit times already converted (a bounded memo; datetimes are immutable)."""
