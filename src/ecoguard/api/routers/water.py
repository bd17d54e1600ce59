"""/api/v1/water: latest section classes (map), section series, period assessment, uploads.

Every view goes through the registry: only readings of the water sections registered in the
caller's scope are shown (a section outside it is not found, whatever its code), and a
section's ``region`` is its prefecture. Readings are matched to registered sections by province
and section name, the key of the ``water_readings`` table; sections imported but not registered
are left out of the API (``ecoguard water assess`` still shows them).

The classes come from the same code as ``ecoguard water classify`` and ``ecoguard water
assess`` (:mod:`ecoguard.water.classify`, :mod:`ecoguard.water.assess`): single-factor method
of GB 3838-2002 with the 21 items of 环办〔2011〕22号 (those measured decide).
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from fastapi import APIRouter, File, HTTPException, Query, UploadFile
from fastapi import Path as PathParam
from sqlalchemy import select

from ecoguard.api.deps import RepoDep, ScopeDep, SettingsDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.schemas.water import (
    ClassResult,
    GroupAssessment,
    ImportedFile,
    LatestSections,
    RefusedRow,
    SectionAssessment,
    SectionLatest,
    SectionReading,
    SectionSeries,
    WaterAssessment,
    WaterImportSummary,
    WaterValues,
)
from ecoguard.ingest.cnemc_water import Problem, WaterFile, read_cnemc
from ecoguard.registry.models import Region, Role, WaterSection
from ecoguard.registry.scope import ScopedRepository
from ecoguard.standards.gb3838 import SectionType, WaterClass
from ecoguard.standards.water_assessment import AUTO_STATION_ITEMS, CLASS_ITEMS
from ecoguard.timeseries.store import TimeseriesStore
from ecoguard.water.assess import GroupBy, assess, parse_period
from ecoguard.water.classify import classify_samples, rules_label
from ecoguard.water.sections import (
    SectionInfo,
    SectionTable,
    fill_region_and_basin,
    sections_from_registry,
)
from ecoguard.water.store import (
    TABLE,
    VALID_FLAG,
    quarantine,
    save_published_classes,
    save_readings,
)

router = APIRouter(prefix="/water", tags=["water"], responses=ERROR_RESPONSES)

CST: Final = ZoneInfo("Asia/Shanghai")
_IMPORT_ROLES: Final = frozenset(
    {Role.administrator, Role.provincial_analyst, Role.prefecture_officer}
)
_MAX_SERIES_DAYS: Final = 366
#: How many stored months ``/sections/latest`` looks back for a section's latest cycle.
_LATEST_MONTHS: Final = 13
_VALUE_CODES: Final = tuple(WaterValues.model_fields)
_MAX_ERRORS: Final = 1000
_SEP: Final = "\x1f"


class ItemSet(StrEnum):
    """Items deciding the class (as ``--items`` of the CLI)."""

    national = "national"
    automatic = "automatic"


def _items(choice: ItemSet) -> tuple[str, ...]:
    return AUTO_STATION_ITEMS if choice is ItemSet.automatic else CLASS_ITEMS


# --- the registry's view of the store ---------------------------------------------------------


@dataclass(frozen=True)
class _Registered:
    """Registered sections of the caller's scope and how the store names them.

    Attributes
    ----------
    store_keys : dict
        ``(province, name)`` (the store's key) -> name of the section's region.
    sections : dict
        ``(region name, name)`` -> the registry record.
    table : SectionTable
        Attributes for classification, keyed by prefecture name and section name.
    """

    store_keys: dict[tuple[str, str], str]
    sections: dict[tuple[str, str], WaterSection]
    table: SectionTable


def _registered(repo: ScopedRepository, only: Sequence[WaterSection] = ()) -> _Registered:
    """The registered sections in scope (or just ``only``), keyed like the store.

    A section's local region is the region it is registered in (a prefecture for the demo).
    """
    session = repo.session
    in_scope = repo.select(WaterSection).order_by(WaterSection.code)
    rows = list(only) or list(session.scalars(in_scope))
    regions = {r.adcode: r for r in session.scalars(select(Region))}

    def province(adcode: str) -> str:
        current = regions.get(adcode)
        seen: set[str] = set()
        while current is not None and current.level != "province" and current.adcode not in seen:
            seen.add(current.adcode)
            current = regions.get(current.parent_adcode or "")
        return current.name if current is not None else ""

    store_keys: dict[tuple[str, str], str] = {}
    sections: dict[tuple[str, str], WaterSection] = {}
    infos: list[SectionInfo] = []
    names = {row.region_adcode: regions[row.region_adcode].name for row in rows}
    for row in rows:
        key = (province(row.region_adcode), row.name)
        if key in store_keys:  # same name twice in a province: the store cannot tell them apart
            continue
        local = names[row.region_adcode]
        store_keys[key] = local
        sections[(local, row.name)] = row
        infos.append(
            SectionInfo(
                name=row.name,
                section_type=SectionType.parse(row.water_body_type),
                basin=row.basin or "",
                region=local,
                target_class=WaterClass.parse(row.target_class),
            )
        )
    return _Registered(store_keys, sections, SectionTable(infos))


class _RegisteredReadings(TimeseriesStore):
    """The store as the registry sees it: ``water_readings`` holds only the registered sections'
    readings, with ``region`` set to the section's prefecture. Lets the assessment service run
    unchanged on the caller's scope.
    """

    def __init__(self, root: Path, registered: _Registered) -> None:
        super().__init__(root)
        keys = list(registered.store_keys)
        self._keys = pa.array([f"{p}{_SEP}{n}" for p, n in keys], pa.string())
        self._regions = pa.array([registered.store_keys[k] for k in keys], pa.string())

    def read(
        self,
        table: str,
        *,
        columns: Sequence[str] | None = None,
        partitions: Mapping[str, Sequence[str]] | None = None,
        where: str | None = None,
        params: Sequence[object] = (),
        filter: ds.Expression | None = None,
        merge_on: Sequence[str] | None = None,
        order_by: str | None = None,
    ) -> pa.Table:
        """Read like :meth:`TimeseriesStore.read`, restricted to the registered sections."""
        result = super().read(
            table,
            columns=columns,
            partitions=partitions,
            where=where,
            params=params,
            filter=filter,
            merge_on=merge_on,
            order_by=order_by,
        )
        if table != TABLE or not {"region", "section"} <= set(result.column_names):
            return result
        key = pc.binary_join_element_wise(result["region"], result["section"], _SEP)
        index = pc.index_in(key, value_set=self._keys)
        keep = pc.is_valid(index)
        result, index = result.filter(keep), index.filter(keep)
        position = result.schema.get_field_index("region")
        return result.set_column(position, "region", self._regions.take(index))


def _store(settings: SettingsDep, registered: _Registered) -> _RegisteredReadings:
    return _RegisteredReadings(settings.timeseries_root, registered)


# --- formatting -------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """JSON-safe scalar: None for NaN/NA/empty text, Python types for numpy ones."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _text(value: Any) -> str | None:
    value = _clean(value)
    return None if value is None or value == "" else str(value)


def _iso(value: Any) -> str | None:
    if value is None or value is pd.NaT:
        return None
    return pd.Timestamp(value).tz_convert(CST).isoformat()


def _values(record: Mapping[str, Any]) -> WaterValues:
    return WaterValues(**{code: _clean(record.get(code)) for code in _VALUE_CODES})


def _class_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """:class:`ClassResult` fields from a row of :func:`classify_samples` output."""
    label = _text(record.get("water_class"))
    meets = _clean(record.get("meets_target"))
    return {
        "water_class": label,
        "class_number": int(WaterClass.parse(label)) if label else None,
        "description": _text(record.get("description")),
        "colour": _text(record.get("colour")),
        "deciding": [d for d in str(record.get("deciding") or "").split(",") if d],
        "meets_target": None if meets in (None, "") else bool(meets),
        "exceedances": [e for e in str(record.get("exceedances") or "").split("; ") if e],
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]


def _classified(readings: pd.DataFrame, table: SectionTable) -> list[dict[str, Any]]:
    """One record per section and cycle: its values (wide) and the class columns, by time."""
    if readings.empty:
        return []
    wide = readings.pivot_table(
        index=["region", "section", "time", "time_end"],
        columns="parameter",
        values="value",
        aggfunc="first",
    ).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    samples = wide.assign(basin="", official_class=0, section_type="", source_row=0)
    result = classify_samples(samples, sections=table).table
    records: list[dict[str, Any]] = []
    for values, classes in zip(_records(wide), _records(result), strict=True):
        records.append({**values, **_class_fields(classes)})
    return records


# --- endpoints --------------------------------------------------------------------------------


def _latest_cycles(store: _RegisteredReadings, wanted: Iterable[tuple[str, str]]) -> pd.DataFrame:
    """Valid readings of each section's latest stored cycle (looking back a year at most)."""
    todo = {f"{r}{_SEP}{s}" for r, s in wanted}
    if not todo or not store.exists(TABLE):
        return pd.DataFrame()
    found: list[pd.DataFrame] = []
    months = sorted(store.partition_values(TABLE, "month"), reverse=True)[:_LATEST_MONTHS]
    for month in months:
        if not todo:
            break
        got = store.read(
            TABLE, partitions={"month": [month]}, where="flag = ?", params=[VALID_FLAG]
        ).to_pandas()
        if got.empty:
            continue
        key = got["region"].astype(str) + _SEP + got["section"].astype(str)
        got = got[key.isin(todo)]
        if got.empty:
            continue
        newest = got.groupby(["region", "section"])["time"].transform("max")
        got = got[got["time"] == newest]
        found.append(got)
        todo -= set(got["region"].astype(str) + _SEP + got["section"].astype(str))
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


@router.get("/sections/latest")
def latest(repo: RepoDep, settings: SettingsDep) -> LatestSections:
    """Every registered section in the caller's scope with its latest cycle's class (map).

    The class of the latest valid cycle by the single-factor method, its deciding items, the
    class colour, the values and the time (start of the 4-hour cycle, CST). Sections with
    nothing stored in the last year are listed with nulls.
    """
    registered = _registered(repo)
    store = _store(settings, registered)
    cycles = _latest_cycles(store, registered.sections)
    by_key = {(r["region"], r["section"]): r for r in _classified(cycles, registered.table)}
    items = []
    for key, section in registered.sections.items():
        record = by_key.get(key)
        fields = (
            {k: record[k] for k in ClassResult.model_fields}
            if record
            else _class_fields({})  # nothing stored: no class
        )
        items.append(
            SectionLatest(
                code=section.code,
                name=section.name,
                water_body=section.water_body,
                water_body_type=section.water_body_type,
                basin=section.basin,
                region_adcode=section.region_adcode,
                region_name=key[0],
                lon=section.lon,
                lat=section.lat,
                target_class=WaterClass.parse(section.target_class).label,
                time=_iso(record["time"]) if record else None,
                time_end=_iso(record["time_end"]) if record else None,
                values=_values(record or {}),
                **fields,
            )
        )
    return LatestSections(rules=rules_label(CLASS_ITEMS), items=items)


def _months(first: dt.datetime, after: dt.datetime) -> list[str]:
    last = after - dt.timedelta(microseconds=1)
    return [
        str(p) for p in pd.period_range(first.strftime("%Y-%m"), last.strftime("%Y-%m"), freq="M")
    ]


@router.get("/sections/{code}/series")
def section_series(
    repo: RepoDep,
    settings: SettingsDep,
    code: Annotated[str, PathParam(pattern=r"^[0-9A-Za-z_-]{1,32}$")],
    start: Annotated[dt.date, Query(description="First day (CST).")],
    end: Annotated[dt.date, Query(description="Last day (CST), inclusive.")],
) -> SectionSeries:
    """A section's valid readings with the class of every cycle (404 outside the caller's scope).

    At most 366 days per request.
    """
    section = repo.session.scalars(
        repo.select(WaterSection).where(WaterSection.code == code)
    ).first()
    if section is None:
        raise HTTPException(404, f"water section {code} not found")
    if end < start:
        raise HTTPException(422, "end is before start")
    if (end - start).days >= _MAX_SERIES_DAYS:
        raise HTTPException(422, f"at most {_MAX_SERIES_DAYS} days per request")
    registered = _registered(repo, only=[section])
    store = _store(settings, registered)
    first = dt.datetime.combine(start, dt.time(), CST)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CST)
    rows = pd.DataFrame()
    if store.exists(TABLE):
        rows = store.read(
            TABLE,
            partitions={"month": _months(first, after)},
            where="flag = ? AND section = ?",
            params=[VALID_FLAG, section.name],
        ).to_pandas()
        if not rows.empty:
            times = pd.to_datetime(rows["time"], utc=True)
            rows = rows[(times >= first) & (times < after)]
    items = [
        SectionReading(
            time=str(_iso(r["time"])),
            time_end=str(_iso(r["time_end"])),
            values=_values(r),
            **{k: r[k] for k in ClassResult.model_fields},
        )
        for r in _classified(rows, registered.table)
    ]
    return SectionSeries(
        code=section.code,
        name=section.name,
        water_body_type=section.water_body_type,
        target_class=WaterClass.parse(section.target_class).label,
        start=first.isoformat(),
        end=after.isoformat(),
        rules=rules_label(CLASS_ITEMS),
        items=items,
    )


