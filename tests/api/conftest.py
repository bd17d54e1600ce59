"""API fixtures: a seeded demo registry on SQLite and on a throw-away PostgreSQL cluster.

The demo registry (migrations + ``seed_demo`` + a few sites) is built once per backend and
copied for every test (file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL),
so each test starts from the same data and may change it freely.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_harness import Api
from fastapi.testclient import TestClient
from sqlalchemy import select

from ecoguard.api.app import create_app
from ecoguard.config import Settings
from ecoguard.registry.db import make_engine, session_scope, upgrade
from ecoguard.registry.demo import seed_demo
from ecoguard.registry.models import AirStation, Enterprise, User, WaterSection
from ecoguard.registry.pgtemp import TempCluster, find_bindir, start_cluster

SECRET = "test-secret-" + "x" * 40
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def seed_registry(url: str) -> None:
    """Migrate and fill a database with the demo province and two sites of each kind."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine, actor="test-seed") as session:
            seed_demo(session, counties=True)
            for code, name, city, region, lon, lat in (
                ("9001A", "示例站（乌鲁木齐）", "乌鲁木齐", "650102", 87.6, 43.8),
                ("9002A", "示例站（克拉玛依）", "克拉玛依", "650200", 84.9, 45.6),
            ):
                session.add(
                    AirStation(
                        code=code, name=name, city=city, region_adcode=region, lon=lon, lat=lat
                    )
                )
            for code, name, region, lon, lat in (
                ("WS-URU-1", "示例断面（乌鲁木齐河）", "650100", 87.5, 43.9),
                ("WS-KLM-1", "示例断面（克拉玛依）", "650200", 84.8, 45.5),
            ):
                session.add(
                    WaterSection(
                        code=code,
                        name=name,
                        water_body_type="river",
                        target_class="II",
                        region_adcode=region,
                        lon=lon,
                        lat=lat,
                    )
                )
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[TempCluster]:
    """A PostgreSQL cluster started with initdb + pg_ctl for this test session."""
    if find_bindir() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded SQLite registry file to copy."""
    path = tmp_path_factory.mktemp("tpl") / "registry.sqlite3"
    seed_registry(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(pg_cluster: TempCluster) -> str:
    """Name of a seeded PostgreSQL database to use as template."""
    name = "tpl_registry"
    seed_registry(pg_cluster.create_database(name))
    return name


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh copy of the seeded registry on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "registry.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    cluster: TempCluster = request.getfixturevalue("pg_cluster")
    template_name: str = request.getfixturevalue("pg_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = cluster.create_database(name, template=template_name)
    yield url
    cluster.drop_database(name)


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    """The API over a fresh seeded registry."""
    settings = Settings(home=tmp_path, database_url=db_url, jwt_secret=SECRET)
    app = create_app(settings, static_dir=tmp_path / "no-dist")
    engine = app.state.engine
    with app.state.sessionmaker() as session:
        user_ids = {u.username: u.id for u in session.scalars(select(User))}
        ids = {
            f"enterprise:{e.region_adcode}": e.id
            for e in session.scalars(select(Enterprise).order_by(Enterprise.id.desc()))
        }
    with TestClient(app) as client:
        yield Api(client, app, settings, user_ids, ids)
    engine.dispose()
