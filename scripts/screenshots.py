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
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
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
    find_chromium,
    seed_demo,
    sign_in,
    start_server,
    why_not_runnable,
    write_cnemc_file,
)

OUT = REPO / "docs" / "screenshots"
WIDTH = 1440


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
                    if not args.no_screenshots:
                        print("screenshots:")
                        screenshots(browser, base_url, tmp)
                finally:
                    browser.close()
        finally:
            if server:
                server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
