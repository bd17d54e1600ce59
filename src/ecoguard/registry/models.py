"""SQLAlchemy models of the registry: regions, sites, enterprises, devices, users, audit log.

Every scoped record carries (directly, or through its enterprise) the adcode of the region it
belongs to; :mod:`ecoguard.registry.scope` filters every query on it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecoguard.registry.base import Base, UTCDateTime, utcnow


class RegionLevel(StrEnum):
    """Level of an administrative region (GB/T 2260 adcode)."""

    province = "province"
    prefecture = "prefecture"
    county = "county"


class Role(StrEnum):
    """Roles of users; what each may do is in :mod:`ecoguard.registry.scope`."""

    administrator = "administrator"
    provincial_analyst = "provincial_analyst"
    prefecture_officer = "prefecture_officer"
    enterprise = "enterprise"
    read_only = "read_only"


class NetworkLevel(StrEnum):
    """Network an air station belongs to."""

    national = "national"
    provincial = "provincial"
    prefecture = "prefecture"
    county = "county"


class WaterBodyType(StrEnum):
    """River or lake/reservoir: GB 3838 total-phosphorus limits differ between them."""

    river = "river"
    lake_reservoir = "lake_reservoir"


class WaterClass(StrEnum):
    """Surface-water quality class of GB 3838-2002 (target class of a section)."""

    I = "I"  # noqa: E741
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"


class PerformanceGrade(StrEnum):
    """Environmental performance grade of heavy-pollution-weather emergency response."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    leading = "引领性"


class Medium(StrEnum):
    """What an outlet discharges into."""

    air = "air"
    water = "water"


class ConnectionState(StrEnum):
    """Connection state of an HJ 212 device, kept by the gateway."""

    unknown = "unknown"
    online = "online"
    offline = "offline"


def _in(values: type[StrEnum], column: str) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class TimestampMixin:
    """Creation and last-change instants (UTC)."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Region(TimestampMixin, Base):
    """An administrative region: province, prefecture (incl. XPCC cities) or county."""

    __tablename__ = "regions"
    __table_args__ = (CheckConstraint(_in(RegionLevel, "level"), name="level"),)

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    parent_adcode: Mapped[str | None] = mapped_column(
        ForeignKey("regions.adcode"), index=True, default=None
    )
    center_lon: Mapped[float | None] = mapped_column(Float, default=None)
    center_lat: Mapped[float | None] = mapped_column(Float, default=None)
    boundary_geojson: Mapped[str | None] = mapped_column(Text, default=None)
    boundary_source: Mapped[str | None] = mapped_column(String(200), default=None)


class LocatedMixin:
    """A point location in WGS-84 / CGCS2000 longitude and latitude [degree]."""

    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class AirStation(LocatedMixin, TimestampMixin, Base):
    """An ambient air monitoring station (CNEMC code such as ``1001A``)."""

    __tablename__ = "air_stations"
    __table_args__ = (CheckConstraint(_in(NetworkLevel, "network_level"), name="network_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(64))
    network_level: Mapped[str] = mapped_column(String(16), default=NetworkLevel.national.value)
    is_background: Mapped[bool] = mapped_column(Boolean, default=False)
    region_adcode: Mapped[str] = mapped_column(ForeignKey("regions.adcode"), index=True)


class WaterSection(LocatedMixin, TimestampMixin, Base):
    """A surface-water monitoring section on a river or a lake/reservoir."""

    __tablename__ = "water_sections"
    __table_args__ = (
        CheckConstraint(_in(WaterBodyType, "water_body_type"), name="water_body_type"),
        CheckConstraint(_in(WaterClass, "target_class"), name="target_class"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    water_body_type: Mapped[str] = mapped_column(String(16))
    water_body: Mapped[str | None] = mapped_column(String(100), default=None)
    basin: Mapped[str | None] = mapped_column(String(64), default=None)
    target_class: Mapped[str] = mapped_column(String(4))
    region_adcode: Mapped[str] = mapped_column(ForeignKey("regions.adcode"), index=True)


class Enterprise(LocatedMixin, TimestampMixin, Base):
    """A regulated enterprise, identified by its unified social credit code (GB 32100)."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry_code: Mapped[str] = mapped_column(String(8))
    permit_number: Mapped[str | None] = mapped_column(String(32), default=None)
    performance_grade: Mapped[str | None] = mapped_column(String(8), default=None)
    region_adcode: Mapped[str] = mapped_column(ForeignKey("regions.adcode"), index=True)

    # children are deleted through the ORM so that every deletion reaches the audit log
    outlets: Mapped[list[Outlet]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )
    devices: Mapped[list[Device]] = relationship(cascade="all, delete-orphan")


class Outlet(TimestampMixin, Base):
    """A discharge outlet (air stack or wastewater outlet) of an enterprise."""

    __tablename__ = "outlets"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "code", name="uq_outlets_enterprise_id_code"),
        CheckConstraint(_in(Medium, "medium"), name="medium"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    medium: Mapped[str] = mapped_column(String(8))
    emission_standard: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)

    enterprise: Mapped[Enterprise] = relationship(back_populates="outlets")
    #: deleting an outlet detaches its devices (``outlet_id`` set to null, audited)
    devices: Mapped[list[Device]] = relationship()


class Device(TimestampMixin, Base):
    """An HJ 212 data logger: its MN, access password and the gateway's view of it."""

    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint(_in(ConnectionState, "connection_state"), name="connection_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mn: Mapped[str] = mapped_column(String(32), unique=True)
    access_password: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    outlet_id: Mapped[int | None] = mapped_column(
        ForeignKey("outlets.id", ondelete="SET NULL"), index=True, default=None
    )
    protocol: Mapped[str] = mapped_column(String(16), default="HJ212-2017")
    description: Mapped[str | None] = mapped_column(String(200), default=None)
    last_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    connection_state: Mapped[str] = mapped_column(String(16), default=ConnectionState.unknown.value)


class User(TimestampMixin, Base):
    """A person (or an enterprise account) who signs in to the API."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in(Role, "role"), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    full_name: Mapped[str | None] = mapped_column(String(100), default=None)
    region_adcode: Mapped[str | None] = mapped_column(
        ForeignKey("regions.adcode"), index=True, default=None
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL"), default=None
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class AuditLog(Base):
    """One change of one record: who, when, what, and the record before and after (JSON)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))
    entity: Mapped[str] = mapped_column(String(32), index=True)
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


#: Models whose records belong to a region, in the order a demo would create them.
SCOPED_MODELS: tuple[type[Base], ...] = (AirStation, WaterSection, Enterprise, Outlet, Device)
