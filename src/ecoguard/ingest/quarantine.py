"""The quarantine: refused input kept with its reason, in the time-series store.

Every importer that refuses a cell or row (air, water, ...) keeps it here, keyed by kind, file,
row and field, so nothing a user handed in disappears silently and a second import of the same
file adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

import pyarrow as pa

from ecoguard.ingest.errors import RowError
from ecoguard.timeseries.store import TimeseriesStore

QUARANTINE_TABLE: Final = "quarantine"
QUARANTINE_KEYS: Final = ("kind", "file", "row", "field")


def quarantine(store: TimeseriesStore, errors: Iterable[RowError], *, kind: str) -> int:
    """Keep refused input with its reason; returns how many entries were new.

    Parameters
    ----------
    store : TimeseriesStore
    errors : iterable of RowError
        What was refused, naming file, row, field, rule and value.
    kind : str
        The importer (``cnemc_sites``, ``table``, ``water`` ...).
    """
    errors = list(errors)
    if not errors:
        return 0
    now = datetime.now(UTC)
    table = pa.table(
        {
            "kind": [kind] * len(errors),
            "file": [e.file for e in errors],
            "row": pa.array([e.row for e in errors], pa.int64()),
            "field": [e.field for e in errors],
            "rule": [e.rule for e in errors],
            "value": [e.value for e in errors],
            "received_at_utc": pa.array([now] * len(errors), pa.timestamp("us", tz="UTC")),
        }
    )
    return store.upsert(QUARANTINE_TABLE, table, keys=QUARANTINE_KEYS).inserted
