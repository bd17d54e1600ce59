"""Readers for the files of CNEMC's national real-time air publishing platform.

Two formats:

* ``china_sites_YYYYMMDD.csv`` (plain or ``.gz``): header ``date,hour,type,<station code>...``, one
  row per hour and indicator ``type``; ``hour`` is 0-23 China Standard Time and labels the hour
  that ENDS then (16 = 15:00-16:00). Units ug/m3, CO mg/m3. Missing values are empty cells.
* The station list ``监测点编码,监测点名称,城市,经度,纬度,对照点`` (GB18030 or UTF-8), sometimes
  with two third-party columns (省级行政区, 地级行政区), wrong for XPCC cities and ignored.

Vendor names are mapped to ecoguard's canonical column names here and nowhere else.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from ecoguard.ingest.air_hourly import VALUE_COLUMNS, air_hourly_schema, plausible_maximum
from ecoguard.ingest.errors import RowError

CNEMC_TYPE_TO_COLUMN: dict[str, str] = {
    "AQI": "aqi_published",
    "PM2.5": "pm2_5",
    "PM2.5_24h": "pm2_5_24h",
    "PM10": "pm10",
    "PM10_24h": "pm10_24h",
    "SO2": "so2",
    "SO2_24h": "so2_24h",
    "NO2": "no2",
    "NO2_24h": "no2_24h",
    "O3": "o3",
    "O3_24h": "o3_1h_max_24h",
    "O3_8h": "o3_8h",
    "O3_8h_24h": "o3_8h_max_24h",
    "CO": "co",
    "CO_24h": "co_24h",
}
"""CNEMC ``type`` row label -> canonical column of the ``air_station_hourly`` table.

