"""Migrations run from an empty database on SQLite and PostgreSQL and match the models."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from ecoguard.registry.base import Base
from ecoguard.registry.db import downgrade, make_engine, make_sessionmaker, upgrade
from ecoguard.registry.models import AuditLog, Region

TABLES = {
    "regions",
    "air_stations",
    "water_sections",
    "enterprises",
    "outlets",
    "devices",
    "users",
    "audit_log",
}


def test_upgrade_from_empty_matches_models_and_downgrades(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        names = set(inspect(engine).get_table_names())
        assert names >= TABLES
        assert "alembic_version" in names
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"render_as_batch": True})
            assert compare_metadata(ctx, Base.metadata) == []
        # every constraint and index name is lowercase (alembic#1834)
        insp = inspect(engine)
        for table in TABLES:
            for fk in insp.get_foreign_keys(table):
                assert fk["name"] is None or fk["name"] == fk["name"].lower()
            for ix in insp.get_indexes(table):
                assert ix["name"] == str(ix["name"]).lower()
    finally:
        engine.dispose()
    downgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        assert not TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_instants_round_trip_as_utc_on_both_backends(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        factory = make_sessionmaker(engine)
        cst = dt.timezone(dt.timedelta(hours=8))
        instant = dt.datetime(2026, 1, 1, 8, 30, tzinfo=cst)
        with factory() as session:
            session.add(Region(adcode="650000", name="新疆维吾尔自治区", level="province"))
            session.flush()
            session.add(
                AuditLog(
                    at=instant,
                    actor_id=None,
                    actor="t",
                    action="create",
                    entity="x",
                    entity_id="1",
                    before=None,
                    after={"a": 1},
                )
            )
            session.commit()
        with factory() as session:
            rows = session.scalars(select(AuditLog).where(AuditLog.entity == "x")).all()
            assert len(rows) == 1
            assert rows[0].at == instant
            assert rows[0].at.utcoffset() == dt.timedelta(0)
            assert rows[0].at.hour == 0
            region = session.get(Region, "650000")
            assert region is not None
            assert region.created_at.tzinfo is not None
        with engine.connect() as conn:
            raw = conn.execute(text("SELECT at FROM audit_log WHERE entity = 'x'")).scalar_one()
            # SQLite keeps UTC wall-clock text, PostgreSQL a timestamptz: both the same instant
            if isinstance(raw, str):
                assert raw.startswith("2026-01-01 00:30")
            else:
                assert raw == instant
    finally:
        engine.dispose()


def test_naive_datetime_is_refused(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/r.sqlite3"
    upgrade(url)
    engine = make_engine(url)
    try:
        factory = make_sessionmaker(engine)
        with factory() as session:
            session.add(Region(adcode="650000", name="x", level="province"))
            session.flush()
            row = AuditLog(
                at=dt.datetime(2026, 1, 1),
                actor_id=None,
                actor="t",
                action="create",
                entity="x",
                entity_id="1",
                before=None,
                after=None,
            )
            session.add(row)
            with pytest.raises(Exception, match="naive datetime"):
                session.flush()
    finally:
        engine.dispose()
