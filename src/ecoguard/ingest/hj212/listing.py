"""What devices sent and what the gateway refused, read back from the time-series store.

One query for the CLI (``ecoguard gateway records|refusals``) and the API
(``/api/v1/devices/{mn}/readings|refusals``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from ecoguard.ingest.hj212.records import INFO_TABLE, READINGS_KEYS, READINGS_TABLE, REFUSALS_TABLE
from ecoguard.timeseries.store import TimeseriesStore

__all__ = [
    "INFO_TABLE",
    "READINGS_TABLE",
    "REFUSALS_TABLE",
    "TIME_COLUMN",
    "list_rows",
]

#: The time column each table is listed by.
TIME_COLUMN: Final = {
    READINGS_TABLE: "data_time_utc",
    REFUSALS_TABLE: "received_at_utc",
    INFO_TABLE: "data_time_utc",
}


def list_rows(
    store: TimeseriesStore,
    table: str,
    *,
    mn: str | None = None,
    data_type: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Rows of ``table`` for one device (or all) with ``start <= time < end``, by MN then time.

    Parameters
    ----------
    table : {"source_readings", "gateway_refusals", "gateway_device_info"}
    data_type : {"rtd", "min", "hour", "day", "alarm"}, optional
        Readings of this data type only.
    start, end : datetime, optional
        Aware datetimes (UTC or any offset).
    limit : int, optional
        Keep only the latest ``limit`` rows (after sorting).

    Readings are merged per key (a re-upload, or a factor split over two packets, gives one
    row; see :mod:`ecoguard.ingest.hj212.records`).
    """
    time_column = TIME_COLUMN[table]
    if not store.exists(table):
        return []
    clauses: list[str] = []
    params: list[object] = []
    if mn is not None:
        clauses.append("mn = ?")
        params.append(mn)
    if data_type is not None:
        if table != READINGS_TABLE:
            raise ValueError(f"{table} has no data types")
        clauses.append("data_type = ?")
        params.append(data_type)
    if start is not None:
        clauses.append(f"{time_column} >= ?")
        params.append(start)
    if end is not None:
        clauses.append(f"{time_column} < ?")
        params.append(end)
    merged = table == READINGS_TABLE
    rows: list[dict[str, Any]] = store.read(
        table,
        where=" AND ".join(clauses) or None,
        params=params,
        merge_on=READINGS_KEYS if merged else None,
        order_by="record_id" if merged else None,
    ).to_pylist()
    rows.sort(key=lambda r: (r.get("mn") or "", r[time_column] or datetime.min.replace(tzinfo=UTC)))
    return rows[-limit:] if limit else rows
