"""Opening the registry from the command line: migrated to the latest schema on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ecoguard.config import get_settings
from ecoguard.registry.db import make_engine, session_scope, upgrade


def registry_engine() -> Engine:
    """Engine of the configured registry, after applying any pending migration."""
    url = get_settings().registry_url
    upgrade(url)
    return make_engine(url)


@contextmanager
def registry_session(actor: str) -> Iterator[Session]:
    """A committing session whose changes are audited as ``actor``."""
    engine = registry_engine()
    try:
        with session_scope(engine, actor=actor) as session:
            yield session
    finally:
        engine.dispose()
