"""/api/v1/audit: the audit log (administrators only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ecoguard.api.deps import AdminUser, RepoDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.routers.common import page_of
from ecoguard.api.schemas.audit import AuditEntry, AuditFilter
from ecoguard.api.schemas.common import Page
from ecoguard.registry.models import AuditLog

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERROR_RESPONSES)


@router.get("")
def list_audit(
    repo: RepoDep, _admin: AdminUser, f: Annotated[AuditFilter, Query()]
) -> Page[AuditEntry]:
    """Audited changes, newest first: who, when, what, before and after."""
    stmt = repo.select(AuditLog)
    if f.entity:
        stmt = stmt.where(AuditLog.entity == f.entity)
    if f.entity_id:
        stmt = stmt.where(AuditLog.entity_id == f.entity_id)
    if f.actor:
        stmt = stmt.where(AuditLog.actor == f.actor)
    return page_of(
        repo, stmt, AuditEntry, limit=f.limit, offset=f.offset, order_by=[AuditLog.id.desc()]
    )
