"""Region scoping: every role against every resource, in and out of scope.

Seeded data: the demo province with enterprises (+ outlets, devices) in Urumqi (650100) and
Karamay (650200), and one air station and one water section in each. The enterprise account
``qiye`` belongs to the Karamay enterprise.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_harness import Api
from sqlalchemy import select

from ecoguard.registry.codes import uscc_check_char
from ecoguard.registry.models import AirStation, Device, Enterprise, Outlet, WaterSection

ROLES = ["admin", "analyst", "urumqi", "karamay", "viewer", "qiye"]
RESOURCES = ["air-stations", "water-sections", "enterprises", "outlets", "devices"]
URUMQI, KARAMAY = "650100", "650200"
QIYE_ENTERPRISE = "克拉玛依示例石化有限公司（演示）"


def _uscc(admin: str, org: str) -> str:
    first = "91" + admin + org
    return first + uscc_check_char(first)


def objects(api: Api) -> dict[tuple[str, str], int]:
    """Id of one record of each resource in Urumqi and in Karamay."""
    out: dict[tuple[str, str], int] = {}
    with api.app.state.sessionmaker() as s:
        for region in (URUMQI, KARAMAY):
            stations = select(AirStation.id).where(AirStation.region_adcode.startswith(region[:4]))
            out["air-stations", region] = s.scalars(stations).first()  # type: ignore[assignment]
            sections = select(WaterSection.id).where(WaterSection.region_adcode == region)
            out["water-sections", region] = s.scalars(sections).first()  # type: ignore[assignment]
            ent = s.scalars(
                select(Enterprise).where(Enterprise.region_adcode == region).order_by(Enterprise.id)
            ).first()
            assert ent is not None
            out["enterprises", region] = ent.id
            outlet = select(Outlet.id).where(Outlet.enterprise_id == ent.id)
            out["outlets", region] = s.scalars(outlet).first()  # type: ignore[assignment]
            device = select(Device.id).where(Device.enterprise_id == ent.id)
            out["devices", region] = s.scalars(device).first()  # type: ignore[assignment]
    assert all(out.values())
    return out


def sees(role: str, resource: str, region: str) -> bool:
    """Whether ``role`` may read the resource's record in ``region``."""
    if role in ("admin", "analyst", "viewer"):
        return True
    if role == "urumqi":
        return region == URUMQI
    if role == "karamay":
        return region == KARAMAY
    assert role == "qiye"
    # the enterprise account sees its own enterprise records and the sites of its region
    return region == KARAMAY


def writes(role: str, region: str) -> bool:
    """Whether ``role`` may change records in ``region``."""
    return (
        role == "admin"
        or (role == "urumqi" and region == URUMQI)
        or (role == "karamay" and region == KARAMAY)
    )


def new_payload(resource: str, region: str, enterprise_id: int, n: int) -> dict[str, Any]:
    """A valid body creating a record of ``resource`` in ``region``."""
    lon, lat = (87.6, 43.8) if region == URUMQI else (84.9, 45.6)
    if resource == "air-stations":
        return {
            "code": f"98{n:02d}A",
            "name": "新站",
            "city": "测试",
            "region_adcode": region,
            "lon": lon,
            "lat": lat,
        }
    if resource == "water-sections":
        return {
            "code": f"NEW-{n}",
            "name": "新断面",
            "water_body_type": "lake_reservoir",
            "target_class": "III",
            "region_adcode": region,
            "lon": lon,
            "lat": lat,
        }
    if resource == "enterprises":
        return {
            "uscc": _uscc(region, f"MA7TEXT{n:02d}"),
            "name": "新企业",
            "industry_code": "C2511",
            "region_adcode": region,
            "lon": lon,
            "lat": lat,
            "performance_grade": "引领性",
        }
    if resource == "outlets":
        return {
            "enterprise_id": enterprise_id,
            "code": f"DA9{n:02d}",
            "name": "新排口",
            "medium": "air",
            "emission_standard": "GB 13223-2011",
        }
    assert resource == "devices"
    return {"enterprise_id": enterprise_id, "mn": f"T{region}{n:08d}", "access_password": "123456"}


