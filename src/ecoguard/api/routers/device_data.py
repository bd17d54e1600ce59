"""/api/v1/devices/{mn}/readings|refusals|info: what a data logger sent, what was refused,
and what it reported about its instruments (logs, states).

The device must be in the caller's scope (registry); otherwise it is not found.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
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


class _Window:
    """The query of every device-data endpoint: a time window and a row limit, for a device in
    the caller's scope (else 404). Times: data time for readings and information, receipt time
    for refusals."""

    def __init__(
        self,
        repo: RepoDep,
        settings: SettingsDep,
        mn: Mn,
        start: Annotated[
            AwareDatetime | None, Query(description="From (default: end - 1 day).")
        ] = None,
        end: Annotated[AwareDatetime | None, Query(description="Before (default: now).")] = None,
        limit: Annotated[int, Query(ge=1, le=_MAX_ROWS, description="Latest N rows.")] = 1000,
    ) -> None:
        device = repo.session.scalars(repo.select(Device).where(Device.mn == mn)).first()
        if device is None:
            raise HTTPException(404, f"device {mn} not found")
        self.mn = mn
        self.end = end or dt.datetime.now(dt.UTC)
        self.start = start or self.end - dt.timedelta(days=1)
        if self.end <= self.start:
            raise HTTPException(422, "end must be after start")
        self.limit = limit
        self.store = TimeseriesStore(settings.timeseries_root)

    def rows(self, table: str, **filters: Any) -> list[dict[str, Any]]:
        """The window's rows of ``table``, times in CST."""
        found = list_rows(self.store, table, mn=self.mn, start=self.start, end=self.end,
                          limit=self.limit, **filters)  # fmt: skip
        return [
            {k: v.astimezone(_CST) if isinstance(v, dt.datetime) else v for k, v in row.items()}
            for row in found
        ]


WindowDep = Annotated[_Window, Depends()]


@router.get("/{mn}/readings")
def device_readings(
    window: WindowDep,
    data_type: Annotated[
        Literal["rtd", "min", "hour", "day", "alarm"] | None,
        Query(description="Only real-time, minute, hourly, daily or alarm readings."),
    ] = None,
) -> DeviceReadings:
    """Readings a device sent (``source_readings``), by data time; the latest ``limit`` rows."""
    items = [Reading(**r) for r in window.rows(READINGS_TABLE, data_type=data_type)]
    return DeviceReadings(mn=window.mn, start=window.start, end=window.end, items=items)


@router.get("/{mn}/refusals")
def device_refusals(window: WindowDep) -> DeviceRefusals:
    """What the gateway refused from a device, with reason, field and rule (by receipt time)."""
    items = [Refusal(**r) for r in window.rows(REFUSALS_TABLE)]
    return DeviceRefusals(mn=window.mn, start=window.start, end=window.end, items=items)


@router.get("/{mn}/info")
def device_info(window: WindowDep) -> DeviceInfo:
    """Instrument logs, states and parameters a device uploaded (HJ 212 CN 3020)."""
    items = [DeviceInfoItem(**r) for r in window.rows(INFO_TABLE)]
    return DeviceInfo(mn=window.mn, start=window.start, end=window.end, items=items)
