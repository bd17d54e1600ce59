"""Readers for surface-water measurement files: CNEMC's automatic-station publishing format and
mapped CSV/Excel files.

They map vendor column names and units to our parameter codes and canonical units at the edge and
return long-format readings (one row per section, parameter and time) in UTC with the interval
each reading describes. A bad cell rejects that cell only; a row whose section or time cannot be
read is rejected as a whole. Every rejection is a :class:`Problem` naming file, row, field and
rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ecoguard.ingest.errors import RowError
from ecoguard.standards.gb3838 import ITEMS, WaterClass

CST: Final = ZoneInfo("Asia/Shanghai")
MISSING_MARKERS: Final = frozenset({"", "--", "-", "—", "NA", "N/A", "nan", "NaN"})


@dataclass(frozen=True)
class Column:
    """A vendor column: our parameter code and the factor that converts to our unit."""

    code: str
    unit: str
    factor: float = 1.0


#: CNEMC national surface-water automatic-station platform: Chinese header -> our code and unit.
CNEMC_COLUMNS: Final[Mapping[str, Column]] = {
    "水温(℃)": Column("water_temp", "degC"),
    "pH(无量纲)": Column("ph", "1"),
    "溶解氧(mg/L)": Column("do", "mg/L"),
    "电导率(μS/cm)": Column("conductivity", "uS/cm"),
    "浊度(NTU)": Column("turbidity", "NTU"),
    "高锰酸盐指数(mg/L)": Column("codmn", "mg/L"),
    "氨氮(mg/L)": Column("nh3_n", "mg/L"),
    "总磷(mg/L)": Column("tp", "mg/L"),
    "总氮(mg/L)": Column("tn", "mg/L"),
    "叶绿素α(mg/L)": Column("chla", "mg/L"),
    "藻密度(cells/L)": Column("algae_density", "cells/L"),
}
CNEMC_ID_COLUMNS: Final = ("省份", "流域", "断面名称", "监测时间", "水质类别")
#: Columns some copies carry that are not CNEMC's (``lat``/``lon`` geocoded by a crawler): ignored.
CNEMC_IGNORED_COLUMNS: Final = frozenset({"lat", "lon"})

#: Units a mapped file may declare, with the factor to our unit (mg/L for concentrations).
UNIT_FACTORS: Final[Mapping[str, tuple[str, float]]] = {
    "mg/l": ("mg/L", 1.0),
    "ug/l": ("mg/L", 0.001),
    "μg/l": ("mg/L", 0.001),
    "g/l": ("mg/L", 1000.0),
    "1": ("1", 1.0),
    "degc": ("degC", 1.0),
    "us/cm": ("uS/cm", 1.0),
    "μs/cm": ("uS/cm", 1.0),
    "ms/m": ("uS/cm", 10.0),
    "ntu": ("NTU", 1.0),
    "cells/l": ("cells/L", 1.0),
    "count/l": ("count/L", 1.0),
    "m": ("m", 1.0),
}

#: Canonical units of the parameter codes a mapped file may use without declaring a unit.
DEFAULT_UNITS: Final[Mapping[str, str]] = {
    "ph": "1",
    "water_temp": "degC",
    "conductivity": "uS/cm",
    "turbidity": "NTU",
    "algae_density": "cells/L",
    "fecal_coliform": "count/L",
    "sd": "m",
}

#: Data flags (HJ 212-2017 flag letters where they fit): ``N`` valid; the others are kept but
#: excluded from means. A mapped file's unknown flag is reported and stored as ``X``.
DATA_FLAGS: Final[Mapping[str, str]] = {
    "N": "valid",
    "M": "maintenance",
    "C": "calibration",
    "D": "instrument fault",
    "T": "over range",
    "B": "communication fault",
    "X": "rejected (audit or unknown flag)",
}

READING_COLUMNS: Final = (
    "region",
    "basin",
    "section",
    "parameter",
    "time",
    "time_end",
    "value",
    "unit",
    "flag",
    "source",
    "source_row",
)


#: A refused cell or row (file, row, field, rule, value): the project-wide reader error.
Problem = RowError


@dataclass
class WaterFile:
    """What a reader got from one file.

    Attributes
    ----------
    readings : pandas.DataFrame
        Long format with :data:`READING_COLUMNS`; ``time``/``time_end`` are UTC timestamps.
    samples : pandas.DataFrame
        One row per accepted source row: ``region``, ``basin``, ``section``, ``time``,
        ``official_class`` (1..6, 0 when the file gives none), ``section_type`` (text or empty),
        ``source_row``.
    problems : list of Problem
        Rejected cells and rows.
    """

    readings: pd.DataFrame
    samples: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    def wide(self) -> pd.DataFrame:
        """Samples with one column per parameter (values in canonical units)."""
        if self.readings.empty:
            return self.samples.copy()
        values = self.readings.pivot_table(
            index="source_row", columns="parameter", values="value", aggfunc="first"
        )
        values.columns = [str(c) for c in values.columns]
        return self.samples.join(values, on="source_row")


def year_from_name(path: Path) -> int | None:
    """The year in a file name such as ``cnemc_water_sections_2026-02-04.csv``, if any."""
    match = re.search(r"(19|20)\d{2}(?=[-_]?\d{2}[-_]?\d{2})", path.name)
    return int(match.group(0)) if match else None


def read_cnemc(
    path: Path,
    *,
    year: int | None = None,
    interval: timedelta = timedelta(hours=4),
) -> WaterFile:
    """Read a CNEMC automatic surface-water station file (the platform's published table).

    Parameters
    ----------
    path : Path
        CSV (UTF-8, or GB18030 as a fallback) with the columns ``省份,流域,断面名称,监测时间,
        水质类别`` and the parameter columns of :data:`CNEMC_COLUMNS`; ``--`` marks missing.
    year : int, optional
        Year of ``监测时间`` (``MM-DD HH:MM`` has none); by default taken from the file name.
    interval : timedelta
        Length of the measuring cycle a reading describes. ``监测时间`` is read as the start of
        the cycle in China Standard Time (unconfirmed: the platform does not say; automatic
        stations run 4-hourly cycles).

    Returns
    -------
    WaterFile

    Raises
    ------
    ValueError
        When identifying columns are absent or the year cannot be known.
    """
    year = year if year is not None else year_from_name(path)
    if year is None:
        raise ValueError(f"{path.name}: 监测时间 has no year; pass the year (--year)")
    frame = _read_text_table(path)
    absent = [c for c in CNEMC_ID_COLUMNS[:4] if c not in frame.columns]
    if absent:
        raise ValueError(f"{path.name}: not a CNEMC water file, columns {absent} are missing")
    known = set(CNEMC_COLUMNS) | set(CNEMC_ID_COLUMNS) | CNEMC_IGNORED_COLUMNS
    unknown = [c for c in frame.columns if c not in known]
    params = {c: CNEMC_COLUMNS[c] for c in frame.columns if c in CNEMC_COLUMNS}
    fname = path.name

    def parse_time(text: str) -> pd.Timestamp | None:
        try:
            local = datetime.strptime(f"{year}-{text}", "%Y-%m-%d %H:%M")
        except ValueError:
            return None
        return pd.Timestamp(local.replace(tzinfo=CST)).tz_convert("UTC")

    section = _text(frame, "断面名称")
    time_text = _text(frame, "监测时间")
    start = _parse_unique(time_text, parse_time)
    problems = _row_problems(fname, section == "", "断面名称", "section name is empty", section)
    bad_time = (section != "") & start.isna()
    problems += _row_problems(fname, bad_time, "监测时间", "time is not 'MM-DD HH:MM'", time_text)
    accepted = (section != "") & ~bad_time
    official, class_problems = _classes(
        frame, "水质类别", accepted, fname, "not a class Ⅰ-Ⅴ or 劣Ⅴ"
    )
    samples = pd.DataFrame(
        {
            "region": _text(frame, "省份"),
            "basin": _text(frame, "流域"),
            "section": section,
            "time": start,
            "official_class": official,
            "section_type": "",
            "source_row": _lines(frame),
        }
    )[accepted]
    flags = pd.Series("N", index=frame.index)
    readings, value_problems = _values(frame, samples, start + interval, params, flags, fname)
    result = WaterFile(
        readings=readings, samples=samples.reset_index(drop=True),
        problems=_sorted(problems + class_problems + value_problems, frame),
    )  # fmt: skip
    if unknown:
        result.problems.insert(
            0, Problem(fname, 1, ",".join(unknown), "unknown columns ignored", "")
        )
    return result


@dataclass(frozen=True)
class ColumnMapping:
    """How a mapped CSV/Excel file's columns become ours.

    Attributes
    ----------
    section, time : str
        Source columns with the section name and the local time.
    region, basin, section_type, official_class : str or None
        Optional source columns.
    parameters : dict of str to Column
        Source column -> our code, unit and factor.
    time_zone : str
        Zone of the times (default China Standard Time).
    time_format : str or None
        ``strptime`` format; ``None`` lets pandas parse ISO-like text.
    interval : timedelta or None
        Length of the interval a reading describes, starting at its time; ``None`` for a
        monthly (manual) sample, whose interval runs to the start of the next natural month in
        ``time_zone``.
    """

    section: str
    time: str
    parameters: dict[str, Column]
    region: str | None = None
    basin: str | None = None
    section_type: str | None = None
    official_class: str | None = None
    flag: str | None = None
    time_zone: str = "Asia/Shanghai"
    time_format: str | None = None
    interval: timedelta | None = timedelta(hours=1)


def parse_mapping(
    header: Sequence[str],
    entries: Sequence[str],
    *,
    interval: timedelta | None = timedelta(hours=1),
) -> ColumnMapping:
    """Build a column mapping from ``source=target`` entries and a file's header.

    ``target`` is ``section``, ``time``, ``region``, ``basin``, ``type``, ``class``, ``flag`` or a
    parameter code with an optional unit, e.g. ``TP(ug/L)=tp:ug/L``. Columns named after our
    codes, the CNEMC Chinese headers, or the fields themselves map without an entry.

    Raises
    ------
    ValueError
        On a malformed entry, an unknown unit, or when section or time stay unmapped.
    """
    targets: dict[str, str] = {}
    for entry in entries:
        source, sep, target = entry.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValueError(f"mapping entry {entry!r} is not 'source column=target'")
        targets[source.strip()] = target.strip()
    fields: dict[str, str] = {}
    parameters: dict[str, Column] = {}
    special = {"section", "time", "region", "basin", "type", "class", "flag"}
    aliases = {"断面名称": "section", "断面": "section", "监测时间": "time", "省份": "region",
               "流域": "basin", "水质类别": "class", "section_type": "type"}  # fmt: skip
    for column in header:
        mapped = targets.get(column)
        if mapped is not None:
            target = mapped
        else:
            if column in special:
                target = column
            elif column in aliases:
                target = aliases[column]
            elif column in CNEMC_COLUMNS:
                spec = CNEMC_COLUMNS[column]
                parameters[column] = spec
                continue
            elif _is_code(column):
                target = column
            else:
                continue
        if target in special:
            fields[target] = column
            continue
        code, _, unit = target.partition(":")
        unit_key = (unit or DEFAULT_UNITS.get(code, "mg/L")).strip().lower()
        if unit_key not in UNIT_FACTORS:
            raise ValueError(
                f"column {column!r}: unknown unit {unit!r}; known: {sorted(UNIT_FACTORS)}"
            )
        canonical, factor = UNIT_FACTORS[unit_key]
        parameters[column] = Column(code, canonical, factor)
    missing_targets = [t for t in targets if t not in header]
    if missing_targets:
        raise ValueError(f"mapped columns {missing_targets} are not in the file")
    for needed in ("section", "time"):
        if needed not in fields:
            raise ValueError(f"no column is mapped to {needed!r} (use 'column={needed}')")
    return ColumnMapping(
        section=fields["section"],
        time=fields["time"],
        parameters=parameters,
        region=fields.get("region"),
        basin=fields.get("basin"),
        section_type=fields.get("type"),
        official_class=fields.get("class"),
        flag=fields.get("flag"),
        interval=interval,
    )


_KNOWN_CODES: Final = frozenset(
    {"water_temp", "conductivity", "turbidity", "chla", "algae_density", "sd"}
)


def _is_code(column: str) -> bool:
    return column in ITEMS or column in _KNOWN_CODES


def read_header(path: Path, *, sheet: str | None = None) -> list[str]:
    """Column names of a CSV or Excel file."""
    return [str(c) for c in _read_text_table(path, sheet=sheet).columns]


def read_mapped(path: Path, mapping: ColumnMapping, *, sheet: str | None = None) -> WaterFile:
    """Read a CSV or Excel file whose columns are described by ``mapping``.

    Parameters
    ----------
    path : Path
        ``.csv`` (UTF-8 or GB18030) or ``.xlsx``.
    mapping : ColumnMapping
        Column mapping (see :func:`parse_mapping`).
    sheet : str, optional
        Excel sheet name (default: the first).

    Returns
    -------
    WaterFile
    """
    frame = _read_text_table(path, sheet=sheet)
    zone = ZoneInfo(mapping.time_zone)
    fname = path.name

    def parse_time(text: str) -> pd.Timestamp | None:
        try:
            if mapping.time_format:
                naive = datetime.strptime(text, mapping.time_format)
            else:
                naive = pd.Timestamp(text).to_pydatetime()
        except (ValueError, TypeError):
            return None
        if naive.tzinfo is None:
            naive = naive.replace(tzinfo=zone)
        return pd.Timestamp(naive).tz_convert("UTC")

    def month_end(start: pd.Timestamp) -> pd.Timestamp:
        local = start.tz_convert(zone)
        first = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
        return pd.Timestamp(first).tz_convert("UTC")

    empty = pd.Series("", index=frame.index)
    section = _text(frame, mapping.section)
    time_text = _text(frame, mapping.time)
    start = _parse_unique(time_text, parse_time)
    problems = _row_problems(
        fname, section == "", mapping.section, "section name is empty", section
    )
    bad_time = (section != "") & start.isna()
    problems += _row_problems(fname, bad_time, mapping.time, "not a time", time_text)
    accepted = (section != "") & ~bad_time
    if mapping.interval is None:
        end = _parse_unique(start.where(accepted), month_end)
    else:
        end = start + mapping.interval
    official = pd.Series(0, index=frame.index)
    class_problems: list[Problem] = []
    if mapping.official_class:
        official, class_problems = _classes(
            frame, mapping.official_class, accepted, fname, "not a class"
        )
    flags = _text(frame, mapping.flag).str.upper() if mapping.flag else empty + "N"
    unknown_flag = accepted & ~flags.isin(list(DATA_FLAGS))
    problems += _row_problems(
        fname, unknown_flag, mapping.flag or "flag",
        f"unknown data flag; known: {''.join(DATA_FLAGS)}", flags,
    )  # fmt: skip
    flags = flags.where(~unknown_flag, "X")
    samples = pd.DataFrame(
        {
            "region": _text(frame, mapping.region) if mapping.region else empty,
            "basin": _text(frame, mapping.basin) if mapping.basin else empty,
            "section": section,
            "time": start,
            "official_class": official,
            "section_type": _text(frame, mapping.section_type) if mapping.section_type else empty,
            "source_row": _lines(frame),
        }
    )[accepted]
    readings, value_problems = _values(frame, samples, end, mapping.parameters, flags, fname)
    return WaterFile(
        readings=readings, samples=samples.reset_index(drop=True),
        problems=_sorted(problems + class_problems + value_problems, frame),
    )  # fmt: skip


def _read_text_table(path: Path, *, sheet: str | None = None) -> pd.DataFrame:
    """All cells as text, nothing interpreted (so ``0.100`` and ``--`` survive as written)."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, keep_default_na=False)
        return frame.astype(str)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped Python strings."""
    return pd.Series(
        [str(v).strip() for v in frame[column].tolist()], index=frame.index, dtype=object
    )


def _lines(frame: pd.DataFrame) -> pd.Series:
    """1-based line numbers of the rows (the header is line 1; frames have a RangeIndex)."""
    return pd.Series(frame.index + 2, index=frame.index, dtype="int64")


def _parse_unique(values: pd.Series, parse: Callable[[Any], pd.Timestamp | None]) -> pd.Series:
    """Apply ``parse`` once per distinct value (time labels repeat); failures become NaT."""
    parsed = {v: parse(v) for v in values.dropna().unique()}
    out = pd.Series([parsed.get(v) if pd.notna(v) else None for v in values], index=values.index)
    return pd.to_datetime(out, utc=True)


def _row_problems(
    fname: str, mask: pd.Series, field: str, rule: str, values: pd.Series
) -> list[Problem]:
    # Frames are read with a RangeIndex, so row label i is line i + 2 (the header is line 1).
    return [Problem(fname, int(i) + 2, field, rule, str(values[i])) for i in values.index[mask]]


def _classes(
    frame: pd.DataFrame, column: str, accepted: pd.Series, fname: str, rule: str
) -> tuple[pd.Series, list[Problem]]:
    """Published classes 1..6 (0 where none); unreadable ones are reported for accepted rows."""
    if column not in frame.columns:
        return pd.Series(0, index=frame.index), []
    text = _text(frame, column)

    def parse(value: str) -> int:
        if value in MISSING_MARKERS:
            return 0
        try:
            return int(WaterClass.parse(value))
        except ValueError:
            return -1

    codes = {v: parse(v) for v in text.unique()}
    classes = text.map(codes).astype("int64")
    bad = accepted & (classes < 0)
    return classes.clip(lower=0), _row_problems(fname, bad, column, rule, text)


def _values(
    frame: pd.DataFrame,
    samples: pd.DataFrame,
    end: pd.Series,
    params: Mapping[str, Column],
    flags: pd.Series,
    fname: str,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Long-format readings of the accepted rows (``samples``), and their unreadable cells."""
    problems: list[Problem] = []
    pieces: list[pd.DataFrame] = []
    index = samples.index
    for order, (column, spec) in enumerate(params.items()):
        text = _text(frame, column)[index]
        missing = text.isin(list(MISSING_MARKERS))
        numbers = pd.to_numeric(text.where(~missing), errors="coerce").astype("float64")
        bad = ~missing & ~np.isfinite(numbers)
        problems += _row_problems(fname, bad, column, "not a number", text)
        keep = ~missing & ~bad
        rows = samples[keep]
        pieces.append(
            pd.DataFrame(
                {
                    "region": rows["region"],
                    "basin": rows["basin"],
                    "section": rows["section"],
                    "parameter": spec.code,
                    "time": rows["time"],
                    "time_end": end[rows.index],
                    "value": numbers[keep] * spec.factor,
                    "unit": spec.unit,
                    "flag": flags[rows.index],
                    "source": fname,
                    "source_row": rows["source_row"],
                    "_order": order,
                }
            )
        )
    if not pieces:
        return pd.DataFrame(columns=list(READING_COLUMNS)), problems
    readings = pd.concat(pieces).sort_values(["source_row", "_order"], kind="stable")
    return readings[list(READING_COLUMNS)].reset_index(drop=True), problems


def _sorted(problems: list[Problem], frame: pd.DataFrame) -> list[Problem]:
    """Problems in file order: by row, then by the column's position."""
    position = {str(c): i for i, c in enumerate(frame.columns)}
    return sorted(problems, key=lambda p: (p.row, position.get(p.field, -1)))