CHANGE = {"devices": {"description": "改"}}


def check_role_against_resource(
    api: Api, ids: dict[tuple[str, str], int], role: str, resource: str
) -> None:
    """Read list, read by id, create, update and delete one resource as one role."""
    h = api.headers(role)
    c = api.client
    url = f"/api/v1/{resource}"

    # read list: exactly the records in scope
    listed = c.get(url, headers=h, params={"limit": 1000})
    assert listed.status_code == 200, listed.text
    got = {item["id"] for item in listed.json()["items"]}
    assert listed.json()["total"] == len(got)
    for region in (URUMQI, KARAMAY):
        assert (ids[resource, region] in got) == sees(role, resource, region), region
    if role == "qiye" and resource in ("enterprises", "outlets", "devices"):
        assert all(i.get("enterprise_id", i["id"]) for i in listed.json()["items"])
        if resource == "enterprises":
            assert [i["name"] for i in listed.json()["items"]] == [QIYE_ENTERPRISE]

    # read by id: 404 (not 403) out of scope, even for a guessed id
    for region in (URUMQI, KARAMAY):
        r = c.get(f"{url}/{ids[resource, region]}", headers=h)
        assert r.status_code == (200 if sees(role, resource, region) else 404), r.text
        if r.status_code == 404:
            assert r.headers["content-type"] == "application/problem+json"

    # create
    for n, region in enumerate((URUMQI, KARAMAY)):
        body = new_payload(resource, region, ids["enterprises", region], n)
        r = c.post(url, headers=h, json=body)
        if writes(role, region):
            assert r.status_code == 201, r.text
        elif role in ("urumqi", "karamay"):
            # out-of-region: sites/enterprises name the region, outlets/devices the enterprise
            assert r.status_code in (403, 422), r.text
            field = r.json()["errors"][0]["field"]
            assert field in ("body.region_adcode", "body.enterprise_id")
        else:
            assert r.status_code == 403, r.text

    # update and delete
    for region in (URUMQI, KARAMAY):
        target = f"{url}/{ids[resource, region]}"
        change = CHANGE.get(resource, {"name": "改名"})
        expected = 200 if writes(role, region) else 403 if sees(role, resource, region) else 404
        r = c.patch(target, headers=h, json=change)
        assert r.status_code == expected, r.text
        r = c.delete(target, headers=h)
        assert r.status_code == (204 if expected == 200 else expected), r.text
        after = c.get(target, headers=api.headers("admin"))
        assert after.status_code == (404 if expected == 200 else 200)


@pytest.mark.parametrize("role", ROLES)
def test_role_against_every_resource(api: Api, role: str) -> None:
    ids = objects(api)
    # outlets and devices first: deleting an enterprise deletes its outlets and devices
    for resource in ("outlets", "devices", "air-stations", "water-sections", "enterprises"):
        try:
            check_role_against_resource(api, ids, role, resource)
        except AssertionError as exc:
            raise AssertionError(f"{role} on {resource}: {exc}") from exc


@pytest.mark.parametrize("resource", ["air-stations", "enterprises"])
def test_officer_cannot_move_a_record_out_of_scope(api: Api, resource: str) -> None:
    ids = objects(api)
    r = api.client.patch(
        f"/api/v1/{resource}/{ids[resource, URUMQI]}",
        headers=api.headers("urumqi"),
        json={"region_adcode": KARAMAY},
    )
    assert r.status_code == 403
    assert r.json()["errors"][0]["field"] == "body.region_adcode"
    # nothing changed
    r = api.client.get(f"/api/v1/{resource}/{ids[resource, URUMQI]}", headers=api.headers("urumqi"))
    assert r.status_code == 200
    assert r.json()["region_adcode"].startswith("6501")


