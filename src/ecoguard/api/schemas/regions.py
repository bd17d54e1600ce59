"""Schemas of administrative regions and users."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ecoguard.api.schemas.common import Adcode, Id, Name, ORMModel, Text64
from ecoguard.registry.models import RegionLevel, Role


class RegionPublic(ORMModel):
    """A region (GB/T 2260 adcode) as the API returns it."""

    adcode: str
    name: str
    level: RegionLevel
    parent_adcode: str | None
    center_lon: float | None
    center_lat: float | None


class RegionFilter(BaseModel):
    """Filters of the region list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)
    level: RegionLevel | None = None
    parent_adcode: Adcode | None = None
    q: Text64 | None = Field(default=None, description="Name contains")


class BoundaryLevel(StrEnum):
    """Which regions a boundary map shows."""

    province = "province"
    prefecture = "prefecture"
    county = "county"


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946) in WGS-84/CGCS2000 longitude/latitude."""

    type: str = "FeatureCollection"
    features: list[dict[str, Any]]


Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,64}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]


class UserBase(BaseModel):
    """Fields of a user an administrator may set."""

    username: Username
    full_name: Name | None = None
    role: Role
    region_adcode: Adcode | None = None
    enterprise_id: Id | None = None


class UserCreate(UserBase):
    """A new user with an initial password."""

    model_config = ConfigDict(extra="forbid")

    password: Password


class UserUpdate(BaseModel):
    """Changes to a user (only the fields given)."""

    model_config = ConfigDict(extra="forbid")

    full_name: Name | None = None
    role: Role | None = None
    region_adcode: Adcode | None = None
    enterprise_id: Id | None = None
    is_active: bool | None = None
    password: Password | None = None


class UserPublic(ORMModel):
    """A user as the API returns it (never the password hash)."""

    id: int
    username: str
    full_name: str | None
    role: Role
    region_adcode: str | None
    region_name: str | None = None
    enterprise_id: int | None = None
    is_active: bool = True


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)


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
