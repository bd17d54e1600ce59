"""/api/v1/regions: administrative regions (read-only) and their boundaries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import select

from ecoguard.api.deps import RepoDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.routers.common import page_of
from ecoguard.api.schemas.common import Page
from ecoguard.api.schemas.regions import (
    BoundaryLevel,
    FeatureCollection,
    RegionFilter,
    RegionPublic,
)
from ecoguard.registry.boundaries import feature_collection_json
from ecoguard.registry.models import Region

router = APIRouter(prefix="/regions", tags=["regions"], responses=ERROR_RESPONSES)


@router.get("/boundaries", response_model=FeatureCollection)
def region_boundaries(
    repo: RepoDep,
    level: Annotated[
        BoundaryLevel, Query(description="Regions to draw")
    ] = BoundaryLevel.prefecture,
) -> Response:
    """GeoJSON FeatureCollection of the caller's regions of one level, for the dashboard map.

    Coordinates are WGS-84/CGCS2000 longitude/latitude; properties are ``adcode, name, level,
    parent_adcode, center``. Public maps need approved boundary data (审图号).
    """
    stmt = repo.select(Region).where(Region.level == level.value).order_by(Region.adcode)
    body = feature_collection_json(repo.session.scalars(stmt).all())
    return Response(content=body.encode(), media_type="application/json")


@router.get("")
def list_regions(repo: RepoDep, f: Annotated[RegionFilter, Query()]) -> Page[RegionPublic]:
    """Regions in the caller's scope, filtered by level, parent or name."""
    stmt = repo.select(Region)
    if f.level:
        stmt = stmt.where(Region.level == f.level.value)
    if f.parent_adcode:
        stmt = stmt.where(Region.parent_adcode == f.parent_adcode)
    if f.q:
        stmt = stmt.where(Region.name.contains(f.q, autoescape=True))
    return page_of(
        repo, stmt, RegionPublic, limit=f.limit, offset=f.offset, order_by=[Region.adcode]
    )


@router.get("/{adcode}")
def read_region(
    repo: RepoDep, adcode: Annotated[str, Path(pattern=r"^[1-9]\d{5}$")]
) -> RegionPublic:
    """One region (404 when absent or outside the caller's scope)."""
    return RegionPublic.model_validate(repo.get(Region, adcode))


def region_names(repo: RepoDep, adcodes: set[str]) -> dict[str, str]:
    """Names of the given regions (not scoped: names are public)."""
    stmt = select(Region.adcode, Region.name).where(Region.adcode.in_(sorted(adcodes)))
    return dict(repo.session.execute(stmt).all())