def test_officer_cannot_attach_device_to_foreign_outlet(api: Api) -> None:
    ids = objects(api)
    r = api.client.post(
        "/api/v1/devices",
        headers=api.headers("urumqi"),
        json={
            "enterprise_id": ids["enterprises", URUMQI],
            "outlet_id": ids["outlets", KARAMAY],
            "mn": "X1",
            "access_password": "123456",
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.outlet_id"


def test_filters_cannot_widen_the_scope(api: Api) -> None:
    r = api.client.get(
        "/api/v1/enterprises", headers=api.headers("urumqi"), params={"region_adcode": KARAMAY}
    )
    assert r.status_code == 200
    assert r.json()["total"] == 0
    r = api.client.get(
        "/api/v1/outlets",
        headers=api.headers("urumqi"),
        params={"enterprise_id": objects(api)["enterprises", KARAMAY]},
    )
    assert r.json()["total"] == 0


def test_region_filter_includes_districts(api: Api) -> None:
    r = api.client.get(
        "/api/v1/air-stations", headers=api.headers("admin"), params={"region_adcode": URUMQI}
    )
    assert [s["code"] for s in r.json()["items"]] == ["9001A"]  # its region is 650102


def test_boundaries_follow_the_scope(api: Api) -> None:
    c = api.client
    fc = c.get("/api/v1/regions/boundaries", headers=api.headers("analyst")).json()
    assert fc["type"] == "FeatureCollection"
    codes = {f["properties"]["adcode"] for f in fc["features"]}
    assert {"650100", "650200", "659001", "659004", "652300"} <= codes
    assert len(codes) == 24 + 1 - 1 or len(codes) >= 24  # 14 prefectures + 10 XPCC cities
    fc = c.get("/api/v1/regions/boundaries", headers=api.headers("urumqi")).json()
    assert [f["properties"]["adcode"] for f in fc["features"]] == [URUMQI]
    geom = fc["features"][0]["geometry"]
    assert geom["type"] in ("Polygon", "MultiPolygon")
    counties = c.get(
        "/api/v1/regions/boundaries", headers=api.headers("urumqi"), params={"level": "county"}
    ).json()["features"]
    assert len(counties) >= 7
    assert all(f["properties"]["parent_adcode"] == URUMQI for f in counties)
    r = c.get("/api/v1/regions/650200", headers=api.headers("urumqi"))
    assert r.status_code == 404
    r = c.get("/api/v1/regions", headers=api.headers("karamay"), params={"level": "prefecture"})
    assert [x["adcode"] for x in r.json()["items"]] == [KARAMAY]


def test_boundaries_json_matches_the_parsed_collection(api: Api) -> None:
    import json

    from ecoguard.registry.boundaries import feature_collection
    from ecoguard.registry.models import Region

    r = api.client.get("/api/v1/regions/boundaries", headers=api.headers("analyst"))
    with api.app.state.sessionmaker() as s:
        regions = s.scalars(
            select(Region).where(Region.level == "prefecture").order_by(Region.adcode)
        ).all()
        assert r.json() == json.loads(json.dumps(feature_collection(regions)))


@pytest.mark.parametrize("role", ROLES)
def test_regions_are_read_only_and_scoped(api: Api, role: str) -> None:
    c, h = api.client, api.headers(role)
    for region in (URUMQI, KARAMAY):
        r = c.get(f"/api/v1/regions/{region}", headers=h)
        assert r.status_code == (200 if sees(role, "regions", region) else 404)
    listed = c.get("/api/v1/regions", headers=h, params={"level": "prefecture"}).json()
    codes = {x["adcode"] for x in listed["items"]}
    assert (URUMQI in codes, KARAMAY in codes) == (
        sees(role, "regions", URUMQI),
        sees(role, "regions", KARAMAY),
    )
    r = c.post("/api/v1/regions", headers=h, json={"adcode": "650900", "name": "x"})
    assert r.status_code == 405
    assert r.headers["content-type"] == "application/problem+json"
