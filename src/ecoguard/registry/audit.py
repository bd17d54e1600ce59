"""The audit log: every insert, update and delete of a registry record, with before and after.

A ``after_flush`` listener on every :class:`~sqlalchemy.orm.Session` writes one
:class:`~ecoguard.registry.models.AuditLog` row per changed record, so no code path (API,
CLI, importers, demo) can change the registry without leaving a trace. The author is what
:func:`set_actor` put on the session (``"system"`` when nobody did).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from ecoguard.registry.base import Base, utcnow
from ecoguard.registry.models import AuditLog

#: Columns whose values never enter the audit log.
SECRET_COLUMNS = frozenset({"password_hash", "access_password"})
MASK = "***"
#: Operational columns: an update touching only these is not a registry change.
OPERATIONAL_COLUMNS = frozenset({"last_seen", "connection_state", "updated_at"})
#: Columns too large to copy into every audit row: recorded by digest and length.
LARGE_COLUMNS = frozenset({"boundary_geojson"})

_ACTOR = "ecoguard.actor"


def set_actor(session: Session, actor: str, actor_id: int | None) -> None:
    """Record ``actor`` (a username, or e.g. ``"cli"``) as the author of the session's changes."""
    session.info[_ACTOR] = (actor, actor_id)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _state(obj: Base, *, previous: bool) -> dict[str, Any]:
    """Column values of ``obj``, now or (``previous=True``) as loaded before this flush."""
    insp = inspect(obj)
    out: dict[str, Any] = {}
    for attr in insp.mapper.column_attrs:
        key = attr.key
        if previous:
            hist = insp.attrs[key].history
            if hist.deleted:
                value = hist.deleted[0]
            elif hist.unchanged:
                value = hist.unchanged[0]
            elif hist.added:
                value = hist.added[0]
            else:
                value = None
        else:
            value = insp.attrs[key].value
        if value is not None and key in SECRET_COLUMNS:
            value = MASK
        elif isinstance(value, str) and key in LARGE_COLUMNS:
            digest = hashlib.sha256(value.encode()).hexdigest()[:16]
            value = f"sha256:{digest} ({len(value)} chars)"
        out[key] = _jsonable(value)
    return out


def _identity(obj: Base) -> str:
    ident = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in ident)


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    actor, actor_id = session.info.get(_ACTOR, ("system", None))
    now = utcnow()
    rows: list[dict[str, Any]] = []
    changes = (
        [("create", o) for o in session.new]
        + [("update", o) for o in session.dirty if session.is_modified(o)]
        + [("delete", o) for o in session.deleted]
    )
    for action, obj in changes:
        if isinstance(obj, AuditLog) or not isinstance(obj, Base):
            continue
        before = None if action == "create" else _state(obj, previous=True)
        after = None if action == "delete" else _state(obj, previous=False)
        if action == "update":
            insp = inspect(obj)
            changed = {
                a.key for a in insp.mapper.column_attrs if insp.attrs[a.key].history.has_changes()
            }
            if changed <= OPERATIONAL_COLUMNS:
                continue
            assert after is not None
            for key in changed & SECRET_COLUMNS:
                after[key] = MASK + " (changed)"
        rows.append(
            {
                "at": now,
                "actor_id": actor_id,
                "actor": actor,
                "action": action,
                "entity": obj.__tablename__,
                "entity_id": _identity(obj),
                "before": before,
                "after": after,
            }
        )
    if rows:
        session.connection().execute(insert(AuditLog), rows)


def install(target: Any) -> None:
    """Attach the audit listener to a session factory or session (idempotent)."""
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush)
