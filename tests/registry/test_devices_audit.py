"""Gateway-facing device functions, and what the audit log records for them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ecoguard.registry.db import make_engine, session_scope, upgrade
from ecoguard.registry.devices import find_device, mark_all_offline, mark_seen, password_matches
from ecoguard.registry.models import AuditLog, Device, Enterprise, Region


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine, "setup") as s:
        s.add(Region(adcode="650000", name="新疆", level="province"))
        s.flush()
        ent = Enterprise(
            uscc="91110000600037341L",
            name="e",
            industry_code="D4411",
            region_adcode="650000",
            lon=87.0,
            lat=43.0,
        )
        s.add(ent)
        s.flush()
        s.add(Device(mn="LD650100000001", access_password="123456", enterprise_id=ent.id))
    engine.dispose()
    return url


def _audit_count(s: object) -> int:
    return int(s.scalar(select(func.count()).select_from(AuditLog)))  # type: ignore[attr-defined]


def test_seen_and_offline_are_not_audited(url: str) -> None:
    engine = make_engine(url)
    cst = dt.timezone(dt.timedelta(hours=8))
    t1 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=cst)
    try:
        with session_scope(engine, "gateway") as s:
            before = _audit_count(s)
            device = find_device(s, "LD650100000001")
            assert device is not None
            assert password_matches(device, "123456")
            assert not password_matches(device, "654321")
            assert mark_seen(s, "LD650100000001", t1)
            assert not mark_seen(s, "UNKNOWN", t1)
            # an older packet does not move last_seen back
            assert mark_seen(s, "LD650100000001", t1 - dt.timedelta(hours=1))
        with session_scope(engine, "gateway") as s:
            device = find_device(s, "LD650100000001")
            assert device is not None
            assert device.last_seen == t1
            assert device.connection_state == "online"
            assert mark_all_offline(s, not_seen_since=t1 + dt.timedelta(minutes=10)) == 1
        with session_scope(engine, "admin") as s:
            assert _audit_count(s) == before
            device = find_device(s, "LD650100000001")
            assert device is not None and device.connection_state == "offline"
            device.access_password = "999999"
        with session_scope(engine, "admin") as s:
            rows = s.scalars(select(AuditLog).where(AuditLog.entity == "devices")).all()
            last = rows[-1]
            assert (last.action, last.actor) == ("update", "admin")
            assert last.before is not None and last.before["access_password"] == "***"
            assert last.after is not None and last.after["access_password"] == "*** (changed)"
            assert "999999" not in str(last.after)
    finally:
        engine.dispose()
