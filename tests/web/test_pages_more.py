"""The zoning, surface-water, case and gateway-device pages in a real headless chromium against a
real ``ecoguard serve``, as a provincial analyst and a prefecture officer.

The server's home holds ``ecoguard demo``, ``ecoguard cases demo`` and the demo water sections
with two months of generated readings (this year and the same months last year), so every page
has data. What each page shows is compared with what the API gives the same account.
``ECOGUARD_WEB_BASE_URL`` points the tests at an already running server with that data instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest
from liveserver import (
    PASSWORDS,
    ecoguard_command,
    seed_demo,
    server_env,
    start_server,
    why_not_runnable,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CST = dt.timezone(dt.timedelta(hours=8))
USERS = ["analyst", "urumqi"]
MAP_AREA = "#E8EEF3"
NO_DATA = "#BFBFBF"

#: Demo water: the sections and readings of the last two months and the same months last year.
WATER_SEED = """
import datetime as dt
from ecoguard.cli.registry_access import registry_session
from ecoguard.config import get_settings
from ecoguard.demo.water import install_demo_water
from ecoguard.timeseries.store import TimeseriesStore

store = TimeseriesStore(get_settings().timeseries_root)
last = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date() - dt.timedelta(days=1)
first = (last.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
with registry_session(actor="demo") as session:
    for a, b in ((first.replace(year=first.year - 1), last.replace(year=last.year - 1)), (first, last)):
        install_demo_water(session, store, a, b)
"""


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


# The fixtures of conftest.py are session-wide over a home with `ecoguard demo` only; these pages
# need cases and water data too, so this module runs its own server (and browser).
@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = why_not_runnable()
    if reason:
        pytest.skip(reason)
    if os.environ.get("ECOGUARD_WEB_BASE_URL"):
        yield os.environ["ECOGUARD_WEB_BASE_URL"].rstrip("/")
        return
    home = tmp_path_factory.mktemp("ecoguard-home-more")
    seed_demo(home)
    _run([*ecoguard_command(), "cases", "demo"], server_env(home))
    _run([sys.executable, "-c", WATER_SEED], server_env(home))
    server = start_server(home)
    try:
        yield server.base_url
    finally:
        server.stop()


class Api:
    """Plain HTTP client of the same server as one user."""

    def __init__(self, base_url: str, username: str) -> None:
        self.base_url = base_url
        body = urllib.parse.urlencode(
            {"username": username, "password": PASSWORDS[username]}
        ).encode()
        req = urllib.request.Request(
            f"{base_url}/api/v1/login/access-token", data=body, method="POST"
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            self.token = json.load(r)["access_token"]

    def _req(self, method: str, path: str, body: Any = None) -> urllib.request.Request:
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        return urllib.request.Request(
            f"{self.base_url}/api/v1{path}", data=data, headers=headers, method=method
        )

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self._req("GET", path), timeout=120) as r:
            return json.load(r)

    def post(self, path: str, body: Any) -> Any:
        with urllib.request.urlopen(self._req("POST", path, body), timeout=120) as r:
            return json.load(r)

    def status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self._req("GET", path), timeout=60) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)


@pytest.fixture(scope="module")
def api_as(base_url: str) -> Any:
    cache: dict[str, Api] = {}

    def get(username: str) -> Api:
        if username not in cache:
            cache[username] = Api(base_url, username)
        return cache[username]

    return get


def half_even(value: float, quantum: str) -> str:
    return str(Decimal(str(value)).quantize(Decimal(quantum), rounding=ROUND_HALF_EVEN))


def table_rows(page: Any, test_id: str) -> Any:
    return page.locator(f"[data-test={test_id}] .el-table__body-wrapper .el-table__row")


def check_scope(page: Any, api: Any) -> None:
    me = api.get("/users/me")
    region = page.locator("[data-test=scope-region]")
    assert me["region_name"] in region.inner_text()
    assert region.get_attribute("data-adcode") == (me["region_adcode"] or "")


def svg_fills(page: Any, selector: str) -> Counter[str]:
    fills = page.eval_on_selector_all(
        f"{selector} svg path", "els => els.map(e => e.getAttribute('fill'))"
    )
    return Counter(f.upper() for f in fills if f and f.upper() != MAP_AREA and f != "none")


# --- every new page, both users -------------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_the_new_pages_are_in_the_menu_and_open(signed_in: Any, api_as: Any, user: str) -> None:
    page = signed_in(user, "/zoning/screen")
    api = api_as(user)
    roots = {
        "menu-water-overview": "water",
        "menu-zoning-screen": "zoning",
        "menu-cases": "cases",
        "menu-devices": "devices",
    }
    for menu, root in roots.items():
        page.click(f"[data-test={menu}]")
        page.wait_for_selector(f"[data-test={root}]")
        check_scope(page, api)
        assert page.locator("[data-test=not-found]").count() == 0
        assert page.locator("[data-test=forbidden]").count() == 0
    # the scope's name is in every page title as well as in the header
    me = api.get("/users/me")
    assert me["region_name"] in page.locator(".page-title").first.inner_text()


def test_enterprise_accounts_are_not_offered_cases(signed_in: Any, api_as: Any) -> None:
    page = signed_in("qiye", "/devices")
    page.wait_for_selector("[data-test=devices]")
    assert page.locator("[data-test=menu-cases]").count() == 0
    assert page.locator("[data-test=menu-zoning-screen]").count() == 1
    base = page.url.split("/devices")[0]
    page.goto(base + "/cases")
    page.wait_for_selector("[data-test=forbidden]")
    page.goto(base + "/devices")
    rows = table_rows(page, "devices-table")
    rows.first.wait_for()
    assert rows.count() == api_as("qiye").get("/devices?limit=1000")["total"]


# --- gateway devices --------------------------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_devices_are_those_of_the_scope(signed_in: Any, api_as: Any, user: str) -> None:
    page = signed_in(user, "/devices")
    api = api_as(user)
    want = api.get("/devices?limit=1000")["items"]
    rows = table_rows(page, "devices-table")
    rows.first.wait_for()
    assert rows.count() == len(want)
    shown = {rows.nth(i).locator("td").first.inner_text().strip() for i in range(rows.count())}
    assert shown == {d["mn"] for d in want}
    states = Counter(d["connection_state"] for d in want)
    for state in ("online", "offline", "unknown"):
        assert page.locator(f"[data-test=devices-{state}] .kpi-value").inner_text().strip() == str(
            states[state]
        )
    # the enterprise named in each row is the device's enterprise as the API gives it
    names = {e["id"]: e["name"] for e in api.get("/enterprises?limit=1000")["items"]}
    first = rows.first.inner_text()
    assert names[want[0]["enterprise_id"]] in first
    assert page.locator("[data-test=devices-readings-note]").count() == 1


# --- surface water ----------------------------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_water_map_table_and_series_match_the_api(signed_in: Any, api_as: Any, user: str) -> None:
    page = signed_in(user, "/water/overview")
    api = api_as(user)
    latest = api.get("/water/sections/latest")["items"]
    assert latest, "the demo water sections should be in scope"
    page.wait_for_function(
        "() => document.querySelectorAll('[data-test=water-map] svg path').length > 0"
    )
    page.wait_for_timeout(800)  # marks animate in
    want = Counter((s["colour"] or NO_DATA).upper() for s in latest)
    assert svg_fills(page, "[data-test=water-map]") == want
    # GB 3838 class colours (Ⅰ-Ⅱ blue, Ⅲ green, Ⅳ yellow, Ⅴ orange, 劣Ⅴ red)
    assert set(want) <= {"#1E88E5", "#43A047", "#FDD835", "#FB8C00", "#E53935", NO_DATA}

    times = [dt.datetime.fromisoformat(s["time"]) for s in latest if s["time"]]
    day = max(times).astimezone(CST).date()
    period = day.isoformat()[:7]
    assessed = api.get(f"/water/assess?by=basin&period={period}")
    groups = assessed["groups"]
    # the whole scope: "(all)", left out by the API when the scope holds a single basin
    every = next(
        (g for g in groups if g["name"] == "(all)"), groups[0] if len(groups) == 1 else None
    )
    assert every is not None
    page.wait_for_selector("[data-test=water-excellent]")
    shown = page.locator("[data-test=water-excellent]").inner_text().strip()
    assert shown == half_even(every["excellent_pct"], "0.1") + "%"
    assert page.locator("[data-test=water-target]").inner_text().strip() == (
        half_even(every["target_met_pct"], "0.1") + "%"
    )
    rows = table_rows(page, "water-groups")
    basins = [g for g in assessed["groups"] if g["name"] != "(all)"]
    assert rows.count() == len(basins)
    assert basins[0]["name"] in rows.first.inner_text()

    # a basin picked in the table: its sections stay bright, the others are dimmed
    rows.first.click()
    inside = sum(1 for s in latest if s["basin"] == basins[0]["name"])
    page.wait_for_function(
        "n => [...document.querySelectorAll('[data-test=water-map] svg path')]"
        ".filter(e => e.getAttribute('fill-opacity') === '0.2').length === n",
        arg=len(latest) - inside,
    )

    series = page.locator("[data-test=water-series]")
    page.wait_for_function(
        "() => document.querySelector('[data-test=water-series]')?.dataset.count > 0"
    )
    code = series.get_attribute("data-code")
    start = (day - dt.timedelta(days=29)).isoformat()
    items = api.get(f"/water/sections/{code}/series?start={start}&end={day.isoformat()}")["items"]
    assert int(series.get_attribute("data-count")) == len(items)


# --- zoning screening -------------------------------------------------------------------------


def click_lonlat(page: Any, lon: float, lat: float) -> None:
    """Click the zoning map at a longitude/latitude (through the chart's own projection)."""
    page.wait_for_function("() => window.__ecoguardZoningChart !== undefined")
    xy = page.evaluate(
        "([lon, lat]) => window.__ecoguardZoningChart.convertToPixel({geoIndex: 0}, [lon, lat])",
        [lon, lat],
    )
    box = page.locator("[data-test=zoning-map] .echart").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])


