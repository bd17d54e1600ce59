"""What a decoded HJ 212 packet is: :class:`Packet`, :class:`Reading`, :class:`Refusal` and its
:class:`Reason` codes, and how a CP data area reads (:func:`split_cp`, :meth:`Packet.readings`).
Pure data and interpretation; decoding bytes is :mod:`.codec`, building them :mod:`.build`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from ecoguard.ingest.hj212.factors import DATA_TYPE_BY_CN, Version, canonical_factor

__all__ = [
    "CST",
    "CST_ZONE",
    "MAX_SEGMENT",
    "Packet",
    "PacketRefusedError",
    "Reading",
    "Reason",
    "Refusal",
    "split_cp",
]

MAX_SEGMENT = 1024
"""Largest data segment, HJ 212-2017 Table 2 (0 <= n <= 1024); kept by HJ 212-2025 §8.1.2."""

CST = timedelta(hours=8)
"""China Standard Time offset; QN and DataTime are CST wall clock (no DST since 1991)."""
CST_ZONE = timezone(CST, "CST")
"""China Standard Time as a time zone, for aware datetimes."""

_SUFFIXES = "Rtd|Avg|Min|Max|Cou|Zs(?:Rtd|Avg|Min|Max)|R[ST]|Ala|Data"
"""Suffixes of numeric CP items (2017 Table 4; 2005 ``Ala``, ``RS``/``RT``, noise ``Data``)."""
_NUMERIC_ITEM = re.compile(rf"-(?:{_SUFFIXES})\s*=")
_LOG_VALUE = r"\s*//.*?//\s*"
_LOG_ITEM = re.compile(rf"\s*([^;,=\s][^;,=]*)=({_LOG_VALUE}|[^;,=]*)([;,]|$)", re.DOTALL)


class Reason(StrEnum):
    """Why a packet was refused."""

    BAD_FRAME = "bad_frame"
    """No ``##dddd`` header, or no 4-hex-digit CRC before the tail (2017 Table 2)."""
    BAD_LENGTH = "bad_length"
    """Length field disagrees with the segment *and* the CRC fails: bytes lost or merged."""
    CRC_MISMATCH = "crc_mismatch"
    """CRC16 of Appendix A over the data segment differs from the transmitted one."""
    UNKNOWN_MN = "unknown_mn"
    """The MN is not in the device directory."""
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a reason code, not a secret
    """PW differs from the one registered for the MN."""
    MALFORMED_FIELD = "malformed_field"
    """A header or CP field breaks the grammar of 2017 §6.3.2/§6.3.3 (Tables 3 and 4)."""
    OVERSIZED = "oversized"
    """Data segment longer than 1024 bytes (2017 Table 2), or a stream with no frame in sight."""
    UNSUPPORTED_COMMAND = "unsupported_command"
    """CN not in the command tables of 2005/2017/2025 nor a known vendor code."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused packet: reason code, where, and which rule.

    Attributes
    ----------
    reason : Reason
        One of the eight reason codes.
    field : str
        Part of the packet: ``header``, ``length``, ``CRC``, ``Flag``, ``DataTime``,
        ``a21026-Rtd``...
    rule : str
        The rule broken, in words, citing the standard.
    offset : int
        Byte offset in the frame (from the first ``#``) where the problem was found.
    mn, st, cn : str or None
        Header values when they could be read.
    version : str or None
        ``2005``/``2017``/``2025`` when known.
    packet : Packet or None
        The decoded packet when only its content was refused (``unsupported_command``), so
        that an answer (9011 ``QnRtn=8``) can be built.
    """

    reason: Reason
    field: str
    rule: str
    offset: int = 0
    mn: str | None = None
    st: str | None = None
    cn: str | None = None
    version: str | None = None
    packet: Packet | None = dataclasses.field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.reason}: {self.field} at byte {self.offset}: {self.rule}"


