"""Schemas of administrative regions and their boundaries."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ecoguard.api.schemas.common import Adcode, ORMModel, Text64
from ecoguard.registry.models import RegionLevel


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
