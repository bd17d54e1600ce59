"""/api/v1/devices: HJ 212 data loggers (MN, access password, connection state)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ecoguard.api.deps import RepoDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.api.routers.common import page_of
from ecoguard.api.schemas.common import Page
from ecoguard.api.schemas.enterprises import (
    DeviceCreate,
    DeviceFilter,
    DevicePublic,
    DeviceUpdate,
)
from ecoguard.registry.models import Device

router = APIRouter(prefix="/devices", tags=["devices"], responses=ERROR_RESPONSES)
DeviceId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
def list_devices(repo: RepoDep, f: Annotated[DeviceFilter, Query()]) -> Page[DevicePublic]:
    """Devices of enterprises in the caller's scope, filtered."""
    stmt = repo.select(Device)
    if f.enterprise_id is not None:
        stmt = stmt.where(Device.enterprise_id == f.enterprise_id)
    if f.outlet_id is not None:
        stmt = stmt.where(Device.outlet_id == f.outlet_id)
    if f.connection_state:
        stmt = stmt.where(Device.connection_state == f.connection_state.value)
    if f.mn:
        stmt = stmt.where(Device.mn == f.mn)
    return page_of(repo, stmt, DevicePublic, limit=f.limit, offset=f.offset, order_by=[Device.id])


@router.get("/{device_id}")
def read_device(repo: RepoDep, device_id: DeviceId) -> DevicePublic:
    """One device (404 when absent or outside the caller's scope)."""
    return DevicePublic.model_validate(repo.get(Device, device_id))


@router.post("", status_code=201)
def create_device(repo: RepoDep, body: DeviceCreate) -> DevicePublic:
    """Register a device of an enterprise in the caller's scope."""
    device = repo.create(Device(**body.model_dump(mode="json")))
    repo.session.commit()
    return DevicePublic.model_validate(device)


@router.patch("/{device_id}")
def update_device(repo: RepoDep, device_id: DeviceId, body: DeviceUpdate) -> DevicePublic:
    """Change a device (MN, outlet, protocol, description, access password)."""
    device = repo.get(Device, device_id)
    repo.update(device, body.model_dump(mode="json", exclude_unset=True))
    repo.session.commit()
    return DevicePublic.model_validate(device)


@router.delete("/{device_id}", status_code=204)
def delete_device(repo: RepoDep, device_id: DeviceId) -> Response:
    """Delete a device."""
    repo.delete(repo.get(Device, device_id))
    repo.session.commit()
    return Response(status_code=204)
