#!/usr/bin/env python3
# ruff: noqa: T201, S310  (a command-line tool that prints; URLs are the loopback server it started)
"""Regenerate docs/screenshots/ (and measure the overview's load time) from a real dashboard.

Starts ``ecoguard serve`` on a free loopback port against a temporary ECOGUARD_HOME filled by
``ecoguard demo``, drives Debian's chromium with Playwright, signs in as the demo accounts and
saves one PNG per page. Needs the dashboard build (``scripts/build-frontend``).

Usage::

    .venv/bin/python scripts/screenshots.py                 # all screenshots
    .venv/bin/python scripts/screenshots.py --bench 10      # + 10 timed loads of the overview
    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8000 --bench 5
    .venv/bin/python scripts/screenshots.py --only more --bench-pages 5   # water, zoning, ...

The home it seeds also holds the demo cases (``ecoguard cases demo``) and the demo water
sections with the last two months of generated readings and the same months a year earlier.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "web"))

from liveserver import (  # noqa: E402
    CHROMIUM_ARGS,
    PASSWORDS,
    ecoguard_command,
    find_chromium,
    seed_demo,
    server_env,
    sign_in,
    start_server,
    why_not_runnable,
    write_cnemc_file,
)

OUT = REPO / "docs" / "screenshots"
WIDTH = 1440

#: Demo water: sections, readings of the last two months and of the same months a year earlier.
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
    year_before = (first.replace(year=first.year - 1), last.replace(year=last.year - 1))
    for a, b in (year_before, (first, last)):
        install_demo_water(session, store, a, b)
"""


def seed_more(home: Path) -> None:
    """Demo cases and demo water data on top of ``ecoguard demo``."""
    for cmd in ([*ecoguard_command(), "cases", "demo"], [sys.executable, "-c", WATER_SEED]):
        subprocess.run(cmd, env=server_env(home), check=True, capture_output=True, timeout=900)  # noqa: S603


