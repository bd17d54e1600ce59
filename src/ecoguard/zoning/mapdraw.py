"""Small maps of a screening result, as SVG text or PNG bytes, with no plotting library.

The map shows the layers around the project in a Lambert azimuthal equal-area projection
centred on the map (north up): control units coloured by category, red lines, nature
reserves and the project itself. PNG is rasterised here (even-odd scanline fill, alpha
blending, zlib) so that Word reports can embed it; the legend goes beside it. Works offline,
as the design asks (no online tiles).
"""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from ecoguard.zoning.geometry import CGCS2000
from ecoguard.zoning.model import ScreeningResult, UnitCategory
from ecoguard.zoning.screening import ZoningIndex

RGB = tuple[int, int, int]

#: Fill colours (and the legend's wording).
STYLE: dict[str, tuple[RGB, float, str]] = {
    "priority": ((76, 175, 80), 0.35, "优先保护单元 priority protection"),
    "key": ((255, 152, 0), 0.35, "重点管控单元 key control"),
    "general": ((100, 181, 246), 0.30, "一般管控单元 general control"),
    "redlines": ((229, 57, 53), 0.65, "生态保护红线 red line"),
    "reserves": ((27, 94, 32), 0.45, "自然保护地 nature reserve"),
    "project": ((142, 36, 170), 0.60, "项目 project"),
}
_EDGE: RGB = (66, 66, 66)


@dataclass(frozen=True)
class MapFeature:
    """One shape to draw: style key, label and projected geometry [m]."""

    style: str
    label: str
    geometry: Any


def map_features(
    index: ZoningIndex, result: ScreeningResult, margin: float = 0.6, min_pad: float = 0.15
) -> list[MapFeature]:
    """Features within the project's bounding box grown by ``margin`` of its size (at least
    ``min_pad`` degrees, about 15 km), in an equal-area projection centred on the map."""
    geom = result.project.geometry
    x0, y0, x1, y1 = shapely.bounds(geom)
    pad = max(margin * max(x1 - x0, y1 - y0), min_pad)
    window = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    centre = shapely.centroid(window)
    local = _local(round(centre.x, 2), round(centre.y, 2))
    out: list[MapFeature] = []
    layers = [(index.units, None)] + [(p, p.layer.kind) for p in index.protected]
    for layer_index, kind in layers:
        hits = layer_index.tree.query(window, predicate="intersects")
        table = layer_index.layer.table
        for j in hits:
            clipped = shapely.intersection(layer_index.layer.geometry[j], window)
            if kind is None:
                style = UnitCategory(int(table["category"].iloc[j])).slug
            else:
                style = kind.value
            out.append(
                MapFeature(style, str(table["code"].iloc[j]), _project_local(clipped, local))
            )
    out.sort(key=lambda f: ("priority", "key", "general", "reserves", "redlines").index(f.style))
    out.append(MapFeature("project", result.project.project_id, _project_local(geom, local)))
    return out


@lru_cache(maxsize=32)
def _local(lon: float, lat: float) -> pyproj.Transformer:
    """Lambert azimuthal equal-area centred on the map (north up, true areas)."""
    crs = pyproj.CRS.from_proj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +ellps=GRS80 +units=m")
    return pyproj.Transformer.from_crs(pyproj.CRS(CGCS2000), crs, always_xy=True)


