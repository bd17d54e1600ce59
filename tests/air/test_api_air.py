"""/api/v1/air over a real SQLite registry and store: scoped by region, AQI per hour, uploads."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ecoguard.air.imports import store_air_hourly
from ecoguard.api.app import create_app
from ecoguard.config import Settings
from ecoguard.demo.air import DEMO_STATIONS, demo_station_rows, generate_air_hours
from ecoguard.registry.db import make_engine, session_scope, upgrade
from ecoguard.registry.demo import seed_demo
from ecoguard.registry.stations import upsert_air_stations
from ecoguard.timeseries.store import TimeseriesStore

DAY = dt.date(2026, 1, 10)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("home")
    settings = Settings(home=home, demo=True)
    upgrade(settings.registry_url)
    engine = make_engine(settings.registry_url)
    with session_scope(engine, actor="test") as session:
        seed_demo(session, counties=False)
        upsert_air_stations(session, demo_station_rows())
    store_air_hourly(TimeseriesStore(settings.timeseries_root), generate_air_hours(DAY, DAY))
    with TestClient(create_app(settings, engine=engine)) as test_client:
        yield test_client
    engine.dispose()


def _headers(client: TestClient, user: str) -> dict[str, str]:
    form = {"username": user, "password": f"ecoguard-{user}"}
    token = client.post("/api/v1/login/access-token", data=form).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_latest_shows_only_stations_in_scope(client: TestClient) -> None:
    analyst = client.get("/api/v1/air/latest", headers=_headers(client, "analyst")).json()["items"]
    urumqi = client.get("/api/v1/air/latest", headers=_headers(client, "urumqi")).json()["items"]
    assert {i["station_code"] for i in analyst} == {s.code for s in DEMO_STATIONS}
    assert {i["station_code"] for i in urumqi} == {
        s.code for s in DEMO_STATIONS if s.city == "乌鲁木齐"
    }
    assert {i["region_adcode"] for i in urumqi} == {"650100"}
    # the last hour of the day is labelled 24:00, i.e. 00:00 of the next day (CST)
    assert {i["time"] for i in urumqi} == {"2026-01-11T00:00:00+08:00"}


def test_latest_aqi_is_the_maximum_iaqi_and_coloured_by_level(client: TestClient) -> None:
    items = client.get("/api/v1/air/latest", headers=_headers(client, "analyst")).json()["items"]
    colours = {1: "#00E400", 2: "#FFFF00", 3: "#FF7E00", 4: "#FF0000", 5: "#99004C", 6: "#7E0023"}
    for item in items:
        if item["aqi"] is None:
            continue
        assert item["aqi"] == max(v for v in item["iaqi"].values() if v is not None)
        assert item["color"] == colours[item["level"]]


def test_series_of_another_prefecture_is_not_found(client: TestClient) -> None:
    urumqi = _headers(client, "urumqi")
    own = client.get(f"/api/v1/air/stations/6002A/hourly?start={DAY}&end={DAY}", headers=urumqi)
    other = client.get(f"/api/v1/air/stations/6121A/hourly?start={DAY}&end={DAY}", headers=urumqi)
    # labels 01:00..23:00 of the day; 24:00 is labelled 00:00 of the next day
    assert own.status_code == 200 and len(own.json()["items"]) == 23
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")


def test_series_needs_sign_in(client: TestClient) -> None:
    assert client.get(f"/api/v1/air/stations/6002A/hourly?start={DAY}&end={DAY}").status_code == 401


def test_upload_lands_and_names_bad_cells(client: TestClient) -> None:
    text = "date,hour,type,6002A\n20260105,1,PM2.5,80\n20260105,2,PM2.5,oops\n"
    upload = [
        ("files", ("china_sites_20260105.csv.gz", gzip.compress(text.encode()), "application/gzip"))
    ]
    viewer = client.post("/api/v1/air/imports", files=upload, headers=_headers(client, "viewer"))
    assert viewer.status_code == 403
    result = client.post("/api/v1/air/imports", files=upload, headers=_headers(client, "analyst"))
    assert result.status_code == 201, result.text
    body = result.json()
    assert (body["rows"], body["inserted"], body["rejected"]) == (1, 1, 1)
    assert body["errors"][0] == {
        "file": "china_sites_20260105.csv.gz",
        "row": 3,
        "field": "6002A/PM2.5",
        "rule": "must be a number",
        "value": "oops",
    }


def test_daily_ranking_and_summary_are_scoped(client: TestClient) -> None:
    analyst, urumqi = _headers(client, "analyst"), _headers(client, "urumqi")
    q = f"start={DAY}&end={DAY}"
    cities = client.get(f"/api/v1/air/daily?by=city&{q}", headers=analyst).json()["items"]
    assert len({c["code"] for c in cities}) == len({s.city for s in DEMO_STATIONS})
    own = client.get(f"/api/v1/air/daily?by=city&{q}", headers=urumqi).json()["items"]
    assert [(c["code"], c["name"]) for c in own] == [("650100", "乌鲁木齐市")]
    stations = client.get(f"/api/v1/air/daily?by=station&{q}", headers=urumqi).json()["items"]
    background = {s.code for s in DEMO_STATIONS if s.is_background}
    counted = [
        s for s in stations if s["code"] not in background and s["conc"]["pm2_5"] is not None
    ]
    assert len(stations) == 5 and background & {s["code"] for s in stations}
    # the city counts its assessment points with a valid day; the background point is left out
    assert own[0]["valid_hours"]["pm2_5"] == len(counted)
    mean = sum(s["conc"]["pm2_5"] for s in counted) / len(counted)
    assert abs(own[0]["conc"]["pm2_5"] - mean) <= 0.5
    ranking = client.get(f"/api/v1/air/ranking?{q}", headers=analyst).json()["items"]
    indices = [r["composite_index"] for r in ranking]
    known = [i for i in indices if i is not None]
    assert indices[: len(known)] == sorted(known)  # best first; cities without a value last
    assert [r["rank"] for r in ranking] == list(range(1, len(ranking) + 1))
    summary = client.get(f"/api/v1/air/summary?{q}", headers=urumqi).json()
    assert summary["current"]["cities"] == 1 and summary["previous"]["start"] == "2025-01-10"
    assert summary["previous"]["cities"] == 0  # no data a year earlier in this store
    other = client.get(f"/api/v1/air/daily?by=city&code=653200&{q}", headers=urumqi)
    assert other.status_code == 404


def test_assessment_per_city_and_station(client: TestClient) -> None:
    q = f"start={DAY}&end={DAY}"
    urumqi = _headers(client, "urumqi")
    city = client.get(f"/api/v1/air/assess?by=city&{q}", headers=urumqi).json()
    assert [i["code"] for i in city["items"]] == ["650100"]
    item = city["items"][0]
    assert item["name"] == "乌鲁木齐市" and "pm2_5_p95" in item and "o3_p90" in item
    stations = client.get(f"/api/v1/air/assess?by=station&{q}", headers=urumqi).json()["items"]
    assert {s["code"] for s in stations} == {s.code for s in DEMO_STATIONS if s.city == "乌鲁木齐"}


def test_upload_with_a_mapping_reads_long_tables(client: TestClient) -> None:
    mapping = {
        "station": "site",
        "time": ["time"],
        "hour_label": "start",
        "columns": {"pm2_5": "PM25", "co": "CO"},
        "units": {"co": "ug/m3"},
    }
    table = "site,time,PM25,CO\n6002A,2026-01-06 10:00,35,800\n6002A,2026-01-06 11:00,-1,900\n"
    upload = [("files", ("export.csv", table.encode(), "text/csv"))]
    analyst = _headers(client, "analyst")
    result = client.post(
        "/api/v1/air/imports", files=upload, data={"mapping": json.dumps(mapping)}, headers=analyst
    )
    assert result.status_code == 201, result.text
    body = result.json()
    assert (body["rows"], body["rejected"]) == (2, 1)
    assert body["errors"][0]["field"] == "PM25" and body["errors"][0]["row"] == 3
    bad = client.post(
        "/api/v1/air/imports", files=upload, data={"mapping": '{"station": 1}'}, headers=analyst
    )
    assert bad.status_code == 422 and "mapping" in bad.json()["detail"]
