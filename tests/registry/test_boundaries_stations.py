"""Boundaries from department files, the demo seed, and the CNEMC station-list upsert."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
from sqlalchemy import func, select

from ecoguard.registry.boundaries import (
    BoundaryFileError,
    Datum,
    read_boundary_file,
    store_boundaries,
)
from ecoguard.registry.db import make_engine, make_sessionmaker, session_scope, upgrade
from ecoguard.registry.demo import XPCC_CITIES, seed_demo
from ecoguard.registry.geo import wgs84_to_gcj02
from ecoguard.registry.models import AirStation, AuditLog, Region
from ecoguard.registry.stations import StationRow, upsert_air_stations


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "r.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine, "test") as session:
        seed_demo(session, counties=False)
    engine.dispose()
    return path


@pytest.fixture
def seeded_url(seeded_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "r.sqlite3"
    shutil.copyfile(seeded_template, path)
    return f"sqlite:///{path}"


def test_seed_demo_is_idempotent(seeded_url: str) -> None:
    engine = make_engine(seeded_url)
    try:
        factory = make_sessionmaker(engine)
        with factory() as session:
            prefectures = {
                r.adcode: r.name
                for r in session.scalars(select(Region).where(Region.level == "prefecture"))
            }
            assert len(prefectures) == 24  # 14 prefectures + 10 XPCC cities
            assert prefectures["650100"] == "乌鲁木齐市"
            for adcode, name in XPCC_CITIES.items():
                assert prefectures[adcode] == name
            urumqi = session.get(Region, "650100")
            assert urumqi is not None and urumqi.boundary_geojson
            geom = shapely.from_geojson(urumqi.boundary_geojson)
            assert geom.is_valid
            # the boundary (converted to WGS-84) contains the city centre
            assert geom.contains(shapely.Point(87.6168, 43.8256))
            audit_rows = session.scalar(select(func.count()).select_from(AuditLog))
        with session_scope(engine, "again") as session:
            report = seed_demo(session, counties=False)
        assert (report.regions, report.enterprises, report.devices, report.created_users) == (
            0,
            0,
            0,
            [],
        )
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(AuditLog)) == audit_rows
    finally:
        engine.dispose()


def _write(path: Path, geoms: list[shapely.Geometry], crs: str, **fields: list[object]) -> None:
    pyogrio.raw.write(
        path,
        geometry=np.array(shapely.to_wkb(geoms), dtype=object),
        field_data=[np.array(v, dtype=object) for v in fields.values()],
        fields=list(fields),
        geometry_type="Polygon",
        crs=crs,
    )


def test_read_gpkg_in_web_mercator_and_gcj02_geojson(tmp_path: Path) -> None:
    from pyproj import Transformer

    square = shapely.box(87.5, 43.7, 87.7, 43.9)
    to_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    projected = shapely.transform(square, lambda xy: np.column_stack(to_3857.transform(*xy.T)))
    gpkg = tmp_path / "zones.gpkg"
    _write(gpkg, [projected], "EPSG:3857", code=["650100"], title=["乌鲁木齐市"])
    records = read_boundary_file(gpkg, adcode_field="code", name_field="title")
    assert records[0].adcode == "650100"
    assert records[0].geometry.bounds == pytest.approx(square.bounds, abs=1e-6)

    shifted = shapely.transform(square, lambda xy: np.column_stack(wgs84_to_gcj02(*xy.T)))
    gj = tmp_path / "amap.geojson"
    _write(gj, [shifted], "EPSG:4326", adcode=["650100"], name=["乌鲁木齐市"])
    back = read_boundary_file(gj, datum=Datum.gcj02)[0].geometry
    assert back.bounds == pytest.approx(square.bounds, abs=1e-7)
    with pytest.raises(BoundaryFileError, match="no field 'code'"):
        read_boundary_file(gj, adcode_field="code")


def test_store_department_boundaries(shared_data: Path, seeded_url: str) -> None:
    records = read_boundary_file(
        shared_data / "boundaries" / "650000_xinjiang_prefectures_echarts.geojson"
    )
    assert {"650100", "659001"} <= {r.adcode for r in records}
    engine = make_engine(seeded_url)
    try:
        with session_scope(engine, "importer") as session:
            n = store_boundaries(session, records, source="echarts (DataV)")
            assert n == len(records)
            urumqi = session.get(Region, "650100")
            assert urumqi is not None and urumqi.boundary_source == "echarts (DataV)"
    finally:
        engine.dispose()


def _cnemc_rows(shared_data: Path) -> list[StationRow]:
    text = (shared_data / "cnemc_sites" / "site_list_GB18030.csv").read_bytes().decode("gb18030")
    rows = []
    for rec in csv.DictReader(io.StringIO(text)):

        def num(v: str) -> float | None:
            try:
                return float(v)
            except ValueError:
                return None

        rows.append(
            StationRow(
                code=rec["监测点编码"],
                name=rec["监测点名称"],
                city=rec["城市"],
                lon=num(rec["经度"]),
                lat=num(rec["纬度"]),
                is_background=rec["对照点"] == "Y",
            )
        )
    return rows


def test_upsert_real_station_list_maps_xpcc_cities(shared_data: Path, seeded_url: str) -> None:
    rows = _cnemc_rows(shared_data)
    engine = make_engine(seeded_url)
    try:
        with session_scope(engine, "import") as session:
            report = upsert_air_stations(session, rows)
            xj = session.scalars(select(AirStation)).all()
            by_city = {}
            for s in xj:
                by_city.setdefault(s.city, set()).add(s.region_adcode)
            # the third-party columns say 阿勒泰地区 for these; 城市 is right
            assert by_city["石河子"] == {"659001"}
            assert by_city["五家渠"] == {"659004"}
            assert by_city["乌鲁木齐"] == {"650100"}
            assert by_city["昌吉州"] == {"652300"}
            assert by_city["吐鲁番地区"] == {"650400"}
            assert by_city["巴音郭楞州"] == {"652800"}
            assert report.created == len(xj) >= 50
            # stations outside the demo province are rejected with a reason, not lost silently
            assert any("北京" in reason for _, reason in report.rejected)
        with session_scope(engine, "import") as session:
            again = upsert_air_stations(session, rows)
            assert (again.created, again.updated) == (0, 0)
            assert again.unchanged == report.created
            moved = [StationRow("9999A", "新站", "克拉玛依", 84.9, 45.6, True)]
            assert upsert_air_stations(session, moved).created == 1
            station = session.scalars(select(AirStation).where(AirStation.code == "9999A")).one()
            assert (station.region_adcode, station.is_background) == ("650200", True)
    finally:
        engine.dispose()


def test_another_province_and_a_shapefile(tmp_path: Path) -> None:
    from ecoguard.registry.demo import seed_regions

    url = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine, "test") as session:
            assert seed_regions(session, province_name="甘肃省", counties=False) == 15
            lanzhou = session.get(Region, "620100")
            assert lanzhou is not None and lanzhou.parent_adcode == "620000"
            with pytest.raises(ValueError, match="no province"):
                seed_regions(session, province_name="Atlantis")
    finally:
        engine.dispose()
    shp = tmp_path / "zones.shp"
    _write(
        shp,
        [shapely.box(103.5, 35.9, 104.0, 36.3)],
        "EPSG:4490",
        adcode=["620100"],
        name=["兰州市"],
    )
    records = read_boundary_file(shp)
    assert (records[0].adcode, records[0].name) == ("620100", "兰州市")
