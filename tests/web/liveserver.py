"""A real ``ecoguard serve`` on a free loopback port, against a temporary ECOGUARD_HOME filled by
``ecoguard demo``, and Debian's chromium for Playwright. Used by the tests in this folder and by
``scripts/screenshots.py``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecoguard.registry.demo import DEMO_USERS

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "src" / "ecoguard" / "web" / "dist"

#: Passwords of the demo accounts (public, printed by `ecoguard demo`).
PASSWORDS = {u.username: u.password for u in DEMO_USERS}

#: Flags for Debian's chromium in a container: no sandbox, no GPU, no background network chatter.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    """Debian's chromium (``ECOGUARD_CHROMIUM`` overrides); ``None`` when absent."""
    for candidate in (
        os.environ.get("ECOGUARD_CHROMIUM"),
        shutil.which("chromium"),
        "/usr/bin/chromium",
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def dist_built() -> bool:
    """Whether the dashboard build (``scripts/build-frontend``) is in place."""
    return (DIST / "index.html").is_file()


def why_not_runnable() -> str | None:
    """The reason browser tests cannot run here, or ``None``."""
    if find_chromium() is None:
        return "Debian's chromium not found (apt-get install chromium, or set ECOGUARD_CHROMIUM)"
    if not dist_built():
        return f"dashboard not built: {DIST / 'index.html'} missing (run scripts/build-frontend)"
    return None


def ecoguard_command() -> list[str]:
    """The ``ecoguard`` console script of the running interpreter's environment."""
    exe = Path(sys.executable).parent / "ecoguard"
    if exe.is_file():
        return [str(exe)]
    return [sys.executable, "-c", "from ecoguard.cli.main import main; main()"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ECOGUARD_HOME"] = str(home)
    env.pop("ECOGUARD_DATABASE_URL", None)
    env.pop("ECOGUARD_DEMO", None)
    env["ECOGUARD_JWT_SECRET"] = secrets.token_urlsafe(48)  # a random secret, as in production
    return env


def seed_demo(home: Path) -> None:
    """Fill ``home`` with the demo province (registry + generated air data)."""
    home.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [*ecoguard_command(), "demo"],
        env=server_env(home),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"ecoguard demo failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


@dataclass
class LiveServer:
    base_url: str
    home: Path
    proc: subprocess.Popen[bytes]
    log: Path
    started_in: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def start_server(home: Path, *, timeout: float = 90.0) -> LiveServer:
    """Start ``ecoguard serve --host 127.0.0.1 --port N`` and wait until /api/v1/health answers."""
    port = free_port()
    log = home / f"serve-{port}.log"
    t0 = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*ecoguard_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env(home),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", home, proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"ecoguard serve exited with {proc.returncode}:\n{server.log_text()}"
            )
        try:
            with urllib.request.urlopen(f"{server.base_url}/api/v1/health", timeout=2) as r:
                if r.status == 200:
                    server.started_in = time.perf_counter() - t0
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"ecoguard serve did not answer within {timeout} s:\n{server.log_text()}")


def sign_in(page: Any, base_url: str, username: str, path: str = "/") -> None:
    """Sign in through the form and wait for the shell."""
    page.goto(base_url + path)
    page.wait_for_selector("[data-test=login-submit]")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("[data-test=login-submit]")
    page.wait_for_selector("[data-test=scope-region]")


def write_cnemc_file(path: Path, day: str, codes: list[str]) -> Path:
    """A small china_sites file in the CNEMC layout with one bad cell (invented values)."""
    ymd = day.replace("-", "")
    lines = ["date,hour,type," + ",".join(codes)]
    for hour in (1, 2, 3):
        lines.append(
            f"{ymd},{hour},PM2.5," + ",".join(str(30 + hour + i) for i in range(len(codes)))
        )
        lines.append(
            f"{ymd},{hour},PM10," + ",".join(str(60 + hour + i) for i in range(len(codes)))
        )
    lines.append(f"{ymd},4,PM2.5," + ",".join(["oops", *["40"] * (len(codes) - 1)]))
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path
