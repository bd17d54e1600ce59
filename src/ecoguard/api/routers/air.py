"""/api/v1/air: hourly AQI (latest and series), daily reports, assessment, imports.

Station data are scoped through the registry: a station outside the caller's scope is
not found, whatever its code.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile
from fastapi import Path as PathParam

from ecoguard.air.daily import (
    assess_cities,
    assess_daily,
    daily_report_rows,
    read_hourly_cube,
    station_daily_values,
)
from ecoguard.air.hourly import (
    HourlyQuery,
    HourlyRules,
    hourly_aqi_table,
    latest_station_hours,
    read_station_hours,
)
from ecoguard.air.imports import import_cnemc_files, import_station_tables
from ecoguard.air.network import city_assessment_points, region_names
from ecoguard.api.deps import RepoDep, ScopeDep, SettingsDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.schemas.air import (
    Assessment,
    AssessmentRow,
    CityRank,
    CityRanking,
    Concentrations,
    DailyConcentrations,
    DailyReport,
    DailyReports,
    ImportSummary,
    LatestHours,
    PeriodComparison,
    PeriodFigures,
    RefusedCell,
    StationHour,
    StationHourOnMap,
    StationSeries,
    SubIndices,
)
from ecoguard.ingest.tabular import ColumnMapping, MappingError
from ecoguard.registry.models import AirStation, Role
from ecoguard.standards import hj633
from ecoguard.timeseries.store import TimeseriesStore

router = APIRouter(prefix="/air", tags=["air"], responses=ERROR_RESPONSES)

_COLOURS = [None] + [level.colour_hex for level in hj633.LEVELS]
_POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")
_MAX_SERIES_DAYS = 92
_IMPORT_ROLES = frozenset({Role.administrator, Role.provincial_analyst, Role.prefecture_officer})


def _store(settings: SettingsDep) -> TimeseriesStore:
    return TimeseriesStore(settings.timeseries_root)


def _hours(rows: pa.Table, report: pa.Table) -> list[dict[str, Any]]:
    out = []
    for raw, rep in zip(rows.to_pylist(), report.to_pylist(), strict=True):
        level = rep["level"]
        out.append(
            {
                "station_code": rep["station"],
                "time": rep["time"],
                "aqi": rep["aqi"],
                "level": level,
                "category": rep["category"] or None,
                "color": _COLOURS[level] if level else None,
                "primary_pollutants": [
                    p for p in (rep["primary_pollutants"] or "").split(",") if p
                ],
                "complete": rep["complete"],
                "rules": rep["rules"],
                "iaqi": SubIndices(**{p: rep.get(f"iaqi_{p}") for p in _POLLUTANTS}),
                "conc": Concentrations(**{p: raw.get(p) for p in _POLLUTANTS}),
            }
        )
    return out


@router.get("/latest")
def latest(repo: RepoDep, settings: SettingsDep) -> LatestHours:
    """The latest stored hour of every air station in the caller's scope, with its AQI."""
    stations = {s.code: s for s in repo.session.scalars(repo.select(AirStation))}
    rows = latest_station_hours(_store(settings), sorted(stations))
    if rows.num_rows == 0:
        return LatestHours(items=[])
    items = []
    for hour in _hours(rows, hourly_aqi_table(rows)):
        station = stations[hour["station_code"]]
        items.append(
            StationHourOnMap(
                **hour,
                station_name=station.name,
                city=station.city,
                region_adcode=station.region_adcode,
                lon=station.lon,
                lat=station.lat,
            )
        )
    return LatestHours(items=items)


@router.get("/stations/{code}/hourly")
def station_hourly(
    repo: RepoDep,
    settings: SettingsDep,
    code: Annotated[str, PathParam(pattern=r"^[0-9A-Za-z]{1,16}$")],
    start: Annotated[dt.date, Query(description="First day (CST).")],
    end: Annotated[dt.date, Query(description="Last day (CST).")],
    rules: Annotated[HourlyRules | None, Query(description="Rule set; default by date.")] = None,
) -> StationSeries:
    """A station's hourly series with the AQI of every hour (404 outside the caller's scope)."""
    station = repo.session.scalars(repo.select(AirStation).where(AirStation.code == code)).first()
    if station is None:
        raise HTTPException(404, f"air station {code} not found")
    if end < start:
        raise HTTPException(422, "end is before start")
    if (end - start).days >= _MAX_SERIES_DAYS:
        raise HTTPException(422, f"at most {_MAX_SERIES_DAYS} days per request")
    rows = read_station_hours(_store(settings), HourlyQuery(start, end, (code,), rules))
    if rows.num_rows == 0:
        return StationSeries(station_code=code, items=[])
    hours = _hours(rows, hourly_aqi_table(rows, rules))
    return StationSeries(station_code=code, items=[StationHour(**h) for h in hours])


