"""Byte-stream framing of HJ 212 (2017 §6.3.1 Table 2): cut a TCP stream into candidate frames.

TCP delivers packets split across reads and several per read; field modems (DTU) add junk such as
``##test13912345678\\0``. The framer resynchronises on ``##``, trusts the 4-digit length when the
frame ends in ``\\r\\n`` (or a bare ``\\n``) exactly there, and otherwise frames by the next
``\\r\\n`` before the next ``##`` (a wrong length field, or an HJ 212-2025 encrypted frame whose
length field counts the plaintext, Appendix A.2). Whether a candidate is valid is decided by
:func:`ecoguard.ingest.hj212.codec.decode`; this module only cuts. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecoguard.ingest.hj212.codec import MAX_SEGMENT, Reason, Refusal

__all__ = ["Framer", "Junk"]


@dataclass(frozen=True, slots=True)
class Junk:
    """Bytes the framer skipped, with the refusal explaining why."""

    refusal: Refusal
    raw: bytes


_MAX_FRAME = 2 + 4 + 9 * MAX_SEGMENT + 4 + 2
"""Largest candidate kept: room for an encrypted segment written as ``{0xHH,...}`` text."""


class Framer:
    """Incremental framer: :meth:`feed` bytes, get candidate frames and junk refusals back.

    Parameters
    ----------
    max_frame : int
        A buffer growing past this without a frame is dropped and reported as ``oversized``.
    """

    def __init__(self, max_frame: int = _MAX_FRAME) -> None:
        self._buf = bytearray()
        self._max = max_frame

    @property
    def pending(self) -> int:
        """Bytes held waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes | Junk]:
        """Add received bytes; return complete candidate frames (``##`` ... CRC, no tail) and
        refusals for skipped junk, in stream order."""
        buf = self._buf
        buf += data
        out: list[bytes | Junk] = []
        while True:
            i = buf.find(b"##")
            if i < 0:
                keep = 1 if buf.endswith(b"#") else 0
                self._junk(out, bytes(buf[: len(buf) - keep]))
                del buf[: len(buf) - keep]
                return out
            if i:
                self._junk(out, bytes(buf[:i]))
                del buf[:i]
            if len(buf) < 6:
                return out
            length = bytes(buf[2:6])
            if not length.isdigit():
                j = buf.find(b"##", 2)
                cut = j if j >= 0 else len(buf)
                nl = buf.find(b"\n", 2, cut)
                if nl >= 0:
                    cut = nl + 1
                elif j < 0 and len(buf) < self._max:
                    return out  # maybe the rest of a garbled line is coming
                refusal = Refusal(
                    Reason.BAD_FRAME,
                    "length",
                    f"length field {length!r} is not 4 decimal digits (2017 Table 2)",
                    2,
                )
                out.append(Junk(refusal, bytes(buf[:cut])))
                del buf[:cut]
                continue
            end = 6 + int(length) + 4
            if len(buf) >= end + 2 and buf[end : end + 2] == b"\r\n":
                out.append(bytes(buf[:end]))
                del buf[: end + 2]
                continue
            if len(buf) >= end + 1 and buf[end : end + 1] == b"\n":
                out.append(bytes(buf[:end]))
                del buf[: end + 1]
                continue
            crlf = buf.find(b"\r\n", 6)
            nxt = buf.find(b"##", 2)
            if crlf >= 0 and (nxt < 0 or crlf < nxt):
                out.append(bytes(buf[:crlf]))  # length field wrong: frame by CRLF
                del buf[: crlf + 2]
                continue
            if nxt >= 0 and (len(buf) >= end + 2 or crlf < 0):
                out.append(bytes(buf[:nxt]))  # a frame cut short by the next one
                del buf[:nxt]
                continue
            if len(buf) > self._max:
                refusal = Refusal(
                    Reason.OVERSIZED,
                    "data segment",
                    f"{len(buf)} bytes without a frame end (limit {self._max})",
                    6,
                )
                out.append(Junk(refusal, bytes(buf[:256])))
                buf.clear()
            return out

    def _junk(self, out: list[bytes | Junk], junk: bytes) -> None:
        if junk.strip(b"\r\n\t \x00"):
            refusal = Refusal(
                Reason.BAD_FRAME,
                "header",
                f"{len(junk)} bytes outside any frame ({junk[:16]!r}): a frame starts "
                "with '##' (2017 Table 2)",
                0,
            )
            out.append(Junk(refusal, junk))

    def take_pending(self) -> bytes:
        """Drop and return the bytes held for an incomplete frame (on a frame timeout)."""
        pending = bytes(self._buf)
        self._buf.clear()
        return pending
