"""The spatial layers of zoning control: canonical fields and the in-memory layer table.

Fields of a control unit follow ``governance.md`` §1.4 item 1 (unit code, name, category,
admin codes, region, element). Red lines and nature reserves share one schema: code, name,
zone (for reserves: 核心区 / 缓冲区 / 实验区) and admin code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecoguard.zoning.geometry import GeomArray
from ecoguard.zoning.model import LayerKind, UnitCategory

#: Canonical fields per layer kind; ``code`` is required, the others default to "".
FIELDS: dict[LayerKind, tuple[str, ...]] = {
    LayerKind.UNITS: ("code", "name", "category", "element", "region", "admin_code"),
    LayerKind.REDLINES: ("code", "name", "zone", "admin_code"),
    LayerKind.RESERVES: ("code", "name", "zone", "admin_code"),
}

#: Attribute names seen in department files, mapped to canonical fields (first match wins).
#: A department's own names are given with ``--map field=attr``.
ALIASES: dict[str, tuple[str, ...]] = {
    "code": (
        "code",
        "环境管控单元编码",
        "管控单元编码",
        "单元编码",
        "HJGKDYBM",
        "DYBM",
        "ZHDYBM",
        "编码",
        "红线编码",
        "保护地编码",
        "id",
        "ID",
    ),
    "name": (
        "name",
        "环境管控单元名称",
        "管控单元名称",
        "单元名称",
        "DYMC",
        "名称",
        "保护地名称",
        "NAME",
    ),
    "category": (
        "category",
        "管控单元分类",
        "单元分类",
        "管控类别",
        "单元类别",
        "类别",
        "DYFL",
        "GKLB",
    ),
    "element": ("element", "要素", "要素类型", "管控要素", "YSLX"),
    "region": ("region", "片区", "所属片区", "区域", "PQ"),
    "admin_code": (
        "admin_code",
        "行政区划代码",
        "行政区代码",
        "区划代码",
        "XZQDM",
        "adcode",
        "ADCODE",
    ),
    "zone": ("zone", "功能分区", "功能区", "GNFQ", "类型"),
}

#: Element names normalised to a short key (生态, 水, 大气, 土壤, 资源, 综合).
ELEMENTS: dict[str, str] = {
    "ecological": "生态",
    "ecology": "生态",
    "生态": "生态",
    "water": "水",
    "水": "水",
    "水环境": "水",
    "air": "大气",
    "大气": "大气",
    "大气环境": "大气",
    "land": "土壤",
    "soil": "土壤",
    "土壤": "土壤",
    "土壤环境": "土壤",
    "resources": "资源",
    "资源": "资源",
    "资源利用": "资源",
    "comprehensive": "综合",
    "综合": "综合",
}


def normalize_element(value: str) -> str:
    """Return the short key of an element name, or the value unchanged if unknown."""
    text = value.strip()
    return ELEMENTS.get(text, ELEMENTS.get(text.lower(), text))


@dataclass(frozen=True)
class Layer:
    """A layer: one row of canonical attributes per feature, with lon/lat CGCS2000 geometry.

    Attributes
    ----------
    kind : LayerKind
        Which layer.
    table : pandas.DataFrame
        Canonical fields (see :data:`FIELDS`), string-typed except ``category`` (int, the
        :class:`~ecoguard.zoning.model.UnitCategory` value), index ``0..n-1``.
    geometry : ndarray of shapely geometries
        Valid (Multi)Polygons in lon/lat, aligned with ``table``.
    version : str
        Version label of the import (UTC timestamp by default).
    source : str
        File the layer was imported from.
    """

    kind: LayerKind
    table: pd.DataFrame
    geometry: GeomArray
    version: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if len(self.table) != len(self.geometry):
            raise ValueError(
                f"{self.kind} layer: {len(self.table)} rows but {len(self.geometry)} geometries"
            )
        missing = [f for f in FIELDS[self.kind] if f not in self.table.columns]
        if missing:
            raise ValueError(f"{self.kind} layer: missing fields {missing}")

    def __len__(self) -> int:
        return len(self.table)


def make_layer(
    kind: LayerKind,
    records: list[dict[str, object]],
    geometry: list[object] | GeomArray,
    version: str = "",
    source: str = "",
) -> Layer:
    """Build a layer from dictionaries (missing fields default to "", categories parsed).

    Parameters
    ----------
    kind : LayerKind
        Which layer.
    records : list of dict
        One per feature; ``category`` may be a :class:`UnitCategory` or its int value.
    geometry : sequence of shapely geometries
        Lon/lat, one per record.
    """
    columns: dict[str, list[object]] = {f: [] for f in FIELDS[kind]}
    for rec in records:
        for f in FIELDS[kind]:
            value = rec.get(f, "")
            if f == "category":
                value = int(UnitCategory(int(value)))  # type: ignore[call-overload]
            columns[f].append(value if value is not None else "")
    table = pd.DataFrame(columns)
    for f in FIELDS[kind]:
        if f != "category":
            table[f] = table[f].astype(str)
    geoms = np.empty(len(records), dtype=object)
    geoms[:] = list(geometry)
    return Layer(kind, table, geoms, version=version, source=source)
