"""/api/v1/air-stations: ambient air monitoring stations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ecoguard.api.deps import RepoDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.routers.common import page_of, within
from ecoguard.api.schemas.common import Page
from ecoguard.api.schemas.sites import (
    AirStationCreate,
    AirStationFilter,
    AirStationPublic,
    AirStationUpdate,
)
from ecoguard.registry.models import AirStation

router = APIRouter(prefix="/air-stations", tags=["air-stations"], responses=ERROR_RESPONSES)
StationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
def list_air_stations(
    repo: RepoDep, f: Annotated[AirStationFilter, Query()]
) -> Page[AirStationPublic]:
    """Air stations in the caller's scope, filtered."""
    stmt = repo.select(AirStation)
    if f.region_adcode:
        stmt = stmt.where(within(repo, AirStation.region_adcode, f.region_adcode))
    if f.city:
        stmt = stmt.where(AirStation.city == f.city)
    if f.network_level:
        stmt = stmt.where(AirStation.network_level == f.network_level.value)
    if f.is_background is not None:
        stmt = stmt.where(AirStation.is_background == f.is_background)
    if f.q:
        stmt = stmt.where(
            AirStation.code.contains(f.q, autoescape=True)
            | AirStation.name.contains(f.q, autoescape=True)
        )
    return page_of(
        repo, stmt, AirStationPublic, limit=f.limit, offset=f.offset, order_by=[AirStation.code]
    )


@router.get("/{station_id}")
def read_air_station(repo: RepoDep, station_id: StationId) -> AirStationPublic:
    """One air station (404 when absent or outside the caller's scope)."""
    return AirStationPublic.model_validate(repo.get(AirStation, station_id))


@router.post("", status_code=201)
def create_air_station(repo: RepoDep, body: AirStationCreate) -> AirStationPublic:
    """Register an air station in a region of the caller's scope."""
    station = repo.create(AirStation(**body.model_dump(mode="json")))
    repo.session.commit()
    return AirStationPublic.model_validate(station)


@router.patch("/{station_id}")
def update_air_station(
    repo: RepoDep, station_id: StationId, body: AirStationUpdate
) -> AirStationPublic:
    """Change an air station; it may not move out of the caller's scope."""
    station = repo.get(AirStation, station_id)
    repo.update(station, body.model_dump(mode="json", exclude_unset=True))
    repo.session.commit()
    return AirStationPublic.model_validate(station)


@router.delete("/{station_id}", status_code=204)
def delete_air_station(repo: RepoDep, station_id: StationId) -> Response:
    """Delete an air station."""
    repo.delete(repo.get(AirStation, station_id))
    repo.session.commit()
    return Response(status_code=204)