class PacketRefusedError(ValueError):
    """Raised by :func:`decode` (``strict=True``); carries the :class:`Refusal`."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


@dataclass(frozen=True, slots=True)
class Reading:
    """The values of one factor in one upload (one CP group, 2017 §6.3.3).

    Attributes
    ----------
    code : str
        Factor code as sent (``011``, ``w01018``, ``SB1``).
    parameter : str
        HJ 212-2017 code (legacy 2005 codes mapped by Appendix B "原编码").
    rtd, avg, min, max, cou : float or None
        ``-Rtd``, ``-Avg``, ``-Min``, ``-Max``, ``-Cou`` (2017 Table 4). ``-RS`` (facility state)
        and ``-Ala`` (2005 alarm value) are stored as ``rtd``, ``-RT`` (running hours) and
        ``-Data`` (noise) as ``avg``.
    zs_rtd, zs_avg, zs_min, zs_max : float or None
        ``-ZsRtd`` ... 折算 values (converted to reference O2).
    flag : str or None
        ``-Flag`` data flag (2017 Table 8).
    eflag : str or None
        ``-EFlag`` instrument-defined flag.
    extra : tuple of (str, str)
        Other suffixes as sent (``SampleTime``, ``Info``, ``SN``, ...).
    """

    code: str
    parameter: str
    rtd: float | None = None
    avg: float | None = None
    min: float | None = None
    max: float | None = None
    cou: float | None = None
    zs_rtd: float | None = None
    zs_avg: float | None = None
    zs_min: float | None = None
    zs_max: float | None = None
    flag: str | None = None
    eflag: str | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def value_count(self) -> int:
        """Number of numeric values carried."""
        return sum(
            v is not None
            for v in (
                self.rtd,
                self.avg,
                self.min,
                self.max,
                self.cou,
                self.zs_rtd,
                self.zs_avg,
                self.zs_min,
                self.zs_max,
            )
        )


_NUMERIC_SUFFIX = {
    "Rtd": "rtd",
    "Avg": "avg",
    "Min": "min",
    "Max": "max",
    "Cou": "cou",
    "ZsRtd": "zs_rtd",
    "ZsAvg": "zs_avg",
    "ZsMin": "zs_min",
    "ZsMax": "zs_max",
    "RS": "rtd",
    "Ala": "rtd",
    "RT": "avg",
    "Data": "avg",
}
_TEXT_SUFFIX = {"Flag": "flag", "EFlag": "eflag"}


@dataclass(frozen=True, slots=True)
class Packet:
    """A decoded HJ 212 packet.

    Attributes
    ----------
    st, cn, pw, mn : str
        System code, command code, password, device id (2017 Table 3); kept as sent.
    qn : str or None
        Request id (17 digits in 2017; often absent in 2005 uploads).
    flag : int or None
        ``Flag`` (absent in most 2005 packets).
    pnum, pno : int or None
        Split-packet count and number, present when bit 1 of Flag is set.
    rf : bool
        HJ 212-2025 re-upload marker ``RF=1`` (补传).
    cp : str
        The plaintext CP data area (between ``CP=&&`` and ``&&``), grammar-checked; see
        :meth:`groups` and :meth:`readings`.
    encrypted : bool
        CP arrived SM4-encrypted (HJ 212-2025 §6.4).
    length_ok : bool
        The length field matched; ``False`` when the frame was accepted on its CRC alone.
    data_time : datetime or None
        ``DataTime`` (``AlarmTime`` for 2072) of data uploads as naive UTC, truncated to seconds.
    """

    st: str
    cn: str
    pw: str
    mn: str
    qn: str | None = None
    flag: int | None = None
    pnum: int | None = None
    pno: int | None = None
    rf: bool = False
    cp: str = ""
    encrypted: bool = False
    length_ok: bool = True
    data_time: datetime | None = None
    raw: bytes = dataclasses.field(default=b"", compare=False, repr=False)

    @property
    def version(self) -> Version:
        """Standard version from Flag bits 7..2 (2017 Table 3); absent Flag means 2005."""
        return Version.HJ212_2005 if self.flag is None else Version((self.flag >> 2) & 0x3F)

    @property
    def needs_answer(self) -> bool:
        """Bit 0 of Flag (2017: "A"; 2025 prints the letter as "D", same bit)."""
        return self.flag is not None and bool(self.flag & 1)

    @property
    def split(self) -> bool:
        """Bit 1 of Flag: PNUM and PNO present."""
        return self.flag is not None and bool(self.flag & 2)

    @property
    def data_type(self) -> str | None:
        """``rtd``/``min``/``hour``/``day``/``alarm`` for data uploads, else ``None``.

        A data command without ``DataTime`` and values is a request (2017 Table C.21), not an
        upload.
        """
        return None if self.data_time is None else DATA_TYPE_BY_CN.get(self.cn)

    def groups(self) -> tuple[tuple[tuple[str, str], ...], ...]:
        """The CP data area as groups (``;``) of ``(name, value)`` items (``,``), trimmed."""
        return split_cp(self.cp)

    def readings(self) -> tuple[Reading, ...]:
        """Factor values of a data upload (CNs of :data:`DATA_TYPE_BY_CN`); else empty."""
        if self.data_time is None:
            return ()
        return _readings(self.groups())

    def value_count(self) -> int:
        """Number of numeric values carried by a data upload (counted without building them)."""
        if self.data_time is None:
            return 0
        return len(_NUMERIC_ITEM.findall(self.cp))

    def item(self, name: str) -> str | None:
        """The value of the first CP item called ``name`` (e.g. ``QnRtn``), or ``None``."""
        for group in self.groups():
            for key, value in group:
                if key == name:
                    return value
        return None


_PACKET_SETTERS = tuple(vars(Packet)[f.name].__set__ for f in dataclasses.fields(Packet))
"""The slot setters of :class:`Packet` in field order (see :func:`_new_packet`)."""


def _new_packet(
    st: str,
    cn: str,
    pw: str,
    mn: str,
    qn: str | None,
    flag: int | None,
    pnum: int | None,
    pno: int | None,
    rf: bool,
    cp: str,
    encrypted: bool,
    length_ok: bool,
    data_time: datetime | None,
    raw: bytes,
) -> Packet:
    """``Packet(...)`` with every field given, built through its slot setters.

    The frozen dataclass's ``__init__`` goes through ``object.__setattr__`` once per field,
    a third of the decoding time of a whole packet; the result is the same immutable object.
    """
    packet: Packet = object.__new__(Packet)
    s_st, s_cn, s_pw, s_mn, s_qn, s_flag, s_pnum, s_pno, s_rf, s_cp, s_enc, s_ok, s_dt, s_raw = (
        _PACKET_SETTERS
    )
    s_st(packet, st)
    s_cn(packet, cn)
    s_pw(packet, pw)
    s_mn(packet, mn)
    s_qn(packet, qn)
    s_flag(packet, flag)
    s_pnum(packet, pnum)
    s_pno(packet, pno)
    s_rf(packet, rf)
    s_cp(packet, cp)
    s_enc(packet, encrypted)
    s_ok(packet, length_ok)
    s_dt(packet, data_time)
    s_raw(packet, raw)
    return packet


def split_cp(cp: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Split a CP data area into groups (``;``) of ``(name, value)`` items (``,``).

    ``//…//`` spans (log text, 2017 Table C.40) are opaque: separators inside do not split.
    Items are trimmed; empty items (a trailing ``;``) are skipped. The text must have passed
    the grammar check of :func:`decode`.
    """
    if "//" in cp:
        return _split_cp_with_logs(cp)
    groups = []
    for group_text in cp.split(";"):
        items = tuple(
            (name.strip(), value.strip())
            for name, _, value in (item.partition("=") for item in group_text.split(","))
            if name.strip()
        )
        if items:
            groups.append(items)
    return tuple(groups)