@pytest.mark.parametrize("user", USERS)
def test_screening_a_point_shows_the_api_verdict(signed_in: Any, api_as: Any, user: str) -> None:
    page = signed_in(user, "/zoning/screen")
    api = api_as(user)
    page.wait_for_selector("[data-test=zoning-map] svg")
    click_lonlat(page, 87.62, 43.83)  # Urumqi, the demo's example point
    assert page.locator("[data-test=zoning-vertex-count]").inner_text() == "1"
    page.fill("[data-test=zoning-industry]", "C2511")
    page.click("[data-test=zoning-flag-lianggao]")
    with page.expect_request(
        lambda r: r.url.endswith("/api/v1/zoning/screen") and r.method == "POST"
    ) as sent:
        page.click("[data-test=zoning-screen]")
    body = sent.value.post_data_json
    lon, lat = body["geometry"]["coordinates"]
    assert body["geometry"]["type"] == "Point"
    assert abs(lon - 87.62) < 0.05 and abs(lat - 43.83) < 0.05
    assert body["industry"] == "C2511" and "两高" in body["flags"]

    want = api.post("/zoning/screen", body)
    verdict = page.locator("[data-test=zoning-verdict]")
    verdict.wait_for()
    assert verdict.get_attribute("data-verdict") == want["verdict"]
    assert verdict.inner_text().strip() == want["verdict_zh"]
    reasons = page.locator("[data-test=zoning-reasons] li")
    assert [reasons.nth(i).inner_text() for i in range(reasons.count())] == want["reasons"]
    assert table_rows(page, "zoning-rules").count() == len(want["rules"])
    assert table_rows(page, "zoning-protected").count() == len(want["protected"])
    units = table_rows(page, "zoning-units")
    assert units.count() == len(want["units"])
    if want["units"]:
        first = want["units"][0]
        assert first["code"] in units.first.inner_text()
        share = half_even(float(min(Decimal(str(first["share"])), Decimal(1)) * 100), "0.1") + "%"
        assert units.first.locator("[data-test=unit-share]").inner_text() == share

    with page.expect_download() as download:
        page.click("[data-test=zoning-report]")
    assert download.value.suggested_filename.endswith(".docx")


