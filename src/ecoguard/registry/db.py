"""Engines, sessions and migrations of the registry (created by factories, never at import)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for the registry at ``url``.

    SQLite connections get foreign keys on, WAL journaling and a busy timeout, and the folder
    of a file database is created.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return the audited session factory bound to ``engine``.

    Every session it makes writes the audit log (:mod:`ecoguard.registry.audit`); objects stay
    usable after commit.
    """
    from ecoguard.registry.audit import install

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    install(factory)
    return factory


@contextmanager
def session_scope(engine: Engine, actor: str = "system") -> Iterator[Session]:
    """Open a session that commits on success and rolls back on error.

    ``actor`` is recorded as the author of every change in the audit log.
    """
    from ecoguard.registry.audit import set_actor

    with make_sessionmaker(engine)() as session:
        set_actor(session, actor, None)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    """Alembic configuration for the registry at ``url`` (migrations ship in the package)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the registry's migrations to the database at ``url`` (creating it if empty)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Revert the registry's migrations down to ``revision``."""
    command.downgrade(alembic_config(url), revision)
