"""Reading department files: layers from Shapefile/GeoPackage/GeoJSON, access lists from Excel.

The edge of the zoning package: vendor attribute names are mapped to canonical fields here
(explicit ``field=attr`` mappings first, then the aliases in
:data:`ecoguard.zoning.layers.ALIASES`),
geometry is reprojected to CGCS2000 lon/lat and repaired, and every problem becomes an
:class:`~ecoguard.zoning.model.Issue` naming the file, feature or row, field and rule. A bad
feature or row is left out; its neighbours are kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely

from ecoguard.zoning.geometry import check_lonlat, measures, repair_polygons, to_cgcs2000
from ecoguard.zoning.industry import validate_selector
from ecoguard.zoning.layers import ALIASES, FIELDS, Layer, make_layer, normalize_element
from ecoguard.zoning.model import AccessRule, Issue, LayerKind, ListLevel
from ecoguard.zoning.rules import (
    parse_caps,
    parse_category,
    parse_dimension,
    parse_effect,
    parse_level,
    split_list,
)


class ZoningInputError(ValueError):
    """A whole file cannot be used (unreadable, no usable fields, unknown mapping)."""


@dataclass(frozen=True)
class LayerImport:
    """Result of reading a layer file: the accepted features and every issue found."""

    layer: Layer
    issues: list[Issue]
    read: int

    @property
    def rejected(self) -> list[Issue]:
        """Issues that left a feature out."""
        return [i for i in self.issues if i.severity == "rejected"]


@dataclass(frozen=True)
class RulesImport:
    """Result of reading an access-list workbook."""

    rules: list[AccessRule]
    issues: list[Issue] = field(default_factory=list)
    read: int = 0

    @property
    def rejected(self) -> list[Issue]:
        """Issues that left a row out."""
        return [i for i in self.issues if i.severity == "rejected"]


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """Parse ``["code=DYBM", "name=DYMC"]`` into a dict.

    Raises
    ------
    ZoningInputError
        On an item without ``=``.
    """
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ZoningInputError(f"--map {item!r}: expected field=attribute")
        out[key.strip()] = value.strip()
    return out


def resolve_columns(
    available: list[str],
    wanted: tuple[str, ...],
    mapping: Mapping[str, str],
    source: str,
    aliases: Mapping[str, tuple[str, ...]],
) -> dict[str, str]:
    """Pick the source column for each canonical field.

    Raises
    ------
    ZoningInputError
        When a mapping names an unknown field or attribute.
    """
    unknown = [k for k in mapping if k not in wanted]
    if unknown:
        raise ZoningInputError(
            f"{source}: --map names unknown field(s) {unknown}; fields are {list(wanted)}"
        )
    lower = {a.lower(): a for a in available}
    chosen: dict[str, str] = {}
    for f in wanted:
        if f in mapping:
            attr = mapping[f]
            if attr not in available and attr.lower() not in lower:
                raise ZoningInputError(
                    f"{source}: --map {f}={attr}: no attribute {attr!r}; the file has {available}"
                )
            chosen[f] = attr if attr in available else lower[attr.lower()]
            continue
        for alias in aliases.get(f, ()):
            if alias in available or alias.lower() in lower:
                chosen[f] = alias if alias in available else lower[alias.lower()]
                break
    return chosen


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


_UNIT_CODE = re.compile(r"^ZH(\d{6})([123])\d+$")


def read_layer(
    path: Path,
    kind: LayerKind,
    mapping: Mapping[str, str] | None = None,
    *,
    layer_name: str | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    version: str = "",
) -> LayerImport:
    """Read a Shapefile, GeoPackage or GeoJSON file into a layer.

    Parameters
    ----------
    path : Path
        The file.
    kind : LayerKind
        Which layer it holds.
    mapping : mapping of str to str, optional
        Canonical field -> attribute name in the file.
    layer_name : str, optional
        Layer inside a GeoPackage.
    encoding : str, optional
        Attribute encoding when the file does not state it (Shapefiles without ``.cpg`` from
        Chinese departments are often ``GBK``).
    crs : str, optional
        CRS to assume when the file states none (``EPSG:4527``...); the file's own CRS wins
        otherwise. Without either, coordinates must be lon/lat.
    version : str, optional
        Version label (default: the UTC time of writing).

    Returns
    -------
    LayerImport

    Raises
    ------
    ZoningInputError
        When the file cannot be read, has no code attribute, or its coordinates are not
        lon/lat and no CRS is known.
    """
    source = path.name
    try:
        meta, fids, wkb, values = pyogrio.raw.read(
            str(path), layer=layer_name, encoding=encoding, force_2d=True, return_fids=True
        )
    except Exception as exc:  # pyogrio raises several DataSource/Field errors
        raise ZoningInputError(f"{source}: cannot read as a vector file: {exc}") from exc
    names = [str(n) for n in meta["fields"]]
    columns = resolve_columns(names, FIELDS[kind], mapping or {}, source, ALIASES)
    if "code" not in columns:
        raise ZoningInputError(
            f"{source}: no attribute for the unit/feature code; give --map code=<attr> "
            f"(attributes: {names}; if they look garbled, give --encoding GBK)"
        )
    data = {f: values[names.index(a)] for f, a in columns.items()}
    n = len(wkb) if wkb is not None else 0
    fid_list = [str(x) for x in (fids if fids is not None else range(n))]
    geoms = np.empty(n, dtype=object)
    geoms[:] = list(shapely.from_wkb(wkb, on_invalid="ignore")) if n else []
    file_crs = meta.get("crs") or crs
    try:
        geoms = to_cgcs2000(geoms, file_crs)
    except Exception as exc:
        raise ZoningInputError(f"{source}: cannot reproject from CRS {file_crs!r}: {exc}") from exc
    if not check_lonlat(geoms):
        raise ZoningInputError(
            f"{source}: coordinates are not longitude/latitude and the file states no CRS; "
            "give --crs (e.g. EPSG:4527 for CGCS2000 3-degree zone 39)"
        )
    issues: list[Issue] = []
    records: list[dict[str, Any]] = []
    keep = np.ones(n, dtype=bool)
    seen: dict[str, str] = {}
    for i in range(n):
        rec = {f: _text(data[f][i]) if f in data else "" for f in FIELDS[kind]}
        where = f"fid {fid_list[i]}" + (f" ({rec['code']})" if rec["code"] else "")
        if not rec["code"]:
            issues.append(Issue(source, where, columns["code"], "required", "code is empty"))
            keep[i] = False
        elif rec["code"] in seen:
            issues.append(
                Issue(
                    source,
                    where,
                    columns["code"],
                    "unique",
                    f"code also used by fid {seen[rec['code']]}",
                )
            )
            keep[i] = False
        else:
            seen[rec["code"]] = fid_list[i]
        if kind is LayerKind.UNITS and keep[i]:
            keep[i] = _unit_fields(rec, columns, source, where, issues)
        records.append(rec)
    ids = [f"fid {fid_list[i]} ({records[i]['code']})" for i in range(n)]
    repaired, ok, geo_issues = repair_polygons(geoms, ids, source)
    issues.extend(geo_issues)
    keep &= ok
    accepted = [records[i] for i in range(n) if keep[i]]
    built = make_layer(kind, accepted, repaired[keep], version=version, source=str(path))
    issues.extend(overlap_warnings(built, source))
    return LayerImport(built, issues, n)


def overlap_warnings(layer: Layer, source: str, limit: int = 100) -> list[Issue]:
    """Warn about features of a layer whose interiors overlap (each pair once).

    Control units of one element normally tile the area without overlap; where two overlap,
    projects there fall under both units' lists. At most ``limit`` pairs are listed, then a
    count of the rest.
    """
    geoms = layer.geometry
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    inner = ~shapely.touches(geoms[left], geoms[right])
    left, right = left[inner], right[inner]
    if len(left) == 0:
        return []
    area, _ = measures(shapely.intersection(geoms[left[:limit]], geoms[right[:limit]]))
    codes = layer.table["code"].to_numpy(dtype=str)
    out = [
        Issue(source, f"{codes[a]} / {codes[b]}", "geometry", "overlap",
              f"features overlap by {m2 / 10_000:.4g} ha: both apply there", "warning")
        for a, b, m2 in zip(left[:limit], right[:limit], area, strict=True)
    ]  # fmt: skip
    if len(left) > limit:
        out.append(
            Issue(
                source,
                "...",
                "geometry",
                "overlap",
                f"{len(left) - limit} more overlapping pairs",
                "warning",
            )
        )
    return out


def _unit_fields(
    rec: dict[str, Any], columns: Mapping[str, str], source: str, where: str, issues: list[Issue]
) -> bool:
    """Parse category/element/admin code of a unit in place; ``False`` rejects the feature."""
    match = _UNIT_CODE.match(rec["code"])
    if not rec["category"]:
        if match is None:
            issues.append(
                Issue(
                    source,
                    where,
                    columns.get("category", "category"),
                    "required",
                    "category is empty"
                    if "category" in columns
                    else "no category attribute recognised: give --map category=<attr> "
                    "(or --encoding GBK if attribute names look garbled)",
                )
            )
            return False
        rec["category"] = match.group(2)
        issues.append(
            Issue(
                source,
                where,
                "category",
                "from-code",
                f"category taken from the unit code digit {match.group(2)} "
                "(convention unconfirmed)",
                "repaired",
            )
        )
    try:
        rec["category"] = int(parse_category(str(rec["category"])))
    except ValueError as exc:
        issues.append(Issue(source, where, columns.get("category", "category"), "enum", str(exc)))
        return False
    rec["element"] = normalize_element(rec["element"])
    if not rec["admin_code"] and match is not None:
        rec["admin_code"] = match.group(1)
    if rec["admin_code"] and not re.fullmatch(r"\d{6}", rec["admin_code"]):
        issues.append(
            Issue(
                source,
                where,
                columns.get("admin_code", "admin_code"),
                "format",
                "admin code must be 6 digits",
            )
        )
        return False
    return True


#: Column aliases of an access-list workbook.
RULE_FIELDS: tuple[str, ...] = (
    "rule_id", "level", "scope", "dimension", "effect", "text", "source",
    "industries", "industry_names", "caps", "capacity_min", "categories", "elements",
)  # fmt: skip
RULE_ALIASES: dict[str, tuple[str, ...]] = {
    "rule_id": ("rule_id", "编号", "条款编号", "序号"),
    "level": ("level", "层级", "清单层级", "级别"),
    "scope": ("scope", "适用范围", "范围", "范围编码", "单元编码", "区划代码"),
    "dimension": ("dimension", "管控维度", "维度", "管控类别"),
    "effect": ("effect", "效力", "管控要求类型", "要求类型"),
    "text": ("text", "条款内容", "准入要求", "管控要求", "内容"),
    "source": ("source", "来源", "依据", "出处"),
    "industries": ("industries", "行业代码", "行业", "适用行业"),
    "industry_names": ("industry_names", "行业名称", "行业类别"),
    "caps": ("caps", "污染物限值", "污染物", "排放量上限"),
    "capacity_min": ("capacity_min", "规模下限", "产能下限"),
    "categories": ("categories", "单元类别", "适用单元类别"),
    "elements": ("elements", "要素", "适用要素"),
}
_REQUIRED = ("level", "dimension", "effect", "text")


def read_rules(
    path: Path, mapping: Mapping[str, str] | None = None, *, sheet: str | None = None
) -> RulesImport:
    """Read access-list clauses from an Excel workbook (first sheet unless named) or a CSV file.

    The first row holds the headers. Each row is one clause; a row with a bad field is left
    out with an issue naming the row (as numbered in Excel), field and rule.

    Raises
    ------
    ZoningInputError
        When the file cannot be read or a required column is missing.
    """
    source = path.name
    header, rows = _table_rows(path, sheet)
    columns = resolve_columns(header, RULE_FIELDS, mapping or {}, source, RULE_ALIASES)
    missing = [f for f in _REQUIRED if f not in columns]
    if missing:
        raise ZoningInputError(
            f"{source}: no column for {missing}; give --map field=<column> (columns: {header})"
        )
    rules: list[AccessRule] = []
    issues: list[Issue] = []
    seen: set[str] = set()
    read = 0
    for number, row in rows:
        cells = {
            f: _text(row[header.index(c)]) if header.index(c) < len(row) else ""
            for f, c in columns.items()
        }
        if not any(cells.values()):
            continue
        read += 1
        where = f"row {number}"
        try:
            rule = _rule_from_cells(cells, number)
        except _FieldError as exc:
            issues.append(
                Issue(source, where, columns.get(exc.field, exc.field), exc.rule, exc.message)
            )
            continue
        if rule.rule_id in seen:
            issues.append(
                Issue(
                    source,
                    where,
                    columns.get("rule_id", "rule_id"),
                    "unique",
                    f"duplicate {rule.rule_id}",
                )
            )
            continue
        seen.add(rule.rule_id)
        rules.append(rule)
    return RulesImport(rules, issues, read)


class _FieldError(ValueError):
    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field, self.rule, self.message = field, rule, message


def _rule_from_cells(cells: Mapping[str, str], number: int) -> AccessRule:
    for f in _REQUIRED:
        if not cells.get(f):
            raise _FieldError(f, "required", f"{f} is empty")

    def parse(fieldname: str, fn: Any) -> Any:
        try:
            return fn(cells.get(fieldname, ""))
        except ValueError as exc:
            raise _FieldError(fieldname, "format", str(exc)) from exc

    level = parse("level", parse_level)
    scope = cells.get("scope", "") or ("*" if level is ListLevel.PROVINCE else "")
    if not scope:
        raise _FieldError(
            "scope", "required", f"scope is empty for a {level.name.lower()}-level clause"
        )
    capacity = cells.get("capacity_min", "")
    try:
        capacity_min = float(capacity) if capacity else None
    except ValueError as exc:
        raise _FieldError("capacity_min", "number", f"not a number: {capacity!r}") from exc
    return AccessRule(
        rule_id=cells.get("rule_id", "") or f"R{number}",
        level=level,
        scope=scope,
        dimension=parse("dimension", parse_dimension),
        effect=parse("effect", parse_effect),
        text=cells["text"],
        source=cells.get("source", ""),
        industries=parse(
            "industries", lambda s: tuple(validate_selector(x) for x in split_list(s))
        ),
        industry_names=cells.get("industry_names", ""),
        caps=parse("caps", parse_caps),
        capacity_min=capacity_min,
        categories=parse(
            "categories", lambda s: frozenset(parse_category(x) for x in split_list(s))
        ),
        elements=frozenset(normalize_element(x) for x in split_list(cells.get("elements", ""))),
    )


def _table_rows(path: Path, sheet: str | None) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    source = path.name
    if path.suffix.lower() == ".csv":
        import csv

        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                data = list(csv.reader(fh))
        except (OSError, UnicodeDecodeError) as exc:
            raise ZoningInputError(f"{source}: cannot read CSV (UTF-8 expected): {exc}") from exc
    else:
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds
            raise ZoningInputError(f"{source}: cannot read as an Excel workbook: {exc}") from exc
        if sheet is not None and sheet not in book.sheetnames:
            raise ZoningInputError(f"{source}: no sheet {sheet!r} (sheets: {book.sheetnames})")
        ws = book[sheet] if sheet else book.worksheets[0]
        data = [list(r) for r in ws.iter_rows(values_only=True)]
        book.close()
    if not data:
        raise ZoningInputError(f"{source}: empty")
    header = [_text(h) for h in data[0]]
    return header, [(i + 2, list(r)) for i, r in enumerate(data[1:])]


__all__ = [
    "LayerImport",
    "RulesImport",
    "ZoningInputError",
    "parse_mapping",
    "read_layer",
    "read_rules",
]
