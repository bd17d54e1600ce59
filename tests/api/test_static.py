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


MINE = {
    "login",
    "users",
    "regions",
    "air-stations",
    "water-sections",
    "enterprises",
    "outlets",
    "devices",
    "audit",
}


def test_openapi_documents_errors_as_problem_details(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="sqlite://", jwt_secret="s" * 40)
    doc = TestClient(create_app(settings, static_dir=tmp_path)).get("/api/v1/openapi.json").json()
    errors = [
        (path, method, status, response)
        for path, methods in doc["paths"].items()
        if path.split("/")[3] in MINE
        for method, op in methods.items()
        for status, response in op["responses"].items()
        if int(status) >= 400 and not path.endswith("/health")
    ]
    assert len(errors) > 50
    for path, method, status, response in errors:
        assert list(response["content"]) == ["application/problem+json"], (path, method, status)
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert doc["paths"]["/api/v1/air-stations"]["get"]["operationId"] == (
        "air-stations-list_air_stations"
    )
