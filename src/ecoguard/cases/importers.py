"""Import inspection findings (Excel) and red-line clues (GeoJSON/Shapefile/GPKG or Excel).

Readers turn each row or feature into a :class:`~ecoguard.cases.service.NewCase` or a
:class:`~ecoguard.ingest.errors.RowError` naming file, row, field and rule; :func:`register`
then creates the good ones through the scoped service, one by one, so a bad row never costs
its neighbours. Column headers may be Chinese, English, or (for clue files) the pinyin
abbreviations of the national 自然保护地人类活动监管 system (``reference/governance.md`` §5.2).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoguard.cases.service import CaseService, NewCase
from ecoguard.ingest.errors import RowError
from ecoguard.registry.errors import RegistryError
from ecoguard.registry.models import Region

#: Finding columns: canonical name -> accepted headers (case-insensitive, spaces ignored).
FINDING_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "reference": ("问题编号", "编号", "reference", "id"),
    "level": ("督察类型", "督察级别", "level"),
    "round": ("督察轮次", "轮次", "round"),
    "batch": ("批次", "batch"),
    "feedback_date": ("反馈日期", "反馈时间", "feedback_date"),
    "text": ("问题内容", "反馈问题", "督察反馈问题", "问题", "text"),
    "region_adcode": ("行政区划代码", "区划代码", "region_adcode", "adcode"),
    "deadline": ("整改时限", "完成时限", "deadline"),
    "responsible_unit": ("责任单位", "牵头单位", "responsible_unit"),
    "category": ("问题类别", "类别", "category"),
}
FINDING_REQUIRED = ("reference", "round", "feedback_date", "text", "region_adcode")

#: Clue attributes: canonical name -> accepted names (pinyin codes of §5.2 included).
CLUE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "reference": ("tbbh", "图斑编号", "编号", "clue_id", "reference", "id"),
    "batch": ("jcpc", "监测批次", "批次", "batch"),
    "image_date": ("qsx", "时相", "影像日期", "image_date"),
    "activity_type": ("yjlx", "人类活动类型", "活动类型", "activity_type"),
    "change_type": ("bhqk", "变化情况", "变化类型", "change_type"),
    "area_ha": ("mj", "面积", "面积（公顷）", "面积(公顷)", "area_ha", "area"),
    "function_zone": ("gnfq", "功能分区", "function_zone"),
    "reserve_name": ("bhdmc", "保护地名称", "reserve_name"),
    "region_adcode": ("xzqdm", "行政区划代码", "区划代码", "region_adcode", "adcode"),
    "address": ("address", "位置", "地址"),
    "lon": ("zxjd", "中心经度", "经度", "lon"),
    "lat": ("zxwd", "中心纬度", "纬度", "lat"),
    "deadline": ("hsqx", "核实时限", "deadline"),
    "source": ("source", "线索来源", "来源"),
}
CLUE_REQUIRED = ("reference", "batch", "image_date", "activity_type", "change_type")

LEVELS = {"中央": "central", "central": "central", "省级": "provincial", "provincial": "provincial"}
#: Human-activity codes of HJ 1156-2021 Annex A as used by the national system (§5.2).
ACTIVITY_TYPES = {
    "01": "农业用地",
    "02": "居民点",
    "03": "工矿用地",
    "04": "采石场",
    "05": "能源设施",
    "06": "旅游设施",
    "07": "交通设施",
    "08": "养殖场",
    "09": "道路",
    "10": "其他人工设施",
}
CHANGE_TYPES = {"1": "新增", "2": "规模扩大", "3": "减少/恢复"}
FUNCTION_ZONES = ("核心区", "缓冲区", "实验区", "非保护地")


class CaseInputError(ValueError):
    """A whole file cannot be read (missing columns, unreadable format)."""


@dataclass
class ImportResult:
    """What an import did: the cases created and every refused row."""

    file: str
    created: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


@dataclass(frozen=True)
class Parsed:
    """A row that parsed: where it came from and the case it describes."""

    row: int
    case: NewCase


# --- cells -------------------------------------------------------------------------------


def _norm(header: Any) -> str:
    return "".join(str(header or "").split()).lower()


def parse_date(value: Any) -> dt.date:
    """A calendar date from an Excel cell or attribute (date, datetime, ``YYYY-MM-DD``,
    ``YYYY/MM/DD``, ``YYYYMMDD``, ``YYYY年M月D日``)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(text[:11], fmt).date()
        except ValueError:
            continue
    msg = "expected a date such as 2026-03-31"
    raise ValueError(msg)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _code(value: Any, table: Mapping[str, str], width: int) -> str:
    """A code of ``table`` from its code (``3``, ``03``) or its name (``采石场``)."""
    text = _text(value)
    if text.isdigit() and text.zfill(width) in table:
        return text.zfill(width)
    for code, name in table.items():
        if text == name:
            return code
    choices = ", ".join(f"{c} {n}" for c, n in table.items())
    msg = f"expected one of {choices}"
    raise ValueError(msg)


