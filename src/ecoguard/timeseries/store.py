"""Append-only, keyed Delta tables under ``<ECOGUARD_HOME>/timeseries``.

Every write is an idempotent upsert on the table's key columns: rows whose key is already stored
are left alone (raw data is never overwritten), so re-importing a file or replaying a write-ahead
log changes nothing. Tables are plain Parquet behind a Delta log, readable by DuckDB, Polars and
Spark from a snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable, write_deltalake

_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Never download or autoload extensions: the store runs on isolated intranets.
_DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did.

    Attributes
    ----------
    offered : int
        Rows handed to the upsert.
    inserted : int
        Rows whose key was new and that are now stored.
    duplicates : int
        Rows skipped because their key was already stored (or repeated in the input).
    """

    offered: int
    inserted: int

    @property
    def duplicates(self) -> int:
        """Rows skipped because their key was already stored or repeated."""
        return self.offered - self.inserted


class TimeseriesStore:
    """The time-series store: a folder of keyed Delta tables.

    Parameters
    ----------
    root : Path
        Folder holding one sub-folder per table.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def table_path(self, table: str) -> Path:
        """Folder of a table; refuses names that are not lower-case identifiers."""
        if not _TABLE_NAME.match(table):
            raise ValueError(f"table name {table!r} must match {_TABLE_NAME.pattern}")
        return self.root / table

    def exists(self, table: str) -> bool:
        """Whether the table has been written at least once."""
        return DeltaTable.is_deltatable(str(self.table_path(table)))

    def upsert(
        self,
        table: str,
        data: pa.Table,
        *,
        keys: Sequence[str],
        partition_by: Sequence[str] | None = None,
    ) -> UpsertResult:
        """Insert the rows of ``data`` whose key is not stored yet.

        Parameters
        ----------
        table : str
            Table name.
        data : pyarrow.Table
            Rows to store; must carry every key column (and the partition columns).
        keys : sequence of str
            Columns that identify a row. Within ``data`` the first row of a repeated key wins.
        partition_by : sequence of str, optional
            Partition columns, used when the table is created; they should be part of ``keys``
            so that merges prune partitions.

        Returns
        -------
        UpsertResult
        """
        missing = [k for k in keys if k not in data.column_names]
        if missing:
            raise ValueError(f"upsert into {table!r}: key columns {missing} missing from the data")
        offered = data.num_rows
        if offered == 0:
            return UpsertResult(offered=0, inserted=0)
        data = _first_of_each_key(data, keys)
        path = self.table_path(table)
        if not self.exists(table):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_deltalake(
                str(path), data, mode="append", partition_by=list(partition_by or []) or None
            )
            return UpsertResult(offered=offered, inserted=data.num_rows)
        target = DeltaTable(str(path))
        predicate = " AND ".join(f"t.{k} = s.{k}" for k in keys)
        if partition_by:
            # Name the partitions the source touches so the merge reads only those files.
            for column in partition_by:
                values = pc.unique(data[column]).to_pylist()
                quoted = ", ".join(_sql_literal(v) for v in values)
                predicate += f" AND t.{column} IN ({quoted})"
        metrics = (
            target.merge(source=data, predicate=predicate, source_alias="s", target_alias="t")
            .when_not_matched_insert_all()
            .execute()
        )
        return UpsertResult(offered=offered, inserted=int(metrics["num_target_rows_inserted"]))

    def read(
        self,
        table: str,
        *,
        columns: Sequence[str] | None = None,
        partitions: Mapping[str, Sequence[str]] | None = None,
        where: str | None = None,
        params: Sequence[object] = (),
        filter: ds.Expression | None = None,
    ) -> pa.Table:
        """Read the current snapshot of a table.

        Parameters
        ----------
        table : str
            Table name.
        columns : sequence of str, optional
            Columns to return (all by default).
        partitions : mapping of str to sequence of str, optional
            Read only the files of these partition values (e.g. ``{"month": ["2019-01"]}``).
        where : str, optional
            A DuckDB SQL condition pushed down into the Parquet scan, with ``?`` placeholders
            bound to ``params``.
        filter : pyarrow.dataset.Expression, optional
            A further condition applied to the result in memory.

        Notes
        -----
        The scan runs in DuckDB over the snapshot's file list: delta-rs writes strings as Arrow
        ``string_view``, which pyarrow 26's dataset filters cannot compare with plain strings.
        """
        if not self.exists(table):
            raise FileNotFoundError(f"time-series table {table!r} has no data under {self.root}")
        delta = DeltaTable(str(self.table_path(table)))
        schema = pa.schema(delta.schema().to_arrow())
        wanted = list(columns) if columns is not None else schema.names
        unknown = sorted(set(wanted) - set(schema.names))
        if unknown:
            raise ValueError(f"table {table!r} has no columns {unknown}")
        files = self._snapshot_files(delta, partitions)
        if not files:
            return _plain_strings(schema.empty_table()).select(wanted)
        select = ", ".join(f'"{c}"' for c in wanted)
        # Column names were checked against the schema; ``where`` is code, never user input.
        sql = f"SELECT {select} FROM read_parquet(?, hive_partitioning = true)"  # noqa: S608
        if where:
            sql += f" WHERE {where}"
        with duckdb.connect(config=_DUCKDB_CONFIG) as con:
            con.execute("SET TimeZone = 'UTC'")
            result = con.execute(sql, [files, *params]).to_arrow_table()
        result = _plain_strings(result).cast(pa.schema([schema.field(c) for c in wanted]))
        return result.filter(filter) if filter is not None else result

    def _snapshot_files(
        self, delta: DeltaTable, partitions: Mapping[str, Sequence[str]] | None
    ) -> list[str]:
        if not partitions:
            return [uri.removeprefix("file://") for uri in delta.file_uris()]
        predicate = " AND ".join(
            f"{column} IN ({', '.join(_sql_literal(v) for v in values)})"
            for column, values in partitions.items()
        )
        uris = delta.file_uris(file_pruning_predicate=predicate)
        return [uri.removeprefix("file://") for uri in uris]

    def version(self, table: str) -> int:
        """Current snapshot version of a table (-1 before its first write); each write adds 1."""
        if not self.exists(table):
            return -1
        return int(DeltaTable(str(self.table_path(table))).version())

    def partition_values(self, table: str, column: str) -> list[str]:
        """Distinct values of a partition column in the current snapshot, sorted."""
        if not self.exists(table):
            return []
        parts = DeltaTable(str(self.table_path(table))).partitions()
        return sorted({str(p[column]) for p in parts if p.get(column) is not None})

    def files(self, table: str, partitions: Mapping[str, Sequence[str]] | None = None) -> list[str]:
        """Parquet files of the current snapshot (optionally of some partitions only).

        For engines that read the files themselves (DuckDB subqueries, Spark).
        """
        return self._snapshot_files(DeltaTable(str(self.table_path(table))), partitions)

    def compact(self, table: str) -> None:
        """Rewrite small files into larger ones (a new snapshot; the data are unchanged)."""
        DeltaTable(str(self.table_path(table))).optimize.compact()


def _first_of_each_key(data: pa.Table, keys: Sequence[str]) -> pa.Table:
    """Drop rows that repeat an earlier row's key."""
    indexed = data.append_column("__row", pa.array(range(data.num_rows), pa.int64()))
    first = indexed.group_by(list(keys), use_threads=False).aggregate([("__row", "min")])
    if first.num_rows == data.num_rows:
        return data
    rows = pc.sort_indices(first["__row_min"])
    return data.take(pc.take(first["__row_min"], rows))


def _sql_literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool) or value is None:
        raise ValueError(f"unsupported partition value {value!r}")
    return str(value)


def _plain_strings(table: pa.Table) -> pa.Table:
    """Cast ``string_view`` columns to plain strings."""
    fields = [
        pa.field(f.name, pa.string(), f.nullable) if pa.types.is_string_view(f.type) else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))
