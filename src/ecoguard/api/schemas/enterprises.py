"""Schemas of enterprises, their outlets and their HJ 212 devices."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ecoguard.api.schemas.common import Adcode, Id, Lat, Lon, LongName, Name, ORMModel, Text64
from ecoguard.registry.codes import uscc_problem
from ecoguard.registry.models import ConnectionState, Medium, PerformanceGrade


def _check_uscc(value: str) -> str:
    problem = uscc_problem(value)
    if problem:
        msg = f"not a unified social credit code: {problem}"
        raise ValueError(msg)
    return value


USCC = Annotated[
    str,
    StringConstraints(min_length=18, max_length=18),
    AfterValidator(_check_uscc),
]
IndustryCode = Annotated[str, StringConstraints(pattern=r"^[A-T](\d{2}|\d{3}|\d{4})?$")]
#: 排污许可证编号: the holder's USCC, a 3-digit serial and a letter (e.g. ``...001P``).
PermitNumber = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{18}\d{3}[A-Z]$")]
OutletCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{1,32}$")]
MN = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{1,24}$")]
DevicePassword = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{1,32}$")]
Standard = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]


class Protocol(StrEnum):
    """HJ 212 edition a device speaks."""

    hj212_2005 = "HJ212-2005"
    hj212_2017 = "HJ212-2017"
    hj212_2025 = "HJ212-2025"


class EnterpriseBase(BaseModel):
    """Fields of an enterprise a client may set."""

    uscc: USCC = Field(description="Unified social credit code, check character per GB 32100")
    name: LongName
    industry_code: IndustryCode = Field(description="GB/T 4754-2017 code, e.g. D4411")
    permit_number: PermitNumber | None = Field(default=None, description="排污许可证编号")
    performance_grade: PerformanceGrade | None = Field(
        default=None, description="Performance grade A/B/C/D/引领性"
    )
    region_adcode: Adcode
    lon: Lon
    lat: Lat


class EnterpriseCreate(EnterpriseBase):
    """A new enterprise."""

    model_config = ConfigDict(extra="forbid")


class EnterpriseUpdate(BaseModel):
    """Changes to an enterprise (only the fields given)."""

    model_config = ConfigDict(extra="forbid")

    uscc: USCC | None = None
    name: LongName | None = None
    industry_code: IndustryCode | None = None
    permit_number: PermitNumber | None = None
    performance_grade: PerformanceGrade | None = None
    region_adcode: Adcode | None = None
    lon: Lon | None = None
    lat: Lat | None = None


class EnterprisePublic(EnterpriseBase, ORMModel):
    """An enterprise as the API returns it."""

    id: int
    created_at: dt.datetime
    updated_at: dt.datetime


class EnterpriseFilter(BaseModel):
    """Filters of the enterprise list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)
    region_adcode: Adcode | None = Field(default=None, description="In this region or below")
    industry_code: Annotated[str, StringConstraints(pattern=r"^[A-T]\d{0,4}$")] | None = Field(
        default=None, description="Code starts with"
    )
    performance_grade: PerformanceGrade | None = None
    q: Text64 | None = Field(default=None, description="Name or USCC contains")


class OutletBase(BaseModel):
    """Fields of an outlet a client may set."""

    code: OutletCode = Field(description="Outlet code of the discharge permit, e.g. DA001")
    name: Name
    medium: Medium
    emission_standard: Standard = Field(description="Applicable standard, e.g. GB 13223-2011")
    lon: Lon | None = None
    lat: Lat | None = None


class OutletCreate(OutletBase):
    """A new outlet of an enterprise."""

    model_config = ConfigDict(extra="forbid")

    enterprise_id: Id


class OutletUpdate(BaseModel):
    """Changes to an outlet (only the fields given)."""

    model_config = ConfigDict(extra="forbid")

    code: OutletCode | None = None
    name: Name | None = None
    medium: Medium | None = None
    emission_standard: Standard | None = None
    lon: Lon | None = None
    lat: Lat | None = None


class OutletPublic(OutletBase, ORMModel):
    """An outlet as the API returns it."""

    id: int
    enterprise_id: int
    created_at: dt.datetime
    updated_at: dt.datetime


class OutletFilter(BaseModel):
    """Filters of the outlet list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)
    enterprise_id: Id | None = None
    medium: Medium | None = None


class DeviceBase(BaseModel):
    """Fields of a device a client may set (the access password is write-only)."""

    mn: MN = Field(description="HJ 212 device number (MN)")
    outlet_id: Id | None = None
    protocol: Protocol = Protocol.hj212_2017
    description: LongName | None = None


class DeviceCreate(DeviceBase):
    """A new device; ``access_password`` is the PW its packets carry."""

    model_config = ConfigDict(extra="forbid")

    enterprise_id: Id
    access_password: DevicePassword


class DeviceUpdate(BaseModel):
    """Changes to a device (only the fields given)."""

    model_config = ConfigDict(extra="forbid")

    mn: MN | None = None
    outlet_id: Id | None = None
    protocol: Protocol | None = None
    description: LongName | None = None
    access_password: DevicePassword | None = None


class DevicePublic(DeviceBase, ORMModel):
    """A device as the API returns it, with the gateway's view of it."""

    id: int
    enterprise_id: int
    last_seen: dt.datetime | None
    connection_state: ConnectionState
    created_at: dt.datetime
    updated_at: dt.datetime


class DeviceFilter(BaseModel):
    """Filters of the device list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)
    enterprise_id: Id | None = None
    outlet_id: Id | None = None
    connection_state: ConnectionState | None = None
    mn: MN | None = None