def test_pasted_polygon_in_english(signed_in: Any, api_as: Any) -> None:
    page = signed_in("analyst", "/zoning/screen")
    page.click("[data-test=lang-switch] [data-locale=en]")
    page.wait_for_function(
        "() => document.querySelector('.page-title').textContent.startsWith('Zoning screening')"
    )
    page.click("[data-test=zoning-mode-polygon]")
    page.fill("[data-test=zoning-paste]", "87.45,43.30\n87.55,43.30\n87.55,43.40\n87.45,43.40")
    page.click("[data-test=zoning-paste-apply]")
    assert page.locator("[data-test=zoning-vertex-count]").inner_text() == "4"
    with page.expect_request(lambda r: r.url.endswith("/api/v1/zoning/screen")) as sent:
        page.click("[data-test=zoning-screen]")
    body = sent.value.post_data_json
    assert body["geometry"]["type"] == "Polygon"
    want = api_as("analyst").post("/zoning/screen", body)
    verdict = page.locator("[data-test=zoning-verdict]")
    verdict.wait_for()
    assert verdict.get_attribute("data-verdict") == want["verdict"]
    english = {
        "allowed": "Allowed",
        "allowed_with_conditions": "Allowed with conditions",
        "restricted": "Restricted",
        "prohibited": "Prohibited",
    }
    assert verdict.inner_text().strip() == english[want["verdict"]]
    page.click("[data-test=lang-switch] [data-locale=zh-CN]")