def token(base_url: str, username: str) -> str:
    body = urllib.parse.urlencode({"username": username, "password": PASSWORDS[username]}).encode()
    req = urllib.request.Request(f"{base_url}/api/v1/login/access-token", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return str(json.load(r)["access_token"])


def api_get(base_url: str, tok: str, path: str) -> Any:
    req = urllib.request.Request(
        f"{base_url}/api/v1{path}", headers={"Authorization": f"Bearer {tok}"}
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def settle(page: Any, ms: int = 900) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(ms)  # chart animations


def shoot(page: Any, name: str, *, full: bool = True) -> Path:
    """Save the page; the shell scrolls inside <main>, so grow the viewport to its height."""
    if full:
        height = page.evaluate(
            "() => { const m = document.querySelector('.shell-main');"
            " return m ? m.scrollHeight + 52 : document.body.scrollHeight }"
        )
        page.set_viewport_size({"width": WIDTH, "height": max(900, min(int(height), 4000))})
        page.wait_for_timeout(500)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": WIDTH, "height": 900})
    print(f"  {path.relative_to(REPO)}")
    return path


def screenshots(browser: Any, base_url: str, tmp: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(base_url + "/login")
    page.wait_for_selector("[data-test=login-submit]")
    page.fill("input[name=username]", "analyst")
    shoot(page, "01-sign-in", full=False)

    sign_in(page, base_url, "analyst", "/air/overview")
    page.wait_for_selector("[data-test=overview]")
    settle(page, 1500)
    shoot(page, "02-air-overview-province")

    tok = token(base_url, "analyst")
    latest = api_get(base_url, tok, "/air/latest")["items"]
    code = latest[0]["station_code"] if latest else ""
    page.goto(f"{base_url}/air/stations/{code}")
    page.wait_for_selector("[data-test=station-page]")
    settle(page, 1500)
    shoot(page, "03-station")

    for path, name in (
        ("/registry/air-stations", "05-registry-air-stations"),
        ("/registry/water-sections", "06-registry-water-sections"),
        ("/registry/enterprises", "07-registry-enterprises"),
    ):
        page.goto(base_url + path)
        page.wait_for_selector("[data-test=registry-table]")
        settle(page)
        shoot(page, name)
    ctx.close()

    # a prefecture officer: own prefecture only, may import and edit
    ctx = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    sign_in(page, base_url, "urumqi", "/air/overview")
    page.wait_for_selector("[data-test=overview]")
    settle(page, 1500)
    shoot(page, "08-air-overview-prefecture")
    stations = api_get(base_url, token(base_url, "urumqi"), "/air-stations?limit=1000")["items"]
    codes = sorted(s["code"] for s in stations)[:2]
    sample = write_cnemc_file(tmp / "china_sites_20200105.csv", "2020-01-05", codes)
    page.goto(base_url + "/air/import")
    page.wait_for_selector("[data-test=import-page]")
    page.set_input_files("[data-test=import-upload] input[type=file]", str(sample))
    page.click("[data-test=import-submit]")
    page.wait_for_selector("[data-test=import-result], [data-test=import-error]")
    settle(page, 400)
    shoot(page, "04-import")
    page.goto(base_url + "/registry/air-stations")
    page.wait_for_selector("[data-test=registry-table] .el-table__row")
    page.locator("[data-test=registry-edit]").first.click()
    page.wait_for_selector("[data-test=registry-save]")
    page.wait_for_timeout(400)
    shoot(page, "09-registry-edit", full=False)

    # English
    page.goto(base_url + "/air/overview")
    page.wait_for_selector("[data-test=overview]")
    page.click("[data-test=lang-switch] [data-locale=en]")
    settle(page, 1500)
    shoot(page, "10-air-overview-english")
    ctx.close()


def screenshots_more(browser: Any, base_url: str) -> None:
    """Water, zoning, cases and devices as the provincial analyst and the Urumqi officer."""
    OUT.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    sign_in(page, base_url, "analyst", "/water/overview")
    page.wait_for_selector("[data-test=water-series][data-count]:not([data-count=''])")
    settle(page, 1500)
    shoot(page, "11-water-province")

    page.goto(base_url + "/zoning/screen")
    page.wait_for_selector("[data-test=zoning-map] svg")
    page.click("[data-test=zoning-mode-polygon]")
    page.fill("[data-test=zoning-paste]", "87.45,43.30\n87.55,43.30\n87.55,43.40\n87.45,43.40")
    page.click("[data-test=zoning-paste-apply]")
    page.fill("[data-test=zoning-name]", "示例化工项目")
    page.fill("[data-test=zoning-industry]", "C2614")
    page.click("[data-test=zoning-flag-lianggao]")
    page.click("[data-test=zoning-screen]")
    page.wait_for_selector("[data-test=zoning-verdict]")
    settle(page, 1500)
    shoot(page, "12-zoning-verdict")

    page.goto(base_url + "/cases")
    page.wait_for_selector("[data-test=cases-table] .el-table__row")
    settle(page)
    shoot(page, "13-cases-list")
    page.goto(base_url + "/cases?tab=map")
    page.wait_for_selector("[data-test=clue-map] svg")
    settle(page, 1500)
    shoot(page, "14-clue-map", full=False)
    ctx.close()

    ctx = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    sign_in(page, base_url, "urumqi", "/cases")
    page.wait_for_selector("[data-test=cases-table] .el-table__row")
    page.locator("[data-test^=case-link-]").first.click()
    page.wait_for_selector("[data-test=case-timeline]")
    settle(page)
    shoot(page, "15-case-detail-prefecture")
    page.goto(base_url + "/devices?mn=LD650100000001")  # a Urumqi demo logger's panel open
    page.wait_for_selector("[data-test=devices-table] .el-table__row")
    page.wait_for_selector("[data-test=devices-panel]")
    settle(page, 1500)
    shoot(page, "16-devices-prefecture")
    page.goto(base_url + "/water/overview")
    page.wait_for_selector("[data-test=water-series][data-count]:not([data-count=''])")
    settle(page, 1500)
    shoot(page, "17-water-prefecture")
    page.goto(base_url + "/zoning/screen")
    page.wait_for_selector("[data-test=zoning-map] svg")
    page.click("[data-test=lang-switch] [data-locale=en]")
    page.fill("[data-test=zoning-paste]", "87.62,43.83")
    page.click("[data-test=zoning-paste-apply]")
    page.fill("[data-test=zoning-industry]", "C2511")
    page.click("[data-test=zoning-screen]")
    page.wait_for_selector("[data-test=zoning-verdict]")
    settle(page, 1500)
    shoot(page, "18-zoning-english")
    ctx.close()


#: The new pages and what says each is complete (all sections loaded).
PAGES = {
    "/water/overview": "[data-test=water-series][data-count]:not([data-count='']) svg",
    "/zoning/screen": "[data-test=zoning-map] svg",
    "/cases": "[data-test=cases-table] .el-table__row",
    "/devices": "[data-test=devices-table] .el-table__row",
}


def bench_pages(browser: Any, base_url: str, runs: int) -> dict[str, Any]:
    """Cold loads (fresh context, token in session storage) of the water, zoning, case and device
    pages by the provincial analyst, until their data is drawn; medians in ms from navigation."""
    tok = token(base_url, "analyst")
    out: dict[str, Any] = {"runs": runs}
    for path, ready in PAGES.items():
        times: list[float] = []
        for run in range(runs + 1):  # the first run warms the server, not counted
            ctx = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
            ctx.add_init_script(f"sessionStorage.setItem('ecoguard.token', {json.dumps(tok)})")
            page = ctx.new_page()
            page.goto(base_url + path)
            page.wait_for_selector(ready, timeout=120_000)
            ms = page.evaluate("() => performance.now()")
            ctx.close()
            if run:
                times.append(ms)
        out[f"{path} ready ms"] = round(statistics.median(times), 1)
        out[f"{path} ready ms (min-max)"] = f"{min(times):.0f}-{max(times):.0f}"
    return out


def bench(browser: Any, base_url: str, runs: int) -> dict[str, Any]:
    """Cold loads of /air/overview by a signed-in provincial analyst (fresh context each run:
    empty cache, token already in the tab's session storage). Times are from navigation start."""
    tok = token(base_url, "analyst")
    samples: dict[str, list[float]] = {}
    for run in range(runs + 1):  # the first run warms the server, not counted
        ctx = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
        ctx.add_init_script(f"sessionStorage.setItem('ecoguard.token', {json.dumps(tok)})")
        page = ctx.new_page()
        page.goto(base_url + "/air/overview")
        page.wait_for_function(
            "() => document.querySelectorAll('[data-test=station-map] svg text').length > 0",
            polling="raf",
            timeout=120_000,
        )
        map_ms = page.evaluate("() => performance.now()")
        page.wait_for_function(
            "() => window.__ecoguardOverviewReady !== undefined", polling="raf", timeout=120_000
        )
        m = page.evaluate(
            """() => {
              const nav = performance.getEntriesByType('navigation')[0];
              const res = performance.getEntriesByType('resource');
              const api = {};
              for (const r of res) {
                const u = new URL(r.name);
                if (u.pathname.startsWith('/api/v1/'))
                  api[u.pathname] = r.responseEnd - r.startTime;
              }
              return {
                ready: window.__ecoguardOverviewReady,
                dcl: nav.domContentLoadedEventEnd,
                bytes: res.reduce((a, r) => a + (r.transferSize || 0), nav.transferSize || 0),
                requests: res.length + 1,
                api,
              };
            }"""
        )
        ctx.close()
        if run == 0:
            continue
        row = {
            "dom_content_loaded_ms": m["dcl"],
            "map_drawn_ms": map_ms,
            "all_sections_loaded_ms": m["ready"],
            "transfer_kib": m["bytes"] / 1024,
            "requests": m["requests"],
        }
        row.update({f"api {k} ms": v for k, v in m["api"].items()})
        for k, v in row.items():
            samples.setdefault(k, []).append(v)
    out: dict[str, Any] = {"runs": runs}
    for k, vals in samples.items():
        out[k] = round(statistics.median(vals), 1)
        if k.endswith("_ms"):
            out[k + " (min-max)"] = f"{min(vals):.0f}-{max(vals):.0f}"
    return out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--base-url", help="use a running server (with the demo data) instead of starting one"
    )
    ap.add_argument(
        "--bench", type=int, default=0, metavar="N", help="time N cold loads of the overview"
    )
    ap.add_argument(
        "--bench-pages",
        type=int,
        default=0,
        metavar="N",
        help="time N cold loads of the water, zoning, case and device pages",
    )
    ap.add_argument(
        "--only",
        choices=["all", "air", "more"],
        default="all",
        help="air: the air and registry pages; more: water, zoning, cases, devices",
    )
    ap.add_argument("--no-screenshots", action="store_true")
    args = ap.parse_args()

    reason = why_not_runnable()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ecoguard-shots-") as tmpdir:
        tmp = Path(tmpdir)
        server = None
        base_url = args.base_url
        if not base_url:
            print("seeding the demo province ...")
            seed_demo(tmp / "home")
            seed_more(tmp / "home")
            server = start_server(tmp / "home")
            base_url = server.base_url
            print(f"ecoguard serve at {base_url} (up in {server.started_in:.1f} s)")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
                try:
                    if args.bench:
                        result = bench(browser, base_url, args.bench)
                        result["chromium"] = browser.version
                        result["machine"] = f"{platform.machine()}, {platform.system()}"
                        print(json.dumps(result, indent=2))
                    if args.bench_pages:
                        print(
                            json.dumps(bench_pages(browser, base_url, args.bench_pages), indent=2)
                        )
                    if not args.no_screenshots:
                        print("screenshots:")
                        if args.only in ("all", "air"):
                            screenshots(browser, base_url, tmp)
                        if args.only in ("all", "more"):
                            screenshots_more(browser, base_url)
                finally:
                    browser.close()
        finally:
            if server:
                server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
