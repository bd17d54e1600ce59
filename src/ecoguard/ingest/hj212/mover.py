"""Move logged records from the write-ahead log into the time-series store.

Runs as its own process (``python -m ecoguard.ingest.hj212.mover``, started by the gateway)
so that Delta writes never compete with the event loop for the interpreter lock. One mover at a
time (``flock`` on ``mover.lock``). Each round reads records after the checkpoint, upserts them
(keyed: a round repeated after a crash inserts nothing twice), then advances the checkpoint and
deletes segments that are fully moved. A restart therefore replays exactly what was not moved.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Final, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from ecoguard.ingest.hj212.directory import Device, JsonDeviceDirectory, RegistryDeviceDirectory
from ecoguard.ingest.hj212.packet import CST
from ecoguard.ingest.hj212.records import (
    INFO_TABLE,
    PACKETS_TABLE,
    READINGS_KEYS,
    READINGS_TABLE,
    REFUSALS_TABLE,
    TABLE_NAMES,
    record_id_text,
    tables_for,
)
from ecoguard.ingest.hj212.wal import (
    MoverLock,
    RecordId,
    delete_moved_segments,
    read_checkpoint,
    read_records,
    segments,
    wal_identity,
    write_checkpoint,
)

__all__ = [
    "MOVER_APP_ID",
    "Compactor",
    "CpuShare",
    "MoveResult",
    "ReadingSink",
    "move_once",
    "position_version",
    "run_mover",
    "tidy_partition",
    "version_position",
]


MOVER_APP_ID: Final = "hj212-mover"
"""Writer name of the mover in the tables' Delta transactions (with the WAL's identity)."""

SMALL_FILES: Final = 16
"""A partition with this many appends since it was last tidied gets tidied (:class:`Compactor`)."""


class ReadingSink(Protocol):
    """What the mover needs of the store (:class:`ecoguard.timeseries.store.TimeseriesStore`)."""

    def applied_version(self, table: str, app_id: str) -> int | None:
        """Last step committed by ``app_id``."""
        ...

    def append(
        self,
        table: str,
        data: pa.Table,
        *,
        app_id: str,
        version: int,
        partition_by: Sequence[str] | None = None,
    ) -> bool:
        """Append ``data`` as step ``version`` of ``app_id`` unless already committed."""
        ...

    def compact(self, table: str, partitions: Mapping[str, Sequence[str]] | None = None) -> None:
        """Rewrite small files of the partitions into larger ones."""
        ...

    def merge_partitions(
        self,
        table: str,
        *,
        merge_on: Sequence[str],
        order_by: str,
        column: str,
        values: Sequence[str],
    ) -> int:
        """Rewrite partitions with one row per key."""
        ...


@dataclass(frozen=True)
class MoveResult:
    """One round: records read, rows appended per table (0 for rows already there)."""

    records: int
    readings: int
    packets: int
    refusals: int
    device_info: int = 0
    days: frozenset[tuple[str, str]] = frozenset()
    """``(table, day)`` partitions this round appended to."""


def position_version(position: RecordId) -> int:
    """A WAL position as one increasing integer (the step number of the Delta transaction)."""
    return position[0] << 32 | position[1]


def version_position(version: int) -> RecordId:
    """Inverse of :func:`position_version`."""
    return (version >> 32, version & 0xFFFFFFFF)


def move_once(
    wal_folder: Path,
    sink: ReadingSink,
    lookup: Callable[[str], Device | None],
    *,
    limit: int = 50_000,
) -> MoveResult:
    """Move up to ``limit`` records after the checkpoint into ``sink``; advance the checkpoint.

    Each table's append carries the WAL position it reaches (a Delta transaction of writer
    ``hj212-mover-<WAL identity>``), so after a crash anywhere in a round, the repeated round
    appends to each table only the records that table does not hold yet: every record lands
    exactly once, and the cost of a round does not grow with the tables.
    """
    start = read_checkpoint(wal_folder)
    batch = []
    end = start
    for rid, next_position, record in read_records(wal_folder, start, limit=limit):
        batch.append((rid, record))
        end = next_position
    if not batch:
        return MoveResult(0, 0, 0, 0)
    app_id = f"{MOVER_APP_ID}-{wal_identity(wal_folder)}"
    version = position_version(end)
    appended: dict[str, int] = {}
    days: set[tuple[str, str]] = set()
    for table, rows in zip(TABLE_NAMES, tables_for(batch, lookup), strict=True):
        applied = sink.applied_version(table, app_id)
        if applied is not None:
            if applied >= version:
                continue  # this round reached the table before a crash
            done = record_id_text(version_position(applied))
            rows = rows.filter(pc.greater_equal(rows["record_id"], done))
        if rows.num_rows and sink.append(
            table, rows, app_id=app_id, version=version, partition_by=("day",)
        ):
            appended[table] = rows.num_rows
            days.update((table, day) for day in pc.unique(rows["day"]).to_pylist())
    write_checkpoint(wal_folder, end)
    delete_moved_segments(wal_folder, end)
    return MoveResult(
        len(batch),
        appended.get(READINGS_TABLE, 0),
        appended.get(PACKETS_TABLE, 0),
        appended.get(REFUSALS_TABLE, 0),
        appended.get(INFO_TABLE, 0),
        frozenset(days),
    )


CLOSED_AFTER: Final = timedelta(days=2)
"""A day partition of readings this long past its CST day is rewritten merged, not just
compacted: its data are complete but for late re-uploads, so the rewrite is rarely repeated."""


def tidy_partition(sink: ReadingSink, table: str, day: str, now: datetime | None = None) -> str:
    """Compact one day partition (``"compacted"``), or, for a closed day of readings, rewrite it
    with one row per key (``"merged"``: re-uploads and split parts folded, as reads see them)."""
    today = ((now or datetime.now(UTC)) + CST).date()
    if table == READINGS_TABLE and date.fromisoformat(day) <= today - CLOSED_AFTER:
        sink.merge_partitions(
            table, merge_on=READINGS_KEYS, order_by="record_id", column="day", values=[day]
        )
        return "merged"
    sink.compact(table, partitions={"day": [day]})
    return "compacted"


class Compactor:
    """Keeps the appended tables readable: once :data:`SMALL_FILES` appends have gone into a
    partition, ``tidy`` it (:func:`tidy_partition`: compacted, or rewritten merged when closed)."""

    def __init__(self, tidy: Callable[[str, str], object], threshold: int = SMALL_FILES):
        self._tidy = tidy
        self._threshold = threshold
        self._appends: dict[tuple[str, str], int] = {}

    def after(self, result: MoveResult) -> list[tuple[str, str]]:
        """Count ``result``'s appends; tidy the partitions that reached the threshold."""
        done = []
        for key in result.days:
            self._appends[key] = self._appends.get(key, 0) + 1
            if self._appends[key] >= self._threshold:
                self._tidy(*key)
                self._appends[key] = 0
                done.append(key)
        return done


