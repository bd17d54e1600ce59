"""Building HJ 212 packets: frames, CP text, platform requests, SM4-encrypted CP. Pure.

Layout of HJ 212-2017 §6.3 (Table 2): ``##`` + 4-digit length + data segment + CRC16
(Appendix A, upper-case hex) + CRLF; header order of HJ 212-2025 figure 4
(``QN;ST;CN;PW;MN;Flag;PNUM;PNO;RF;CP``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ecoguard.ingest.hj212.codec import MAX_SEGMENT, Packet
from ecoguard.ingest.hj212.crc import crc_hj212
from ecoguard.ingest.hj212.factors import Version
from ecoguard.ingest.hj212.sm4 import encrypt_cp

__all__ = ["answer_frame", "build_frame", "encode", "join_cp", "request"]


def join_cp(groups: Sequence[Sequence[tuple[str, object]]]) -> str:
    """CP text from groups of ``(name, value)`` items: ``,`` inside a group, ``;`` between."""
    return ";".join(",".join(f"{k}={v}" for k, v in group) for group in groups)


def request(
    cn: str,
    mn: str,
    pw: str,
    qn: str,
    *,
    st: str = "32",
    version: Version = Version.HJ212_2017,
    items: Sequence[tuple[str, object]] = (),
) -> Packet:
    """A platform request asking for an answer (Flag bit 0 set), e.g. a history request.

    Parameters
    ----------
    cn : str
        Command code (HJ 212-2017 Table 9), e.g. ``"2061"`` with ``BeginTime``/``EndTime``
        items to fetch hourly data (Table C.21), ``"1012"`` with ``SystemTime`` to set the
        logger's clock, ``"1000"`` with ``OverTime``/``ReCount``.
    mn, pw, qn : str
        Device, its password, and the request id (17 digits, CST).
    st : str
        System code of the device (Table 5).
    version : Version
        Dialect; 2005 packets carry no Flag.
    items : sequence of (str, object)
        CP items, joined by ";" as in the standard's examples.

    Returns
    -------
    Packet
        Encode with :func:`encode`; the device answers 9011, then data, then 9012 (§6.5).
    """
    flag = None if version is Version.HJ212_2005 else (int(version) << 2) | 1
    return Packet(st=st, cn=cn, pw=pw, mn=mn, qn=qn, flag=flag, cp=join_cp([[i] for i in items]))


def build_frame(segment: bytes) -> bytes:
    """Wrap a data segment: ``##`` + 4-digit length + segment + CRC (upper-case hex) + CRLF."""
    if len(segment) > 9999:
        raise ValueError(f"data segment of {len(segment)} bytes does not fit 4 digits")
    return b"##%04d%s%04X\r\n" % (len(segment), segment, crc_hj212(segment))


def encode(packet: Packet, *, key: bytes | None = None) -> bytes:
    """Build the frame of ``packet`` (2017 §6.3; header order of 2025 figure 4).

    Parameters
    ----------
    packet : Packet
        Header fields and the CP text (see :func:`join_cp`); ``data_time`` is ignored.
    key : bytes, optional
        SM4 key: encrypt the CP data area (HJ 212-2025 §6.4.2). The CRC and the length field
        are those of the plaintext segment (Appendix A.2).

    Returns
    -------
    bytes
        The complete frame including ``\\r\\n``.
    """
    parts = []
    if packet.qn is not None:
        parts.append(f"QN={packet.qn}")
    parts += [f"ST={packet.st}", f"CN={packet.cn}", f"PW={packet.pw}", f"MN={packet.mn}"]
    if packet.flag is not None:
        parts.append(f"Flag={packet.flag}")
    if packet.pnum is not None:
        parts.append(f"PNUM={packet.pnum}")
    if packet.pno is not None:
        parts.append(f"PNO={packet.pno}")
    if packet.rf:
        parts.append("RF=1")
    head = (";".join(parts) + ";CP=&&").encode("latin-1")
    body = packet.cp.encode()
    plain = head + body + b"&&"
    if len(plain) > MAX_SEGMENT:
        raise ValueError(
            f"data segment of {len(plain)} bytes > {MAX_SEGMENT}: split it (PNUM/PNO, 2017 §6.3)"
        )
    if key is None:
        return build_frame(plain)
    cipher = head + encrypt_cp(body, key) + b"&&"
    return b"##%04d%s%04X\r\n" % (len(plain), cipher, crc_hj212(plain))


def answer_frame(packet: Packet, cn: str, cp: str = "") -> bytes:
    """An answer to ``packet`` (2017 §6.5, Tables C.1-C.50): same QN, MN and PW, ``ST=91``,
    ``Flag`` = the packet's version bits with no answer/split bits (4 for 2017, 8 for 2025,
    0 for 2005 devices that sent a Flag)."""
    parts = [] if packet.qn is None else [f"QN={packet.qn}"]
    parts += ["ST=91", f"CN={cn}", f"PW={packet.pw}", f"MN={packet.mn}"]
    if packet.flag is not None:
        parts.append(f"Flag={packet.flag & ~0x03}")
    segment = ";".join(parts) + f";CP=&&{cp}&&"
    return build_frame(segment.encode("latin-1"))
