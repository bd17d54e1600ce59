"""CRC16 of HJ 212 (Appendix A of HJ 212-2017, identical in Appendix A.1 of HJ 212-2025).

The standard's reference C routine does, for every byte ``b`` of the data segment::

    crc = (crc >> 8) ^ b
    repeat 8 times: crc = (crc >> 1) ^ (0xA001 if crc & 1 else 0)

starting from ``0xFFFF``. This is *not* CRC-16/MODBUS: the previous low byte is discarded, so
the register entering each byte is only 8 bits wide (the high byte of the previous value).
Consequently the eight shift steps of one byte are a fixed function ``T`` of the 8-bit value
``(crc >> 8) ^ b`` and the whole checksum is an 8-bit state machine::

    h = 0xFF
    for b in segment[:-1]: h = T[h ^ b] >> 8
    crc = T[h ^ segment[-1]]

This module uses that structure three ways:

* :func:`crc_hj212_bitwise` -- the literal Appendix A algorithm, kept for tests;
* :func:`crc_hj212` -- table driven, two bytes per step with a 65 536-entry table;
* :func:`crc_hj212_many` -- vectorised over many segments at once with NumPy (one step per byte
  position for a whole chunk of segments), used when parsing files and batches.

Properties (checked in tests): ``crc("") == 0xFFFF``, ``crc(b"123456789") == 0x2F80`` and the
low byte of any value is one of ``00 01 40 41 80 81 C0 C1``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "POSSIBLE_LOW_BYTES",
    "crc_hj212",
    "crc_hj212_bitwise",
    "crc_hj212_many",
    "format_crc",
]

POSSIBLE_LOW_BYTES = frozenset({0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xC0, 0xC1})
"""Low bytes an HJ 212 CRC can take; any other value was made by a different algorithm."""


def crc_hj212_bitwise(data: bytes) -> int:
    """CRC16 of HJ 212-2017 Appendix A, bit by bit, exactly as the standard's C routine.

    Parameters
    ----------
    data : bytes
        The data segment (between the 4-digit length and the CRC), as transmitted bytes.

    Returns
    -------
    int
        The 16-bit check value; print with :func:`format_crc`.
    """
    crc = 0xFFFF
    for b in data:
        crc = (crc >> 8) ^ b
        for _ in range(8):
            lsb = crc & 1
            crc >>= 1
            if lsb:
                crc ^= 0xA001
    return crc


def _byte_table() -> list[int]:
    """``T[x]``: the register after the eight shift steps applied to the 8-bit value ``x``."""
    table = []
    for x in range(256):
        crc = x
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_T16: list[int] = _byte_table()
_H8: bytes = bytes(v >> 8 for v in _T16)


def _pair_table() -> bytes:
    """State transition over two bytes: ``P[(b2 << 8) | (b1 ^ h)] = H[H[b1 ^ h] ^ b2]``.

    Indexed by a little-endian 16-bit word XOR the state, so that a ``memoryview`` cast to
    unsigned shorts drives the loop directly.
    """
    h8 = _H8
    out = bytearray(65536)
    for hi in range(256):
        base = hi << 8
        for lo in range(256):
            out[base | lo] = h8[h8[lo] ^ hi]
    return bytes(out)


_P16: bytes | None = None
_LITTLE = sys.byteorder == "little"  # the pair table reads little-endian 16-bit words


def _pairs() -> bytes:
    global _P16
    if _P16 is None:
        _P16 = _pair_table()
    return _P16


def crc_hj212(data: bytes) -> int:
    """CRC16 of HJ 212 (2017 Appendix A), table driven, two bytes per step.

    Parameters
    ----------
    data : bytes
        The data segment as transmitted bytes (the standard's C code works on bytes).

    Returns
    -------
    int
        The 16-bit check value, equal to :func:`crc_hj212_bitwise`.

    Examples
    --------
    >>> f"{crc_hj212(b'123456789'):04X}"
    '2F80'
    """
    n = len(data)
    if n == 0:
        return 0xFFFF
    h8 = _H8
    h = 0xFF
    body = n - 1  # the last byte yields the full 16-bit value
    if not _LITTLE:
        for b in data[:body]:
            h = h8[h ^ b]
        return _T16[h ^ data[body]]
    pairs = _pairs()
    even = body & ~1
    if even:
        for w in memoryview(data)[:even].cast("H"):
            h = pairs[w ^ h]
    if body & 1:
        h = h8[h ^ data[even]]
    return _T16[h ^ data[n - 1]]


_T16_NP = np.array(_T16, dtype=np.uint16)
_H8_NP = np.frombuffer(_H8, dtype=np.uint8)
_NEUTRAL = bytes([_H8.index(0xFF) ^ 0xFF])
"""The pad byte ``p`` with ``H[0xFF ^ p] == 0xFF``: left-padding with it leaves the start state."""
_CHUNK = 4096


def crc_hj212_many(segments: Sequence[bytes]) -> npt.NDArray[np.uint16]:
    """CRC16 of HJ 212 for many data segments at once (vectorised over segments).

    Segments are sorted by length, cut into chunks of 4 096, left-padded to the chunk's width
    with the one byte value that keeps the 8-bit state at its initial ``0xFF`` (``0xAB``; ``H``
    is a permutation), laid out column-wise, and advanced one byte position per NumPy step.

    Parameters
    ----------
    segments : sequence of bytes
        Data segments.

    Returns
    -------
    numpy.ndarray of uint16
        One check value per segment, in input order (``0xFFFF`` for an empty segment).
    """
    count = len(segments)
    out = np.full(count, 0xFFFF, dtype=np.uint16)
    pad = _NEUTRAL
    order = sorted(range(count), key=lambda i: len(segments[i]))  # similar widths per chunk
    ordered = [segments[i] for i in order]
    for s0 in range(0, count, _CHUNK):
        part = ordered[s0 : s0 + _CHUNK]
        width = max(map(len, part))
        if width == 0:
            continue
        grid = np.frombuffer(b"".join([s.rjust(width, pad) for s in part]), dtype=np.uint8)
        cols = grid.reshape(len(part), width).T.copy()
        state = np.full(len(part), 0xFF, dtype=np.uint8)
        for i in range(width - 1):
            np.take(_H8_NP, state ^ cols[i], out=state)
        values = _T16_NP[state ^ cols[width - 1]]
        empty = [i for i, s in enumerate(part) if not s]
        if empty:
            values[empty] = 0xFFFF
        out[order[s0 : s0 + len(part)]] = values
    return out


def format_crc(value: int) -> str:
    """Four upper-case hex digits, high byte first (2017 Appendix A: "先高字节后低字节")."""
    return f"{value:04X}"