def _section_rows(
    frame: pd.DataFrame, registered: _Registered, items: Sequence[str]
) -> list[SectionAssessment]:
    out = []
    for record in _records(frame):
        known = registered.sections.get((str(record["region"]), str(record["section"])))
        fields = _class_fields(record)
        out.append(
            SectionAssessment(
                code=known.code if known else None,
                section=str(record["section"]),
                region=str(record["region"]),
                basin=str(record["basin"] or ""),
                section_type=str(record["section_type"]),
                water_class=fields["water_class"],
                class_number=fields["class_number"],
                water_class_last_year=_text(record.get("water_class_last_year")),
                description=fields["description"],
                colour=fields["colour"],
                deciding=fields["deciding"],
                target_class=_text(record.get("target_class")),
                meets_target=fields["meets_target"],
                exceedances=fields["exceedances"],
                samples=int(record.get("samples") or 0),
                cwqi=_clean(record.get("cwqi")),
                note=_text(record.get("note")),
                values=_values({c: record.get(c) for c in items}),
            )
        )
    return out


def _group_rows(frame: pd.DataFrame, by: GroupBy) -> list[GroupAssessment]:
    out = []
    for record in _records(frame):
        get = {k: _clean(v) for k, v in record.items()}
        out.append(
            GroupAssessment(
                name=str(get[by.value]),
                sections=int(get.get("sections") or 0),
                classified=int(get.get("classified") or 0),
                unknown_type=int(get.get("unknown_type") or 0),
                excellent_pct=get.get("excellent_pct"),
                worse_than_v_pct=get.get("worse_than_v_pct"),
                status=get.get("status"),
                status_method=get.get("status_method"),
                target_met_pct=get.get("target_met_pct"),
                classified_last_year=get.get("classified_last_year"),
                excellent_pct_last_year=get.get("excellent_pct_last_year"),
                worse_than_v_pct_last_year=get.get("worse_than_v_pct_last_year"),
                status_last_year=get.get("status_last_year"),
                target_met_pct_last_year=get.get("target_met_pct_last_year"),
            )
        )
    return out