def run_mover(
    wal_folder: Path,
    sink: ReadingSink,
    lookup: Callable[[str], Device | None],
    *,
    interval: float = 5.0,
    parent_pid: int | None = None,
    once: bool = False,
    limit: int = 50_000,
    cpu_share: CpuShare | None = None,
) -> None:
    """Move records in rounds until stopped (or, with ``once``, until the log is drained).

    With ``parent_pid``, stop (after a last round) when that process is gone, so a killed
    gateway does not leave a mover behind. Between rounds that found less than ``limit``
    records it sleeps ``interval`` seconds, so that appends to Delta are few and large. With
    ``cpu_share``, the CPU policy follows how far behind the mover is (:class:`CpuShare`).
    """
    lock = MoverLock(wal_folder)
    lock.acquire()
    compactor = Compactor(lambda table, day: tidy_partition(sink, table, day))
    try:
        while True:
            result = move_once(wal_folder, sink, lookup, limit=limit)
            compactor.after(result)
            if cpu_share is not None:
                cpu_share.update(wal_folder)
            if once and result.records == 0:
                return
            if parent_pid is not None and os.getppid() != parent_pid:
                move_once(wal_folder, sink, lookup, limit=limit)
                return
            if result.records < limit and not once:
                time.sleep(interval)  # let records accumulate: fewer, larger merges
    finally:
        lock.release()


class CpuShare:
    """The mover's CPU policy: idle CPU only, unless it falls too far behind.

    ``SCHED_IDLE``: a waking gateway thread preempts the mover at once. A nice value alone
    does not do that across scheduler autogroups (the gateway and a load generator or another
    session's processes), where a niced busy mover still cost the answers' p99 tens of
    milliseconds (docs/benchmarks.md). But a machine with no idle CPU would then never move
    anything and the write-ahead log would grow until the disk is full: from ``behind`` full
    segments not yet moved on, the mover takes a normal (niced) share until it is back within
    one segment.

    Parameters
    ----------
    behind : int
        Unmoved full WAL segments (16 MiB each) from which the mover stops yielding.
    """

    def __init__(self, behind: int = 8) -> None:
        self.behind = behind
        self.idle = False

    def set_idle(self, idle: bool) -> None:
        """Switch every thread of this process (threads started later inherit it)."""
        policy = os.SCHED_IDLE if idle else os.SCHED_OTHER
        for tid in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError):  # a thread that has just ended
                os.sched_setscheduler(int(tid), policy, os.sched_param(0))
        self.idle = idle

    def update(self, wal_folder: Path) -> None:
        """After a round: yield or catch up, by how many segments the mover is behind."""
        checkpoint = read_checkpoint(wal_folder)[0]
        waiting = sum(1 for n in segments(wal_folder) if n > checkpoint)
        if self.idle and waiting >= self.behind:
            self.set_idle(False)
        elif not self.idle and waiting <= 1:
            self.set_idle(True)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line of the mover process."""
    parser = argparse.ArgumentParser(description="Move HJ 212 WAL records to the store.")
    parser.add_argument("--wal", type=Path, required=True)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--devices", type=Path)
    parser.add_argument("--registry")
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--nice", type=int, default=19, help="lower the mover's CPU priority")
    parser.add_argument("--parent", type=int)
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args(argv)
    share: CpuShare | None = None
    if args.nice:
        os.nice(args.nice)  # ingestion (answers) before moving
        if hasattr(os, "SCHED_IDLE") and Path("/proc/self/task").is_dir():  # Linux
            share = CpuShare()
            share.set_idle(True)
    from ecoguard.timeseries.store import TimeseriesStore

    directory: JsonDeviceDirectory | RegistryDeviceDirectory
    if args.registry:
        directory = RegistryDeviceDirectory(args.registry)
    elif args.devices:
        directory = JsonDeviceDirectory.load(args.devices)
    else:
        directory = JsonDeviceDirectory()
    run_mover(
        args.wal,
        TimeseriesStore(args.store),
        directory.lookup,
        interval=args.interval,
        parent_pid=args.parent,
        once=args.once,
        cpu_share=share,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
