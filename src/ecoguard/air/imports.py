"""Import station-hourly air data into the time-series store.

Accepted rows go to ``air_station_hourly`` (keyed, so a second import of the same file inserts
nothing); refused cells go to ``quarantine`` with the file, row, field and rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc

from ecoguard.ingest.air_hourly import AIR_HOURLY_KEYS
from ecoguard.ingest.cnemc import read_cnemc_sites_file
from ecoguard.ingest.errors import RowError
from ecoguard.ingest.quarantine import quarantine
from ecoguard.ingest.tabular import ColumnMapping, read_station_table
from ecoguard.timeseries.store import TimeseriesStore

AIR_HOURLY_TABLE = "air_station_hourly"
_BATCH_ROWS = 1_000_000


@dataclass
class ImportSummary:
    """Totals of an import run.

    Attributes
    ----------
    files : int
        Files read.
    rows : int
        Station-hour rows read and accepted.
    inserted : int
        Rows that were new to the store.
    stations : set of str
        Station codes seen.
    days : set of str
        Natural days (CST, ``YYYY-MM-DD``) covered.
    errors : list of RowError
        Refused cells and rows (also written to the quarantine).
    failed_files : list of str
        Files that could not be read at all, with the reason.
    """

    files: int = 0
    rows: int = 0
    inserted: int = 0
    stations: set[str] = field(default_factory=set)
    days: set[str] = field(default_factory=set)
    errors: list[RowError] = field(default_factory=list)
    failed_files: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """Rows already stored before this import."""
        return self.rows - self.inserted

    def as_dict(self) -> dict[str, object]:
        """Plain summary for JSON output."""
        return {
            "files": self.files,
            "rows": self.rows,
            "inserted": self.inserted,
            "duplicates": self.duplicates,
            "stations": len(self.stations),
            "days": len(self.days),
            "rejected": len(self.errors),
            "failed_files": self.failed_files,
        }


def store_air_hourly(store: TimeseriesStore, table: pa.Table) -> int:
    """Upsert canonical station-hour rows; returns how many were new."""
    result = store.upsert(AIR_HOURLY_TABLE, table, keys=AIR_HOURLY_KEYS, partition_by=["month"])
    return result.inserted


def import_cnemc_files(
    store: TimeseriesStore,
    paths: Iterable[Path],
    *,
    on_file: Callable[[Path], None] | None = None,
) -> ImportSummary:
    """Read CNEMC ``china_sites`` files and store their rows.

    A file that cannot be read is named in ``failed_files``; the other files still land.
    """
    return _import(store, paths, read_cnemc_sites_file, kind="cnemc_sites", on_file=on_file)


def import_station_tables(
    store: TimeseriesStore,
    paths: Iterable[Path],
    mapping: ColumnMapping,
    *,
    on_file: Callable[[Path], None] | None = None,
) -> ImportSummary:
    """Read long-format CSV/Excel station tables through a column mapping and store their rows."""
    return _import(
        store, paths, lambda p: read_station_table(p, mapping), kind="table", on_file=on_file
    )


class _Read(Protocol):
    table: pa.Table
    errors: list[RowError]


def _import(
    store: TimeseriesStore,
    paths: Iterable[Path],
    reader: Callable[[Path], _Read],
    *,
    kind: str,
    on_file: Callable[[Path], None] | None,
) -> ImportSummary:
    summary = ImportSummary()
    pending: list[pa.Table] = []
    pending_rows = 0

    def flush() -> None:
        nonlocal pending, pending_rows
        if pending:
            summary.inserted += store_air_hourly(store, pa.concat_tables(pending))
        pending, pending_rows = [], 0

    for path in paths:
        try:
            result = reader(path)
        except (OSError, ValueError) as exc:
            summary.failed_files.append(f"{path}: {exc}")
            if on_file:
                on_file(path)
            continue
        summary.files += 1
        table = result.table
        summary.rows += table.num_rows
        summary.stations.update(pc.unique(table["station_code"]).to_pylist())
        cst_start = pc.add(
            table["interval_start_utc"], pa.scalar(8 * 3600 * 10**6, pa.duration("us"))
        )
        summary.days.update(
            d.isoformat() for d in pc.unique(pc.cast(cst_start, pa.date32())).to_pylist()
        )
        summary.errors.extend(result.errors)
        quarantine(store, result.errors, kind=kind)
        # One merge per batch of files: a merge costs about the same for 30 k rows as for 1 M.
        pending.append(table)
        pending_rows += table.num_rows
        if pending_rows >= _BATCH_ROWS:
            flush()
        if on_file:
            on_file(path)
    flush()
    return summary
