"""/api/v1/cases over the seeded registry on SQLite and PostgreSQL: scope, transitions by role,
problem details, attachments, comments, timeline, clue GeoJSON."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import shapely
from api_harness import Api
from helpers import KARAMAY, NOTICE, PLAN, URUMQI, new_finding, service
from openpyxl import load_workbook
from test_imports_exports import findings_xlsx, write_vector

from ecoguard.cases.service import NewCase

ROLES = ["admin", "analyst", "urumqi", "karamay", "viewer", "qiye"]


def seed(api: Api) -> dict[str, int]:
    """Two findings (Urumqi, Karamay) and one clue polygon in Urumqi."""
    with api.app.state.sessionmaker() as session:
        svc = service(session, "analyst")
        ids = {
            "uru": svc.create(new_finding("A-URU")).id,
            "kar": svc.create(new_finding("A-KAR", KARAMAY)).id,
            "clue": svc.create(
                NewCase(
                    case_type="redline_clue",
                    reference="TB-9",
                    title="采石场（新增）",
                    region_adcode=URUMQI,
                    batch="2026-1",
                    area_ha=1.5,
                    geometry_geojson=shapely.to_geojson(shapely.box(87.6, 43.8, 87.61, 43.81)),
                    details={"activity_type": "04", "activity_type_name": "采石场"},
                )
            ).id,
        }
        session.commit()
    return ids


VISIBLE = {
    "admin": {"A-URU", "A-KAR", "TB-9"},
    "analyst": {"A-URU", "A-KAR", "TB-9"},
    "viewer": {"A-URU", "A-KAR", "TB-9"},
    "urumqi": {"A-URU", "TB-9"},
    "karamay": {"A-KAR"},
    "qiye": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_list_and_read_are_scoped(api: Api, role: str) -> None:
    ids = seed(api)
    r = api.client.get("/api/v1/cases", headers=api.headers(role))
    assert r.status_code == 200, r.text
    assert {c["reference"] for c in r.json()["items"]} == VISIBLE[role]
    r = api.client.get(f"/api/v1/cases/{ids['uru']}", headers=api.headers(role))
    assert r.status_code == (200 if "A-URU" in VISIBLE[role] else 404)
    r = api.client.get("/api/v1/cases/clues.geojson", headers=api.headers(role))
    assert r.headers["content-type"].startswith("application/geo+json")
    refs = [f["properties"]["reference"] for f in r.json()["features"]]
    assert refs == (["TB-9"] if "TB-9" in VISIBLE[role] else [])


SUBMIT_STATUS = {
    "admin": 200,
    "urumqi": 200,
    "analyst": 403,
    "viewer": 403,
    "karamay": 404,
    "qiye": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_submit_plan_by_every_role(api: Api, role: str) -> None:
    ids = seed(api)
    r = api.client.post(
        f"/api/v1/cases/{ids['uru']}/transitions",
        json={"transition": "submit_plan", "payload": PLAN},
        headers=api.headers(role),
    )
    assert r.status_code == SUBMIT_STATUS[role], r.text
    if r.status_code == 200:
        body = r.json()
        assert body["state"] == "planned" and body["deadline"] == "2026-03-31"
        assert body["timeline"][-1]["actor"] == role
    elif r.status_code == 403:
        problem = r.json()
        assert r.headers["content-type"] == "application/problem+json"
        assert problem["errors"][0]["rule"] == "role"
        assert "may not take 'submit_plan'" in problem["detail"]


def test_full_flow_over_http(api: Api) -> None:
    ids = seed(api)
    cid = ids["uru"]
    url = f"/api/v1/cases/{cid}"
    officer, analyst = api.headers("urumqi"), api.headers("analyst")

    r = api.client.post(
        f"{url}/transitions", json={"transition": "submit_plan", "payload": {}}, headers=officer
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {
        "body.payload.targets",
        "body.payload.measures",
        "body.payload.responsible_unit",
        "body.payload.deadline",
    }
    r = api.client.post(
        f"{url}/transitions",
        json={"transition": "complete", "payload": {"summary": "x"}},
        headers=officer,
    )
    assert r.status_code == 409
    rules = {e["rule"] for e in r.json()["errors"]}
    assert rules == {"state", "guard"}

    version = api.client.get(url, headers=officer).json()["version"]
    r = api.client.post(
        f"{url}/transitions",
        json={"transition": "submit_plan", "payload": PLAN, "expected_version": version},
        headers=officer,
    )
    assert r.status_code == 200
    stale = api.client.post(
        f"{url}/transitions",
        json={
            "transition": "report_progress",
            "payload": {"progress": "p", "percent_done": 40},
            "expected_version": version,
        },
        headers=officer,
    )
    assert stale.status_code == 409 and "someone else changed it" in stale.json()["detail"]
    r = api.client.post(
        f"{url}/transitions",
        json={"transition": "report_progress", "payload": {"progress": "p", "percent_done": 100}},
        headers=officer,
    )
    assert r.status_code == 200
    options = {o["name"]: o for o in r.json()["transitions"]}
    assert (
        options["complete"]["allowed"] is False
        and "no evidence" in options["complete"]["blocked_by"][0]
    )

    r = api.client.post(
        f"{url}/attachments",
        files={"file": ("整改前后对比.jpg", b"\xff\xd8before-after", "image/jpeg")},
        data={"kind": "evidence"},
        headers=officer,
    )
    assert r.status_code == 201, r.text
    att = r.json()
    assert att["same_evidence_on_cases"] == [] and att["size"] == 14
    r = api.client.get(f"{url}/attachments/{att['id']}", headers=analyst)
    assert r.status_code == 200 and r.content == b"\xff\xd8before-after"
    assert (
        api.client.get(f"{url}/attachments/{att['id']}", headers=api.headers("karamay")).status_code
        == 404
    )
    bad = api.client.post(
        f"{url}/attachments",
        files={"file": ("x.txt", b"x", "text/plain")},
        data={"kind": "selfie"},
        headers=officer,
    )
    assert bad.status_code == 422

    r = api.client.post(
        f"{url}/transitions",
        json={"transition": "complete", "payload": {"summary": "完成"}},
        headers=officer,
    )
    assert r.status_code == 200 and r.json()["state"] == "completed"
    r = api.client.post(
        f"{url}/transitions",
        json={"transition": "accept", "payload": {"opinion": "同意", "accepted_on": "2026-03-25"}},
        headers=api.headers("admin"),
    )
    assert r.status_code == 200
    r = api.client.post(
        f"{url}/transitions",
        json={
            "transition": "close_out",
            "payload": NOTICE,
        },
        headers=analyst,
    )
    assert r.status_code == 200 and r.json()["state"] == "closed"

    r = api.client.post(f"{url}/comments", json={"body": "回头看时重点核查"}, headers=analyst)
    assert r.status_code == 201
    assert (
        api.client.post(
            f"{url}/comments", json={"body": "x"}, headers=api.headers("viewer")
        ).status_code
        == 403
    )
    r = api.client.get(f"{url}/timeline", headers=api.headers("viewer"))
    kinds = [e["transition"] or e["kind"] for e in r.json()]
    assert kinds == [
        "created",
        "submit_plan",
        "report_progress",
        "attachment",
        "complete",
        "accept",
        "close_out",
        "comment",
    ]
    assert r.json()[0]["at"].endswith("Z") or "+00:00" in r.json()[0]["at"]

    params = {"entity": "cases", "entity_id": str(cid), "actor": "urumqi"}
    r = api.client.get("/api/v1/audit", headers=api.headers("admin"), params=params)
    assert r.status_code == 200
    changes = r.json()["items"]
    assert {c["action"] for c in changes} == {"update"}
    assert any(
        c["before"]["state"] == "in_progress" and c["after"]["state"] == "completed"
        for c in changes
    )


def test_list_filters_and_types(api: Api) -> None:
    seed(api)
    h = api.headers("analyst")
    r = api.client.get("/api/v1/cases", params={"case_type": "redline_clue"}, headers=h)
    assert [c["reference"] for c in r.json()["items"]] == ["TB-9"]
    r = api.client.get("/api/v1/cases", params={"region_adcode": KARAMAY}, headers=h)
    assert [c["reference"] for c in r.json()["items"]] == ["A-KAR"]
    r = api.client.get("/api/v1/cases", params={"overdue": True}, headers=h)
    assert r.json()["total"] == 0
    r = api.client.get("/api/v1/cases", params={"case_type": "bogus"}, headers=h)
    assert r.status_code == 422
    r = api.client.get("/api/v1/cases/types", headers=h)
    types = {t["case_type"]: t for t in r.json()}
    accept = next(t for t in types["inspection_finding"]["transitions"] if t["name"] == "accept")
    assert accept["roles"] == ["administrator", "provincial_analyst"]
    assert "other_role_than_completer" in accept["guards"]
    close = next(t for t in types["inspection_finding"]["transitions"] if t["name"] == "close_out")
    assert close["date_order"] == [["notice_from", "notice_to"], ["notice_to", "closed_on"]]
    spec = api.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/cases/{case_id}/transitions" in spec["paths"]
    assert api.client.get("/api/v1/cases").status_code == 401
    geo = json.loads(api.client.get("/api/v1/cases/clues.geojson", headers=h).text)
    assert geo["features"][0]["geometry"]["type"] == "Polygon"


def test_assign_over_http(api: Api) -> None:
    ids = seed(api)
    url = f"/api/v1/cases/{ids['kar']}/assignee"
    body = {"unit": "克拉玛依市生态环境局", "user_id": api.user_ids["karamay"]}
    r = api.client.put(url, json=body, headers=api.headers("karamay"))
    assert r.status_code == 200, r.text
    assert r.json()["assignee_user_id"] == api.user_ids["karamay"]
    assert r.json()["timeline"][-1]["kind"] == "assign"
    assert api.client.put(url, json=body, headers=api.headers("urumqi")).status_code == 404
    wrong = {"unit": "x", "user_id": api.user_ids["urumqi"]}
    r = api.client.put(url, json=wrong, headers=api.headers("admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.user_id"
    r = api.client.get(
        "/api/v1/cases",
        params={"assignee_user_id": api.user_ids["karamay"]},
        headers=api.headers("analyst"),
    )
    assert [c["reference"] for c in r.json()["items"]] == ["A-KAR"]


def test_imports_over_http(api: Api, tmp_path: Path) -> None:
    xlsx = findings_xlsx(tmp_path / "round3.xlsx").read_bytes()
    files = {"file": ("round3.xlsx", xlsx, "application/octet-stream")}
    r = api.client.post(
        "/api/v1/cases/imports/findings", files=files, headers=api.headers("analyst")
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert len(report["created"]) == 3 and report["file"] == "round3.xlsx"
    assert {(e["row"], e["field"]) for e in report["errors"]} >= {(6, "feedback_date"), (7, "text")}
    r = api.client.post(
        "/api/v1/cases/imports/findings", files=files, headers=api.headers("urumqi")
    )
    assert r.json()["created"] == []
    bad = {"file": ("x.csv", b"a,b", "text/csv")}
    r = api.client.post("/api/v1/cases/imports/findings", files=bad, headers=api.headers("analyst"))
    assert r.status_code == 422 and "expected one of .xlsx" in r.json()["detail"]
    gpkg = write_vector(tmp_path / "b.gpkg", "GPKG").read_bytes()
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    write_vector(shp_dir / "clues.shp", "ESRI Shapefile")
    archive = tmp_path / "clues.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, part.name)
    for name, content, refused in (("b.gpkg", gpkg, 5), ("clues.zip", archive.read_bytes(), 7)):
        r = api.client.post(
            "/api/v1/cases/imports/clues",
            files={"file": (name, content, "application/octet-stream")},
            headers=api.headers("admin"),
        )
        assert r.status_code == 200, r.text
        assert len(r.json()["errors"]) == refused
    # the second file repeats the references of the first: all refused as duplicates
    assert all(
        "already registered" in e["rule"] for e in r.json()["errors"] if e["field"] == "reference"
    )
    r = api.client.post(
        "/api/v1/cases/imports/clues",
        files={"file": ("broken.geojson", b"{not json", "application/geo+json")},
        headers=api.headers("admin"),
    )
    assert r.status_code == 422 and "cannot read as a vector file" in r.json()["detail"]


def test_summary_counts(api: Api) -> None:
    ids = seed(api)
    r = api.client.post(
        f"/api/v1/cases/{ids['uru']}/transitions",
        json={"transition": "submit_plan", "payload": {**PLAN, "deadline": "2020-01-31"}},
        headers=api.headers("urumqi"),
    )
    assert r.status_code == 200
    r = api.client.get("/api/v1/cases/summary", headers=api.headers("analyst"))
    rows = {(c["case_type"], c["region_adcode"]): c for c in r.json()}
    uru = rows["inspection_finding", URUMQI]
    assert uru["total"] == 1 and uru["overdue"] == 1 and uru["states"]["planned"] == 1
    assert uru["states"]["closed"] == 0 and set(uru["states"]) >= {"registered", "reopened"}
    assert rows["inspection_finding", KARAMAY]["overdue"] == 0
    assert rows["redline_clue", URUMQI]["states"]["issued"] == 1
    r = api.client.get("/api/v1/cases/summary", headers=api.headers("karamay"))
    assert [(c["case_type"], c["region_adcode"]) for c in r.json()] == [
        ("inspection_finding", KARAMAY)
    ]


def test_export_tables_over_http(api: Api, tmp_path: Path) -> None:
    seed(api)
    for kind, first in (("progress", "A-URU"), ("disclosure", None), ("clues", "TB-9")):
        r = api.client.get(f"/api/v1/cases/exports/{kind}.xlsx", headers=api.headers("analyst"))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert "filename*=UTF-8''" in r.headers["content-disposition"]
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(r.content)
        ws = load_workbook(path).active
        assert str(ws["A2"].value).startswith("截至")
        assert ws.cell(4, 2).value == first
    r = api.client.get("/api/v1/cases/exports/progress.xlsx", headers=api.headers("urumqi"))
    path = tmp_path / "uru.xlsx"
    path.write_bytes(r.content)
    refs = [row[1] for row in load_workbook(path).active.iter_rows(min_row=4, values_only=True)]
    assert refs == ["A-URU"]
    assert (
        api.client.get("/api/v1/cases/exports/bogus.xlsx", headers=api.headers("admin")).status_code
        == 422
    )
