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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from ecoguard.ingest.hj212.directory import Device, JsonDeviceDirectory, RegistryDeviceDirectory
from ecoguard.ingest.hj212.records import (
    PACKETS_TABLE,
    READINGS_KEYS,
    READINGS_TABLE,
    RECORD_KEYS,
    REFUSALS_TABLE,
    tables_for,
)
from ecoguard.ingest.hj212.wal import (
    MoverLock,
    delete_moved_segments,
    read_checkpoint,
    read_records,
    write_checkpoint,
)

__all__ = ["MoveResult", "ReadingSink", "move_once", "run_mover"]


class ReadingSink(Protocol):
    """What the mover needs of the store (:class:`ecoguard.timeseries.store.TimeseriesStore`)."""

    def upsert(
        self,
        table: str,
        data: pa.Table,
        *,
        keys: Sequence[str],
        partition_by: Sequence[str] | None = None,
    ) -> object:
        """Insert rows whose keys are new."""
        ...


@dataclass(frozen=True)
class MoveResult:
    """One round: records read, rows offered per table."""

    records: int
    readings: int
    packets: int
    refusals: int


def move_once(
    wal_folder: Path,
    sink: ReadingSink,
    lookup: Callable[[str], Device | None],
    *,
    limit: int = 50_000,
) -> MoveResult:
    """Move up to ``limit`` records after the checkpoint into ``sink``; advance the checkpoint."""
    start = read_checkpoint(wal_folder)
    batch = []
    end = start
    for rid, next_position, record in read_records(wal_folder, start, limit=limit):
        batch.append((rid, record))
        end = next_position
    if not batch:
        return MoveResult(0, 0, 0, 0)
    readings, packets, refusals = tables_for(batch, lookup)
    if readings.num_rows:
        sink.upsert(READINGS_TABLE, readings, keys=READINGS_KEYS, partition_by=("day",))
    if packets.num_rows:
        sink.upsert(PACKETS_TABLE, packets, keys=RECORD_KEYS, partition_by=("day",))
    if refusals.num_rows:
        sink.upsert(REFUSALS_TABLE, refusals, keys=RECORD_KEYS, partition_by=("day",))
    write_checkpoint(wal_folder, end)
    delete_moved_segments(wal_folder, end)
    return MoveResult(len(batch), readings.num_rows, packets.num_rows, refusals.num_rows)


def run_mover(
    wal_folder: Path,
    sink: ReadingSink,
    lookup: Callable[[str], Device | None],
    *,
    interval: float = 5.0,
    parent_pid: int | None = None,
    once: bool = False,
    limit: int = 50_000,
) -> None:
    """Move records in rounds until stopped (or, with ``once``, until the log is drained).

    With ``parent_pid``, stop (after a last round) when that process is gone, so a killed
    gateway does not leave a mover behind. Between rounds that found less than ``limit``
    records it sleeps ``interval`` seconds, so that merges into Delta are few and large.
    """
    lock = MoverLock(wal_folder)
    lock.acquire()
    try:
        while True:
            result = move_once(wal_folder, sink, lookup, limit=limit)
            if once and result.records == 0:
                return
            if parent_pid is not None and os.getppid() != parent_pid:
                move_once(wal_folder, sink, lookup, limit=limit)
                return
            if result.records < limit and not once:
                time.sleep(interval)  # let records accumulate: fewer, larger merges
    finally:
        lock.release()


def _yield_cpu_to_gateway(nice: int) -> None:
    """Run the mover (and the threads it starts later) only on CPU the gateway leaves idle.

    ``SCHED_IDLE``: a waking gateway thread preempts the mover at once. A nice value alone
    does not do that across scheduler autogroups (the gateway and a load generator or another
    session's processes), where a niced busy mover still cost the answers' p99 tens of
    milliseconds (docs/benchmarks.md).
    """
    os.nice(nice)
    with contextlib.suppress(AttributeError, OSError):  # not Linux: the nice value has to do
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


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
    if args.nice:
        _yield_cpu_to_gateway(args.nice)
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
    )


if __name__ == "__main__":
    main(sys.argv[1:])
