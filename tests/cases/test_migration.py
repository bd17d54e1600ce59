"""Migration 0002 runs from an empty database on SQLite and PostgreSQL and matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from ecoguard.cases import models  # noqa: F401  (registers the case tables)
from ecoguard.registry.base import Base
from ecoguard.registry.db import downgrade, make_engine, upgrade

CASE_TABLES = {"cases", "case_events", "case_comments", "case_attachments"}


def test_upgrade_from_empty_matches_models_and_downgrades(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        insp = inspect(engine)
        assert set(insp.get_table_names()) >= CASE_TABLES
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"render_as_batch": True})
            assert compare_metadata(ctx, Base.metadata) == []
        for table in CASE_TABLES:
            for fk in insp.get_foreign_keys(table):
                assert fk["name"] is None or fk["name"] == fk["name"].lower()
            for ix in insp.get_indexes(table):
                assert ix["name"] == str(ix["name"]).lower()
    finally:
        engine.dispose()
    downgrade(empty_db_url, "0001")
    engine = make_engine(empty_db_url)
    try:
        names = set(inspect(engine).get_table_names())
        assert not CASE_TABLES & names and "regions" in names
    finally:
        engine.dispose()
    upgrade(empty_db_url)


def test_check_constraints_are_enforced(empty_db_url: str) -> None:
    """The database itself refuses an unknown case type and a negative relapse count."""
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        names = {c["name"] for c in inspect(engine).get_check_constraints("cases")}
        assert {"ck_cases_case_type", "ck_cases_relapse_count"} <= names
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO regions (adcode, name, level, created_at, updated_at) "
                    "VALUES ('650000', 'x', 'province', :t, :t)"
                ),
                {"t": "2026-01-01 00:00:00"},
            )
        insert = text(
            "INSERT INTO cases (case_type, reference, title, region_adcode, state, accepted, "
            "relapse_count, details, version, created_at, updated_at) VALUES "
            "(:ct, 'r', 't', '650000', 's', false, :rc, '{}', 1, :t, :t)"
        )
        for ct, rc in (("bogus", 0), ("inspection_finding", -1)):
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(insert, {"ct": ct, "rc": rc, "t": "2026-01-01 00:00:00"})
    finally:
        engine.dispose()
