"""/api/v1/water over a real SQLite registry and store with the demo sections and readings."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from ecoguard.api.app import create_app
from ecoguard.config import Settings
from ecoguard.demo.water import DEMO_SECTIONS, install_demo_water
from ecoguard.registry.db import make_engine, session_scope, upgrade
from ecoguard.registry.demo import seed_demo
from ecoguard.standards.gb3838 import CLASS_STYLE, WaterClass
from ecoguard.timeseries.store import TimeseriesStore

URUMQI = {s.code for s in DEMO_SECTIONS if s.region_adcode == "650100"}
KARAMAY = {s.code for s in DEMO_SECTIONS if s.region_adcode == "650200"}
MIDONG = "DEMO-XJ-W16"  # 乌鲁木齐河米东: Ⅴ in January by NH3-N
DUSHANZI = "DEMO-XJ-W20"  # 奎屯河独山子, Karamay


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(home=tmp_path_factory.mktemp("home"), demo=True)
    upgrade(settings.registry_url)
    engine = make_engine(settings.registry_url)
    store = TimeseriesStore(settings.timeseries_root)
    with session_scope(engine, actor="test") as session:
        seed_demo(session, counties=False)
        install_demo_water(session, store, dt.date(2025, 1, 1), dt.date(2025, 1, 31))
        install_demo_water(session, store, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    with TestClient(create_app(settings, engine=engine)) as test_client:
        yield test_client
    engine.dispose()


def _headers(client: TestClient, user: str) -> dict[str, str]:
    form = {"username": user, "password": f"ecoguard-{user}"}
    token = client.post("/api/v1/login/access-token", data=form).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _latest(client: TestClient, user: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/water/sections/latest", headers=_headers(client, user))
    assert response.status_code == 200, response.text
    assert "NaN" not in response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_latest_is_scoped_by_prefecture(client: TestClient) -> None:
    every = {s.code for s in DEMO_SECTIONS}
    assert {i["code"] for i in _latest(client, "analyst")} == every
    assert {i["code"] for i in _latest(client, "viewer")} == every
    urumqi = _latest(client, "urumqi")
    assert {i["code"] for i in urumqi} == URUMQI
    assert {i["region_name"] for i in urumqi} == {"乌鲁木齐市"}
    assert {i["code"] for i in _latest(client, "karamay")} == KARAMAY


def test_latest_gives_class_colour_values_and_time_for_the_map(client: TestClient) -> None:
    items = {i["code"]: i for i in _latest(client, "analyst")}
    for item in items.values():
        assert item["time"] is not None and str(item["time"]).endswith("+08:00")
        assert str(item["time"]) >= "2026-01-31T00:00:00+08:00"
        number = item["class_number"]
        assert isinstance(number, int) and item["deciding"]
        style = CLASS_STYLE[WaterClass(number)]
        assert (item["water_class"], item["colour"]) == (WaterClass(number).label, style.colour)
        assert item["description"] == style.description_zh
        assert isinstance(item["lon"], float) and isinstance(item["lat"], float)
    midong = items[MIDONG]
    assert midong["target_class"] == "Ⅳ" and midong["water_body_type"] == "river"
    values = midong["values"]
    assert isinstance(values, dict) and values["nh3_n"] > 1.0 and values["chla"] is None
    lake = items["DEMO-XJ-W17"]  # 柴窝堡湖: TP over the lake limit of Ⅳ
    assert lake["water_body_type"] == "lake_reservoir" and "tp" in lake["deciding"]


def test_series_classifies_every_cycle_and_hides_other_prefectures(client: TestClient) -> None:
    urumqi = _headers(client, "urumqi")
    query = "start=2026-01-10&end=2026-01-12"
    own = client.get(f"/api/v1/water/sections/{MIDONG}/series?{query}", headers=urumqi)
    assert own.status_code == 200, own.text
    body = own.json()
    assert (body["start"], body["end"]) == (
        "2026-01-10T00:00:00+08:00",
        "2026-01-13T00:00:00+08:00",
    )
    times = [i["time"] for i in body["items"]]
    assert 15 <= len(times) <= 18 and times == sorted(times)
    assert times[0] == "2026-01-10T00:00:00+08:00"
    assert all(t[11:13] in {"00", "04", "08", "12", "16", "20"} for t in times)
    assert body["items"][0]["time_end"] == "2026-01-10T04:00:00+08:00"
    for item in body["items"]:
        nh3 = item["values"]["nh3_n"]
        if nh3 is not None and nh3 > 1.5 and item["values"]["do"] is not None:
            assert item["class_number"] >= 5 and "nh3_n" in item["deciding"]
            assert item["meets_target"] is False and any(
                e.startswith("nh3_n") for e in item["exceedances"]
            )
    other = client.get(f"/api/v1/water/sections/{DUSHANZI}/series?{query}", headers=urumqi)
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["detail"] == f"water section {DUSHANZI} not found"
    karamay = client.get(
        f"/api/v1/water/sections/{DUSHANZI}/series?{query}", headers=_headers(client, "karamay")
    )
    assert karamay.status_code == 200 and karamay.json()["items"]
    backwards = client.get(
        f"/api/v1/water/sections/{MIDONG}/series?start=2026-01-12&end=2026-01-10", headers=urumqi
    )
    assert backwards.status_code == 422
    assert client.get(f"/api/v1/water/sections/{MIDONG}/series?{query}").status_code == 401


def test_assess_sections_with_last_year_beside(client: TestClient) -> None:
    analyst = client.get(
        "/api/v1/water/assess?by=section&period=2026-01", headers=_headers(client, "analyst")
    )
    assert analyst.status_code == 200, analyst.text
    body = analyst.json()
    assert (body["period"], body["period_last_year"]) == ("2026-01", "2025-01")
    assert body["start"] == "2026-01-01T00:00:00+08:00" and body["groups"] == []
    rows = {r["code"]: r for r in body["sections"]}
    assert set(rows) == {s.code for s in DEMO_SECTIONS}
    midong = rows[MIDONG]
    assert (midong["water_class"], midong["water_class_last_year"]) == ("Ⅴ", "Ⅴ")
    assert midong["deciding"] == ["nh3_n"] and midong["meets_target"] is False
    assert midong["region"] == "乌鲁木齐市" and midong["samples"] >= 150
    assert midong["values"]["nh3_n"] > 1.5 and midong["cwqi"] is not None
    toutun = rows["DEMO-XJ-W18"]  # 头屯河: improved since last winter
    assert (toutun["water_class"], toutun["water_class_last_year"]) == ("Ⅲ", "Ⅳ")
    good = [r for r in rows.values() if r["water_class"] in {"Ⅱ", "Ⅲ"}]
    assert len(good) >= 0.75 * len(rows)
    urumqi = client.get(
        "/api/v1/water/assess?by=section&period=2026-01", headers=_headers(client, "urumqi")
    ).json()
    assert {r["code"] for r in urumqi["sections"]} == URUMQI


def test_assess_groups_by_basin_and_prefecture(client: TestClient) -> None:
    analyst = _headers(client, "analyst")
    basins = client.get("/api/v1/water/assess?by=basin&period=2026-01", headers=analyst).json()
    assert basins["sections"] == []
    groups = {g["name"]: g for g in basins["groups"]}
    whole = groups["(all)"]
    assert whole["sections"] == whole["classified"] == len(DEMO_SECTIONS)
    assert 75.0 <= whole["excellent_pct"] < 100.0 and whole["worse_than_v_pct"] == 0.0
    assert whole["excellent_pct"] > whole["excellent_pct_last_year"] > 75.0
    assert whole["status"] and whole["status_last_year"]
    assert 0.0 < whole["target_met_pct"] < 100.0
    regions = client.get("/api/v1/water/assess?by=region&period=2026-Q1", headers=analyst).json()
    names = {g["name"] for g in regions["groups"]}
    assert {"乌鲁木齐市", "克拉玛依市", "巴音郭楞蒙古自治州", "(all)"} <= names
    own = client.get(
        "/api/v1/water/assess?by=region&period=2026", headers=_headers(client, "urumqi")
    ).json()
    assert [g["name"] for g in own["groups"]] == ["乌鲁木齐市"]
    assert own["groups"][0]["sections"] == len(URUMQI)


def test_assess_refuses_a_bad_period(client: TestClient) -> None:
    response = client.get(
        "/api/v1/water/assess?period=2026-13", headers=_headers(client, "analyst")
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "month must be 01-12" in response.json()["detail"]


HEADER = (
    "省份,流域,断面名称,监测时间,水质类别,水温(℃),pH(无量纲),溶解氧(mg/L),电导率(μS/cm),"
    "浊度(NTU),高锰酸盐指数(mg/L),氨氮(mg/L),总磷(mg/L),总氮(mg/L),叶绿素α(mg/L),藻密度(cells/L)"
)


def _upload(rows: list[str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    text = "\n".join([HEADER, *rows]) + "\n"
    name = "cnemc_water_sections_2026-02-01.csv"
    return [("files", (name, text.encode("utf-8"), "text/csv"))]


def test_upload_names_bad_rows_and_keeps_the_rest(client: TestClient) -> None:
    rows = [
        "新疆维吾尔自治区,西北诸河,乌鲁木齐河米东（演示）,02-01 00:00,Ⅳ,1.2,8.05,11.80,900,12,4.10,1.320,0.090,3.10,--,--",
        "新疆维吾尔自治区,西北诸河,乌鲁木齐河米东（演示）,02-01 04:00,Ⅳ,1.1,8.02,11.60,905,13,4.20,abc,0.095,3.20,--,--",
        "新疆维吾尔自治区,西北诸河,乌鲁木齐河米东（演示）,02-31 08:00,Ⅳ,1.1,8.02,11.60,905,13,4.20,1.1,0.095,3.20,--,--",
        "新疆维吾尔自治区,西北诸河,奎屯河独山子（演示）,02-01 00:00,Ⅱ,0.8,8.10,12.50,500,40,2.50,0.200,0.050,0.80,--,--",
    ]  # fmt: skip
    upload = _upload(rows)
    viewer = client.post("/api/v1/water/imports", files=upload, headers=_headers(client, "viewer"))
    assert viewer.status_code == 403
    assert viewer.headers["content-type"].startswith("application/problem+json")
    response = client.post(
        "/api/v1/water/imports", files=upload, headers=_headers(client, "urumqi")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["failed_files"] == []
    assert body["files"] == [
        {
            "file": "cnemc_water_sections_2026-02-01.csv",
            "samples": 2,
            "readings": 17,
            "inserted": 17,
            "already_stored": 0,
            "published_classes": 2,
            "refused": 3,
        }
    ]
    name = "cnemc_water_sections_2026-02-01.csv"
    assert body["errors"] == [
        {"file": name, "row": 3, "field": "氨氮(mg/L)", "rule": "not a number", "value": "abc"},
        {
            "file": name,
            "row": 4,
            "field": "监测时间",
            "rule": "time is not 'MM-DD HH:MM'",
            "value": "02-31 08:00",
        },
        {
            "file": name,
            "row": 5,
            "field": "断面名称",
            "rule": "section is not registered in your scope (region and name)",
            "value": "新疆维吾尔自治区/奎屯河独山子（演示）",
        },
    ]
    store = TimeseriesStore(client.app.state.settings.timeseries_root)  # type: ignore[attr-defined]
    kept = store.read("quarantine").to_pylist()
    assert sorted((q["kind"], q["row"], q["field"]) for q in kept if q["file"] == name) == [
        ("water", 3, "氨氮(mg/L)"),
        ("water", 4, "监测时间"),
        ("water", 5, "断面名称"),
    ]
    # the accepted rows are now the section's latest cycle, classified with its registry type
    midong = {i["code"]: i for i in _latest(client, "urumqi")}[MIDONG]
    assert midong["time"] == "2026-02-01T04:00:00+08:00"
    assert midong["values"]["nh3_n"] is None  # the refused cell
    again = client.post("/api/v1/water/imports", files=upload, headers=_headers(client, "analyst"))
    assert again.status_code == 201
    counts = again.json()["files"][0]
    assert (counts["samples"], counts["inserted"], counts["already_stored"]) == (3, 9, 17)


def test_a_national_administrator_imports_unregistered_sections(client: TestClient) -> None:
    rows = ["江西省,长江流域,金滩,02-01 00:00,Ⅱ,9.1,7.50,9.10,200,5,2.10,0.100,0.040,1.20,--,--"]
    response = client.post(
        "/api/v1/water/imports", files=_upload(rows), headers=_headers(client, "admin")
    )
    assert response.status_code == 201, response.text
    counts = response.json()["files"][0]
    assert (counts["samples"], counts["inserted"], counts["refused"]) == (1, 9, 0)
    # stored, but not a registered section: the scoped views do not show it
    assert "金滩" not in {i["name"] for i in _latest(client, "admin")}
    assert client.post("/api/v1/water/imports", files=_upload(rows)).status_code == 401


def test_upload_with_odd_names_and_content_is_refused_cleanly(client: TestClient) -> None:
    analyst = _headers(client, "analyst")
    for name in ("..", "/", "x.csv"):
        files = [("files", (name, b"\xff\xfe not a table", "text/csv"))]
        response = client.post("/api/v1/water/imports?year=2026", files=files, headers=analyst)
        assert response.status_code == 201, (name, response.text)
        body = response.json()
        assert body["files"] == [] and len(body["failed_files"]) == 1


def _fuzz(
    op: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    headers: dict[str, str],
    failures: list[str],
    sent: list[int],
) -> None:
    """Send generated requests of one operation; note 5xx and errors that are not problems."""

    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case[Any]) -> None:
        try:
            response = case.call(headers=headers)
        except ValueError:  # the test client refuses some generated header bytes
            return
        sent.append(response.status_code)
        value = response.headers.get("content-type", [""])
        kind = str(value[0] if isinstance(value, list) else value)
        if response.status_code >= 500 or (
            response.status_code >= 400 and not kind.startswith("application/problem+json")
        ):
            failures.append(f"{op.method} {op.path}: {response.status_code} {kind}")

    with contextlib.suppress(Unsatisfiable):
        run()


@pytest.mark.slow
def test_no_server_errors_on_generated_requests(client: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if isinstance(result, Ok) and "water" in (result.ok().tags or [])
    ]
    assert len(operations) == 4
    failures: list[str] = []
    sent: list[int] = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for n, op in enumerate(operations):
            headers = _headers(client, ("admin", "urumqi", "analyst")[n % 3])
            _fuzz(op, mode, headers, failures, sent)
    assert not failures, failures[:5]
    assert len(sent) >= 40