@router.get("/assess")
def assessment(
    repo: RepoDep,
    settings: SettingsDep,
    period: Annotated[
        str,
        Query(
            max_length=7,
            description="A natural month, quarter or year in CST: 2026-02, 2026-Q1 or 2026.",
        ),
    ],
    by: GroupBy = GroupBy.SECTION,
    items: ItemSet = ItemSet.national,
) -> WaterAssessment:
    """Class, excellent (Ⅰ-Ⅲ) share, 劣Ⅴ share and target compliance of a period.

    The assessment of ``ecoguard water assess`` over the registered sections of the caller's
    scope: period means of the valid readings, each section classified by the single-factor
    method; basins and regions (prefectures) get the shares and their status, ``(all)`` the
    whole scope. The same period a year earlier is given beside every figure.
    """
    try:
        spec = parse_period(period)
    except ValueError as err:
        raise HTTPException(422, str(err)) from None
    chosen = _items(items)
    registered = _registered(repo)
    result = assess(_store(settings, registered), spec, by, registered.table, items=chosen)
    frame = result.table
    sections: list[SectionAssessment] = []
    groups: list[GroupAssessment] = []
    if not frame.empty:
        if by is GroupBy.SECTION:
            sections = _section_rows(frame, registered, chosen)
        else:
            groups = _group_rows(frame, by)
    rules = str(frame["rules"].iloc[0]) if not frame.empty else rules_label(chosen)
    return WaterAssessment(
        period=spec.label,
        period_last_year=spec.year_before().label,
        start=spec.start.isoformat(),
        end=spec.end.isoformat(),
        by=by.value,
        rules=rules,
        sections=sections,
        groups=groups,
        unknown_type=result.unknown_type,
    )


