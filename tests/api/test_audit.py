"""The audit log records who changed what, when, with before and after."""

from __future__ import annotations

import datetime as dt

from api_harness import Api


def test_create_update_delete_are_audited(api: Api) -> None:
    c = api.client
    h = api.headers("urumqi")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    body = {
        "code": "9101A",
        "name": "审计站",
        "city": "乌鲁木齐",
        "region_adcode": "650100",
        "lon": 87.6,
        "lat": 43.8,
    }
    sid = c.post("/api/v1/air-stations", headers=h, json=body).json()["id"]
    assert (
        c.patch(f"/api/v1/air-stations/{sid}", headers=h, json={"name": "改名"}).status_code == 200
    )
    assert c.delete(f"/api/v1/air-stations/{sid}", headers=h).status_code == 204

    r = c.get(
        "/api/v1/audit",
        headers=api.headers("admin"),
        params={"entity": "air_stations", "entity_id": str(sid)},
    )
    assert r.status_code == 200
    entries = r.json()["items"]
    assert [e["action"] for e in entries] == ["delete", "update", "create"]  # newest first
    assert {e["actor"] for e in entries} == {"urumqi"}
    assert {e["actor_id"] for e in entries} == {api.user_ids["urumqi"]}
    create, update, delete = entries[2], entries[1], entries[0]
    assert create["before"] is None and create["after"]["name"] == "审计站"
    assert update["before"]["name"] == "审计站" and update["after"]["name"] == "改名"
    assert update["before"]["code"] == update["after"]["code"] == "9101A"
    assert delete["before"]["name"] == "改名" and delete["after"] is None
    for e in entries:
        at = dt.datetime.fromisoformat(e["at"])
        assert at.utcoffset() == dt.timedelta(0)
        assert start <= at <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)


def test_secrets_are_masked_and_cascades_audited(api: Api) -> None:
    c, admin = api.client, api.headers("admin")
    ent = api.ids["enterprise:650200"]
    dev = c.post(
        "/api/v1/devices",
        headers=admin,
        json={"enterprise_id": ent, "mn": "AUDIT0001", "access_password": "S3cretPw"},
    )
    assert dev.status_code == 201
    assert "access_password" not in dev.json()
    log = c.get(
        "/api/v1/audit",
        headers=admin,
        params={"entity": "devices", "entity_id": str(dev.json()["id"])},
    ).json()["items"]
    assert log[0]["after"]["access_password"] == "***"
    assert "S3cretPw" not in str(log)

    # deleting an enterprise deletes its outlets and devices, each audited
    assert c.delete(f"/api/v1/enterprises/{ent}", headers=admin).status_code == 204
    deleted = c.get("/api/v1/audit", headers=admin, params={"limit": 1000}).json()["items"]
    entities = {(e["entity"], e["action"]) for e in deleted if e["actor"] == "admin"}
    assert {("enterprises", "delete"), ("outlets", "delete"), ("devices", "delete")} <= entities


def test_seed_is_attributed(api: Api) -> None:
    r = c = api.client.get(
        "/api/v1/audit",
        headers=api.headers("admin"),
        params={"actor": "test-seed", "entity": "users"},
    )
    assert c.status_code == 200
    items = r.json()["items"]
    assert {e["after"]["username"] for e in items} >= {"admin", "urumqi", "qiye"}
    assert all(e["after"]["password_hash"] == "***" for e in items)
