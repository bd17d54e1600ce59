"""/api/v1/zoning mounted with ``create_app(extra_routers=...)`` over hand-built layers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from handbuilt import redlines_layer, reserves_layer, rulebook, units_layer

from ecoguard.api.app import create_app
from ecoguard.api.deps import get_current_user
from ecoguard.api.routers import zoning
from ecoguard.config import Settings
from ecoguard.zoning.store import save_layer, save_rules


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(home=tmp_path, demo=True)
    app = create_app(settings, extra_routers=[zoning.router], static_dir=tmp_path / "none")
    app.dependency_overrides[get_current_user] = lambda: object()
    return TestClient(app)


def _load(home: Path) -> None:
    root = home / "zoning"
    for layer in (units_layer(), redlines_layer(), reserves_layer()):
        save_layer(root, layer)
    save_rules(root, rulebook())


def test_nothing_loaded_is_a_conflict(client: TestClient) -> None:
    r = client.post("/api/v1/zoning/screen", json={"wkt": "POINT(87.05 43.05)"})
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "no control units" in r.json()["detail"]


def test_screen_geojson_point_and_batch(client: TestClient, tmp_path: Path) -> None:
    _load(tmp_path)
    body = {
        "project_id": "p1",
        "geometry": {"type": "Point", "coordinates": [87.06, 43.07]},
        "industry": "C2611",
        "emissions": {"二氧化硫": 1.0},
    }
    r = client.post("/api/v1/zoning/screen", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["verdict"] == "prohibited" and data["units"][0]["code"] == "U1"
    assert any(
        rule["rule_id"] == "P-1" and rule["verdict"] == "prohibited" for rule in data["rules"]
    )
    assert "不构成审批意见" in data["disclaimer"]
    assert data["data_versions"]["units"] and data["data_versions"]["rules"]

    batch = [body, {"project_id": "p2", "wkt": "POINT(87.12 43.08)", "industry": "M7310"}]
    r = client.post("/api/v1/zoning/screen/batch", json=batch)
    assert r.status_code == 200
    assert [d["verdict"] for d in r.json()] == ["prohibited", "allowed_with_conditions"]


def test_bad_input_is_a_problem(client: TestClient, tmp_path: Path) -> None:
    _load(tmp_path)
    r = client.post("/api/v1/zoning/screen", json={"wkt": "POINT(500000 4700000)"})
    assert r.status_code == 422 and "longitude/latitude" in r.json()["detail"]
    r = client.post(
        "/api/v1/zoning/screen", json={"wkt": "POINT(87 43)", "geometry": {"type": "Point"}}
    )
    assert r.status_code == 422
    r = client.post("/api/v1/zoning/screen/batch", json=[{"wkt": "POINT(87 43)", "industry": "Q1"}])
    assert r.status_code == 422 and r.json()["detail"].startswith("body[0]:")


def test_layers_and_status(client: TestClient, tmp_path: Path) -> None:
    _load(tmp_path)
    r = client.get("/api/v1/zoning/layers/units", params={"bbox": "87.0,43.0,87.09,43.09"})
    assert r.status_code == 200
    codes = [f["properties"]["code"] for f in r.json()["features"]]
    assert codes == ["U1"]
    assert (
        client.get("/api/v1/zoning/layers/units").json()["features"][3]["geometry"]["type"]
        == "Polygon"
    )
    status = client.get("/api/v1/zoning/status").json()
    assert status["units"]["features"] == 4 and status["rules"]["features"] == 6


def test_uploaded_batch_file(client: TestClient, tmp_path: Path) -> None:
    _load(tmp_path)
    csv = "id,lon,lat,industry,SO2\na,87.06,43.07,C2611,1\nb,87.12,43.08,C2511,150\nc,x,43,,\n"
    r = client.post(
        "/api/v1/zoning/screen/file", files={"file": ("p.csv", csv.encode(), "text/csv")}
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert [(x["project_id"], x["verdict"]) for x in data["results"]] == [
        ("a", "prohibited"),
        ("b", "restricted"),
    ]
    assert data["issues"][0]["feature"] == "c" and data["issues"][0]["field"] == "lon"
    r = client.post("/api/v1/zoning/screen/file", files={"file": ("p.txt", b"x", "text/plain")})
    assert r.status_code == 422


def test_word_report(client: TestClient, tmp_path: Path) -> None:
    import io

    import docx

    _load(tmp_path)
    r = client.post(
        "/api/v1/zoning/report", json=[{"wkt": "POINT(87.06 43.07)", "industry": "C2611"}]
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    doc = docx.Document(io.BytesIO(r.content))
    assert any("禁止" in p.text for p in doc.paragraphs)
    assert len(doc.inline_shapes) == 1
