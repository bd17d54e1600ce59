"""/api/v1/devices/{mn}/readings|refusals|info: scoped by the registry, times in CST."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ecoguard.api.app import create_app
from ecoguard.config import Settings
from ecoguard.ingest.hj212.records import INFO_SCHEMA, INFO_TABLE, READINGS_SCHEMA, READINGS_TABLE
from ecoguard.registry.db import make_engine, session_scope, upgrade
from ecoguard.registry.demo import seed_demo
from ecoguard.registry.models import Device, Enterprise
from ecoguard.timeseries.store import TimeseriesStore

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 20, 2, tzinfo=UTC)  # 10:00 CST


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(home=tmp_path_factory.mktemp("home"), demo=True)
    upgrade(settings.registry_url)
    engine = make_engine(settings.registry_url)
    with session_scope(engine, actor="test") as session:
        seed_demo(session, counties=False)
        rows = session.execute(select(Device.mn, Enterprise.region_adcode).join(Enterprise))
        by_region = {region: mn for mn, region in rows}
    rows = []
    for mn in by_region.values():
        row = dict.fromkeys(READINGS_SCHEMA.names)
        row.update(
            mn=mn,
            parameter="a21026",
            data_type="hour",
            data_time_utc=T0,
            interval_end_utc=T0 + dt.timedelta(hours=1),
            avg=35.5,
            flag="N",
            day="2026-11-20",
            received_at_utc=T0 + dt.timedelta(hours=1, minutes=2),
        )
        rows.append(row)
    store = TimeseriesStore(settings.timeseries_root)
    for i, row in enumerate(rows):
        row["record_id"] = f"00000001:{i:010d}"
    store.append(
        READINGS_TABLE,
        pa.Table.from_pylist(rows, schema=READINGS_SCHEMA),
        app_id="test",
        version=1,
        partition_by=["day"],
    )
    info = [
        {"record_id": "00000001:0000000000", "mn": mn, "st": "31", "data_time_utc": T0,
         "pol_id": "a21026", "info_id": "i12001", "value": "1", "number": 1.0,
         "received_at_utc": T0, "day": "2026-11-20"}
        for mn in by_region.values()
    ]  # fmt: skip
    store.append(INFO_TABLE, pa.Table.from_pylist(info, schema=INFO_SCHEMA), app_id="test",
                 version=1, partition_by=["day"])  # fmt: skip
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client, by_region
    engine.dispose()


def _headers(client: TestClient, user: str) -> dict[str, str]:
    form = {"username": user, "password": f"ecoguard-{user}"}
    return {
        "Authorization": f"Bearer {client.post('/api/v1/login/access-token', data=form).json()['access_token']}"
    }


def test_readings_of_a_device_in_scope_in_cst(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, by_region = setup
    mn = by_region["650100"]
    query = "start=2026-11-20T00:00:00%2B08:00&end=2026-11-21T00:00:00%2B08:00"
    got = client.get(f"/api/v1/devices/{mn}/readings?{query}", headers=_headers(client, "urumqi"))
    assert got.status_code == 200, got.text
    items = got.json()["items"]
    assert [(i["parameter"], i["avg"], i["data_time_utc"]) for i in items] == [
        ("a21026", 35.5, "2026-11-20T10:00:00+08:00")
    ]
    hours = client.get(f"/api/v1/devices/{mn}/readings?{query}&data_type=hour",
                       headers=_headers(client, "urumqi"))  # fmt: skip
    assert hours.json()["items"] == items
    minutes = client.get(f"/api/v1/devices/{mn}/readings?{query}&data_type=min",
                         headers=_headers(client, "urumqi"))  # fmt: skip
    assert minutes.status_code == 200 and minutes.json()["items"] == []
    bad = client.get(f"/api/v1/devices/{mn}/readings?{query}&data_type=week",
                     headers=_headers(client, "urumqi"))  # fmt: skip
    assert bad.status_code == 422
    empty = client.get(f"/api/v1/devices/{mn}/refusals?{query}", headers=_headers(client, "urumqi"))
    assert empty.status_code == 200 and empty.json()["items"] == []
    info = client.get(f"/api/v1/devices/{mn}/info?{query}", headers=_headers(client, "urumqi"))
    assert info.status_code == 200, info.text
    assert [(i["info_id"], i["pol_id"], i["number"], i["data_time_utc"])
            for i in info.json()["items"]] == [("i12001", "a21026", 1.0, "2026-11-20T10:00:00+08:00")]  # fmt: skip
    other = by_region["650200"]
    hidden = client.get(f"/api/v1/devices/{other}/info", headers=_headers(client, "urumqi"))
    assert hidden.status_code == 404


def test_device_of_another_prefecture_is_not_found(
    setup: tuple[TestClient, dict[str, str]],
) -> None:
    client, by_region = setup
    other = by_region["650200"]
    assert (
        client.get(
            f"/api/v1/devices/{other}/readings", headers=_headers(client, "urumqi")
        ).status_code
        == 404
    )
    naive = client.get(
        f"/api/v1/devices/{other}/readings?start=2026-11-20T00:00:00",
        headers=_headers(client, "karamay"),
    )
    assert naive.status_code == 422  # times must carry an offset