def test_uploaded_geojson_is_screened_project_by_project(
    signed_in: Any, api_as: Any, tmp_path: Any
) -> None:
    page = signed_in("urumqi", "/zoning/screen")
    features = [
        {
            "type": "Feature",
            "properties": {"id": "P1", "name": "示例点项目", "industry": "C2511", "flags": "两高"},
            "geometry": {"type": "Point", "coordinates": [87.62, 43.83]},
        },
        {
            "type": "Feature",
            "properties": {"id": "P2", "name": "示例面项目", "industry": "D4411"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[87.45, 43.3], [87.55, 43.3], [87.55, 43.4], [87.45, 43.3]]],
            },
        },
    ]
    path = tmp_path / "projects.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    page.wait_for_selector("[data-test=zoning-map] svg")
    page.set_input_files("[data-test=zoning-file]", str(path))
    rows = table_rows(page, "zoning-batch")
    rows.nth(1).wait_for()
    assert rows.count() == 2
    # the API's answer for the same projects (as GeoJSON bodies)
    api = api_as("urumqi")
    for i, f in enumerate(features):
        p = f["properties"]
        flags = [p["flags"]] if p.get("flags") else []
        want = api.post(
            "/zoning/screen",
            {
                "project_id": p["id"],
                "name": p["name"],
                "industry": p["industry"],
                "flags": flags,
                "geometry": f["geometry"],
            },
        )
        row = rows.nth(i)
        assert p["id"] in row.inner_text()
        assert row.locator(".verdict-tag").get_attribute("data-verdict") == want["verdict"]
    # the first result is shown in full; picking the second shows it
    page.wait_for_selector("[data-test=zoning-verdict]")
    rows.nth(1).click()
    page.wait_for_function(
        "() => document.querySelector('[data-test=zoning-result] .card-title')"
        "?.textContent.includes('示例面项目')"
    )


# --- cases ------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_case_list_filters_and_clue_map_match_the_api(
    signed_in: Any, api_as: Any, user: str
) -> None:
    page = signed_in(user, "/cases")
    api = api_as(user)
    every = api.get("/cases?limit=1000")
    assert every["total"] > 0
    table = page.locator("[data-test=cases-table]")
    page.wait_for_function(
        "() => document.querySelector('[data-test=cases-table]')?.dataset.total !== ''"
    )
    assert int(table.get_attribute("data-total")) == every["total"]
    rows = table_rows(page, "cases-table")
    assert rows.count() == min(every["total"], 20)
    refs = {rows.nth(i).locator("td").first.inner_text().strip() for i in range(rows.count())}
    assert refs <= {c["reference"] for c in every["items"]}

    overdue = api.get("/cases?limit=1000&overdue=true")["total"]
    page.click("[data-test=filter-overdue]")
    page.wait_for_function(
        f"() => document.querySelector('[data-test=cases-table]').dataset.total === '{overdue}'"
    )
    assert table_rows(page, "cases-table").count() == overdue

    clues = api.get("/cases/clues.geojson?overdue=true")["features"]
    page.click("text=红线图斑地图")
    page.wait_for_function(
        f"() => document.querySelector('[data-test=clue-count]')?.textContent === '{len(clues)}'"
    )
    page.click("[data-test=filter-overdue]")
    clues = api.get("/cases/clues.geojson")["features"]
    page.wait_for_function(
        f"() => document.querySelector('[data-test=clue-count]')?.textContent === '{len(clues)}'"
    )
    assert len(clues) > 0
    page.wait_for_function(
        "() => document.querySelectorAll('[data-test=clue-map] svg path').length"
    )


