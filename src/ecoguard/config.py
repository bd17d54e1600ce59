"""Settings, built by a factory (never at import time)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings read from ``ECOGUARD_*`` environment variables.

    Attributes
    ----------
    home : Path
        Directory holding the time-series store and the default SQLite registry.
    database_url : str or None
        SQLAlchemy URL of the registry; ``None`` means ``sqlite:///<home>/registry.sqlite3``.
    """

    model_config = SettingsConfigDict(env_prefix="ECOGUARD_", extra="ignore")

    home: Path = Field(default=Path("./var"))
    database_url: str | None = None

    @property
    def timeseries_root(self) -> Path:
        """Root folder of the time-series store's Delta tables."""
        return self.home / "timeseries"

    @property
    def registry_url(self) -> str:
        """SQLAlchemy URL of the registry database."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'registry.sqlite3').resolve()}"


def get_settings() -> Settings:
    """Build the settings from the environment."""
    return Settings()
