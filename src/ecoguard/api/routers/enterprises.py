"""/api/v1/enterprises: regulated enterprises."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ecoguard.api.deps import RepoDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.routers.common import page_of, within
from ecoguard.api.schemas.common import Page
from ecoguard.api.schemas.enterprises import (
    EnterpriseCreate,
    EnterpriseFilter,
    EnterprisePublic,
    EnterpriseUpdate,
)
from ecoguard.registry.models import Enterprise

router = APIRouter(prefix="/enterprises", tags=["enterprises"], responses=ERROR_RESPONSES)
EnterpriseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
def list_enterprises(
    repo: RepoDep, f: Annotated[EnterpriseFilter, Query()]
) -> Page[EnterprisePublic]:
    """Enterprises in the caller's scope, filtered."""
    stmt = repo.select(Enterprise)
    if f.region_adcode:
        stmt = stmt.where(within(repo, Enterprise.region_adcode, f.region_adcode))
    if f.industry_code:
        stmt = stmt.where(Enterprise.industry_code.startswith(f.industry_code, autoescape=True))
    if f.performance_grade:
        stmt = stmt.where(Enterprise.performance_grade == f.performance_grade.value)
    if f.q:
        stmt = stmt.where(
            Enterprise.uscc.contains(f.q, autoescape=True)
            | Enterprise.name.contains(f.q, autoescape=True)
        )
    return page_of(
        repo, stmt, EnterprisePublic, limit=f.limit, offset=f.offset, order_by=[Enterprise.id]
    )


@router.get("/{enterprise_id}")
def read_enterprise(repo: RepoDep, enterprise_id: EnterpriseId) -> EnterprisePublic:
    """One enterprise (404 when absent or outside the caller's scope)."""
    return EnterprisePublic.model_validate(repo.get(Enterprise, enterprise_id))


@router.post("", status_code=201)
def create_enterprise(repo: RepoDep, body: EnterpriseCreate) -> EnterprisePublic:
    """Register an enterprise in a region of the caller's scope."""
    enterprise = repo.create(Enterprise(**body.model_dump(mode="json")))
    repo.session.commit()
    return EnterprisePublic.model_validate(enterprise)


@router.patch("/{enterprise_id}")
def update_enterprise(
    repo: RepoDep, enterprise_id: EnterpriseId, body: EnterpriseUpdate
) -> EnterprisePublic:
    """Change an enterprise; it may not move out of the caller's scope."""
    enterprise = repo.get(Enterprise, enterprise_id)
    repo.update(enterprise, body.model_dump(mode="json", exclude_unset=True))
    repo.session.commit()
    return EnterprisePublic.model_validate(enterprise)


@router.delete("/{enterprise_id}", status_code=204)
def delete_enterprise(repo: RepoDep, enterprise_id: EnterpriseId) -> Response:
    """Delete an enterprise."""
    repo.delete(repo.get(Enterprise, enterprise_id))
    repo.session.commit()
    return Response(status_code=204)