@router.post("/imports", status_code=201)
def import_files(
    scope: ScopeDep,
    settings: SettingsDep,
    files: Annotated[
        list[UploadFile],
        File(description="CNEMC china_sites files (.csv, .csv.gz), or long-format tables."),
    ],
    mapping: Annotated[
        str | None,
        Form(
            description="JSON column mapping for long-format CSV/Excel tables "
            "(see docs/mappings/); without it the files are read as CNEMC files."
        ),
    ] = None,
) -> ImportSummary:
    """Import uploaded station files; refused cells are listed and quarantined."""
    if scope.role not in _IMPORT_ROLES:
        raise HTTPException(403, f"role {scope.role.value} may not import data")
    column_mapping = _column_mapping(mapping) if mapping else None
    with tempfile.TemporaryDirectory(prefix="ecoguard-upload-") as folder:
        paths = []
        for index, upload in enumerate(files):
            name = Path(upload.filename or f"upload-{index}.csv").name
            target = Path(folder) / name
            target.write_bytes(upload.file.read())
            paths.append(target)
        summary = (
            import_station_tables(_store(settings), paths, column_mapping)
            if column_mapping
            else import_cnemc_files(_store(settings), paths)
        )
    errors = [
        RefusedCell(file=Path(e.file).name, row=e.row, field=e.field, rule=e.rule, value=e.value)
        for e in summary.errors[:1000]
    ]
    failed = [message.replace(folder + "/", "") for message in summary.failed_files]
    return ImportSummary(
        files=summary.files,
        rows=summary.rows,
        inserted=summary.inserted,
        duplicates=summary.duplicates,
        stations=len(summary.stations),
        days=len(summary.days),
        rejected=len(summary.errors),
        failed_files=failed,
        errors=errors,
    )


def _column_mapping(text: str) -> ColumnMapping:
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise MappingError("the mapping must be a JSON object")
        return ColumnMapping(**data)
    except (json.JSONDecodeError, TypeError, MappingError) as exc:
        raise HTTPException(422, f"mapping: {exc}") from None


class ReportUnit(StrEnum):
    """Daily reports per station or per city."""

    station = "station"
    city = "city"


_MAX_REPORT_DAYS = 400


def _period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise HTTPException(422, "end is before start")
    if (end - start).days >= _MAX_REPORT_DAYS:
        raise HTTPException(422, f"at most {_MAX_REPORT_DAYS} days per request")


def _points(repo: RepoDep) -> tuple[dict[str, str], dict[str, str]]:
    points = city_assessment_points(repo.session, repo.select(AirStation))
    return points, region_names(repo.session, points.values())