``X_24h`` is the published 24-hour moving mean of X; ``O3_24h`` the 24-hour moving maximum of the
1-hour O3; ``O3_8h`` the 8-hour moving mean; ``O3_8h_24h`` the maximum of ``O3_8h`` so far that day.
"""

CST = timedelta(hours=8)
_FILE_DATE = re.compile(r"china_sites_(\d{8})\.csv(\.gz)?$")
_STATION_CODE = re.compile(r"^\d{4}A$")


@dataclass
class CnemcFileResult:
    """Rows read from one ``china_sites`` file and the cells refused.

    Attributes
    ----------
    path : Path
        The file.
    table : pyarrow.Table
        Accepted rows in the ``air_station_hourly`` schema (a row is a station-hour with at least
        one accepted value).
    errors : list of RowError
        One entry per refused cell or row, naming file, line, field and rule.
    """

    path: Path
    table: pa.Table
    errors: list[RowError] = field(default_factory=list)


def _open_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path}: neither UTF-8 nor GB18030 text")


def read_cnemc_sites_file(path: Path) -> CnemcFileResult:
    """Read one ``china_sites_YYYYMMDD.csv`` file into canonical station-hour rows.

    The hour label is converted to an interval: label ``h`` on date ``D`` is the hour
    ``[D h-1:00, D h:00)`` CST, stored as UTC; label 0 is 23:00-24:00 of the previous day.

    Parameters
    ----------
    path : Path
        A plain or gzip-compressed CSV file.

    Returns
    -------
    CnemcFileResult
        Accepted rows plus refused cells. A bad cell refuses only that cell.

    Raises
    ------
    ValueError
        If the file is not a ``china_sites`` file at all (wrong header).
    """
    path = Path(path)
    text = _open_text(path)
    fast = _numeric_cells(text)
    cells: NDArray[np.object_] | None = None
    if fast is not None:
        frame, fast_values, fast_names = fast
        header = ["date", "hour", "type", *fast_names]
    else:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        header = list(frame.columns)
    if header[:3] != ["date", "hour", "type"]:
        raise ValueError(
            f"{path}: header must start with date,hour,type (CNEMC china_sites layout), "
            f"found {','.join(header[:3])}"
        )
    errors: list[RowError] = []
    stations = [c for c in header[3:] if c.strip()]
    for code in stations:
        if not _STATION_CODE.match(code):
            errors.append(RowError(str(path), 1, code, "station code must look like 1001A", code))
    stations = [c for c in stations if _STATION_CODE.match(c)]

    label_end: list[datetime | None] = []
    row_types: list[str | None] = []
    for index, (date_text, hour_text, type_text) in enumerate(
        zip(frame["date"], frame["hour"], frame["type"], strict=True)
    ):
        line = index + 2
        end = _label_end_utc(date_text, hour_text)
        if end is None:
            errors.append(
                RowError(
                    str(path),
                    line,
                    "date/hour",
                    "date YYYYMMDD and hour 0-23",
                    date_text + " " + hour_text,
                )
            )
        column = CNEMC_TYPE_TO_COLUMN.get(type_text)
        if column is None:
            errors.append(
                RowError(
                    str(path), line, "type", f"one of {sorted(CNEMC_TYPE_TO_COLUMN)}", type_text
                )
            )
        ok = end is not None and column is not None
        label_end.append(end if ok else None)
        row_types.append(column if ok else None)

    if fast is not None:
        position = {name: j for j, name in enumerate(fast_names)}
        values = fast_values[:, [position[c] for c in stations]]
        not_number = np.zeros(values.shape, dtype=bool)
    else:
        cells = frame[stations].to_numpy(dtype=object)
        values = pd.to_numeric(pd.Series(cells.ravel()), errors="coerce").to_numpy(float, copy=True)
        values = values.reshape(cells.shape)
        not_number = np.isnan(values) & (cells != "")
    maxima = np.array([plausible_maximum(t or "") for t in row_types], dtype=float)[:, None]
    out_of_range = ~np.isnan(values) & ((values < 0) | (values > maxima))
    for r, c in zip(*np.nonzero(not_number | out_of_range), strict=True):
        rule = "must be a number" if not_number[r, c] else f"must be within 0..{maxima[r, 0]:g}"
        errors.append(
            RowError(
                str(path),
                int(r) + 2,
                f"{stations[c]}/{frame['type'].iat[r]}",
                rule,
                str(cells[r, c]) if cells is not None else f"{values[r, c]:g}",
            )
        )
    values[out_of_range] = np.nan

    # Assemble station-hour rows: group the type rows by their hour.
    ends = sorted({e for e in label_end if e is not None})
    hour_index = {e: i for i, e in enumerate(ends)}
    grid = np.full((len(VALUE_COLUMNS), len(ends), len(stations)), np.nan)
    column_index = {c: i for i, c in enumerate(VALUE_COLUMNS)}
    seen: set[tuple[datetime, str]] = set()
    for r, (end, column) in enumerate(zip(label_end, row_types, strict=True)):
        if end is None or column is None:
            continue
        if (end, column) in seen:
            errors.append(RowError(str(path), r + 2, "type", "one row per hour and type", column))
            continue
        seen.add((end, column))
        grid[column_index[column], hour_index[end], :] = values[r]

    present = ~np.all(np.isnan(grid), axis=0)  # [hour, station]
    h_idx, s_idx = np.nonzero(present)
    end_array = (
        np.array(ends, dtype="datetime64[us]")[h_idx] if ends else np.array([], "datetime64[us]")
    )
    start_array = end_array - np.timedelta64(1, "h")
    month = pd.DatetimeIndex(start_array + np.timedelta64(8, "h")).strftime("%Y-%m")
    columns: dict[str, pa.Array] = {
        "month": pa.array(list(month), pa.string()),
        "station_code": pa.array(
            np.array(stations, dtype=object)[s_idx] if stations else [], pa.string()
        ),
        "interval_start_utc": pa.array(start_array, pa.timestamp("us")).cast(
            pa.timestamp("us", tz="UTC")
        ),
        "interval_end_utc": pa.array(end_array, pa.timestamp("us")).cast(
            pa.timestamp("us", tz="UTC")
        ),
    }
    for name, i in column_index.items():
        columns[name] = pa.array(grid[i][h_idx, s_idx], pa.float64(), from_pandas=True)
    columns["source"] = pa.array([f"cnemc:{path.name}"] * len(h_idx), pa.string())
    table = pa.table(columns, schema=air_hourly_schema())
    return CnemcFileResult(path=path, table=table, errors=errors)


def _numeric_cells(text: str) -> tuple[pd.DataFrame, NDArray[np.float64], list[str]] | None:
    """Fast path for clean files: every station cell a number or empty.

    Returns the ``date, hour, type`` columns (text), the station values and the header's
    station column names, or
    ``None`` when any cell is not a number (the caller then reads cell by cell to name each
    bad one).
    """
    raw = text.encode("utf-8")
    header = raw.split(b"\n", 1)[0].decode("utf-8").strip().split(",")
    if header[:3] != ["date", "hour", "type"]:
        return None
    types = {name: pa.float64() for name in header[3:]}
    types.update({"date": pa.string(), "hour": pa.string(), "type": pa.string()})
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            convert_options=pacsv.ConvertOptions(
                column_types=types, null_values=[""], strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:
        return None
    station_names = [c for c in header[3:] if c.strip()]
    if len(set(header)) != len(header):
        return None  # repeated station columns: let the careful path name them
    frame = pd.DataFrame({c: table[c].to_pylist() for c in ("date", "hour", "type")})
    values = (
        np.column_stack([table[name].to_numpy(zero_copy_only=False) for name in station_names])
        if station_names
        else np.empty((table.num_rows, 0))
    )
    return frame, values, station_names


def _label_end_utc(date_text: str, hour_text: str) -> datetime | None:
    """End of the hour labelled ``hour`` on ``date`` (CST), as a naive UTC datetime."""
    try:
        day = datetime.strptime(date_text.strip(), "%Y%m%d")
        hour = int(hour_text)
    except ValueError:
        return None
    if not 0 <= hour <= 23:
        return None
    return day + timedelta(hours=hour) - CST


def file_date(path: Path) -> str | None:
    """The ``YYYYMMDD`` a ``china_sites`` file name carries, if any."""
    match = _FILE_DATE.search(Path(path).name)
    return match.group(1) if match else None


def iter_cnemc_files(paths: list[Path]) -> Iterator[Path]:
    """Expand folders into their ``china_sites_*.csv(.gz)`` files, in name order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if _FILE_DATE.search(p.name))
        else:
            yield path