def _adcode(value: Any) -> str:
    text = _text(value)
    if len(text) == 12 and text.isdigit():  # 12-digit statistical codes: keep the county part
        text = text[:6]
    if len(text) != 6 or not text.isdigit() or text[0] == "0":
        msg = "expected a 6-digit administrative division code (GB/T 2260)"
        raise ValueError(msg)
    return text


def _area(value: Any) -> float:
    area = float(value)
    if not math.isfinite(area) or area <= 0:
        msg = "expected a positive area in hectares"
        raise ValueError(msg)
    return area


# --- tables ------------------------------------------------------------------------------


def _columns(header: Sequence[Any], columns: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    wanted = {_norm(alias): name for name, aliases in columns.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = wanted.get(_norm(cell))
        if name is not None and name not in found:
            found[name] = index
    return found


def read_excel_rows(
    path: Path, columns: Mapping[str, tuple[str, ...]], required: Sequence[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of the first sheet as ``(line number, {canonical column: value})``.

    The header is the first of the first 10 rows holding every required column (published
    tables often start with a title row). Empty rows are skipped.

    Raises
    ------
    CaseInputError
        When the file is not a readable workbook or no row holds the required columns.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for non-workbooks
        msg = f"{path.name}: cannot read as an Excel workbook (.xlsx): {exc}"
        raise CaseInputError(msg) from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        found: dict[str, int] | None = None
        line = 0
        for line, row in enumerate(rows, start=1):
            if found is None:
                candidate = _columns(row, columns)
                if all(name in candidate for name in required):
                    found = candidate
                elif line >= 10:
                    break
                continue
            values = {name: row[i] if i < len(row) else None for name, i in found.items()}
            if all(v is None or _text(v) == "" for v in values.values()):
                continue
            yield line, values
        if found is None:
            names = ", ".join(f"{n} ({columns[n][0]})" for n in required)
            msg = f"{path.name}: no header row with the required columns {names} in rows 1-10"
            raise CaseInputError(msg)
    finally:
        book.close()


def _convert(
    source: str,
    line: int,
    values: Mapping[str, Any],
    required: Sequence[str],
    converters: Mapping[str, Callable[[Any], Any]],
    errors: list[RowError],
) -> dict[str, Any] | None:
    """Convert every cell of a row, recording one error per bad cell; ``None`` if any."""
    out: dict[str, Any] = {}
    ok = True
    for name in sorted(set(required) | set(values), key=list(converters).index):
        raw = values.get(name)
        if raw is None or _text(raw) == "":
            if name in required:
                errors.append(RowError(source, line, name, "required", ""))
                ok = False
            continue
        try:
            out[name] = converters[name](raw)
        except (TypeError, ValueError) as exc:
            errors.append(RowError(source, line, name, str(exc), _text(raw)))
            ok = False
    return out if ok else None


def _level(value: Any) -> str:
    text = _text(value)
    for key, level in LEVELS.items():
        if key in text.lower():
            return level
    msg = "expected 中央 (central) or 省级 (provincial)"
    raise ValueError(msg)


def _nonempty(value: Any) -> str:
    text = _text(value)
    if not text:
        msg = "expected text"
        raise ValueError(msg)
    if len(text) > 20000:
        msg = "text longer than 20000 characters"
        raise ValueError(msg)
    return text


def _short(limit: int) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = _nonempty(value)
        if len(text) > limit:
            msg = f"longer than {limit} characters"
            raise ValueError(msg)
        return text

    return convert


FINDING_CONVERTERS: Mapping[str, Callable[[Any], Any]] = {
    "reference": _short(64),
    "level": _level,
    "round": _short(100),
    "batch": _short(100),
    "feedback_date": parse_date,
    "text": _nonempty,
    "region_adcode": _adcode,
    "deadline": parse_date,
    "responsible_unit": _short(200),
    "category": _short(100),
}


def read_findings(path: Path) -> tuple[list[Parsed], list[RowError]]:
    """Inspection findings of one round from an Excel table (one finding per row)."""
    parsed: list[Parsed] = []
    errors: list[RowError] = []
    for line, values in read_excel_rows(path, FINDING_COLUMNS, FINDING_REQUIRED):
        row = _convert(path.name, line, values, FINDING_REQUIRED, FINDING_CONVERTERS, errors)
        if row is None:
            continue
        details = {
            "level": row.get("level", "central"),
            "round": row["round"],
            "feedback_date": row["feedback_date"].isoformat(),
            "text": row["text"],
            "source_file": path.name,
            "source_row": line,
        }
        if "category" in row:
            details["category"] = row["category"]
        batch = " ".join(p for p in (row["round"], row.get("batch")) if p)
        title = row["text"] if len(row["text"]) <= 200 else row["text"][:199] + "…"
        parsed.append(
            Parsed(
                line,
                NewCase(
                    case_type="inspection_finding",
                    reference=row["reference"],
                    title=title,
                    region_adcode=row["region_adcode"],
                    batch=batch[:100],
                    deadline=row.get("deadline"),
                    assignee_unit=row.get("responsible_unit"),
                    details=details,
                ),
            )
        )
    return parsed, errors


# --- clues -------------------------------------------------------------------------------


def _lon(value: Any) -> float:
    x = float(value)
    if not 73 <= x <= 136:
        msg = "expected a longitude within China (73..136)"
        raise ValueError(msg)
    return x


def _lat(value: Any) -> float:
    y = float(value)
    if not 3 <= y <= 54:
        msg = "expected a latitude within China (3..54)"
        raise ValueError(msg)
    return y


def _zone(value: Any) -> str:
    text = _text(value)
    if text not in FUNCTION_ZONES:
        msg = f"expected one of {', '.join(FUNCTION_ZONES)}"
        raise ValueError(msg)
    return text


CLUE_CONVERTERS: Mapping[str, Callable[[Any], Any]] = {
    "reference": _short(64),
    "batch": _short(100),
    "image_date": parse_date,
    "activity_type": lambda v: _code(v, ACTIVITY_TYPES, 2),
    "change_type": lambda v: _code(v, CHANGE_TYPES, 1),
    "area_ha": _area,
    "function_zone": _zone,
    "reserve_name": _short(200),
    "region_adcode": _adcode,
    "address": _short(200),
    "lon": _lon,
    "lat": _lat,
    "deadline": parse_date,
    "source": _short(64),
}


def _clue_case(row: Mapping[str, Any], geometry: Mapping[str, Any] | None, source: str) -> NewCase:
    activity = ACTIVITY_TYPES[row["activity_type"]]
    details: dict[str, Any] = {
        "image_date": row["image_date"].isoformat(),
        "activity_type": row["activity_type"],
        "activity_type_name": activity,
        "change_type": row["change_type"],
        "change_type_name": CHANGE_TYPES[row["change_type"]],
        "source": row.get("source", "卫星遥感"),
        "source_file": source,
    }
    for key in ("function_zone", "reserve_name", "address", "lon", "lat", "area_computed"):
        if key in row:
            details[key] = row[key]
    place = row.get("reserve_name") or row.get("address") or ""
    return NewCase(
        case_type="redline_clue",
        reference=row["reference"],
        title=f"{place}{activity}（{CHANGE_TYPES[row['change_type']]}）".strip(),
        region_adcode=row.get("region_adcode", ""),
        batch=row["batch"],
        deadline=row.get("deadline"),
        area_ha=row.get("area_ha"),
        geometry_geojson=json.dumps(geometry, ensure_ascii=False) if geometry else None,
        details=details,
    )


def read_clues_excel(path: Path) -> tuple[list[Parsed], list[RowError]]:
    """Clues from an Excel table with centre coordinates (a point per clue)."""
    parsed: list[Parsed] = []
    errors: list[RowError] = []
    required = (*CLUE_REQUIRED, "lon", "lat")
    for line, values in read_excel_rows(path, CLUE_COLUMNS, CLUE_REQUIRED):
        row = _convert(path.name, line, values, required, CLUE_CONVERTERS, errors)
        if row is None:
            continue
        point = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        parsed.append(Parsed(line, _clue_case(row, point, path.name)))
    return parsed, errors


def read_clues_vector(
    path: Path, *, layer: str | None = None, encoding: str | None = None
) -> tuple[list[Parsed], list[RowError]]:
    """Clue polygons from a GeoJSON, Shapefile or GeoPackage file (read with pyogrio).

    Coordinates must be longitude/latitude (WGS-84 or CGCS2000); a file in a projected CRS is
    reprojected when its CRS is declared. Invalid polygons are repaired with ``make_valid``;
    features that are not (multi)polygons are refused. The row number is the feature's
    position (1-based).
    """
    import pyogrio.raw
    import shapely

    try:
        meta, _fids, wkb, values = pyogrio.raw.read(
            str(path), layer=layer, encoding=encoding, force_2d=True
        )
    except Exception as exc:  # pyogrio raises several DataSource/Field errors
        msg = f"{path.name}: cannot read as a vector file (GeoJSON, Shapefile, GPKG): {exc}"
        raise CaseInputError(msg) from exc
    names = [str(n) for n in meta["fields"]]
    found = _columns(names, CLUE_COLUMNS)
    missing = [n for n in CLUE_REQUIRED if n not in found]
    if missing:
        wanted = ", ".join(f"{n} ({'/'.join(CLUE_COLUMNS[n][:2])})" for n in missing)
        msg = f"{path.name}: missing attributes {wanted}; attributes present: {', '.join(names)}"
        raise CaseInputError(msg)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore") if wkb is not None else []
    crs = meta.get("crs")
    if crs and not _is_lonlat(crs):
        geoms = _to_lonlat(geoms, crs, path.name)
    parsed: list[Parsed] = []
    errors: list[RowError] = []
    for index, geom in enumerate(geoms):
        line = index + 1
        raw = {name: values[i][index] for name, i in found.items()}
        row = _convert(path.name, line, raw, CLUE_REQUIRED, CLUE_CONVERTERS, errors)
        problem = _polygon_problem(geom)
        if problem:
            errors.append(RowError(path.name, line, "geometry", problem, str(geom)[:60]))
        if row is None or problem:
            continue
        geom = shapely.make_valid(geom)
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            geom = shapely.union_all([g for g in shapely.get_parts(geom) if g.area > 0])
        centre = geom.representative_point()
        row.setdefault("lon", round(centre.x, 6))
        row.setdefault("lat", round(centre.y, 6))
        if "area_ha" not in row:
            row["area_ha"] = geodesic_area_ha(geom)
            row["area_computed"] = True
        parsed.append(Parsed(line, _clue_case(row, shapely.geometry.mapping(geom), path.name)))
    return parsed, errors


def geodesic_area_ha(geom: Any) -> float:
    """Area of a lon/lat polygon on the CGCS2000 (GRS 80) ellipsoid [ha]."""
    import pyproj

    area_m2, _perimeter = pyproj.Geod(ellps="GRS80").geometry_area_perimeter(geom)
    return round(abs(area_m2) / 10_000, 4)


def _is_lonlat(crs: str) -> bool:
    return any(code in crs.upper() for code in ("4326", "4490", "CRS84", "4214", "4610"))


def _to_lonlat(geoms: Any, crs: str, source: str) -> Any:
    import pyproj
    import shapely

    try:
        transformer = pyproj.Transformer.from_crs(crs, "EPSG:4490", always_xy=True)
    except pyproj.exceptions.CRSError as exc:
        msg = f"{source}: unknown CRS {crs!r}: {exc}"
        raise CaseInputError(msg) from exc
    return shapely.transform(geoms, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _stack(xy: tuple[Any, Any]) -> Any:
    import numpy as np

    return np.column_stack(xy)


def _polygon_problem(geom: Any) -> str | None:
    if geom is None:
        return "expected a polygon; the feature has no (readable) geometry"
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return f"expected a polygon, got a {geom.geom_type}"
    if geom.is_empty:
        return "expected a polygon, got an empty geometry"
    minx, miny, maxx, maxy = geom.bounds
    if not (minx >= 73 and maxx <= 136 and miny >= 3 and maxy <= 54):
        return "expected longitude/latitude within China; is the CRS declared?"
    return None


def read_clues(path: Path, **kwargs: Any) -> tuple[list[Parsed], list[RowError]]:
    """Clues from ``path``: Excel by extension, otherwise a vector file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_clues_excel(path)
    return read_clues_vector(path, **kwargs)


# --- registering -------------------------------------------------------------------------


def register(
    service: CaseService,
    source: str,
    parsed: Iterable[Parsed],
    errors: Sequence[RowError] = (),
    *,
    default_region: str | None = None,
    locate: Callable[[float, float], str | None] | None = None,
    rows: int | None = None,
) -> ImportResult:
    """Create the parsed cases one by one; each refusal becomes a row error.

    A case without a region code gets the deepest registered region whose boundary holds its
    centre (``locate``), else ``default_region``. The region, scope, role and uniqueness checks
    happen in the service before anything is
    written, so a refused row leaves no trace and never undoes an accepted one. The caller
    commits.
    """
    items = list(parsed)
    result = ImportResult(source, errors=list(errors))
    result.rows = rows if rows is not None else len(items) + len({e.row for e in errors})
    seen: dict[str, int] = {}
    for item in items:
        case = item.case
        if not case.region_adcode:
            details = case.details or {}
            found = None
            if locate is not None and "lon" in details and "lat" in details:
                found = locate(float(details["lon"]), float(details["lat"]))
            found = found or default_region
            if found is None:
                result.errors.append(RowError(source, item.row, "region_adcode", "required", ""))
                continue
            case = NewCase(**{**case.__dict__, "region_adcode": found})
        if case.reference in seen:
            rule = f"duplicate reference (also in row {seen[case.reference]})"
            result.errors.append(RowError(source, item.row, "reference", rule, case.reference))
            continue
        seen[case.reference] = item.row
        try:
            result.created.append(service.create(case).id)
        except RegistryError as exc:
            name = exc.field or "row"
            result.errors.append(RowError(source, item.row, name, exc.message, case.reference))
    result.errors.sort(key=lambda e: (e.row, e.field))
    return result


def import_findings(service: CaseService, path: Path) -> ImportResult:
    """Read and register one round's findings from an Excel file."""
    parsed, errors = read_findings(path)
    return register(service, path.name, parsed, errors)


def import_clues(
    service: CaseService,
    path: Path,
    *,
    default_region: str | None = None,
    **kwargs: Any,
) -> ImportResult:
    """Read and register a batch of clues (Excel, GeoJSON, Shapefile or GPKG)."""
    parsed, errors = read_clues(path, **kwargs)
    locate = region_locator(service.session)
    return register(
        service, path.name, parsed, errors, default_region=default_region, locate=locate
    )


def region_locator(session: Session) -> Callable[[float, float], str | None]:
    """A function giving the deepest registered region whose boundary holds a point."""
    import shapely

    depth = {"county": 0, "prefecture": 1, "province": 2}
    stmt = select(Region.adcode, Region.level, Region.boundary_geojson).where(
        Region.boundary_geojson.is_not(None)
    )
    regions = sorted(session.execute(stmt), key=lambda r: depth.get(r.level, 3))
    shapes = [(r.adcode, shapely.from_geojson(r.boundary_geojson)) for r in regions]

    def locate(lon: float, lat: float) -> str | None:
        point = shapely.Point(lon, lat)
        return next((code for code, shape in shapes if shape.covers(point)), None)

    return locate
