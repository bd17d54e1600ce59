"""Write-ahead log of the gateway: received packets are durable here before they are answered.

Layout under the WAL folder::

    seg-00000001.wal   append-only segments of framed records
    checkpoint         "<segment> <offset>": everything before it is in the time-series store
    mover.lock         held by the process moving records to the store
    identity           a random id made with the folder: record ids are unique within it

A record on disk is ``u32 length | u32 crc32(payload) | payload`` (little-endian; a zero
length marks the unused, zero-filled rest of a segment), and the
payload is ``kind | received_at (f64, Unix s) | u8 peer length | peer | u16 meta length | meta |
raw frame``. ``kind`` is ``P`` (accepted packet) or ``R`` (refused bytes, kept as quarantine
with the refusal as JSON ``meta``).

Group commit: :meth:`WriteAheadLog.append` writes a whole batch with one ``write`` and one
``fdatasync`` into a zero-filled segment; the gateway answers the packets of a batch only after
it returns.

Every process start opens a **new** segment, so a record's id ``(segment, offset)`` is never
reused, even if a power loss dropped an unsynced tail of an older segment after the mover had
already read it. A torn record at the end of a segment (crash during a write) is detected by its
length/CRC and ignored; it was never acknowledged.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import struct
import uuid
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

__all__ = [
    "RecordId",
    "WalRecord",
    "WriteAheadLog",
    "read_checkpoint",
    "read_records",
    "wal_identity",
]

_HEAD = struct.Struct("<II")
_FIXED = struct.Struct("<cdB")
_META = struct.Struct("<H")
SEGMENT_BYTES = 16 * 1024 * 1024
"""Size of a (zero-filled) segment."""

RecordId = tuple[int, int]
"""(segment number, byte offset of the record in the segment)."""


@dataclass(frozen=True, slots=True)
class WalRecord:
    """One logged item.

    Attributes
    ----------
    kind : str
        ``"P"`` accepted packet, ``"R"`` refused bytes.
    received_at : float
        Unix time [s] the bytes arrived.
    peer : str
        Remote address ``host:port``.
    raw : bytes
        The frame as received (``##`` ... CRC, no tail).
    meta : dict
        For refusals: reason, field, rule, offset, mn, st, cn, version.
    """

    kind: str
    received_at: float
    peer: str
    raw: bytes
    meta: dict[str, Any] | None = None

    def encode(self) -> bytes:
        """The framed on-disk form."""
        peer = self.peer.encode()[:255]
        meta = b"" if self.meta is None else json.dumps(self.meta).encode()[:65535]
        payload = b"".join(
            (
                _FIXED.pack(self.kind.encode(), self.received_at, len(peer)),
                peer,
                _META.pack(len(meta)),
                meta,
                self.raw,
            )
        )
        return _HEAD.pack(len(payload), zlib.crc32(payload)) + payload


def _decode_payload(payload: bytes) -> WalRecord:
    kind, received_at, peer_len = _FIXED.unpack_from(payload, 0)
    at = _FIXED.size
    peer = payload[at : at + peer_len].decode()
    at += peer_len
    (meta_len,) = _META.unpack_from(payload, at)
    at += _META.size
    meta = json.loads(payload[at : at + meta_len]) if meta_len else None
    return WalRecord(kind.decode(), received_at, peer, payload[at + meta_len :], meta)


def _segment_path(folder: Path, number: int) -> Path:
    return folder / f"seg-{number:08d}.wal"


def segments(folder: Path) -> list[int]:
    """Segment numbers present, ascending."""
    return sorted(int(p.name[4:12]) for p in folder.glob("seg-*.wal"))


def wal_identity(folder: Path) -> str:
    """The folder's random identity, made on first use.

    Record ids ``(segment, offset)`` are unique within one WAL folder only; a store that has
    seen the positions of one folder must not mistake a new folder's (which start again at
    segment 1) for positions it already holds.
    """
    path = Path(folder) / "identity"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    Path(folder).mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"identity.{uuid.uuid4().hex}.tmp")
    tmp.write_text(uuid.uuid4().hex + "\n")
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # never replaces an identity another process made meanwhile
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(Path(folder))
    return path.read_text().strip()


def read_checkpoint(folder: Path) -> RecordId:
    """Position up to which records are in the store (``(0, 0)`` when nothing was moved)."""
    try:
        text = (folder / "checkpoint").read_text().split()
    except FileNotFoundError:
        return (0, 0)
    return (int(text[0]), int(text[1]))


def write_checkpoint(folder: Path, position: RecordId) -> None:
    """Atomically record that everything before ``position`` is in the store."""
    tmp = folder / "checkpoint.tmp"
    with tmp.open("w") as f:
        f.write(f"{position[0]} {position[1]}\n")
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(folder / "checkpoint")
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_records(
    folder: Path, start: RecordId, *, limit: int = 1_000_000, max_bytes: int = 64 * 1024 * 1024
) -> Iterator[tuple[RecordId, RecordId, WalRecord]]:
    """Yield ``(id, next_position, record)`` for valid records from ``start`` on.

    At most ``limit`` records and ``max_bytes`` bytes of one segment are read per call (the
    caller resumes from the last ``next_position``).

    A segment is read up to its first invalid or incomplete record (a torn tail, or bytes
    still being written): past a torn tail of an older segment, reading continues in the next
    segment; in the newest segment it stops there.
    """
    numbers = [n for n in segments(folder) if n >= start[0]]
    count = 0
    for index, number in enumerate(numbers):
        base = start[1] if number == start[0] else 0
        try:
            with _segment_path(folder, number).open("rb") as f:
                f.seek(base)
                data = f.read(max_bytes)
        except FileNotFoundError:
            continue
        offset = 0
        while offset + _HEAD.size <= len(data):
            length, crc = _HEAD.unpack_from(data, offset)
            if length == 0:
                break  # the zero-filled rest of the segment
            end = offset + _HEAD.size + length
            payload = data[offset + _HEAD.size : end]
            if end > len(data) or zlib.crc32(payload) != crc:
                break
            yield (number, base + offset), (number, base + end), _decode_payload(payload)
            count += 1
            offset = end
            if count >= limit:
                return
        if index == len(numbers) - 1 or len(data) == max_bytes:
            return


class WriteAheadLog:
    """The appending side: one open segment, group commit with one ``fdatasync`` per batch.

    Segments are zero-filled to ``segment_bytes`` when they are opened (as database WALs do), so
    that appending never changes a file's size: the ``fdatasync`` of a batch then flushes only
    the batch's pages instead of forcing an ext4 journal commit that would also flush every other
    process's dirty data (the mover's Parquet files). A zero length ends a segment's records.

    Parameters
    ----------
    folder : Path
        WAL folder (created if missing).
    fsync : bool
        ``False`` only for measurements of the floor without durability.
    segment_bytes : int
        Size of a segment; a batch that does not fit goes to a new one.
    """

    def __init__(
        self, folder: Path, *, fsync: bool = True, segment_bytes: int = SEGMENT_BYTES
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.identity = wal_identity(self.folder)
        self._fsync = fsync
        self._segment_bytes = segment_bytes
        for stale in self.folder.glob("seg-*.tmp"):  # a crash while zero-filling
            stale.unlink()
        existing = segments(self.folder)
        self._number = (existing[-1] if existing else 0) + 1
        self._preparer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wal-prepare")
        self._file = self._install(self._zero_filled(self._number), self._number)
        self._next = self._preparer.submit(self._zero_filled, self._number + 1)
        self._offset = 0
        self.appended = 0
        self.batches = 0
        self.filled: dict[int, int] = {}
        """Bytes of records in each segment this process filled and left (zero fill after)."""

    def _zero_filled(self, number: int) -> Path:
        """Write a zero-filled ``seg-N.tmp`` (in the background for the next segment)."""
        tmp = _segment_path(self.folder, number).with_suffix(".tmp")
        with tmp.open("wb") as f:
            zeros = bytes(1 << 20)
            left = self._segment_bytes
            while left > 0:
                f.write(zeros[: min(left, len(zeros))])
                left -= len(zeros)
            f.flush()
            os.fsync(f.fileno())
        return tmp

    def _install(self, tmp: Path, number: int) -> BinaryIO:
        path = _segment_path(self.folder, number)
        tmp.replace(path)  # a segment appears whole: readers never see a half-filled one
        _fsync_dir(self.folder)
        return path.open("r+b")

    @property
    def position(self) -> RecordId:
        """Where the next record will go."""
        return (self._number, self._offset)

    def append(self, records: Sequence[WalRecord]) -> list[RecordId]:
        """Write ``records`` as one batch and make them durable (one ``fdatasync``).

        Returns
        -------
        list of RecordId
            The id of each record, in order.
        """
        return self.append_encoded([record.encode() for record in records])

    def append_encoded(self, blobs: Sequence[bytes]) -> list[RecordId]:
        """:meth:`append` for records already encoded (:meth:`WalRecord.encode`).

        The gateway encodes on its event loop and hands the batch to a worker thread that only
        writes and syncs: a worker that ran Python per record would wait for the interpreter
        lock against the event loop (up to the switch interval, 5 ms, each time), and the
        batch's answers with it.
        """
        size = sum(map(len, blobs))
        if self._offset and self._offset + size > self._segment_bytes:
            self._roll()
        ids = []
        offset = self._offset
        for blob in blobs:
            ids.append((self._number, offset))
            offset += len(blob)
        self._file.write(b"".join(blobs))
        self._file.flush()
        if self._fsync:
            os.fdatasync(self._file.fileno())
        self._offset = offset
        self.appended += len(blobs)
        self.batches += 1
        return ids

    def _roll(self) -> None:
        """Switch to the next segment, zero-filled in the background meanwhile (no stall)."""
        self.filled[self._number] = self._offset
        self._file.close()
        self._number += 1
        self._file = self._install(self._next.result(), self._number)
        self._next = self._preparer.submit(self._zero_filled, self._number + 1)
        self._offset = 0

    def unmoved_bytes(self, checkpoint: RecordId) -> int:
        """Bytes of records after ``checkpoint`` (the mover's): what is not in the store yet.

        Segments of earlier processes count whole (their fill level is not kept).
        """
        total = 0
        for number in segments(self.folder):
            if number < checkpoint[0] or number > self._number:
                continue
            if number == self._number:
                used = self._offset
            elif number in self.filled:
                used = self.filled[number]
            else:
                used = _segment_path(self.folder, number).stat().st_size
            total += max(0, used - (checkpoint[1] if number == checkpoint[0] else 0))
        return total

    def close(self) -> None:
        """Close the open segment; drop the prepared next one."""
        self._file.close()
        with contextlib.suppress(OSError):
            self._next.result().unlink()
        self._preparer.shutdown(wait=True)


class MoverLock:
    """Exclusive lock (``flock``) held by the one process moving records to the store."""

    def __init__(self, folder: Path) -> None:
        self._path = Path(folder) / "mover.lock"
        self._fd: int | None = None

    def acquire(self, *, blocking: bool = True) -> bool:
        """Take the lock; ``False`` if ``blocking`` is off and another process holds it."""
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Let go of the lock."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def delete_moved_segments(folder: Path, checkpoint: RecordId) -> int:
    """Delete segments entirely before the checkpoint's segment; return how many."""
    removed = 0
    for number in segments(folder):
        if number < checkpoint[0]:
            _segment_path(folder, number).unlink(missing_ok=True)
            removed += 1
    return removed
