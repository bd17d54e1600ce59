"""Which data loggers may talk to the gateway: MN -> password, site, SM4 key.

:class:`DeviceDirectory` is the small protocol the gateway needs. :class:`JsonDeviceDirectory`
holds the devices in memory, loaded from a JSON file; :class:`RegistryDeviceDirectory` loads
them from the registry's ``devices`` table. Both answer lookups from memory: the gateway asks
once per packet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "Device",
    "DeviceDirectory",
    "JsonDeviceDirectory",
    "RegistryDeviceDirectory",
]


@dataclass(frozen=True, slots=True)
class Device:
    """A registered data logger.

    Attributes
    ----------
    mn : str
        Device id (HJ 212-2017 Table 3 ``MN``: 24 hex chars; 14 in HJ/T 212-2005).
    password : str
        Access password ``PW``.
    site : str or None
        Outlet or site the logger measures.
    sm4_key : bytes or None
        16-byte SM4 key for encrypted CP (HJ 212-2025 §6.4.3), if the device encrypts.
    minute_interval : int
        Minute-data period [min] (``MinInterval``, 2017 Table 4; default 10 as in Table C.20).
    """

    mn: str
    password: str
    site: str | None = None
    sm4_key: bytes | None = None
    minute_interval: int = 10


class DeviceDirectory(Protocol):
    """Lookup of registered devices."""

    def lookup(self, mn: str) -> Device | None:
        """The device with this MN, or ``None`` when it is not registered."""
        ...


class JsonDeviceDirectory:
    """Devices held in memory, optionally loaded from / saved to a JSON file.

    File layout: ``{"devices": [{"mn": ..., "password": ..., "site": ..., "sm4_key": "hex",
    "minute_interval": 10}, ...]}``.
    """

    def __init__(self, devices: Iterable[Device] = ()) -> None:
        self._devices = {d.mn: d for d in devices}

    @classmethod
    def load(cls, path: Path) -> JsonDeviceDirectory:
        """Read a directory file."""
        document = json.loads(path.read_text(encoding="utf-8"))
        return cls(_device(entry) for entry in document["devices"])

    def save(self, path: Path) -> None:
        """Write the directory file."""
        entries = [
            {
                "mn": d.mn,
                "password": d.password,
                "site": d.site,
                "sm4_key": d.sm4_key.hex() if d.sm4_key else None,
                "minute_interval": d.minute_interval,
            }
            for d in self._devices.values()
        ]
        path.write_text(json.dumps({"devices": entries}, indent=1), encoding="utf-8")

    def lookup(self, mn: str) -> Device | None:
        """The device with this MN, or ``None``."""
        return self._devices.get(mn)

    def __len__(self) -> int:
        return len(self._devices)


def _device(entry: Mapping[str, Any]) -> Device:
    key = entry.get("sm4_key")
    return Device(
        mn=str(entry["mn"]),
        password=str(entry["password"]),
        site=entry.get("site"),
        sm4_key=bytes.fromhex(key) if key else None,
        minute_interval=int(entry.get("minute_interval") or 10),
    )


class RegistryDeviceDirectory:
    """Devices of the registry's ``devices`` table (MN, access password, outlet), in memory.

    Parameters
    ----------
    url : str
        SQLAlchemy URL of the registry.

    Notes
    -----
    Loaded once; call :meth:`refresh` to pick up changes (the gateway does so periodically).
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._devices: dict[str, Device] = {}
        self.refresh()

    def refresh(self) -> None:
        """Reload every device from the registry."""
        from sqlalchemy import select

        from ecoguard.registry.db import make_engine
        from ecoguard.registry.models import Device as DeviceRow

        engine = make_engine(self._url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    select(DeviceRow.mn, DeviceRow.access_password, DeviceRow.outlet_id)
                ).all()
        finally:
            engine.dispose()
        self._devices = {
            mn: Device(mn=mn, password=pw, site=None if outlet is None else f"outlet:{outlet}")
            for mn, pw, outlet in rows
        }

    def lookup(self, mn: str) -> Device | None:
        """The device with this MN, or ``None``."""
        return self._devices.get(mn)

    def __len__(self) -> int:
        return len(self._devices)

    def record_liveness(self, states: Iterable[tuple[str, datetime, bool]]) -> int:
        """Write ``devices.last_seen`` and ``devices.connection_state`` (online/offline).

        These are the registry's operational columns: updates of them are not audited.

        Parameters
        ----------
        states : iterable of (str, datetime, bool)
            MN, last seen (aware, UTC), connected now.

        Returns
        -------
        int
            Devices updated.
        """
        from sqlalchemy import update

        from ecoguard.registry.db import make_engine, session_scope
        from ecoguard.registry.models import ConnectionState
        from ecoguard.registry.models import Device as DeviceRow

        engine = make_engine(self._url)
        updated = 0
        try:
            with session_scope(engine, actor="gateway") as session:
                for mn, last_seen, online in states:
                    state = ConnectionState.online if online else ConnectionState.offline
                    result = session.execute(
                        update(DeviceRow)
                        .where(DeviceRow.mn == mn)
                        .values(last_seen=last_seen, connection_state=state.value)
                    )
                    updated += int(getattr(result, "rowcount", 0) or 0)
        finally:
            engine.dispose()
        return updated
