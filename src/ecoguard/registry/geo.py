"""Coordinate datums: the one GCJ-02 to WGS-84 routine of the project, and GeoJSON helpers.

GCJ-02 is the obfuscated datum of Amap/Tencent maps; it is WGS-84 shifted by a smooth,
position-dependent offset of 100-700 m inside China (none outside). CGCS2000 (EPSG:4490)
and WGS-84 (EPSG:4326) agree to centimetres for mapping purposes and are treated as one.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

_A = 6378245.0  # semi-major axis of Krasovsky 1940, used by the GCJ-02 offset [m]
_EE = 0.00669342162296594323  # its first eccentricity squared

FloatArray = NDArray[np.float64]


def _out_of_china(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS-84 at a WGS-84 position [degree]."""
    x = lon - 105.0
    y = lat - 35.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    inside = ~_out_of_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """Shift WGS-84 longitude/latitude [degree] to GCJ-02 (no shift outside China)."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    dlon, dlat = _offset(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(lon: Any, lat: Any, *, tol: float = 1e-9) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude [degree] to WGS-84.

    The forward offset has no closed inverse; this iterates ``w <- w - (f(w) - g)`` from
    ``w = g``, which converges to below ``tol`` degrees (about 0.1 mm) in a few steps because
    the offset changes slowly with position.
    """
    g_lon = np.asarray(lon, dtype=np.float64)
    g_lat = np.asarray(lat, dtype=np.float64)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(30):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        if (
            max(float(np.max(np.abs(e_lon), initial=0)), float(np.max(np.abs(e_lat), initial=0)))
            < tol
        ):
            break
    return w_lon, w_lat


def geometry_gcj02_to_wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    """Convert every vertex of a geometry from GCJ-02 to WGS-84."""

    def _convert(coords: FloatArray) -> FloatArray:
        lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, _convert)


def to_geojson(geom: shapely.Geometry, *, precision: int = 5) -> str:
    """GeoJSON text of a geometry, rounded to ``precision`` decimals (1e-5 degree is about 1 m)."""
    rounded = shapely.set_precision(geom, 10.0**-precision)
    return json.dumps(
        json.loads(shapely.to_geojson(rounded)), ensure_ascii=False, separators=(",", ":")
    )


def clean(geom: shapely.Geometry, *, simplify_tolerance: float = 0.0) -> shapely.Geometry:
    """Repair (``make_valid``) and optionally simplify [degree] a boundary, keeping only areas."""
    geom = shapely.make_valid(geom)
    if simplify_tolerance > 0:
        geom = shapely.make_valid(geom.simplify(simplify_tolerance, preserve_topology=True))
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(parts)
    return geom
