"""Browser tests: Playwright (Python) driving Debian's chromium against a real ``ecoguard serve``.

Skipped, with the reason, when chromium or the dashboard build (src/ecoguard/web/dist) is absent.
``ECOGUARD_WEB_BASE_URL`` points the tests at an already running server (with the demo data)
instead of starting one.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from liveserver import (
    CHROMIUM_ARGS,
    PASSWORDS,
    find_chromium,
    seed_demo,
    sign_in,
    start_server,
    why_not_runnable,
)


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = why_not_runnable()
    if reason:
        pytest.skip(reason)
    if os.environ.get("ECOGUARD_WEB_BASE_URL"):
        yield os.environ["ECOGUARD_WEB_BASE_URL"].rstrip("/")
        return
    home = tmp_path_factory.mktemp("ecoguard-home")
    seed_demo(home)
    server = start_server(home)
    try:
        yield server.base_url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the whole session (Playwright's sync API allows one at a time)."""
    reason = why_not_runnable()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh browser context (no token, no saved language) with page errors collected."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.page_errors = errors
    try:
        yield pg
    finally:
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


class Api:
    """Plain HTTP client of the same server, to compare what the page shows with the API."""

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

    def status(self, path: str) -> int:
        req = urllib.request.Request(
            f"{self.base_url}/api/v1{path}", headers={"Authorization": f"Bearer {self.token}"}
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)

    def get(self, path: str) -> Any:
        req = urllib.request.Request(
            f"{self.base_url}/api/v1{path}", headers={"Authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)


@pytest.fixture(scope="session")
def api_as(base_url: str) -> Any:
    cache: dict[str, Api] = {}

    def get(username: str) -> Api:
        if username not in cache:
            cache[username] = Api(base_url, username)
        return cache[username]

    return get


@pytest.fixture
def signed_in(page: Any, base_url: str) -> Any:
    def go(username: str, path: str = "/") -> Any:
        sign_in(page, base_url, username, path)
        return page

    return go
