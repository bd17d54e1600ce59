"""Writing layers and access lists back out: GeoJSON/GeoPackage/Shapefile and Excel/CSV.

The access-list workbook uses the Chinese headers that :func:`ecoguard.zoning.importer.read_rules`
recognises, so an exported list (e.g. the demo's) is also a template a department can fill in
and import again.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyogrio.raw
import shapely

from ecoguard.zoning.geometry import CGCS2000
from ecoguard.zoning.importer import RULE_ALIASES, RULE_FIELDS
from ecoguard.zoning.layers import FIELDS, Layer
from ecoguard.zoning.model import AccessRule, UnitCategory

DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}

#: Header written for each rule field (the first Chinese alias the importer recognises).
RULE_HEADERS = {f: RULE_ALIASES[f][1] for f in RULE_FIELDS}


def write_layer(layer: Layer, path: Path) -> Path:
    """Write a layer as GeoJSON, GeoPackage or Shapefile (by suffix), CRS EPSG:4490.

    Categories are written by their Chinese names (优先保护单元...), which the importer reads.

    Raises
    ------
    ValueError
        For an unknown suffix.
    """
    driver = DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise ValueError(f"{path.name}: expected one of {sorted(DRIVERS)}")
    fields = list(FIELDS[layer.kind])
    data = []
    for f in fields:
        column = layer.table[f]
        if f == "category":
            column = column.map(lambda v: UnitCategory(int(v)).label_zh)
        data.append(np.asarray(column.astype(str), dtype=object))
    path.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.raw.write(
        str(path),
        geometry=np.asarray(shapely.to_wkb(layer.geometry), dtype=object),
        field_data=data,
        fields=fields,
        geometry_type="MultiPolygon",
        promote_to_multi=True,
        crs=CGCS2000,
        driver=driver,
        encoding="UTF-8" if driver == "ESRI Shapefile" else None,
    )
    return path


def rule_rows(rules: Sequence[AccessRule]) -> list[list[str]]:
    """Rows of an access-list table (header first), in the importer's format."""
    rows = [[RULE_HEADERS[f] for f in RULE_FIELDS]]
    for r in rules:
        values = {
            "rule_id": r.rule_id,
            "level": r.level.label_zh,
            "scope": r.scope,
            "dimension": r.dimension.label_zh,
            "effect": {"prohibit": "禁止", "restrict": "限制", "require": "要求", "allow": "允许"}[
                r.effect.value
            ],
            "text": r.text,
            "source": r.source,
            "industries": "; ".join(r.industries),
            "industry_names": r.industry_names,
            "caps": "; ".join(f"{c.pollutant}<={c.limit:g} t/a" for c in r.caps),
            "capacity_min": "" if r.capacity_min is None else f"{r.capacity_min:g}",
            "categories": "; ".join(c.label_zh for c in sorted(r.categories)),
            "elements": "; ".join(sorted(r.elements)),
        }
        rows.append([values[f] for f in RULE_FIELDS])
    return rows


def write_rules(rules: Sequence[AccessRule], path: Path) -> Path:
    """Write access-list clauses to ``.xlsx`` or ``.csv`` (UTF-8 with BOM, for Excel)."""
    rows = rule_rows(rules)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
        return path
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path.name}: expected .xlsx or .csv")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "生态环境准入清单"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path