def _split_cp_with_logs(text: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    groups: list[tuple[tuple[str, str], ...]] = []
    items: list[tuple[str, str]] = []
    for m in _LOG_ITEM.finditer(text):
        items.append((m.group(1).strip(), m.group(2).strip()))
        if m.group(3) != ",":
            groups.append(tuple(items))
            items = []
    if items:
        groups.append(tuple(items))
    return tuple(groups)


def _readings(groups: tuple[tuple[tuple[str, str], ...], ...]) -> tuple[Reading, ...]:
    by_code: dict[str, dict[str, object]] = {}
    for group in groups:
        for name, value in group:
            code, dash, suffix = name.rpartition("-")
            if not dash:
                continue
            values = by_code.get(code)
            if values is None:
                values = by_code[code] = {}
            slot = _NUMERIC_SUFFIX.get(suffix)
            if slot is not None:
                values.setdefault(slot, float(value))
                continue
            slot = _TEXT_SUFFIX.get(suffix)
            if slot is not None:
                values.setdefault(slot, value)
            else:
                extra = values.setdefault("extra", [])
                assert isinstance(extra, list)
                extra.append((suffix, value))
    readings = []
    for code, values in by_code.items():
        extra = values.pop("extra", ())
        assert isinstance(extra, list | tuple)
        readings.append(
            Reading(code=code, parameter=canonical_factor(code), extra=tuple(extra), **values)  # type: ignore[arg-type]
        )
    return tuple(readings)
