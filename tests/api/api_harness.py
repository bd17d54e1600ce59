"""The test client wrapper of the API tests (imported by conftest and the test modules)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ecoguard.api.security import create_access_token
from ecoguard.config import Settings


@dataclass
class Api:
    """A test client of the API over one database, with tokens of the demo users."""

    client: TestClient
    app: FastAPI
    settings: Settings
    user_ids: dict[str, int]
    ids: dict[str, int]

    def headers(self, username: str) -> dict[str, str]:
        """Authorization header of a demo user."""
        token = create_access_token(self.settings, self.user_ids[username])
        return {"Authorization": f"Bearer {token}"}
