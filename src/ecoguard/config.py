"""Settings, built by a factory (never at import time)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Secrets that must never protect a real deployment.
KNOWN_DEFAULT_SECRETS = frozenset({"changethis", "secret", "ecoguard", "demo", "changeme"})

#: The JWT secret used in demo mode when none is configured (never outside demo mode).
DEMO_JWT_SECRET = "ecoguard-demo-only-secret-do-not-use-in-production"  # noqa: S105

MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Runtime settings read from ``ECOGUARD_*`` environment variables.

    Attributes
    ----------
    home : Path
        Directory holding the time-series store and the default SQLite registry.
    database_url : str or None
        SQLAlchemy URL of the registry; ``None`` means ``sqlite:///<home>/registry.sqlite3``.
        ``postgresql://`` and ``postgres://`` are normalised to the psycopg 3 driver.
    jwt_secret : SecretStr or None
        Key signing the API's access tokens (HS256). Required, at least 32 characters and not a
        well-known default, unless ``demo`` is true.
    demo : bool
        Demo mode: allows the built-in demo secret and demo users. Never use it in production.
    access_token_minutes : int
        Lifetime of an access token [min].
    """

    model_config = SettingsConfigDict(env_prefix="ECOGUARD_", extra="ignore")

    home: Path = Field(default=Path("./var"))
    database_url: str | None = None
    jwt_secret: SecretStr | None = None
    demo: bool = False
    access_token_minutes: int = Field(default=8 * 60, ge=1, le=7 * 24 * 60)

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> Settings:
        if self.jwt_secret is None or self.demo:
            return self
        value = self.jwt_secret.get_secret_value()
        if value.lower() in KNOWN_DEFAULT_SECRETS or value == DEMO_JWT_SECRET:
            msg = "ECOGUARD_JWT_SECRET is a well-known default; choose a random value"
            raise ValueError(msg)
        if len(value) < MIN_SECRET_LENGTH:
            msg = f"ECOGUARD_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters long"
            raise ValueError(msg)
        return self

    @property
    def timeseries_root(self) -> Path:
        """Root folder of the time-series store's Delta tables."""
        return self.home / "timeseries"

    @property
    def registry_url(self) -> str:
        """SQLAlchemy URL of the registry database (driver normalised)."""
        if self.database_url:
            url = self.database_url
            for prefix in ("postgresql://", "postgres://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix) :]
            return url
        return f"sqlite:///{(self.home / 'registry.sqlite3').resolve()}"

    def signing_key(self) -> str:
        """Return the JWT signing key, refusing to run without one outside demo mode.

        Raises
        ------
        RuntimeError
            When no secret is configured and demo mode is off.
        """
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        if self.demo:
            return DEMO_JWT_SECRET
        msg = (
            "ECOGUARD_JWT_SECRET is not set: set it to a random string of at least "
            f"{MIN_SECRET_LENGTH} characters (e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`), or set ECOGUARD_DEMO=1 for a demo"
        )
        raise RuntimeError(msg)


def get_settings() -> Settings:
    """Build the settings from the environment."""
    return Settings()
