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
* :func:`crc_hj212` -- table driven: two bytes per step with a 65 536-entry table for short
  segments; for longer ones, one NumPy gather + XOR-reduce over per-position tables (the
  update is linear over GF(2), see :func:`_position_tables`);
* :func:`crc_hj212_many` -- the same linear method over many segments at once (no loop over
  bytes at all), used when parsing files and busy batches.

Properties (checked in tests): ``crc("") == 0xFFFF``, ``crc(b"123456789") == 0x2F80`` and the
low byte of any value is one of ``00 01 40 41 80 81 C0 C1``.
"""

from __future__ import annotations

import functools
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
    "format_crc_many",
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


_LINEAR_FROM = 128
"""From this length on, one NumPy gather + XOR-reduce beats the pair loop (measured)."""
_LITTLE = sys.byteorder == "little"  # the pair table reads little-endian 16-bit words


@functools.cache
def _pairs() -> bytes:
    return _pair_table()


def crc_hj212(data: bytes) -> int:
    """CRC16 of HJ 212 (2017 Appendix A), table driven.

    Segments shorter than 128 bytes go two bytes per step through a 65 536-entry table; longer
    ones use one NumPy gather + XOR-reduce over per-position tables (:func:`_position_tables`).

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
    if _LINEAR_FROM <= n <= _LINEAR_MAX:
        return _crc_linear(data)
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
_LINEAR_MAX = 4096
"""Longest segment handled by the position tables; longer ones use the pair table."""


@functools.cache
def _position_tables() -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.uint16]]:
    """``G[k, b]``: contribution of byte ``b`` standing ``k`` places before the end;
    ``I[n]``: contribution of the initial 0xFFFF to an ``n``-byte segment.

    The register update ``crc' = T[(crc >> 8) ^ b]`` is linear over GF(2) (``T`` is the
    table of a CRC), so ``crc(b_0..b_{n-1}) = I[n] ^ XOR_i G[n-1-i, b_i]`` with
    ``G[0] = T`` and ``G[k+1, b] = T[G[k, b] >> 8]``, ``I[0] = 0xFFFF``, ``I[n+1] = T[I[n] >> 8]``.
    2 MB, built in tens of milliseconds on first use.
    """
    g = np.empty((_LINEAR_MAX, 256), dtype=np.uint16)
    g[0] = _T16_NP
    for k in range(1, _LINEAR_MAX):
        g[k] = _T16_NP[g[k - 1] >> 8]
    init = [0xFFFF]
    for _ in range(_LINEAR_MAX):
        init.append(_T16[init[-1] >> 8])
    return g.ravel(), np.array(init, dtype=np.uint16)


def _crc_linear(data: bytes) -> int:
    flat, init = _position_tables()
    n = len(data)
    index = np.arange((n - 1) * 256, -1, -256, dtype=np.intp)
    index += np.frombuffer(data, dtype=np.uint8)
    return int(np.bitwise_xor.reduce(flat[index])) ^ int(init[n])


_CHUNK_BYTES = 1 << 20


def crc_hj212_many(segments: Sequence[bytes]) -> npt.NDArray[np.uint16]:
    """CRC16 of HJ 212 for many data segments at once, without a loop over bytes.

    Uses the linearity of the register update (see :func:`_position_tables`): every byte's
    contribution is gathered from a table by (distance to its segment's end, value) and the
    contributions are XOR-reduced per segment (``numpy.bitwise_xor.reduceat``).

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
    if not count:
        return out
    lengths = np.fromiter(map(len, segments), dtype=np.int64, count=count)
    long = np.flatnonzero(lengths > _LINEAR_MAX)
    for k in long.tolist():
        out[k] = crc_hj212(segments[k])
    linear = (lengths > 0) & (lengths <= _LINEAR_MAX)
    sizes = np.cumsum(np.where(linear, lengths, 0))
    flat_table, init = _position_tables()
    i = 0
    while i < count:  # chunks of about 1 MB: the index array stays small and int32 suffices
        before = int(sizes[i - 1]) if i else 0
        j = max(int(np.searchsorted(sizes, before + _CHUNK_BYTES, side="right")), i + 1)
        where = np.flatnonzero(linear[i:j]) + i
        if where.size:
            # empty segments add no bytes to the join; only over-long ones must be left out
            whole = not long.size or not ((long >= i) & (long < j)).any()
            part = segments[i:j] if whole else [segments[k] for k in where.tolist()]
            n = lengths[where].astype(np.int32)
            ends = np.cumsum(n, dtype=np.int32)
            data = np.frombuffer(b"".join(part), dtype=np.uint8)
            # index of (distance to the segment's end, byte) in the flat table, built in
            # place in int32: the int64 temporaries of the plain expression cost twice as much
            index = np.repeat((ends - 1) * 256, n)
            index -= np.arange(0, data.size * 256, 256, dtype=np.int32)
            index += data
            out[where] = np.bitwise_xor.reduceat(flat_table[index], ends - n) ^ init[n]
        i = j
    return out


def format_crc(value: int) -> str:
    """Four upper-case hex digits, high byte first (2017 Appendix A: "先高字节后低字节")."""
    return f"{value:04X}"


@functools.cache
def _hex_texts() -> npt.NDArray[np.bytes_]:
    """The 65 536 possible values as 4 upper-case hex digits (``S4``), indexed by value."""
    digits = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
    values = np.arange(65536, dtype=np.uint32)
    nibbles = np.stack([(values >> shift) & 0xF for shift in (12, 8, 4, 0)], axis=1)
    return np.ascontiguousarray(digits[nibbles]).view("S4").ravel()


def format_crc_many(values: npt.NDArray[np.uint16]) -> list[bytes]:
    """:func:`format_crc` of many values at once, as ASCII bytes (``b"1C80"``)."""
    texts: list[bytes] = _hex_texts()[values].tolist()
    return texts
