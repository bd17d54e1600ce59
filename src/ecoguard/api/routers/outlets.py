"""/api/v1/outlets: discharge outlets of enterprises."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ecoguard.api.deps import RepoDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.routers.common import page_of
from ecoguard.api.schemas.common import Page
from ecoguard.api.schemas.enterprises import (
    OutletCreate,
    OutletFilter,
    OutletPublic,
    OutletUpdate,
)
from ecoguard.registry.models import Outlet

router = APIRouter(prefix="/outlets", tags=["outlets"], responses=ERROR_RESPONSES)
OutletId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
def list_outlets(repo: RepoDep, f: Annotated[OutletFilter, Query()]) -> Page[OutletPublic]:
    """Outlets of enterprises in the caller's scope, filtered."""
    stmt = repo.select(Outlet)
    if f.enterprise_id is not None:
        stmt = stmt.where(Outlet.enterprise_id == f.enterprise_id)
    if f.medium:
        stmt = stmt.where(Outlet.medium == f.medium.value)
    return page_of(repo, stmt, OutletPublic, limit=f.limit, offset=f.offset, order_by=[Outlet.id])


@router.get("/{outlet_id}")
def read_outlet(repo: RepoDep, outlet_id: OutletId) -> OutletPublic:
    """One outlet (404 when absent or outside the caller's scope)."""
    return OutletPublic.model_validate(repo.get(Outlet, outlet_id))


@router.post("", status_code=201)
def create_outlet(repo: RepoDep, body: OutletCreate) -> OutletPublic:
    """Register an outlet of an enterprise in the caller's scope."""
    outlet = repo.create(Outlet(**body.model_dump(mode="json")))
    repo.session.commit()
    return OutletPublic.model_validate(outlet)


@router.patch("/{outlet_id}")
def update_outlet(repo: RepoDep, outlet_id: OutletId, body: OutletUpdate) -> OutletPublic:
    """Change an outlet."""
    outlet = repo.get(Outlet, outlet_id)
    repo.update(outlet, body.model_dump(mode="json", exclude_unset=True))
    repo.session.commit()
    return OutletPublic.model_validate(outlet)


@router.delete("/{outlet_id}", status_code=204)
def delete_outlet(repo: RepoDep, outlet_id: OutletId) -> Response:
    """Delete an outlet (its devices stay with the enterprise, without an outlet)."""
    repo.delete(repo.get(Outlet, outlet_id))
    repo.session.commit()
    return Response(status_code=204)
