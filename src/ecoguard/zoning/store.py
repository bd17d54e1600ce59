"""Zoning layers and access lists on disk: GeoParquet and JSON under ``ECOGUARD_HOME/zoning``.

Layout::

    <home>/zoning/units/<version>.parquet      GeoParquet 1.1 (WKB, CRS EPSG:4490)
    <home>/zoning/redlines/<version>.parquet
    <home>/zoning/reserves/<version>.parquet
    <home>/zoning/rules/<version>.json

Every import writes a new version and never overwrites an old one (departments update their
results dynamically, ``governance.md`` §1.4 item 4); readers take the latest version unless one
is named. Versions are UTC timestamps ``YYYYmmddTHHMMSSZ``, so they sort by time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import shapely

from ecoguard.zoning.geometry import CGCS2000
from ecoguard.zoning.layers import FIELDS, Layer
from ecoguard.zoning.model import (
    AccessRule,
    Dimension,
    Effect,
    LayerKind,
    ListLevel,
    PollutantCap,
    UnitCategory,
)

RULES = "rules"


def new_version(now: datetime | None = None) -> str:
    """Version label for an import made now (UTC)."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def _target(folder: Path, version: str, suffix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version}{suffix}"
    n = 2
    while path.exists():
        path = folder / f"{version}-{n}{suffix}"
        n += 1
    return path


def versions(root: Path, kind: str) -> list[str]:
    """Stored versions of a layer kind or of the rules, oldest first."""
    folder = root / kind
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.iterdir() if p.suffix in (".parquet", ".json"))


def save_layer(root: Path, layer: Layer) -> Path:
    """Write a layer as a new GeoParquet version and return its path."""
    version = layer.version or new_version()
    path = _target(root / layer.kind.value, version, ".parquet")
    columns: dict[str, Any] = {f: layer.table[f].to_numpy() for f in FIELDS[layer.kind]}
    columns["geometry"] = pa.array(shapely.to_wkb(layer.geometry), type=pa.binary())
    table = pa.table(columns)
    bounds = shapely.total_bounds(layer.geometry) if len(layer) else [0.0, 0.0, 0.0, 0.0]
    types = sorted({str(t) for t in shapely.get_type_id(layer.geometry)})
    names = {"3": "Polygon", "6": "MultiPolygon"}
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": [names.get(t, "Unknown") for t in types],
                "crs": pyproj.CRS(CGCS2000).to_json_dict(),
                "bbox": [float(v) for v in bounds],
            }
        },
    }
    meta = {
        b"geo": json.dumps(geo).encode(),
        b"ecoguard": json.dumps(
            {"kind": layer.kind.value, "version": path.stem, "source": layer.source}
        ).encode(),
    }
    pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def load_layer(root: Path, kind: LayerKind, version: str | None = None) -> Layer | None:
    """Read a stored layer (latest version by default); ``None`` when none is stored."""
    available = versions(root, kind.value)
    if not available:
        return None
    chosen = version or available[-1]
    if chosen not in available:
        raise FileNotFoundError(
            f"no {kind.value} version {chosen!r} under {root} (have {available})"
        )
    path = root / kind.value / f"{chosen}.parquet"
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(b"ecoguard", b"{}"))
    frame = table.drop(["geometry"]).to_pandas()
    geoms = np.asarray(
        shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False)), dtype=object
    )
    return Layer(kind, frame, geoms, version=chosen, source=str(meta.get("source", "")))


def rule_to_dict(rule: AccessRule) -> dict[str, Any]:
    """JSON-ready form of a clause."""
    return {
        "rule_id": rule.rule_id,
        "level": rule.level.name.lower(),
        "scope": rule.scope,
        "dimension": rule.dimension.value,
        "effect": rule.effect.value,
        "text": rule.text,
        "source": rule.source,
        "industries": list(rule.industries),
        "industry_names": rule.industry_names,
        "caps": [{"pollutant": c.pollutant, "limit_t_per_a": c.limit} for c in rule.caps],
        "capacity_min": rule.capacity_min,
        "categories": sorted(c.slug for c in rule.categories),
        "elements": sorted(rule.elements),
    }


def rule_from_dict(data: dict[str, Any]) -> AccessRule:
    """Inverse of :func:`rule_to_dict`."""
    return AccessRule(
        rule_id=str(data["rule_id"]),
        level=ListLevel[str(data["level"]).upper()],
        scope=str(data["scope"]),
        dimension=Dimension(data["dimension"]),
        effect=Effect(data["effect"]),
        text=str(data["text"]),
        source=str(data.get("source", "")),
        industries=tuple(data.get("industries", ())),
        industry_names=str(data.get("industry_names", "")),
        caps=tuple(
            PollutantCap(c["pollutant"], float(c["limit_t_per_a"])) for c in data.get("caps", ())
        ),
        capacity_min=data.get("capacity_min"),
        categories=frozenset(UnitCategory[c.upper()] for c in data.get("categories", ())),
        elements=frozenset(data.get("elements", ())),
    )


def save_rules(
    root: Path, rules: Sequence[AccessRule], version: str = "", source: str = ""
) -> Path:
    """Write the access lists as a new JSON version and return its path."""
    path = _target(root / RULES, version or new_version(), ".json")
    doc = {"version": path.stem, "source": source, "rules": [rule_to_dict(r) for r in rules]}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def load_rules(root: Path, version: str | None = None) -> list[AccessRule]:
    """Read stored access lists (latest version by default); empty when none is stored."""
    available = versions(root, RULES)
    if not available:
        return []
    chosen = version or available[-1]
    if chosen not in available:
        raise FileNotFoundError(f"no rules version {chosen!r} under {root} (have {available})")
    doc = json.loads((root / RULES / f"{chosen}.json").read_text(encoding="utf-8"))
    return [rule_from_dict(d) for d in doc["rules"]]
