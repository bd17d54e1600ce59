"""The canonical station-hourly air row that every air reader produces.

Columns are 1-hour means [ug/m3] (CO [mg/m3]) plus, where a source publishes them, its own moving
statistics (``*_24h``, ``o3_8h``, ...) and published AQI, kept as the source gave them.
"""

from __future__ import annotations

import pyarrow as pa

VALUE_COLUMNS: tuple[str, ...] = (
    "aqi_published",
    "pm2_5",
    "pm2_5_24h",
    "pm10",
    "pm10_24h",
    "so2",
    "so2_24h",
    "no2",
    "no2_24h",
    "o3",
    "o3_1h_max_24h",
    "o3_8h",
    "o3_8h_max_24h",
    "co",
    "co_24h",
)
"""Value columns of ``air_station_hourly``, in storage order."""

#: Plausible upper bounds per column [ug/m3; CO mg/m3; AQI none]; larger values are refused.
PLAUSIBLE_MAXIMUM: dict[str, float] = {"aqi_published": 500.0, "co": 150.0, "co_24h": 150.0}
_DEFAULT_MAXIMUM = 20_000.0

AIR_HOURLY_KEYS = ("month", "station_code", "interval_start_utc")
"""Key of ``air_station_hourly``: re-importing a file inserts nothing."""


def plausible_maximum(column: str) -> float:
    """Largest value accepted for a column; larger ones are refused at import."""
    return PLAUSIBLE_MAXIMUM.get(column, _DEFAULT_MAXIMUM)


def air_hourly_schema() -> pa.Schema:
    """Arrow schema of the ``air_station_hourly`` table (one row per station and hour).

    ``month`` (``YYYY-MM`` of the hour's start in China Standard Time) is the partition column;
    instants are UTC with the interval they describe.
    """
    ts = pa.timestamp("us", tz="UTC")
    fields = [
        pa.field("month", pa.string(), nullable=False),
        pa.field("station_code", pa.string(), nullable=False),
        pa.field("interval_start_utc", ts, nullable=False),
        pa.field("interval_end_utc", ts, nullable=False),
    ]
    fields += [pa.field(name, pa.float64()) for name in VALUE_COLUMNS]
    fields.append(pa.field("source", pa.string()))
    return pa.schema(fields)
