"""API fixtures: a seeded demo registry on SQLite and on a throw-away PostgreSQL cluster.

The demo registry (migrations + ``seed_demo`` + a few sites) is built once per backend; each
test starts from the same data and may change it freely (a copy of the file on SQLite, a
rolled-back outer transaction on PostgreSQL for the API tests). ``db_url`` gives other suites
(cases, ...) a fresh copy on both backends (``CREATE DATABASE ... TEMPLATE`` on PostgreSQL).
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
from sqlalchemy.orm import sessionmaker

from ecoguard.api.app import create_app
from ecoguard.config import Settings
from ecoguard.registry.audit import install as install_audit
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
    """Name of a seeded PostgreSQL database used only as a template (never connected to)."""
    name = "tpl_registry"
    seed_registry(pg_cluster.create_database(name))
    return name


@pytest.fixture(scope="session")
def pg_shared(pg_cluster: TempCluster, pg_template: str) -> str:
    """URL of one seeded PostgreSQL registry shared by the API tests (each test rolls back)."""
    return pg_cluster.create_database("shared_registry", template=pg_template)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh copy of the seeded registry on each backend (other suites use it too)."""
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


@pytest.fixture(params=BACKENDS)
def api_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The registry behind :func:`api`: a file copy on SQLite, the shared database on
    PostgreSQL (where :func:`api` wraps the test in a transaction that is rolled back)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "registry.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    shared: str = request.getfixturevalue("pg_shared")
    return shared


@pytest.fixture
def api(api_db_url: str, tmp_path: Path) -> Iterator[Api]:
    """The API over the seeded registry; nothing a test changes outlives it.

    On PostgreSQL the app's sessions join an outer transaction on one connection through
    savepoints (``join_transaction_mode="create_savepoint"``): endpoint commits release a
    savepoint and the outer transaction is rolled back after the test. On SQLite each test has
    its own copy of the file and the sessions are the app's own.
    """
    settings = Settings(home=tmp_path, database_url=api_db_url, jwt_secret=SECRET)
    engine = make_engine(api_db_url)
    app = create_app(settings, engine=engine, static_dir=tmp_path / "no-dist")
    connection = None
    outer = None
    if engine.dialect.name == "postgresql":
        connection = engine.connect()
        outer = connection.begin()
        factory = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        install_audit(factory)
        app.state.sessionmaker = factory
    with app.state.sessionmaker() as session:
        user_ids = {u.username: u.id for u in session.scalars(select(User))}
        ids = {
            f"enterprise:{e.region_adcode}": e.id
            for e in session.scalars(select(Enterprise).order_by(Enterprise.id.desc()))
        }
    try:
        with TestClient(app) as client:
            yield Api(client, app, settings, user_ids, ids)
    finally:
        if outer is not None and connection is not None:
            outer.rollback()
            connection.close()
        engine.dispose()
