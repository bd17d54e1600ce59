"""The readings panel of the gateway devices page in a real headless chromium against a real
``ecoguard serve`` over a home filled by ``ecoguard demo`` (whose demo loggers have sent their
last 24 hours through a real HJ 212 gateway). What the panel shows is compared with what
``/api/v1/devices/{mn}/readings``, ``/refusals`` and ``/info`` give the same account for the same
window.
"""

from __future__ import annotations

import urllib.parse
from collections import Counter
from typing import Any

import pytest

from ecoguard.registry.demo import DEMO_ENTERPRISES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: MN -> region of the demo devices.
DEMO_MNS = {o.mn: e.region_adcode for e in DEMO_ENTERPRISES for o in e.outlets}


def table_rows(page: Any, test_id: str) -> Any:
    return page.locator(f"[data-test={test_id}] .el-table__body-wrapper .el-table__row")


def open_panel(page: Any, mn: str) -> Any:
    """Click the device's row; wait until the panel has loaded its window."""
    rows = table_rows(page, "devices-table")
    rows.first.wait_for()
    rows.filter(has_text=mn).first.click()
    panel = page.locator(f"[data-test=devices-panel][data-mn='{mn}']")
    panel.wait_for()
    page.wait_for_function(
        """() => {
            const r = document.querySelector('[data-test=devices-readings]')
            const f = document.querySelector('[data-test=devices-refusals]')
            return r && f && r.dataset.total !== '' && f.dataset.total !== ''
        }"""
    )
    return panel


def window_query(panel: Any) -> str:
    start, end = panel.get_attribute("data-start"), panel.get_attribute("data-end")
    assert start and end
    return urllib.parse.urlencode({"start": start, "end": end, "limit": 5000})


def test_the_panel_shows_what_the_api_gives_for_the_window(signed_in: Any, api_as: Any) -> None:
    page = signed_in("analyst", "/devices")
    api = api_as("analyst")
    devices = {d["mn"]: d for d in api.get("/devices?limit=1000")["items"]}
    assert set(DEMO_MNS) <= set(devices)
    # the demo's loggers have talked to the gateway: the registry knows when
    assert all(devices[mn]["last_seen"] for mn in DEMO_MNS)
    mn = "LD650100000001"  # a flue-gas outlet of the Urumqi power plant
    panel = open_panel(page, mn)
    assert "LD650100000001" in panel.locator("[data-test=devices-panel-mn]").inner_text()
    query = window_query(panel)
    readings = api.get(f"/devices/{mn}/readings?{query}")["items"]
    assert readings, "the demo stored no readings for this device in the last 24 h"

    for data_type in ("hour", "min", "rtd"):
        page.click(f"[data-test=devices-type-{data_type}]")
        page.wait_for_selector(f"[data-test=devices-readings][data-type={data_type}]")
        want = [r for r in readings if r["data_type"] == data_type]
        box = page.locator("[data-test=devices-readings]")
        assert box.get_attribute("data-total") == str(len(want))
        table = page.locator("[data-test=devices-readings-table]")
        assert table.get_attribute("data-total") == str(len(want))
        # the first page of the table: 20 rows, latest first
        rows = table_rows(page, "devices-readings-table")
        assert rows.count() == min(20, len(want))
        latest = max(r["data_time_utc"] for r in want)
        assert latest[:16].replace("T", " ") in rows.first.inner_text()
        # one chart per parameter, one point per reading of that parameter
        charts = page.locator("[data-test=devices-chart]")
        points = {
            charts.nth(i).get_attribute("data-parameter"): int(
                charts.nth(i).get_attribute("data-points")
            )
            for i in range(charts.count())
        }
        assert points == dict(Counter(r["parameter"] for r in want))
        assert charts.first.locator("svg path").count() > 0  # drawn

    # the refusals tab lists what the gateway refused from this device in the window
    refusals = api.get(f"/devices/{mn}/refusals?{query}")["items"]
    assert {r["reason"] for r in refusals} == {"crc_mismatch", "wrong_password"}
    page.click("#tab-refusals")
    table = page.locator("[data-test=devices-refusals-table]")
    table.wait_for()
    assert table.get_attribute("data-total") == str(len(refusals))
    rows = table_rows(page, "devices-refusals-table")
    assert rows.count() == len(refusals)
    shown = Counter(
        page.locator("[data-test=devices-refusals-table] [data-reason]").evaluate_all(
            "els => els.map(e => e.dataset.reason)"
        )
    )
    assert shown == Counter(r["reason"] for r in refusals)
    assert "CRC" in table.inner_text()


