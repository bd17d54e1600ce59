"""Append-only, keyed Delta tables under ``<ECOGUARD_HOME>/timeseries``.

Two ways to write, both idempotent, neither overwrites raw data:

* :meth:`TimeseriesStore.upsert` (file imports): rows whose key is already stored are left
  alone, so re-importing a file changes nothing. A Delta MERGE reads the partitions it touches.
* :meth:`TimeseriesStore.append` (streams, e.g. the HJ 212 gateway's write-ahead log): rows are
  appended blind, and the writer's position in its own log is committed in the same Delta
  transaction (Delta "application transaction" ``txn`` action, the mechanism of idempotent
  streaming writes), so a replay after a crash appends nothing twice. The cost no longer grows
  with the partition. Rows of one key sent twice (a re-upload, or a factor split over two
  packets) are merged when read (:meth:`TimeseriesStore.read` with ``merge_on``: each column
  keeps its first non-null value in ``order_by`` order) and physically by
  :meth:`TimeseriesStore.merge_partitions`.

Tables are plain Parquet behind a Delta log, readable by DuckDB, Polars and Spark from a
snapshot.
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
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake

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

    def applied_version(self, table: str, app_id: str) -> int | None:
        """The last ``version`` that :meth:`append` committed for ``app_id`` (``None``: never)."""
        if not self.exists(table):
            return None
        version = DeltaTable(str(self.table_path(table))).transaction_version(app_id)
        return None if version is None else int(version)

    def append(
        self,
        table: str,
        data: pa.Table,
        *,
        app_id: str,
        version: int,
        partition_by: Sequence[str] | None = None,
    ) -> bool:
        """Append ``data`` as the writer ``app_id``'s step ``version``, at most once.

        Parameters
        ----------
        table : str
            Table name.
        data : pyarrow.Table
            Rows to append (may be empty: the step is still recorded).
        app_id : str
            The writer (one stream of steps per writer and table).
        version : int
            Strictly increasing step number of that writer, e.g. its position in its own log.
        partition_by : sequence of str, optional
            Partition columns, used when the table is created.

        Returns
        -------
        bool
            ``False`` if a step ``>= version`` was already committed (nothing written).

        Notes
        -----
        New columns in ``data`` are added to the table's schema (older rows read as null).
        """
        path = self.table_path(table)
        applied = self.applied_version(table, app_id)
        if applied is not None and applied >= version:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        write_deltalake(
            str(path),
            data,
            mode="append",
            partition_by=list(partition_by or []) or None,
            schema_mode="merge",
            commit_properties=CommitProperties(
                app_transactions=[Transaction(app_id=app_id, version=version)]
            ),
        )
        return True

    def merge_partitions(
        self,
        table: str,
        *,
        merge_on: Sequence[str],
        order_by: str,
        column: str,
        values: Sequence[str],
    ) -> int:
        """Rewrite partitions with one row per ``merge_on`` key (see :meth:`read`).

        The merged rows replace the partitions ``column IN values`` in one Delta transaction
        (readers see either the old files or the new ones). Returns the rows written.
        """
        if not values or not self.exists(table):
            return 0
        merged = self.read(table, partitions={column: values}, merge_on=merge_on, order_by=order_by)
        delta = DeltaTable(str(self.table_path(table)))
        schema = pa.schema(delta.schema().to_arrow())
        quoted = ", ".join(_sql_literal(v) for v in values)
        write_deltalake(
            delta,
            merged.cast(schema) if merged.schema != schema else merged,
            mode="overwrite",
            predicate=f"{column} IN ({quoted})",
        )
        return int(merged.num_rows)

    def read(
        self,
        table: str,
        *,
        columns: Sequence[str] | None = None,
        partitions: Mapping[str, Sequence[str]] | None = None,
        where: str | None = None,
        params: Sequence[object] = (),
        filter: ds.Expression | None = None,
        merge_on: Sequence[str] | None = None,
        order_by: str | None = None,
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
        merge_on : sequence of str, optional
            Key columns of a table written by :meth:`append`: one row per key, each other
            column taking its first non-null value in ``order_by`` order (``where`` applies to
            the rows before they are merged, so it should only name key columns).
        order_by : str, optional
            Column giving the order in which rows were received; required with ``merge_on``.

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
        sql = "SELECT * FROM read_parquet(?, hive_partitioning = true, union_by_name = true)"
        if where:
            sql += f" WHERE {where}"
        if merge_on:
            sql = _merged_sql(sql, schema.names, merge_on, order_by)
        sql = f"SELECT {select} FROM ({sql})"  # noqa: S608
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

    def compact(self, table: str, partitions: Mapping[str, Sequence[str]] | None = None) -> None:
        """Rewrite small files into larger ones (a new snapshot; the data are unchanged).

        With ``partitions`` (e.g. ``{"day": ["2026-01-01"]}``) only those partitions.
        """
        filters = None
        if partitions:
            filters = [(column, "in", list(values)) for column, values in partitions.items()]
        DeltaTable(str(self.table_path(table))).optimize.compact(partition_filters=filters)


def _first_of_each_key(data: pa.Table, keys: Sequence[str]) -> pa.Table:
    """Drop rows that repeat an earlier row's key."""
    indexed = data.append_column("__row", pa.array(range(data.num_rows), pa.int64()))
    first = indexed.group_by(list(keys), use_threads=False).aggregate([("__row", "min")])
    if first.num_rows == data.num_rows:
        return data
    rows = pc.sort_indices(first["__row_min"])
    return data.take(pc.take(first["__row_min"], rows))


def _merged_sql(
    rows_sql: str, names: Sequence[str], keys: Sequence[str], order_by: str | None
) -> str:
    """One row per key; every other column its first non-null value by ``order_by``."""
    if order_by is None or order_by not in names:
        raise ValueError(f"merge_on needs order_by, a column of the table (got {order_by!r})")
    unknown = sorted(set(keys) - set(names))
    if unknown:
        raise ValueError(f"merge_on names columns the table does not have: {unknown}")
    firsts = [
        f'arg_min("{c}", "{order_by}") FILTER (WHERE "{c}" IS NOT NULL) AS "{c}"'
        for c in names
        if c not in keys
    ]
    key_list = ", ".join(f'"{k}"' for k in keys)
    # Names come from the table's schema, never from user input.
    return (
        f"SELECT {key_list}, {', '.join(firsts)} FROM ({rows_sql}) "  # noqa: S608
        f'GROUP BY {key_list} ORDER BY min("{order_by}")'
    )


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
