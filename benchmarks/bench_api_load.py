"""Registry API under concurrent load, SQLite and PostgreSQL side by side.

For each backend the script builds a demo registry (migrations, ``seed_demo``, the demo air
stations) beside one shared time-series store with generated hourly data, starts the real
server (uvicorn, one worker, as ``ecoguard serve`` does) in a subprocess, signs in as the
provincial analyst, and fires requests from client threads at:

* ``health``     GET /api/v1/health: the floor (routing + one ``SELECT 1``);
* ``stations``   GET /api/v1/air-stations?limit=1000: a scoped registry list;
* ``boundaries`` GET /api/v1/regions/boundaries: the dashboard map's GeoJSON;
* ``latest``     GET /api/v1/air/latest: latest hourly AQI of every station (map);
* ``series``     GET /api/v1/air/stations/{code}/hourly: one station, 7 days with AQI.

It prints requests/s, p50 and p99 latency per endpoint and backend, and the ratio of each
endpoint's throughput to the ``health`` floor. Client and server share the machine's cores,
so absolute numbers understate a deployment; compare rows within one run.

Usage::

    .venv/bin/python benchmarks/bench_api_load.py [--requests 300] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from ecoguard.registry.db import make_engine, session_scope, upgrade
from ecoguard.registry.demo import seed_demo
from ecoguard.registry.pgtemp import TempCluster, find_bindir, start_cluster
from ecoguard.registry.stations import upsert_air_stations

SECRET = "bench-secret-" + "z" * 40
DAYS = 30


@dataclass
class Result:
    """Latencies of one endpoint on one backend."""

    backend: str
    endpoint: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        """Latency percentile [ms]."""
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def prepare_timeseries(home: Path) -> str | None:
    """Generate the demo air data into the shared store; returns a station code or None."""
    try:
        from ecoguard.air.imports import store_air_hourly
        from ecoguard.demo.air import generate_air_hours
        from ecoguard.timeseries.store import TimeseriesStore
    except ImportError as exc:  # the air package is another issue's
        print(f"air endpoints skipped: {exc}", file=sys.stderr)
        return None
    last = dt.date.today() - dt.timedelta(days=1)
    table = generate_air_hours(last - dt.timedelta(days=DAYS - 1), last)
    store_air_hourly(TimeseriesStore(home / "timeseries"), table)
    code = table.column("station_code")[0].as_py() if "station_code" in table.column_names else None
    return str(code) if code else None


def prepare_registry(url: str) -> None:
    """Migrate and seed the demo registry with the demo air stations."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine, actor="bench") as session:
            seed_demo(session)
            try:
                from ecoguard.demo.air import demo_station_rows

                upsert_air_stations(session, demo_station_rows())
            except ImportError:
                pass
    finally:
        engine.dispose()


class Server:
    """``uvicorn ecoguard.api.app:create_app --factory`` in a subprocess."""

    def __init__(self, home: Path, url: str) -> None:
        self.port = _free_port()
        env = dict(
            os.environ,
            ECOGUARD_HOME=str(home),
            ECOGUARD_DATABASE_URL=url,
            ECOGUARD_JWT_SECRET=SECRET,
        )
        env.pop("ECOGUARD_DEMO", None)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "ecoguard.api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 180  # imports are slow on a busy machine
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        """Stop the server."""
        self.proc.terminate()
        self.proc.wait(timeout=10)


def hammer(
    base: str, path: str, headers: dict[str, str], total: int, concurrency: int
) -> tuple[list[float], int, float]:
    """Send ``total`` GETs from ``concurrency`` threads; latencies [ms], errors, wall time."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            while True:
                with lock:
                    if next(counter, None) is None:
                        return
                t0 = time.perf_counter()
                r = client.get(path)
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(ms)
                    if r.status_code != 200:
                        errors += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - start


def run_backend(
    backend: str, home: Path, url: str, station: str | None, total: int, concurrency: int
) -> list[Result]:
    """Benchmark every endpoint on one backend."""
    prepare_registry(url)
    server = Server(home, url)
    try:
        token = httpx.post(
            f"{server.base}/api/v1/login/access-token",
            data={"username": "analyst", "password": "ecoguard-analyst"},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        today = dt.date.today()
        paths = {
            "health": "/api/v1/health",
            "stations": "/api/v1/air-stations?limit=1000",
            "boundaries": "/api/v1/regions/boundaries",
        }
        if station:
            start = (today - dt.timedelta(days=7)).isoformat()
            end = (today - dt.timedelta(days=1)).isoformat()
            paths["latest"] = "/api/v1/air/latest"
            paths["series"] = f"/api/v1/air/stations/{station}/hourly?start={start}&end={end}"
        results = []
        for name, path in paths.items():
            hammer(server.base, path, headers, 10, 2)  # warm up
            lat, errors, secs = hammer(server.base, path, headers, total, concurrency)
            results.append(Result(backend, name, len(lat), errors, secs, lat))
            print(f"  {backend:<10} {name:<10} {len(lat) / secs:8.1f} req/s", file=sys.stderr)
        return results
    finally:
        server.stop()


def markdown(results: list[Result], concurrency: int) -> str:
    """The results as a Markdown table."""
    floor = {r.backend: r.rps for r in results if r.endpoint == "health"}
    lines = [
        "| endpoint | backend | req/s | p50 ms | p99 ms | errors | vs health (same backend) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for endpoint in dict.fromkeys(r.endpoint for r in results):
        for r in (x for x in results if x.endpoint == endpoint):
            lines.append(
                f"| {endpoint} | {r.backend} | {r.rps:.0f} | {r.pct(0.5):.1f} | "
                f"{r.pct(0.99):.1f} | {r.errors} | {r.rps / floor[r.backend]:.2f} |"
            )
    lines.append("")
    lines.append(f"{concurrency} concurrent client threads; p50/p99 over all requests.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per endpoint")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ecoguard-bench-") as tmp:
        home = Path(tmp)
        station = prepare_timeseries(home)
        backends: list[tuple[str, Callable[[], str]]] = [
            ("sqlite", lambda: f"sqlite:///{home / 'registry.sqlite3'}")
        ]
        cluster: TempCluster | None = None
        if not args.sqlite_only and find_bindir() is not None:
            cluster = start_cluster()
            backends.append(("postgresql", lambda: cluster.create_database("bench")))
        results: list[Result] = []
        try:
            for name, make_url in backends:
                results += run_backend(
                    name, home, make_url(), station, args.requests, args.concurrency
                )
        finally:
            if cluster is not None:
                cluster.stop()
    print(markdown(results, args.concurrency))


if __name__ == "__main__":
    main()
