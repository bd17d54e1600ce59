"""Projects to screen: from WKT, a point, a coordinate list, a vector file or a batch table.

Every geometry is taken as lon/lat (CGCS2000 or WGS-84) unless a vector file states another
CRS. Batch tables (CSV, Excel, or a vector file with attributes) give one project a row; a bad
row becomes an :class:`~ecoguard.zoning.model.Issue` and the other rows are still screened.

Batch columns (English or Chinese headers): ``id``/项目编号, ``name``/项目名称, the geometry as
``wkt`` or ``lon``+``lat``/经度+纬度 or ``coords`` (``lon,lat;lon,lat;...``), ``industry``/行业代码,
``capacity``/规模, ``flags``/标签 (``两高``), and one column per pollutant named by its key or
Chinese name (``SO2``, ``二氧化硫``, ``NOx``...) holding the expected emission [t/a].
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely
from shapely.geometry import LineString, Point, Polygon

from ecoguard.zoning.geometry import check_lonlat, to_cgcs2000
from ecoguard.zoning.industry import normalize_code
from ecoguard.zoning.model import Issue, Project
from ecoguard.zoning.rules import POLLUTANT_KEYS, normalize_pollutant, split_list

VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".zip")

_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "project_id", "项目编号", "编号"),
    "name": ("name", "项目名称", "名称"),
    "wkt": ("wkt", "geometry", "几何"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "coords": ("coords", "coordinates", "坐标", "坐标串"),
    "industry": ("industry", "行业代码", "行业"),
    "capacity": ("capacity", "规模", "产能"),
    "flags": ("flags", "标签", "标记"),
}


class ProjectInputError(ValueError):
    """A project description that cannot be used."""


def parse_point(text: str) -> Point:
    """Parse ``"lon,lat"``.

    Raises
    ------
    ProjectInputError
        When it is not two numbers within lon/lat range.
    """
    parts = [p for p in re.split(r"[,\s，]+", text.strip()) if p]
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError as exc:
        raise ProjectInputError(f"point {text!r}: expected lon,lat (e.g. 87.6,43.8)") from exc
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ProjectInputError(f"point {text!r}: lon must be in [-180, 180] and lat in [-90, 90]")
    return Point(lon, lat)


def parse_coords(text: str) -> Any:
    """Parse ``"lon,lat; lon,lat; ..."``: one pair is a point, a closed ring a polygon, else a line.

    Raises
    ------
    ProjectInputError
        On an empty list or a bad pair.
    """
    pairs = [parse_point(p) for p in re.split(r"[;；\n]", text) if p.strip()]
    if not pairs:
        raise ProjectInputError("empty coordinate list")
    xy = [(p.x, p.y) for p in pairs]
    if len(xy) == 1:
        return pairs[0]
    if len(xy) >= 4 and xy[0] == xy[-1]:
        return Polygon(xy)
    return LineString(xy)


def parse_wkt(text: str) -> Any:
    """Parse WKT, refusing empty or non-lon/lat geometry."""
    try:
        geom = shapely.from_wkt(text.strip())
    except shapely.errors.GEOSException as exc:
        raise ProjectInputError(f"cannot read WKT: {exc}") from exc
    if geom is None or geom.is_empty:
        raise ProjectInputError("WKT geometry is empty")
    return checked_geometry(geom)


def checked_geometry(geom: Any) -> Any:
    """Refuse non-lon/lat coordinates; repair invalid polygons with ``make_valid``."""
    if not check_lonlat(np.array([geom], dtype=object)):
        raise ProjectInputError("coordinates are not longitude/latitude degrees")
    if not geom.is_valid:
        fixed = shapely.make_valid(geom)
        if fixed.is_empty:
            raise ProjectInputError(f"invalid geometry ({shapely.is_valid_reason(geom)})")
        return fixed
    return geom


def read_geometry_file(path: Path) -> Any:
    """Read a vector file as one project geometry (the union of its features), in lon/lat."""
    try:
        meta, _, wkb, _ = pyogrio.raw.read(str(path), force_2d=True)
    except Exception as exc:  # pyogrio raises several error kinds
        raise ProjectInputError(f"{path.name}: cannot read as a vector file: {exc}") from exc
    geoms = np.empty(len(wkb), dtype=object)
    geoms[:] = list(shapely.from_wkb(wkb, on_invalid="ignore"))
    geoms = to_cgcs2000(geoms[[g is not None for g in geoms]], meta.get("crs"))
    if len(geoms) == 0:
        raise ProjectInputError(f"{path.name}: no geometry")
    geoms = np.array([shapely.make_valid(g) for g in geoms], dtype=object)
    return checked_geometry(shapely.union_all(geoms))


@dataclass(frozen=True)
class ProjectBatch:
    """Projects read from a batch file, with the rows that could not be used."""

    projects: list[Project]
    issues: list[Issue] = field(default_factory=list)
    read: int = 0


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def read_batch(path: Path, defaults: Mapping[str, Any] | None = None) -> ProjectBatch:
    """Read many projects from a CSV, Excel or vector file (see module docstring).

    Parameters
    ----------
    path : Path
        The file.
    defaults : mapping, optional
        Values for ``industry``, ``capacity`` and ``flags`` when a row leaves them empty.
    """
    source = path.name
    suffix = path.suffix.lower()
    geoms: list[Any] | None = None
    if suffix in VECTOR_SUFFIXES:
        try:
            meta, fids, wkb, values = pyogrio.raw.read(str(path), force_2d=True, return_fids=True)
        except Exception as exc:  # pyogrio raises several error kinds
            raise ProjectInputError(f"{source}: cannot read as a vector file: {exc}") from exc
        header = [str(n) for n in meta["fields"]]
        arr = np.empty(len(wkb), dtype=object)
        arr[:] = list(shapely.from_wkb(wkb, on_invalid="ignore"))
        arr = to_cgcs2000(arr, meta.get("crs"))
        geoms = list(arr)
        rows = [
            (f"fid {fids[i]}", [values[k][i] for k in range(len(header))]) for i in range(len(wkb))
        ]
    else:
        header, raw = _tabular(path)
        rows = [(f"row {i + 2}", r) for i, r in enumerate(raw)]
    lower = {h.lower(): k for k, h in enumerate(header)}
    col = {
        f: next((lower[a.lower()] for a in aliases if a.lower() in lower), None)
        for f, aliases in _ALIASES.items()
    }
    pollutant_cols = {
        k: normalize_pollutant(h)
        for k, h in enumerate(header)
        if h.strip() and normalize_pollutant(h) in POLLUTANT_KEYS
    }
    no_lonlat = col["lon"] is None or col["lat"] is None
    if geoms is None and col["wkt"] is None and col["coords"] is None and no_lonlat:
        raise ProjectInputError(
            f"{source}: no geometry column: give wkt, coords, or lon and lat (columns: {header})"
        )
    defaults = defaults or {}
    projects: list[Project] = []
    issues: list[Issue] = []
    read = 0
    for n, (where, row) in enumerate(rows):

        def get(f: str, row: list[Any] = row) -> str:
            k = col[f]
            return _cell(row[k]) if k is not None and k < len(row) else ""

        if geoms is None and not any(_cell(v) for v in row):
            continue
        read += 1
        pid = get("id") or where
        try:
            geom = _row_geometry(geoms[n] if geoms is not None else None, get)
        except ProjectInputError as exc:
            used = next((f for f in ("wkt", "coords", "lon") if get(f)), "geometry")
            name = _name(header, col.get(used), "geometry") if geoms is None else "geometry"
            issues.append(Issue(source, pid, name, "geometry", str(exc)))
            continue
        original = geoms[n] if geoms is not None else None
        if original is None and get("wkt"):
            original = shapely.from_wkt(get("wkt"), on_invalid="ignore")
        if original is not None and not original.is_valid:
            reason = shapely.is_valid_reason(original)
            issues.append(
                Issue(
                    source,
                    pid,
                    "geometry",
                    "valid-geometry",
                    f"invalid ({reason}); repaired with make_valid",
                    "repaired",
                )
            )
        industry = get("industry") or str(defaults.get("industry", ""))
        if industry:
            try:
                normalize_code(industry)
            except ValueError as exc:
                issues.append(
                    Issue(
                        source, pid, _name(header, col["industry"], "industry"), "format", str(exc)
                    )
                )
                continue
        capacity_text = get("capacity")
        try:
            capacity = float(capacity_text) if capacity_text else defaults.get("capacity")
            emissions = {
                key: float(_cell(row[k])) for k, key in pollutant_cols.items() if _cell(row[k])
            }
        except ValueError as exc:
            issues.append(
                Issue(source, pid, "capacity/emissions", "number", f"not a number: {exc}")
            )
            continue
        flags = frozenset(split_list(get("flags"))) | frozenset(defaults.get("flags", ()))
        projects.append(Project(pid, geom, industry, get("name"), capacity, emissions, flags))
    return ProjectBatch(projects, issues, read)


def _name(header: list[str], k: int | None, default: str) -> str:
    return header[k] if k is not None else default


def _row_geometry(geom: Any, get: Any) -> Any:
    if geom is not None:
        return checked_geometry(geom)
    if get("wkt"):
        return parse_wkt(get("wkt"))
    if get("coords"):
        return checked_geometry(parse_coords(get("coords")))
    if get("lon") or get("lat"):
        return parse_point(f"{get('lon')},{get('lat')}")
    raise ProjectInputError("no geometry in this row")


def _tabular(path: Path) -> tuple[list[str], list[list[Any]]]:
    source = path.name
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds
            raise ProjectInputError(f"{source}: cannot read as an Excel workbook: {exc}") from exc
        data = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    else:
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                data = [list(r) for r in csv.reader(fh)]
        except (OSError, UnicodeDecodeError) as exc:
            raise ProjectInputError(f"{source}: cannot read as UTF-8 CSV: {exc}") from exc
    if not data:
        raise ProjectInputError(f"{source}: empty")
    return [_cell(h) for h in data[0]], data[1:]
