"""Schemas of the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ecoguard.api.schemas.common import ORMModel
from ecoguard.api.schemas.users import Username


class AuditEntry(ORMModel):
    """One audited change."""

    id: int
    at: dt.datetime
    actor: str
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditFilter(BaseModel):
    """Filters of the audit log."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)
    entity: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")] | None = None
    entity_id: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_,-]{1,64}$")] | None = None
    actor: Username | None = None
