"""The dashboard build is served at / with a single-page-application fallback."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from ecoguard.api.app import create_app
from ecoguard.config import Settings


def test_dashboard_and_spa_fallback(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>ecoguard</title>", encoding="utf-8")
    (dist / "assets" / "app.js").write_text("console.log(1)", encoding="utf-8")
    settings = Settings(
        home=tmp_path, database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}", jwt_secret="s" * 40
    )
    client = TestClient(create_app(settings, static_dir=dist))
    assert "<title>ecoguard</title>" in client.get("/").text
    assert client.get("/assets/app.js").text == "console.log(1)"
    deep = client.get("/air/stations/1001A")  # a client-side route
    assert deep.status_code == 200
    assert "<title>ecoguard</title>" in deep.text
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "ecoguard API"


def test_no_dashboard_without_build(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}", jwt_secret="s" * 40
    )
    client = TestClient(create_app(settings, static_dir=tmp_path / "absent"))
    assert client.get("/").status_code == 404
