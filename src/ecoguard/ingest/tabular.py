"""Long-format station-hourly tables (CSV, CSV.gz, Excel) read through a column mapping.

A department's own exports rarely share a layout, so the reader takes a :class:`ColumnMapping`
that says which column holds the station, the time, each pollutant and in which unit; vendor
names and units are mapped to ecoguard's canonical columns here. A mapping is usually kept as a
JSON file (see ``docs/mappings/``), for example the UCI Beijing multi-site files::

    {"station": "station", "time": ["year", "month", "day", "hour"], "hour_label": "start",
     "utc_offset_hours": 8, "missing": ["NA"],
     "columns": {"pm2_5": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO",
                 "o3": "O3"},
     "units": {"co": "ug/m3"},
     "stations": {"Aotizhongxin": "1011A"}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from ecoguard.ingest.air_hourly import VALUE_COLUMNS, air_hourly_schema, plausible_maximum
from ecoguard.ingest.errors import RowError

#: Units a mapping may name, and the factor to the canonical unit of each quantity.
_UNIT_FACTORS: dict[str, dict[str, float]] = {
    # canonical: ug/m3 for gases and PM
    "ug/m3": {"ug/m3": 1.0, "mg/m3": 1000.0},
    # canonical: mg/m3 for CO
    "mg/m3": {"mg/m3": 1.0, "ug/m3": 0.001},
}
_CANONICAL_UNIT = {name: ("mg/m3" if name.startswith("co") else "ug/m3") for name in VALUE_COLUMNS}


class MappingError(ValueError):
    """A mapping that cannot be applied to a file (names the file and the missing column)."""


@dataclass(frozen=True)
class ColumnMapping:
    """How a long-format table maps to canonical station-hour columns.

    Attributes
    ----------
    station : str
        Column holding the station (code or a name translated by ``stations``).
    time : list of str
        Either one column with a date-time, or the four columns year, month, day, hour.
    hour_label : {"start", "end"}
        Whether the time labels the start of the hour (HJ 212, UCI Beijing) or its end (CNEMC).
    utc_offset_hours : float
        Offset of the file's clock from UTC [h] (8 for China Standard Time).
    columns : dict of str to str
        Canonical column (``pm2_5``, ``co``, ...) -> the file's column.
    units : dict of str to str
        Canonical column -> the file's unit (``ug/m3`` or ``mg/m3``) where it is not canonical.
    missing : list of str
        Cell texts that mean "no value" (besides an empty cell).
    stations : dict of str to str
        File station names -> station codes; names not listed are used as they are.
    """

    station: str
    time: list[str]
    hour_label: Literal["start", "end"] = "end"
    utc_offset_hours: float = 8.0
    columns: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=lambda: ["", "NA", "--", "-"])
    stations: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.time) not in (1, 4):
            raise MappingError("time must name one date-time column or year, month, day, hour")
        if self.hour_label not in ("start", "end"):
            raise MappingError(f"hour_label must be 'start' or 'end', not {self.hour_label!r}")
        unknown = sorted(set(self.columns) - set(VALUE_COLUMNS))
        if unknown:
            raise MappingError(f"unknown canonical columns {unknown}; use {list(VALUE_COLUMNS)}")
        for name, unit in self.units.items():
            allowed = _UNIT_FACTORS[_CANONICAL_UNIT.get(name, "ug/m3")]
            if unit not in allowed:
                raise MappingError(f"unit {unit!r} of {name} must be one of {sorted(allowed)}")

    @classmethod
    def from_json(cls, path: Path) -> ColumnMapping:
        """Read a mapping from a JSON file."""
        try:
            data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise MappingError(f"{path}: {exc}") from None
        try:
            return cls(**data)
        except TypeError as exc:
            raise MappingError(f"{path}: {exc}") from None


@dataclass
class TabularResult:
    """Accepted rows of one file (``air_station_hourly`` schema) and the refused cells."""

    path: Path
    table: pa.Table
    errors: list[RowError]


def _read_frame(path: Path) -> pd.DataFrame:
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith((".xlsx", ".xlsm")):
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding_errors="strict")


def read_station_table(path: Path, mapping: ColumnMapping) -> TabularResult:
    """Read one long-format file into canonical station-hour rows.

    Every cell that is not a number, is negative or is implausibly large is refused with its
    line and column; a row whose station or time cannot be read is refused whole. The other
    cells land.
    """
    path = Path(path)
    try:
        frame = _read_frame(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot read the file: {exc}") from None
    needed = [mapping.station, *mapping.time, *mapping.columns.values()]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise MappingError(f"{path}: columns {absent} named by the mapping are not in the file")
    errors: list[RowError] = []
    lines = np.arange(len(frame)) + 2
    source = str(path)

    end_local = _label_end_local(frame, mapping)
    bad_time = end_local.isna().to_numpy()
    for line, index in zip(lines[bad_time], np.flatnonzero(bad_time), strict=True):
        shown = " ".join(str(frame[c].iat[int(index)]) for c in mapping.time)
        field_name = "/".join(mapping.time)
        errors.append(RowError(source, int(line), field_name, "a valid date and hour", shown))
    stations = frame[mapping.station].map(lambda s: mapping.stations.get(s.strip(), s.strip()))
    bad_station = (stations == "").to_numpy()
    for line in lines[bad_station & ~bad_time]:
        errors.append(RowError(source, int(line), mapping.station, "a station", ""))
    keep = ~(bad_time | bad_station)

    values: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for name, column in mapping.columns.items():
        cells = frame[column].str.strip()
        blank = cells.isin(mapping.missing).to_numpy()
        numbers = pd.to_numeric(cells.where(~cells.isin(mapping.missing)), errors="coerce")
        array = numbers.to_numpy(dtype=float, copy=True, na_value=np.nan)
        canonical = _CANONICAL_UNIT[name]
        array *= _UNIT_FACTORS[canonical][mapping.units.get(name, canonical)]
        maximum = plausible_maximum(name)
        not_number = np.isnan(array) & ~blank
        out_of_range = ~np.isnan(array) & ((array < 0) | (array > maximum))
        for index in np.flatnonzero((not_number | out_of_range) & keep):
            rule = "must be a number" if not_number[index] else f"must be within 0..{maximum:g}"
            cell = str(frame[column].iat[int(index)])
            errors.append(RowError(source, int(lines[index]), column, rule, cell))
        array[out_of_range] = np.nan
        values[name] = array

    end_utc = (end_local - pd.Timedelta(hours=mapping.utc_offset_hours))[keep]
    start_utc = end_utc - pd.Timedelta(hours=1)
    local_start = start_utc + pd.Timedelta(hours=8)
    columns: dict[str, pa.Array] = {
        "month": pa.array(local_start.dt.strftime("%Y-%m").to_numpy(dtype=object), pa.string()),
        "station_code": pa.array(stations[keep].to_numpy(dtype=object), pa.string()),
        "interval_start_utc": _utc_array(start_utc),
        "interval_end_utc": _utc_array(end_utc),
    }
    n = int(keep.sum())
    for name in VALUE_COLUMNS:
        array = values[name][keep] if name in values else np.full(n, np.nan)
        columns[name] = pa.array(array, pa.float64(), from_pandas=True)
    columns["source"] = pa.array([f"table:{path.name}"] * n, pa.string())
    table = pa.table(columns, schema=air_hourly_schema())
    return TabularResult(path=path, table=table, errors=errors)


def _label_end_local(frame: pd.DataFrame, mapping: ColumnMapping) -> pd.Series:
    """End of each row's hour on the file's clock (NaT where unreadable)."""
    if len(mapping.time) == 4:
        parts = {
            key: pd.to_numeric(frame[column], errors="coerce")
            for key, column in zip(("year", "month", "day", "hour"), mapping.time, strict=True)
        }
        hour = parts["hour"]
        valid_hour = (hour >= 0) & (hour <= 24) & (hour == hour.round())
        day = pd.to_datetime(
            pd.DataFrame({"year": parts["year"], "month": parts["month"], "day": parts["day"]}),
            errors="coerce",
        )
        label = day + pd.to_timedelta(hour.where(valid_hour), unit="h")
    else:
        label = pd.to_datetime(frame[mapping.time[0]], errors="coerce", format="mixed")
        if getattr(label.dt, "tz", None) is not None:
            label = label.dt.tz_convert(None) + pd.Timedelta(hours=mapping.utc_offset_hours)
    if mapping.hour_label == "start":
        label = label + pd.Timedelta(hours=1)
    return label


def _utc_array(values: pd.Series) -> pa.Array:
    naive = pa.array(values.to_numpy("datetime64[us]"), pa.timestamp("us"))
    return naive.cast(pa.timestamp("us", tz="UTC"))