def test_daily_values_need_a_longer_window(signed_in: Any, api_as: Any) -> None:
    page = signed_in("analyst", "/devices?mn=LD650100000003")  # the waste-water plant
    panel = page.locator("[data-test=devices-panel][data-mn='LD650100000003']")
    panel.wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-test=devices-readings]')?.dataset.total !== ''"
    )
    page.click("[data-test=devices-type-day]")
    # daily values start at 00:00 CST of their day: none starts in the last 24 h
    page.wait_for_selector("[data-test=devices-readings-empty]")
    page.click("[data-test=devices-window-7d]")
    page.wait_for_selector("[data-test=devices-readings-table]")
    query = window_query(panel)
    api = api_as("analyst")
    want = api.get(f"/devices/LD650100000003/readings?{query}&data_type=day")["items"]
    assert want and {r["data_type"] for r in want} == {"day"}
    table = page.locator("[data-test=devices-readings-table]")
    assert table.get_attribute("data-total") == str(len(want))
    assert page.locator("[data-test=devices-chart]").count() == len({r["parameter"] for r in want})
    # the panel asks for each data type on its own (a type over its row cap would cut only
    # itself): each count is the API's for that type and window
    assert page.locator("[data-test=devices-panel-truncated]").count() == 0
    for data_type in ("rtd", "min", "hour", "day"):
        count = len(
            api.get(f"/devices/LD650100000003/readings?{query}&data_type={data_type}")["items"]
        )
        shown = page.locator(f"[data-test=devices-type-{data_type}] .type-count").inner_text()
        assert shown.strip() == str(count), data_type


def test_a_prefecture_officer_sees_only_the_devices_of_the_prefecture(
    signed_in: Any, api_as: Any
) -> None:
    api = api_as("urumqi")
    mine = {d["mn"] for d in api.get("/devices?limit=1000")["items"]}
    assert mine == {mn for mn, region in DEMO_MNS.items() if region == "650100"}
    outside = "LD650200000001"  # Karamay
    assert api.status(f"/devices/{outside}/readings") == 404
    assert api.status(f"/devices/{outside}/refusals") == 404
    assert api.status(f"/devices/{outside}/info") == 404

    page = signed_in("urumqi", "/devices")
    rows = table_rows(page, "devices-table")
    rows.first.wait_for()
    shown = {rows.nth(i).locator("td").first.inner_text().strip() for i in range(rows.count())}
    assert shown == mine and outside not in shown
    # an in-scope device opens, and its panel matches the API for this account
    panel = open_panel(page, "LD650100000002")
    readings = api.get(f"/devices/LD650100000002/readings?{window_query(panel)}")["items"]
    hourly = [r for r in readings if r["data_type"] == "hour"]
    assert page.locator("[data-test=devices-readings]").get_attribute("data-total") == str(
        len(hourly)
    )
    # the out-of-scope device, asked for by address, opens no panel and shows no data
    base = page.url.split("/devices")[0]
    page.goto(f"{base}/devices?mn={outside}")
    page.wait_for_selector("[data-test=devices-panel-missing]")
    assert outside in page.locator("[data-test=devices-panel-missing]").inner_text()
    assert page.locator("[data-test=devices-panel]").count() == 0
    assert page.locator("[data-test=devices-readings-table]").count() == 0


