"""/api/v1/water-sections: surface-water monitoring sections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ecoguard.api.deps import RepoDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.routers.common import page_of, within
from ecoguard.api.schemas.common import Page
from ecoguard.api.schemas.sites import (
    WaterSectionCreate,
    WaterSectionFilter,
    WaterSectionPublic,
    WaterSectionUpdate,
)
from ecoguard.registry.models import WaterSection

router = APIRouter(prefix="/water-sections", tags=["water-sections"], responses=ERROR_RESPONSES)
SectionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
def list_water_sections(
    repo: RepoDep, f: Annotated[WaterSectionFilter, Query()]
) -> Page[WaterSectionPublic]:
    """Water sections in the caller's scope, filtered."""
    stmt = repo.select(WaterSection)
    if f.region_adcode:
        stmt = stmt.where(within(repo, WaterSection.region_adcode, f.region_adcode))
    if f.basin:
        stmt = stmt.where(WaterSection.basin == f.basin)
    if f.water_body_type:
        stmt = stmt.where(WaterSection.water_body_type == f.water_body_type.value)
    if f.target_class:
        stmt = stmt.where(WaterSection.target_class == f.target_class.value)
    if f.q:
        stmt = stmt.where(
            WaterSection.code.contains(f.q, autoescape=True)
            | WaterSection.name.contains(f.q, autoescape=True)
        )
    return page_of(
        repo, stmt, WaterSectionPublic, limit=f.limit, offset=f.offset, order_by=[WaterSection.code]
    )


@router.get("/{section_id}")
def read_water_section(repo: RepoDep, section_id: SectionId) -> WaterSectionPublic:
    """One water section (404 when absent or outside the caller's scope)."""
    return WaterSectionPublic.model_validate(repo.get(WaterSection, section_id))


@router.post("", status_code=201)
def create_water_section(repo: RepoDep, body: WaterSectionCreate) -> WaterSectionPublic:
    """Register a water section in a region of the caller's scope."""
    section = repo.create(WaterSection(**body.model_dump(mode="json")))
    repo.session.commit()
    return WaterSectionPublic.model_validate(section)


@router.patch("/{section_id}")
def update_water_section(
    repo: RepoDep, section_id: SectionId, body: WaterSectionUpdate
) -> WaterSectionPublic:
    """Change a water section; it may not move out of the caller's scope."""
    section = repo.get(WaterSection, section_id)
    repo.update(section, body.model_dump(mode="json", exclude_unset=True))
    repo.session.commit()
    return WaterSectionPublic.model_validate(section)


@router.delete("/{section_id}", status_code=204)
def delete_water_section(repo: RepoDep, section_id: SectionId) -> Response:
    """Delete a water section."""
    repo.delete(repo.get(WaterSection, section_id))
    repo.session.commit()
    return Response(status_code=204)
