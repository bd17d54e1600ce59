"""Coordinate systems, validity repair and measures for zoning geometry.

Layers are kept in geographic CGCS2000 coordinates (EPSG:4490, lon/lat degrees). WGS-84
(EPSG:4326) input is taken as is: the two frames differ by well under a metre, below the
precision of the published zoning results. Input in any other CRS that ``pyproj`` knows (e.g.
CGCS2000 3-degree Gauss-Kruger zones EPSG:4513-4554) is reprojected on import. GCJ-02
("Mars" coordinates of online maps) has no EPSG code and is not recognised: such data must be
converted by its supplier.

Areas and lengths are measured in an equal-area Albers projection on the CGCS2000 datum
(standard parallels 25 N and 47 N, central meridian 105 E, the parameters commonly used for
national maps of China), so overlap areas are true areas [m2] anywhere in the country.
Topological relations (inside, boundary) are decided in lon/lat, where the data are defined;
projecting first would move points off edges they lie on.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import AlbersEqualAreaConversion

from ecoguard.zoning.model import Issue

GeomArray = npt.NDArray[np.object_]

#: Geographic CGCS2000.
CGCS2000 = "EPSG:4490"

#: Longest edge [degree] left undivided before measuring (about 1 km).
MAX_SEGMENT_DEG = 0.01


@lru_cache(maxsize=1)
def albers_crs() -> pyproj.CRS:
    """The equal-area CRS used for every area and length: Albers on the CGCS2000 datum."""
    conversion = AlbersEqualAreaConversion(
        latitude_first_parallel=25.0,
        latitude_second_parallel=47.0,
        latitude_false_origin=0.0,
        longitude_false_origin=105.0,
    )
    return ProjectedCRS(
        conversion=conversion, geodetic_crs=pyproj.CRS(CGCS2000), name="CGCS2000 / China Albers"
    )


@lru_cache(maxsize=16)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(pyproj.CRS(src), pyproj.CRS(dst), always_xy=True)


@lru_cache(maxsize=1)
def _to_albers() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(pyproj.CRS(CGCS2000), albers_crs(), always_xy=True)


def project(geoms: Any) -> Any:
    """Project lon/lat geometries (scalar or array) to CGCS2000 Albers metres."""
    transformer = _to_albers()

    def fn(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


def to_cgcs2000(geoms: GeomArray, crs: str | None) -> GeomArray:
    """Reproject geometries from ``crs`` to lon/lat CGCS2000.

    ``None``, EPSG:4326 (WGS-84), EPSG:4490 and EPSG:4610-style geographic frames of the
    same ellipsoid family are returned unchanged (see module docstring). Anything else is
    transformed with ``pyproj``.
    """
    if crs is None:
        return geoms
    source = pyproj.CRS(crs)
    if source.is_geographic and source.to_epsg() in (4326, 4490, None):
        return geoms
    transformer = _transformer(source.to_wkt(), CGCS2000)

    def fn(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    out: GeomArray = shapely.transform(geoms, fn)
    return out


def check_lonlat(geoms: GeomArray) -> bool:
    """Whether every coordinate lies within lon [-180, 180] and lat [-90, 90]."""
    bounds = shapely.bounds(geoms)
    finite = bounds[np.isfinite(bounds).all(axis=1)]
    if finite.size == 0:
        return True
    return bool(
        (finite[:, 0] >= -180).all()
        and (finite[:, 2] <= 180).all()
        and (finite[:, 1] >= -90).all()
        and (finite[:, 3] <= 90).all()
    )


def repair_polygons(
    geoms: GeomArray, ids: Sequence[str], source: str
) -> tuple[GeomArray, npt.NDArray[np.bool_], list[Issue]]:
    """Make polygon geometries valid, reporting each repair and refusing what cannot be used.

    Invalid geometries (self-intersections, bow-ties, wrong ring order) are repaired with
    ``shapely.make_valid`` and the polygonal part is kept; the repair is reported with the
    GEOS reason. A geometry that is missing, empty, not polygonal, has non-finite
    coordinates, or has no area left after repair is refused with its feature id.

    Parameters
    ----------
    geoms : ndarray of geometries
        Lon/lat geometries, one per feature.
    ids : sequence of str
        Feature ids for messages.
    source : str
        File name for messages.

    Returns
    -------
    tuple
        ``(repaired geometries, keep mask, issues)``.
    """
    out = np.array(geoms, dtype=object)
    keep = np.ones(len(out), dtype=bool)
    issues: list[Issue] = []
    for i, geom in enumerate(out):
        fid = ids[i]
        if geom is None or shapely.is_empty(geom):
            keep[i] = False
            issues.append(
                Issue(source, fid, "geometry", "required", "geometry is missing or empty")
            )
            continue
        if not np.isfinite(shapely.get_coordinates(geom)).all():
            keep[i] = False
            issues.append(
                Issue(
                    source, fid, "geometry", "finite-coordinates", "coordinates are NaN or infinite"
                )
            )
            continue
        if shapely.get_type_id(geom) not in (3, 6, 7):
            keep[i] = False
            issues.append(
                Issue(
                    source,
                    fid,
                    "geometry",
                    "polygonal",
                    f"expected a polygon, got {geom.geom_type}",
                )
            )
            continue
        if shapely.is_valid(geom):
            continue
        reason = shapely.is_valid_reason(geom)
        fixed = _polygonal_part(shapely.make_valid(geom))
        if fixed is None or shapely.area(fixed) <= 0.0:
            keep[i] = False
            issues.append(
                Issue(
                    source,
                    fid,
                    "geometry",
                    "valid-geometry",
                    f"invalid ({reason}) and not repairable: no area left",
                )
            )
            continue
        out[i] = fixed
        issues.append(
            Issue(
                source,
                fid,
                "geometry",
                "valid-geometry",
                f"invalid ({reason}); repaired with make_valid",
                "repaired",
            )
        )
    return out, keep, issues


def _polygonal_part(geom: Any) -> Any:
    """Polygonal part of a geometry as a (Multi)Polygon, or ``None``."""
    if geom is None or shapely.is_empty(geom):
        return None
    type_id = shapely.get_type_id(geom)
    if type_id in (3, 6):
        return geom
    if type_id == 7:
        parts = [g for g in shapely.get_parts(geom) if shapely.get_type_id(g) in (3, 6)]
        polys = [p for g in parts for p in shapely.get_parts(g)]
        if not polys:
            return None
        return shapely.multipolygons(polys) if len(polys) > 1 else polys[0]
    return None


def measures(geoms: Any) -> tuple[Any, Any]:
    """Area [m2] and length [m] of lon/lat geometries, measured in CGCS2000 Albers.

    Edges are first densified to at most :data:`MAX_SEGMENT_DEG` so that a straight edge in
    lon/lat (the data's own frame) follows its true course in the projection. The length of a
    polygon is not needed and is returned as 0.
    """
    projected = project(shapely.segmentize(geoms, MAX_SEGMENT_DEG))
    area = shapely.area(projected)
    dim = shapely.get_dimensions(projected)
    length = np.where(dim == 1, shapely.length(projected), 0.0)
    return area, length
