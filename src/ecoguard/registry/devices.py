"""HJ 212 devices as the gateway sees them: look-up by MN, password check, connection state.

Connection state is operational, not a registry change: updates that touch only
``last_seen``/``connection_state`` are not written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hmac

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ecoguard.registry.models import ConnectionState, Device


def find_device(session: Session, mn: str) -> Device | None:
    """The registered device with this MN, or ``None``."""
    return session.scalars(select(Device).where(Device.mn == mn)).one_or_none()


def password_matches(device: Device, password: str) -> bool:
    """Whether a packet's ``PW`` matches the device's access password (constant time)."""
    return hmac.compare_digest(device.access_password.encode(), password.encode())


def mark_seen(
    session: Session,
    mn: str,
    at: dt.datetime,
    state: ConnectionState = ConnectionState.online,
) -> bool:
    """Record that device ``mn`` was heard from at ``at`` (aware); False if unknown.

    ``last_seen`` never moves backwards (packets may arrive out of order).
    """
    if at.tzinfo is None:
        msg = "naive datetime refused: give an instant with a UTC offset"
        raise ValueError(msg)
    device = find_device(session, mn)
    if device is None:
        return False
    if device.last_seen is None or at > device.last_seen:
        device.last_seen = at
    device.connection_state = state.value
    session.flush()
    return True


def mark_all_offline(session: Session, *, not_seen_since: dt.datetime) -> int:
    """Set devices silent since ``not_seen_since`` to offline; returns how many changed."""
    stmt = (
        update(Device)
        .where(Device.connection_state == ConnectionState.online.value)
        .where((Device.last_seen.is_(None)) | (Device.last_seen < not_seen_since))
        .values(connection_state=ConnectionState.offline.value)
        .execution_options(synchronize_session="fetch")
    )
    result = session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
