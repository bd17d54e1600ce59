"""/api/v1/devices/{mn}/readings|refusals|info: what a data logger sent, what was refused,
and what it reported about its instruments (logs, states).

The device must be in the caller's scope (registry); otherwise it is not found.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi import Path as PathParam
from pydantic import AwareDatetime

from ecoguard.api.deps import RepoDep, SettingsDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.schemas.device_data import (
    DeviceInfo,
    DeviceInfoItem,
    DeviceReadings,
    DeviceRefusals,
    Reading,
    Refusal,
)
from ecoguard.ingest.hj212.listing import INFO_TABLE, READINGS_TABLE, REFUSALS_TABLE, list_rows
from ecoguard.registry.models import Device
from ecoguard.timeseries.store import TimeseriesStore

router = APIRouter(prefix="/devices", tags=["device-data"], responses=ERROR_RESPONSES)

Mn = Annotated[str, PathParam(pattern=r"^[0-9A-Za-z]{1,32}$", description="Device MN.")]
_CST = dt.timezone(dt.timedelta(hours=8))
_MAX_ROWS = 5000


def _window(
    repo: RepoDep, mn: str, start: dt.datetime | None, end: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    device = repo.session.scalars(repo.select(Device).where(Device.mn == mn)).first()
    if device is None:
        raise HTTPException(404, f"device {mn} not found")
    last = end or dt.datetime.now(dt.UTC)
    first = start or last - dt.timedelta(days=1)
    if last <= first:
        raise HTTPException(422, "end must be after start")
    return first, last


def _cst(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.astimezone(_CST) if isinstance(v, dt.datetime) else v for k, v in row.items()}


@router.get("/{mn}/readings")
def device_readings(
    repo: RepoDep,
    settings: SettingsDep,
    mn: Mn,
    start: Annotated[
        AwareDatetime | None, Query(description="Data time from (default: end - 1 day).")
    ] = None,
    end: Annotated[
        AwareDatetime | None, Query(description="Data time before (default: now).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=_MAX_ROWS)] = 1000,
    data_type: Annotated[
        Literal["rtd", "min", "hour", "day", "alarm"] | None,
        Query(description="Only real-time, minute, hourly, daily or alarm readings."),
    ] = None,
) -> DeviceReadings:
    """Readings a device sent (``source_readings``), by data time; the latest ``limit`` rows."""
    first, last = _window(repo, mn, start, end)
    store = TimeseriesStore(settings.timeseries_root)
    rows = list_rows(
        store, READINGS_TABLE, mn=mn, data_type=data_type, start=first, end=last, limit=limit
    )
    return DeviceReadings(mn=mn, start=first, end=last, items=[Reading(**_cst(r)) for r in rows])


@router.get("/{mn}/refusals")
def device_refusals(
    repo: RepoDep,
    settings: SettingsDep,
    mn: Mn,
    start: Annotated[
        AwareDatetime | None, Query(description="Received from (default: end - 1 day).")
    ] = None,
    end: Annotated[
        AwareDatetime | None, Query(description="Received before (default: now).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=_MAX_ROWS)] = 1000,
) -> DeviceRefusals:
    """What the gateway refused from a device, with reason, field and rule."""
    first, last = _window(repo, mn, start, end)
    store = TimeseriesStore(settings.timeseries_root)
    rows = list_rows(store, REFUSALS_TABLE, mn=mn, start=first, end=last, limit=limit)
    return DeviceRefusals(mn=mn, start=first, end=last, items=[Refusal(**_cst(r)) for r in rows])


@router.get("/{mn}/info")
def device_info(
    repo: RepoDep,
    settings: SettingsDep,
    mn: Mn,
    start: Annotated[
        AwareDatetime | None, Query(description="Data time from (default: end - 1 day).")
    ] = None,
    end: Annotated[
        AwareDatetime | None, Query(description="Data time before (default: now).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=_MAX_ROWS)] = 1000,
) -> DeviceInfo:
    """Instrument logs, states and parameters a device uploaded (HJ 212 CN 3020)."""
    first, last = _window(repo, mn, start, end)
    store = TimeseriesStore(settings.timeseries_root)
    rows = list_rows(store, INFO_TABLE, mn=mn, start=first, end=last, limit=limit)
    items = [DeviceInfoItem(**_cst(r)) for r in rows]
    return DeviceInfo(mn=mn, start=first, end=last, items=items)
