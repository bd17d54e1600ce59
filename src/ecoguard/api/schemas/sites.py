"""Schemas of monitoring sites: air stations and water sections."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ecoguard.api.schemas.common import Adcode, Lat, Lon, Name, ORMModel, Text64
from ecoguard.registry.models import NetworkLevel, WaterBodyType, WaterClass

StationCode = Annotated[str, StringConstraints(pattern=r"^\d{4}[A-Z]$")]
SectionCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{1,32}$")]


class AirStationBase(BaseModel):
    """Fields of an air station a client may set."""

    code: StationCode = Field(description="CNEMC station code: four digits and a letter (1001A)")
    name: Name
    city: Text64 = Field(description="City as CNEMC names it (城市)")
    network_level: NetworkLevel = NetworkLevel.national
    is_background: bool = Field(default=False, description="Background point (对照点)")
    region_adcode: Adcode
    lon: Lon
    lat: Lat


class AirStationCreate(AirStationBase):
    """A new air station."""

    model_config = ConfigDict(extra="forbid")


class AirStationUpdate(BaseModel):
    """Changes to an air station (only the fields given)."""

    model_config = ConfigDict(extra="forbid")

    code: StationCode | None = None
    name: Name | None = None
    city: Text64 | None = None
    network_level: NetworkLevel | None = None
    is_background: bool | None = None
    region_adcode: Adcode | None = None
    lon: Lon | None = None
    lat: Lat | None = None


class AirStationPublic(AirStationBase, ORMModel):
    """An air station as the API returns it."""

    id: int
    created_at: dt.datetime
    updated_at: dt.datetime


class AirStationFilter(BaseModel):
    """Filters of the air-station list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)
    region_adcode: Adcode | None = Field(default=None, description="In this region or below")
    city: Text64 | None = None
    network_level: NetworkLevel | None = None
    is_background: bool | None = None
    q: Text64 | None = Field(default=None, description="Code or name contains")


class WaterSectionBase(BaseModel):
    """Fields of a water section a client may set."""

    code: SectionCode
    name: Name
    water_body_type: WaterBodyType = Field(
        description="river or lake_reservoir (GB 3838 total-phosphorus limits differ)"
    )
    water_body: Name | None = Field(default=None, description="River, lake or reservoir name")
    basin: Text64 | None = None
    target_class: WaterClass = Field(description="Target class of GB 3838-2002 (I-V)")
    region_adcode: Adcode
    lon: Lon
    lat: Lat


class WaterSectionCreate(WaterSectionBase):
    """A new water section."""

    model_config = ConfigDict(extra="forbid")


class WaterSectionUpdate(BaseModel):
    """Changes to a water section (only the fields given)."""

    model_config = ConfigDict(extra="forbid")

    code: SectionCode | None = None
    name: Name | None = None
    water_body_type: WaterBodyType | None = None
    water_body: Name | None = None
    basin: Text64 | None = None
    target_class: WaterClass | None = None
    region_adcode: Adcode | None = None
    lon: Lon | None = None
    lat: Lat | None = None


class WaterSectionPublic(WaterSectionBase, ORMModel):
    """A water section as the API returns it."""

    id: int
    created_at: dt.datetime
    updated_at: dt.datetime


class WaterSectionFilter(BaseModel):
    """Filters of the water-section list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)
    region_adcode: Adcode | None = Field(default=None, description="In this region or below")
    basin: Text64 | None = None
    water_body_type: WaterBodyType | None = None
    target_class: WaterClass | None = None
    q: Text64 | None = Field(default=None, description="Code or name contains")