def _daily_item(row: dict[str, Any], name: str) -> DailyReport:
    return DailyReport(
        date=row["date"],
        code=row["code"],
        name=name,
        aqi=row["aqi"],
        level=row["level"],
        category=row["category"],
        color=_COLOURS[row["level"]] if row["level"] else None,
        primary_pollutants=[p for p in row["primary_pollutants"].split(",") if p],
        complete=row["complete"],
        rules=row["rules"],
        conc=DailyConcentrations(
            **{k: row[k] for k in ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h_max")}
        ),
        valid_hours={k.removeprefix("valid_"): v for k, v in row.items() if k.startswith("valid_")},
    )


@router.get("/daily")
def daily_reports(
    repo: RepoDep,
    settings: SettingsDep,
    start: Annotated[dt.date, Query(description="First day (CST).")],
    end: Annotated[dt.date, Query(description="Last day (CST).")],
    by: ReportUnit = ReportUnit.city,
    code: Annotated[
        str | None, Query(max_length=16, description="One station code or city adcode.")
    ] = None,
) -> DailyReports:
    """HJ 633 daily reports of the stations or cities in the caller's scope."""
    _period(start, end)
    store = _store(settings)
    if by is ReportUnit.station:
        stations = {s.code: s.name for s in repo.session.scalars(repo.select(AirStation))}
        codes = [code] if code else sorted(stations)
        if code and code not in stations:
            raise HTTPException(404, f"air station {code} not found")
        rows = daily_report_rows(station_daily_values(read_hourly_cube(store, start, end, codes)))
        return DailyReports(items=[_daily_item(r, stations[r["code"]]) for r in rows])
    points, names = _points(repo)
    if code:
        if code not in set(points.values()):
            raise HTTPException(404, f"city {code} not found")
        points = {s: c for s, c in points.items() if c == code}
    result = assess_cities(store, points, start, end)
    return DailyReports(
        items=[_daily_item(r, names.get(r["code"], r["code"])) for r in result.report]
    )


@router.get("/assess")
def assessment(
    repo: RepoDep,
    settings: SettingsDep,
    start: Annotated[dt.date, Query(description="First day (CST).")],
    end: Annotated[dt.date, Query(description="Last day (CST).")],
    by: ReportUnit = ReportUnit.city,
) -> Assessment:
    """HJ 663 statistics of the period for the stations or cities in the caller's scope.

    Per pollutant: valid days, mean, the HJ 663 percentile, days over the 24-h (O3 8-h) limit and
    the exceedance multiple; per unit: the good-day share and the composite index.
    """
    _period(start, end)
    store = _store(settings)
    if by is ReportUnit.city:
        points, names = _points(repo)
        rows = assess_cities(store, points, start, end).assessment
    else:
        stations = {s.code: s.name for s in repo.session.scalars(repo.select(AirStation))}
        daily = station_daily_values(read_hourly_cube(store, start, end, sorted(stations)))
        rows = assess_daily(daily, daily_report_rows(daily))
        names = stations
    return Assessment(
        start=start,
        end=end,
        items=[AssessmentRow(name=names.get(r["code"], r["code"]), **r) for r in rows],
    )


@router.get("/ranking")
def city_ranking(
    repo: RepoDep,
    settings: SettingsDep,
    start: Annotated[dt.date, Query(description="First day (CST).")],
    end: Annotated[dt.date, Query(description="Last day (CST).")],
) -> CityRanking:
    """Cities in scope ranked by the composite index (lower is better), with PM2.5 and good days."""
    _period(start, end)
    points, names = _points(repo)
    result = assess_cities(_store(settings), points, start, end)
    ranked = sorted(
        result.assessment,
        key=lambda r: (r["composite_index"] is None, r["composite_index"] or 0.0),
    )
    return CityRanking(
        items=[
            CityRank(
                rank=i + 1,
                adcode=r["code"],
                city=names.get(r["code"], r["code"]),
                composite_index=r["composite_index"],
                pm2_5=r["pm2_5_mean"],
                good_day_share=r["good_day_share"],
                days=r["days_with_aqi"],
            )
            for i, r in enumerate(ranked)
        ]
    )


@router.get("/summary")
def period_summary(
    repo: RepoDep,
    settings: SettingsDep,
    start: Annotated[dt.date, Query(description="First day (CST).")],
    end: Annotated[dt.date, Query(description="Last day (CST).")],
) -> PeriodComparison:
    """Good-day share and PM2.5 of the caller's area, beside the same period a year earlier.

    The area's figures are the means over its cities (the way provincial reports quote them).
    """
    _period(start, end)
    points, _ = _points(repo)
    store = _store(settings)

    def figures(first: dt.date, last: dt.date) -> PeriodFigures:
        rows = [
            r for r in assess_cities(store, points, first, last).assessment if r["days_with_aqi"]
        ]
        shares = [r["good_day_share"] for r in rows if r["good_day_share"] is not None]
        pm = [r["pm2_5_mean"] for r in rows if r["pm2_5_mean"] is not None]
        return PeriodFigures(
            start=first,
            end=last,
            cities=len(rows),
            good_day_share=round(sum(shares) / len(shares), 4) if shares else None,
            pm2_5=round(sum(pm) / len(pm), 1) if pm else None,
            days=max((r["days_with_aqi"] for r in rows), default=0),
        )

    return PeriodComparison(
        current=figures(start, end), previous=figures(_year_before(start), _year_before(end))
    )


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