#: States of i12001 (HJ 212-2017 Appendix B.9) as the zh-CN dashboard names them.
STATE_NAMES = {0: "运行", 1: "维护", 3: "校准"}


def test_the_instrument_tab_and_the_shaded_maintenance_period(signed_in: Any, api_as: Any) -> None:
    api = api_as("analyst")
    # the demo devices take turns for a maintenance visit: find the one visited in the last day
    visited = None
    for mn in sorted(DEMO_MNS):
        items = api.get(f"/devices/{mn}/info?limit=5000")["items"]
        state = next((i for i in items if i["info_id"] == "i12001" and i["number"] == 1), None)
        if state is not None:
            visited = mn, state["pol_id"]
            break
    assert visited, "no demo device had a maintenance visit in the last 24 h"
    mn, pol = visited
    page = signed_in("analyst", "/devices")
    panel = open_panel(page, mn)
    page.wait_for_function(
        "() => document.querySelector('[data-test=devices-info]')?.dataset.total !== ''"
    )
    items = api.get(f"/devices/{mn}/info?{window_query(panel)}")["items"]
    assert any(i["info_id"] == "i12001" and i["number"] == 1 for i in items)

    # the instrument tab lists what the API gives for the window, states by name
    page.click("#tab-info")
    table = page.locator("[data-test=devices-info-table]")
    table.wait_for()
    assert table.get_attribute("data-total") == str(len(items))
    shown = table.locator("[data-info]").evaluate_all(
        "els => els.map(e => [e.dataset.time, e.dataset.pol, e.dataset.info, e.dataset.value])"
    )
    assert Counter(map(tuple, shown)) == Counter(
        (i["data_time_utc"], i["pol_id"] or "", i["info_id"], i["value"] or "") for i in items
    )
    for number, name in STATE_NAMES.items():
        tags = table.locator(f"[data-info=i12001] [data-state='{number}']")
        if any(i["info_id"] == "i12001" and i["number"] == number for i in items):
            assert name in tags.first.inner_text()
    logs = table.locator("[data-info=i11001]").all_inner_texts()
    assert {"更换采样泵", "更换试剂并清洗管路"} & set(logs)
    assert "i13008" in table.inner_text() and "斜率" in table.inner_text()
    # the first row is the latest item
    latest = max(i["data_time_utc"] for i in items)
    assert (
        latest[:16].replace("T", " ") in table_rows(page, "devices-info-table").first.inner_text()
    )

    # the readings chart of the maintained analyser shades the visit, with a legend note
    page.click("#tab-readings")
    page.click("[data-test=devices-type-min]")
    page.wait_for_selector("[data-test=devices-readings][data-type=min]")
    chart = page.locator(f"[data-test=devices-chart][data-parameter={pol}]")
    assert chart.get_attribute("data-shaded") == "1"  # the devices take turns: one visit in 8 days
    calibrated = "a21026" if pol.startswith("a") else "w01018"  # every day, zero and span: one
    calibration = page.locator(f"[data-test=devices-chart][data-parameter={calibrated}]")
    assert calibration.get_attribute("data-shaded") in ("1", "2")  # 2: cut by the window's ends
    page.wait_for_function(
        """pol => [...document.querySelectorAll(
            `[data-test=devices-chart][data-parameter=${pol}] svg path`)]
            .some(p => p.getAttribute('fill') === 'rgb(230,162,60)')""",
        arg=pol,
    )
    legend = page.locator("[data-test=devices-chart-legend]")
    assert "维护" in legend.inner_text()
    # a chart of an analyser that was measuring all along is not shaded
    flow = page.locator("[data-test=devices-chart]").first
    assert flow.get_attribute("data-parameter") in ("a00000", "w00000")
    assert flow.get_attribute("data-shaded") == "0"