@dataclass(frozen=True)
class StationListRow:
    """One station of the CNEMC station list.

    Attributes
    ----------
    code, name, city : str
        Station code (``1001A``), name and the city as CNEMC names it (``城市``).
    lon, lat : float or None
        Coordinates [degree], ``None`` where the list has none.
    is_background : bool
        Whether the station is a background point (对照点).
    """

    code: str
    name: str
    city: str
    lon: float | None
    lat: float | None
    is_background: bool


_STATION_LIST_HEADER = ("监测点编码", "监测点名称", "城市", "经度", "纬度", "对照点")


def read_cnemc_station_list(path: Path) -> tuple[list[StationListRow], list[RowError]]:
    """Read the CNEMC station list (GB18030 or UTF-8).

    Returns the stations and the refused rows. Empty or ``-`` coordinates become ``None``;
    coordinates outside China's extent (lon 73..136, lat 3..54 [degree]) are refused for that row.
    """
    path = Path(path)
    text = _open_text(path)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    missing = [c for c in _STATION_LIST_HEADER if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: station list lacks columns {missing} (CNEMC layout)")
    rows: list[StationListRow] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for index, record in enumerate(frame.itertuples(index=False)):
        line = index + 2
        data = dict(zip(frame.columns, record, strict=True))
        code = str(data["监测点编码"]).strip()
        if not _STATION_CODE.match(code):
            errors.append(RowError(str(path), line, "监测点编码", "station code like 1001A", code))
            continue
        if code in seen:
            errors.append(RowError(str(path), line, "监测点编码", "each code once", code))
            continue
        lon = _coordinate(str(data["经度"]))
        lat = _coordinate(str(data["纬度"]))
        if lon is not None and not 73.0 <= lon <= 136.0:
            errors.append(
                RowError(str(path), line, "经度", "longitude within 73..136", data["经度"])
            )
            continue
        if lat is not None and not 3.0 <= lat <= 54.0:
            errors.append(RowError(str(path), line, "纬度", "latitude within 3..54", data["纬度"]))
            continue
        flag = str(data["对照点"]).strip().upper()
        if flag not in ("Y", "N", ""):
            errors.append(RowError(str(path), line, "对照点", "Y or N", data["对照点"]))
            continue
        seen.add(code)
        rows.append(
            StationListRow(
                code=code,
                name=str(data["监测点名称"]).strip(),
                city=str(data["城市"]).strip(),
                lon=lon,
                lat=lat,
                is_background=flag == "Y",
            )
        )
    return rows, errors


def _coordinate(text: str) -> float | None:
    text = text.strip()
    if text in ("", "-", "--"):
        return None
    try:
        return float(text)
    except ValueError:
        return float("nan")