def test_officer_takes_an_allowed_transition_and_the_timeline_grows(
    signed_in: Any, api_as: Any
) -> None:
    api = api_as("urumqi")
    types = {t["case_type"]: t for t in api.get("/cases/types")}
    simple = {"text", "percent", "text_list"}
    pick: tuple[dict[str, Any], dict[str, Any]] | None = None
    for summary in api.get("/cases?limit=1000")["items"]:
        case = api.get(f"/cases/{summary['id']}")
        for tr in case["transitions"]:
            if tr["allowed"] and all(f["kind"] in simple for f in tr["fields"]):
                pick = (case, tr)
                break
        if pick:
            break
    assert pick, "the demo cases should give the officer an action"
    case, tr = pick

    page = signed_in("urumqi", f"/cases/{case['id']}")
    page.wait_for_selector("[data-test=case-timeline]")
    timeline = page.locator("[data-test=case-timeline]")
    assert int(timeline.get_attribute("data-count")) == len(case["timeline"])
    # only the transitions of the officer's role are offered; blocked ones say why
    role_may = {
        t["name"]
        for t in types[case["case_type"]]["transitions"]
        if "prefecture_officer" in t["roles"]
    }
    offered = page.eval_on_selector_all(
        "[data-test^=action-]", "els => els.map(e => e.dataset.test.replace('action-', ''))"
    )
    assert set(offered) == {t["name"] for t in case["transitions"] if t["name"] in role_may}
    for other in case["transitions"]:
        if other["name"] in offered and not other["allowed"]:
            shown = page.locator(f"[data-test=action-{other['name']}] [data-test=blocked-by]")
            assert shown.inner_text().strip().splitlines() == other["blocked_by"]

    page.click(f"[data-test=action-{tr['name']}] button")
    required = [f for f in tr["fields"] if f["required"]]
    if required:  # submitted empty: refused, with every reason the API gives
        page.click("[data-test=transition-submit]")
        error = page.locator("[data-test=transition-error]")
        error.wait_for()
        for f in required:
            assert f"'{f['name']}'" in error.inner_text()
        assert int(timeline.get_attribute("data-count")) == len(case["timeline"])
    for f in tr["fields"]:
        field = (
            page.locator(f"[data-test=field-{f['name']}]")
            .locator("xpath=descendant-or-self::*[self::input or self::textarea]")
            .first
        )
        field.fill("60" if f["kind"] == "percent" else f"浏览器测试：{f['label']}")
    page.click("[data-test=transition-submit]")
    page.wait_for_function(
        "n => Number(document.querySelector('[data-test=case-timeline]').dataset.count) === n",
        arg=len(case["timeline"]) + 1,
    )
    after = api.get(f"/cases/{case['id']}")
    assert after["state"] == tr["target"]
    assert len(after["timeline"]) == len(case["timeline"]) + 1
    assert page.locator("[data-test=case-state]").inner_text().strip() == after["state_label"]
    assert (
        page.locator("[data-test=timeline-event]").first.get_attribute("data-kind") == "transition"
    )

    # a comment appears in the comments and in the timeline
    page.fill("[data-test=comment-input]", "冬季停工，申请延期（浏览器测试）")
    page.click("[data-test=comment-submit]")
    page.wait_for_function(
        "n => Number(document.querySelector('[data-test=case-timeline]').dataset.count) === n",
        arg=len(after["timeline"]) + 1,
    )
    assert (
        page.locator("[data-test=comment]")
        .last.inner_text()
        .endswith("冬季停工，申请延期（浏览器测试）")
    )
    # assigning to a unit shows it and adds to the timeline
    count = int(timeline.get_attribute("data-count"))
    page.click("[data-test=case-assign]")
    page.fill(".el-message-box input", "乌鲁木齐市生态环境局（浏览器测试）")
    page.click(".el-message-box__btns .el-button--primary")
    page.wait_for_function(
        "n => Number(document.querySelector('[data-test=case-timeline]').dataset.count) === n",
        arg=count + 1,
    )
    assert (
        page.locator("[data-test=case-assignee]").inner_text()
        == "乌鲁木齐市生态环境局（浏览器测试）"
    )
    assert api.get(f"/cases/{case['id']}")["assignee_unit"] == "乌鲁木齐市生态环境局（浏览器测试）"
    assert page.locator("[data-test=timeline-event]").first.get_attribute("data-kind") == "assign"


def test_read_only_user_sees_cases_but_no_actions(signed_in: Any, api_as: Any) -> None:
    api = api_as("viewer")
    first = api.get("/cases?limit=1")["items"][0]
    page = signed_in("viewer", f"/cases/{first['id']}")
    page.wait_for_selector("[data-test=case-timeline]")
    assert page.locator("[data-test=no-transitions]").count() == 1
    assert page.locator("[data-test=comment-input]").count() == 0
    assert page.locator("[data-test=case-assign]").count() == 0
