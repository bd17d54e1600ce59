"""Section measurements in the time-series store: table ``water_readings``.

One row per section, parameter and time (UTC start of the interval the reading describes), with
the interval's end, the value in canonical units, a data flag and provenance. Keys:
``region, section, parameter, time`` (region because section names repeat across provinces) and
the partition column ``month`` (natural month in China Standard Time, derived from ``time``).
Re-importing a file inserts nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from ecoguard.ingest.cnemc_water import DATA_FLAGS
from ecoguard.ingest.errors import RowError
from ecoguard.ingest.quarantine import quarantine as keep_refused
from ecoguard.timeseries.store import TimeseriesStore, UpsertResult

TABLE: Final = "water_readings"
KEYS: Final = ("region", "section", "parameter", "time", "month")
PARTITION_BY: Final = ("month",)

FLAGS: Final = DATA_FLAGS
VALID_FLAG: Final = "N"

SCHEMA: Final = pa.schema(
    [
        ("region", pa.string()),
        ("basin", pa.string()),
        ("section", pa.string()),
        ("parameter", pa.string()),
        ("time", pa.timestamp("us", tz="UTC")),
        ("time_end", pa.timestamp("us", tz="UTC")),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("flag", pa.string()),
        ("source", pa.string()),
        ("source_row", pa.int64()),
        ("month", pa.string()),
    ]
)


def to_table(readings: pd.DataFrame) -> pa.Table:
    """Readings (as the readers return them) as an Arrow table with :data:`SCHEMA`."""
    frame = readings.copy()
    times = pd.to_datetime(frame["time"], utc=True)
    frame["time"] = times
    frame["time_end"] = pd.to_datetime(frame["time_end"], utc=True)
    frame["month"] = times.dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m")
    unknown = sorted(set(frame["flag"]) - set(FLAGS))
    if unknown:
        raise ValueError(f"unknown data flags {unknown}; known: {sorted(FLAGS)}")
    return pa.Table.from_pandas(frame[list(SCHEMA.names)], schema=SCHEMA, preserve_index=False)


def save_readings(store: TimeseriesStore, readings: pd.DataFrame) -> UpsertResult:
    """Upsert readings into ``water_readings``; rows already stored are left alone."""
    return store.upsert(TABLE, to_table(readings), keys=KEYS, partition_by=PARTITION_BY)


def load_readings(
    store: TimeseriesStore, start: datetime, end: datetime, *, valid_only: bool = True
) -> pd.DataFrame:
    """Readings whose time lies in ``[start, end)`` (aware datetimes), as a DataFrame."""
    columns = list(SCHEMA.names)
    if not store.exists(TABLE):
        return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
    start_ts = pa.scalar(pd.Timestamp(start).tz_convert("UTC"), type=pa.timestamp("us", tz="UTC"))
    end_ts = pa.scalar(pd.Timestamp(end).tz_convert("UTC"), type=pa.timestamp("us", tz="UTC"))
    months = pd.period_range(
        pd.Timestamp(start).tz_convert("Asia/Shanghai").tz_localize(None).to_period("M"),
        pd.Timestamp(end).tz_convert("Asia/Shanghai").tz_localize(None).to_period("M"),
        freq="M",
    ).astype(str)
    condition = (
        ds.field("month").isin(list(months))
        & (ds.field("time") >= start_ts)
        & (ds.field("time") < end_ts)
    )
    if valid_only:
        condition = condition & (ds.field("flag") == VALID_FLAG)
    frame: pd.DataFrame = store.read(TABLE, filter=condition).to_pandas()
    return frame


#: Classes published by the source (e.g. CNEMC's 水质类别), kept beside our computed ones.
PUBLISHED_TABLE: Final = "water_published_classes"
PUBLISHED_KEYS: Final = ("region", "section", "time")
PUBLISHED_SCHEMA: Final = pa.schema(
    [
        ("region", pa.string()),
        ("basin", pa.string()),
        ("section", pa.string()),
        ("time", pa.timestamp("us", tz="UTC")),
        ("water_class", pa.int8()),
        ("source", pa.string()),
        ("source_row", pa.int64()),
    ]
)


def save_published_classes(
    store: TimeseriesStore, samples: pd.DataFrame, source: str
) -> UpsertResult:
    """Upsert the published classes (1..6) of samples that have one (``water_published_classes``).

    Parameters
    ----------
    store : TimeseriesStore
        The time-series store.
    samples : pandas.DataFrame
        ``WaterFile.samples``: ``region, basin, section, time, official_class, source_row``.
    source : str
        File name the classes came from.
    """
    published = samples[samples["official_class"] > 0]
    frame = pd.DataFrame(
        {
            "region": published["region"].astype(str),
            "basin": published["basin"].astype(str),
            "section": published["section"].astype(str),
            "time": pd.to_datetime(published["time"], utc=True),
            "water_class": published["official_class"].astype("int8"),
            "source": source,
            "source_row": published["source_row"].astype("int64"),
        }
    )
    table = pa.Table.from_pandas(frame, schema=PUBLISHED_SCHEMA, preserve_index=False)
    return store.upsert(PUBLISHED_TABLE, table, keys=PUBLISHED_KEYS)


QUARANTINE_KIND: Final = "water"


def quarantine(store: TimeseriesStore, problems: Sequence[RowError]) -> int:
    """Keep refused cells and rows with their reason in the shared quarantine."""
    return keep_refused(store, problems, kind=QUARANTINE_KIND)
