"""/api/v1/air: hourly AQI (latest and series), daily reports, assessment, imports.

Station data are scoped through the registry: a station outside the caller's scope is
not found, whatever its code.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, File, HTTPException, Query, UploadFile
from fastapi import Path as PathParam

from ecoguard.air.hourly import (
    HourlyQuery,
    HourlyRules,
    hourly_aqi_table,
    latest_station_hours,
    read_station_hours,
)
from ecoguard.air.imports import import_cnemc_files
from ecoguard.api.deps import RepoDep, ScopeDep, SettingsDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.schemas.air import (
    Concentrations,
    ImportSummary,
    LatestHours,
    RefusedCell,
    StationHour,
    StationHourOnMap,
    StationSeries,
    SubIndices,
)
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
        list[UploadFile], File(description="CNEMC china_sites files (.csv, .csv.gz).")
    ],
) -> ImportSummary:
    """Import uploaded CNEMC station files; refused cells are listed and quarantined."""
    if scope.role not in _IMPORT_ROLES:
        raise HTTPException(403, f"role {scope.role.value} may not import data")
    with tempfile.TemporaryDirectory(prefix="ecoguard-upload-") as folder:
        paths = []
        for index, upload in enumerate(files):
            name = Path(upload.filename or f"upload-{index}.csv").name
            target = Path(folder) / name
            target.write_bytes(upload.file.read())
            paths.append(target)
        summary = import_cnemc_files(_store(settings), paths)
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