def _project_local(geom: Any, transformer: pyproj.Transformer) -> Any:
    def fn(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(shapely.segmentize(geom, 0.01), fn)


class _Frame:
    """Affine map from projected metres to pixels (y down), keeping the aspect ratio."""

    def __init__(
        self, features: Sequence[MapFeature], width: int, height: int, pad: int = 8
    ) -> None:
        bounds = shapely.total_bounds(np.array([f.geometry for f in features], dtype=object))
        x0, y0, x1, y1 = (float(v) for v in bounds)
        span = max(x1 - x0, y1 - y0, 1.0)
        self.scale = min(
            (width - 2 * pad) / max(x1 - x0, span * 1e-3),
            (height - 2 * pad) / max(y1 - y0, span * 1e-3),
        )
        self.x0, self.y1 = x0, y1
        self.ox = (width - (x1 - x0) * self.scale) / 2
        self.oy = (height - (y1 - y0) * self.scale) / 2
        self.width, self.height = width, height

    def xy(self, coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out = np.empty_like(coords)
        out[:, 0] = self.ox + (coords[:, 0] - self.x0) * self.scale
        out[:, 1] = self.oy + (self.y1 - coords[:, 1]) * self.scale
        return out


def _rings(geom: Any) -> list[npt.NDArray[np.float64]]:
    rings = []
    for poly in shapely.get_parts(geom):
        if shapely.get_type_id(poly) != 3:
            continue
        rings.append(shapely.get_coordinates(shapely.get_exterior_ring(poly)))
        rings.extend(shapely.get_coordinates(r) for r in shapely.get_rings(poly)[1:])
    return rings


def _lines(geom: Any) -> list[npt.NDArray[np.float64]]:
    return [
        shapely.get_coordinates(g)
        for g in shapely.get_parts(geom)
        if shapely.get_type_id(g) in (1, 2)
    ]


def _points(geom: Any) -> npt.NDArray[np.float64]:
    pts = [
        shapely.get_coordinates(g) for g in shapely.get_parts(geom) if shapely.get_type_id(g) == 0
    ]
    return np.vstack(pts) if pts else np.empty((0, 2))


def _hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def render_svg(features: Sequence[MapFeature], width: int = 800, height: int = 600) -> str:
    """SVG of the features with unit codes as labels."""
    frame = _Frame(features, width, height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for f in features:
        rgb, alpha, _ = STYLE[f.style]
        colour = _hex(rgb)
        path = " ".join(
            "M " + " L ".join(f"{x:.1f},{y:.1f}" for x, y in frame.xy(r)) + " Z"
            for r in _rings(f.geometry)
        )
        if path:
            parts.append(
                f'<path d="{path}" fill="{colour}" fill-opacity="{alpha}" fill-rule="evenodd" '
                f'stroke="{_hex(_EDGE) if f.style != "project" else colour}" stroke-width="1"/>'
            )
        for line in _lines(f.geometry):
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in frame.xy(line))
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="3"/>'
            )
        for x, y in frame.xy(_points(f.geometry)):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colour}" stroke="black"/>'
            )
        if f.style in ("priority", "key", "general") and not shapely.is_empty(f.geometry):
            c = frame.xy(shapely.get_coordinates(shapely.point_on_surface(f.geometry)))[0]
            parts.append(
                f'<text x="{c[0]:.1f}" y="{c[1]:.1f}" fill="#333">{_escape(f.label)}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fill(
    canvas: npt.NDArray[np.float64], rings: list[npt.NDArray[np.float64]], rgb: RGB, alpha: float
) -> None:
    """Even-odd scanline fill of pixel-space rings, alpha-blended into ``canvas``."""
    if not rings:
        return
    segs = np.vstack([np.hstack([r[:-1], r[1:]]) for r in rings if len(r) > 1])
    height, width = canvas.shape[:2]
    ys0, ys1 = segs[:, 1], segs[:, 3]
    colour = np.array(rgb, dtype=float)
    lo, hi = (
        max(0, int(np.floor(min(ys0.min(), ys1.min())))),
        min(height - 1, int(np.ceil(max(ys0.max(), ys1.max())))),
    )
    for row in range(lo, hi + 1):
        yc = row + 0.5
        crossing = (ys0 <= yc) != (ys1 <= yc)
        if not crossing.any():
            continue
        s = segs[crossing]
        xs = np.sort(s[:, 0] + (yc - s[:, 1]) * (s[:, 2] - s[:, 0]) / (s[:, 3] - s[:, 1]))
        for a, b in zip(xs[0::2], xs[1::2], strict=False):
            c0, c1 = max(0, int(np.ceil(a - 0.5))), min(width - 1, int(np.floor(b - 0.5)))
            if c1 >= c0:
                canvas[row, c0 : c1 + 1] = (1 - alpha) * canvas[row, c0 : c1 + 1] + alpha * colour


def _stroke(
    canvas: npt.NDArray[np.float64], line: npt.NDArray[np.float64], rgb: RGB, radius: int = 0
) -> None:
    height, width = canvas.shape[:2]
    for (xa, ya), (xb, yb) in itertools.pairwise(line):
        n = int(max(abs(xb - xa), abs(yb - ya))) + 2
        xs = np.rint(np.linspace(xa, xb, n)).astype(int)
        ys = np.rint(np.linspace(ya, yb, n)).astype(int)
        for dx in range(-radius, radius + 1):
            for dy in range(-radius, radius + 1):
                ok = (xs + dx >= 0) & (xs + dx < width) & (ys + dy >= 0) & (ys + dy < height)
                canvas[ys[ok] + dy, xs[ok] + dx] = rgb


def render_png(features: Sequence[MapFeature], width: int = 800, height: int = 600) -> bytes:
    """PNG (RGB, 8 bit) of the features."""
    frame = _Frame(features, width, height)
    canvas = np.full((height, width, 3), 255.0)
    for f in features:
        rgb, alpha, _ = STYLE[f.style]
        rings = [frame.xy(r) for r in _rings(f.geometry)]
        _fill(canvas, rings, rgb, alpha)
        for ring in rings:
            _stroke(
                canvas,
                ring,
                _EDGE if f.style != "project" else rgb,
                1 if f.style == "project" else 0,
            )
        for line in _lines(f.geometry):
            _stroke(canvas, frame.xy(line), rgb, 2)
        for x, y in frame.xy(_points(f.geometry)):
            yy, xx = np.ogrid[:height, :width]
            disc = (xx - x) ** 2 + (yy - y) ** 2 <= 36
            canvas[disc] = rgb
            ring = disc & ((xx - x) ** 2 + (yy - y) ** 2 >= 20)
            canvas[ring] = (0, 0, 0)
    return encode_png(np.clip(np.rint(canvas), 0, 255).astype(np.uint8))


def encode_png(pixels: npt.NDArray[np.uint8]) -> bytes:
    """Encode an ``(h, w, 3)`` uint8 array as PNG (filter 0 on every row)."""
    height, width = pixels.shape[:2]
    raw = b"".join(b"\x00" + pixels[r].tobytes() for r in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def legend(features: Sequence[MapFeature]) -> list[tuple[str, str]]:
    """``(hex colour, wording)`` of the styles present, for a legend beside the PNG."""
    present = {f.style for f in features}
    return [(_hex(rgb), text) for key, (rgb, _, text) in STYLE.items() if key in present]


__all__ = ["MapFeature", "encode_png", "legend", "map_features", "render_png", "render_svg"]