# --- uploads ----------------------------------------------------------------------------------


def _keep_in_scope(got: WaterFile, allowed: set[tuple[str, str]], file: str) -> WaterFile:
    """Refuse the rows of sections not registered in the caller's scope."""
    if got.samples.empty:
        return got
    keys = zip(got.samples["region"].astype(str), got.samples["section"].astype(str), strict=True)
    outside = [k not in allowed for k in keys]
    refused_rows = set(got.samples.loc[outside, "source_row"].astype(int))
    if not refused_rows:
        return got
    problems = [
        Problem(
            file,
            int(row),
            "断面名称",
            "section is not registered in your scope (region and name)",
            f"{region}/{section}",
        )
        for row, region, section in got.samples.loc[
            outside, ["source_row", "region", "section"]
        ].itertuples(index=False)
    ]
    readings = got.readings[~got.readings["source_row"].astype(int).isin(refused_rows)]
    samples = got.samples[~got.samples["source_row"].astype(int).isin(refused_rows)]
    merged = sorted(got.problems + problems, key=lambda p: (p.row, p.field))
    return WaterFile(readings.reset_index(drop=True), samples.reset_index(drop=True), merged)


@router.post("/imports", status_code=201)
def import_files(
    repo: RepoDep,
    scope: ScopeDep,
    settings: SettingsDep,
    files: Annotated[
        list[UploadFile], File(description="CNEMC automatic-station water files (.csv).")
    ],
    year: Annotated[
        int | None,
        Query(ge=1990, le=2100, description="Year of 监测时间 (default: from the file name)."),
    ] = None,
) -> WaterImportSummary:
    """Import CNEMC water files as ``ecoguard water import`` does (4-hour cycles).

    Readings go to ``water_readings`` (re-uploading inserts nothing), published classes to
    ``water_published_classes``; refused cells and rows are listed by file, row, field and rule
    and kept in the quarantine, and the rest of the file still lands. Callers with a region
    scope may import only rows of sections registered in their scope. Administrators,
    provincial analysts and prefecture officers only.
    """
    if scope.role not in _IMPORT_ROLES:
        raise HTTPException(403, f"role {scope.role.value} may not import data")
    attributes = sections_from_registry(repo.session)
    allowed = None if scope.region_adcodes is None else set(_registered(repo).store_keys)
    store = TimeseriesStore(settings.timeseries_root)
    summaries: list[ImportedFile] = []
    problems: list[Problem] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ecoguard-water-") as folder:
        for index, upload in enumerate(files):
            name = Path(upload.filename or "").name
            if name in {"", ".", ".."}:
                name = f"upload-{index}.csv"
            target = Path(folder) / name
            target.write_bytes(upload.file.read())
            try:
                got = read_cnemc(target, year=year)
            except ValueError as err:
                failed.append(str(err))
                continue
            if len(attributes):
                got.readings = fill_region_and_basin(got.readings, attributes)
                got.samples = fill_region_and_basin(got.samples, attributes)
            if allowed is not None:
                got = _keep_in_scope(got, allowed, name)
            stored = save_readings(store, got.readings) if not got.readings.empty else None
            published = (
                save_published_classes(store, got.samples, name).inserted
                if not got.samples.empty
                else 0
            )
            quarantine(store, got.problems)
            problems.extend(got.problems)
            summaries.append(
                ImportedFile(
                    file=name,
                    samples=len(got.samples),
                    readings=stored.offered if stored else 0,
                    inserted=stored.inserted if stored else 0,
                    already_stored=stored.duplicates if stored else 0,
                    published_classes=published,
                    refused=len(got.problems),
                )
            )
    return WaterImportSummary(
        files=summaries,
        refused=len(problems),
        errors=[RefusedRow(**vars(p)) for p in problems[:_MAX_ERRORS]],
        failed_files=failed,
    )
