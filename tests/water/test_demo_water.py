"""Demo water data: registry sections and generated readings, judged by the real assessment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import pytest
import shapely
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ecoguard.config import Settings
from ecoguard.demo.water import (
    DEMO_SECTIONS,
    DemoWaterSummary,
    generate_water_readings,
    install_demo_water,
)
from ecoguard.ingest.cnemc_water import CNEMC_COLUMNS
from ecoguard.registry.db import make_engine, session_scope, upgrade
from ecoguard.registry.demo import DEMO_PROVINCE_NAME, seed_demo
from ecoguard.registry.models import Region, WaterSection
from ecoguard.timeseries.store import TimeseriesStore
from ecoguard.water.assess import GroupBy, assess, parse_period
from ecoguard.water.sections import sections_from_registry
from ecoguard.water.store import TABLE, load_readings

JAN = (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
JUL = (dt.date(2025, 7, 1), dt.date(2025, 7, 31))
CST = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Installed:
    engine: Engine
    store: TimeseriesStore
    first: list[DemoWaterSummary]
    again: DemoWaterSummary


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    settings = Settings(home=tmp_path_factory.mktemp("home"), demo=True)
    upgrade(settings.registry_url)
    engine = make_engine(settings.registry_url)
    store = TimeseriesStore(settings.timeseries_root)
    with session_scope(engine, actor="test") as session:
        seed_demo(session, counties=False)
        first = [install_demo_water(session, store, *JAN), install_demo_water(session, store, *JUL)]
    with session_scope(engine, actor="test") as session:
        again = install_demo_water(session, store, *JAN)
    yield Installed(engine, store, first, again)
    engine.dispose()


def _assess(installed: Installed, period: str) -> pd.DataFrame:
    with Session(installed.engine) as session:
        table = sections_from_registry(session)
    return assess(installed.store, parse_period(period), GroupBy.SECTION, table).table.set_index(
        "section"
    )


def test_sections_are_registered_in_their_prefectures(installed: Installed) -> None:
    with Session(installed.engine) as session:
        rows = session.scalars(select(WaterSection).order_by(WaterSection.code)).all()
        regions = {r.adcode: r for r in session.scalars(select(Region))}
    assert 15 <= len(rows) <= 25 and len(rows) == len(DEMO_SECTIONS)
    assert len({r.code for r in rows}) == len(rows) and len({r.name for r in rows}) == len(rows)
    assert {r.water_body_type for r in rows} == {"river", "lake_reservoir"}
    for row in rows:
        assert row.name.endswith("（演示）") and row.code.startswith("DEMO-")
        region = regions[row.region_adcode]
        assert region.level == "prefecture" and region.parent_adcode == "650000"
        assert region.boundary_geojson is not None
        boundary = shapely.from_geojson(region.boundary_geojson)
        assert boundary.contains(shapely.Point(row.lon, row.lat)), row.name
        assert row.target_class in {"I", "II", "III", "IV", "V"} and row.basin


def test_install_is_idempotent(installed: Installed) -> None:
    jan, jul = installed.first
    assert (jan.sections_created, jul.sections_created) == (len(DEMO_SECTIONS), 0)
    assert jul.sections_unchanged == len(DEMO_SECTIONS)
    assert jan.inserted == jan.readings > 0 and jul.inserted == jul.readings > 0
    again = installed.again
    assert (again.sections_created, again.sections_updated, again.inserted) == (0, 0, 0)
    assert again.readings == jan.readings
    with Session(installed.engine) as session:
        assert session.scalar(select(func.count()).select_from(WaterSection)) == len(DEMO_SECTIONS)


def test_values_do_not_depend_on_the_range_asked_for() -> None:
    whole = generate_water_readings(*JAN, region="r")
    part = generate_water_readings(dt.date(2025, 1, 10), dt.date(2025, 1, 12), region="r")
    keys = ["section", "parameter", "time"]
    merged = part.merge(whole, on=keys, suffixes=("", "_whole"))
    assert len(merged) == len(part) > 0
    assert (merged["value"] == merged["value_whole"]).all()
    local = part["time"].dt.tz_convert(CST)
    assert local.min() == pd.Timestamp("2025-01-10T00:00", tz=CST)
    assert local.max() == pd.Timestamp("2025-01-12T20:00", tz=CST)


def test_readings_are_four_hourly_in_canonical_codes_with_two_percent_missing(
    installed: Installed,
) -> None:
    start = dt.datetime(2025, 1, 1, tzinfo=CST)
    readings = load_readings(installed.store, start, dt.datetime(2025, 2, 1, tzinfo=CST))
    assert set(readings["region"]) == {DEMO_PROVINCE_NAME}
    assert set(readings["parameter"]) <= {c.code for c in CNEMC_COLUMNS.values()}
    assert set(readings["unit"]) <= {c.unit for c in CNEMC_COLUMNS.values()}
    assert set(readings["flag"]) == {"N"}
    times = pd.to_datetime(readings["time"], utc=True).dt.tz_convert(CST)
    assert set(times.dt.hour) == {0, 4, 8, 12, 16, 20} and set(times.dt.minute) == {0}
    length = pd.to_datetime(readings["time_end"], utc=True) - pd.to_datetime(
        readings["time"], utc=True
    )
    assert set(length) == {pd.Timedelta(hours=4)}
    params = readings.groupby("section")["parameter"].nunique()
    possible = int(params.sum()) * 31 * 6
    missing = 1.0 - len(readings) / possible
    assert 0.01 <= missing <= 0.035, missing
    assert installed.store.exists(TABLE)


def test_january_spread_most_sections_good_a_few_polluted(installed: Installed) -> None:
    table = _assess(installed, "2025-01")
    assert len(table) == len(DEMO_SECTIONS) and (table["water_class"] != "").all()
    classes = table["water_class"]
    assert (classes.isin(["Ⅱ", "Ⅲ"])).sum() >= 0.75 * len(table)
    assert set(classes) <= {"Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ"}
    # winter ammonia below Urumqi and on the 头屯河
    assert classes["乌鲁木齐河米东（演示）"] == "Ⅴ"
    assert table.loc["乌鲁木齐河米东（演示）", "deciding"] == "nh3_n"
    assert not table.loc["乌鲁木齐河米东（演示）", "meets_target"]  # target Ⅳ
    assert classes["头屯河三坪（演示）"] == "Ⅳ"
    # the nutrient-rich lake: Ⅴ by TP (lake limits)
    assert classes["柴窝堡湖（演示）"] == "Ⅴ"
    assert table.loc["柴窝堡湖（演示）", "deciding"] == "tp"
    assert table.loc["柴窝堡湖（演示）", "section_type"] == "lake"
    assert classes["赛里木湖（演示）"] == "Ⅱ" and classes["伊犁河雅马渡（演示）"] == "Ⅱ"


def test_july_spread_follows_the_seasons(installed: Installed) -> None:
    table = _assess(installed, "2025-07")
    classes = table["water_class"]
    assert (classes.isin(["Ⅱ", "Ⅲ"])).sum() >= 0.75 * len(table)
    assert classes["乌鲁木齐河米东（演示）"] == "Ⅲ"  # the river runs full in summer
    assert classes["喀什噶尔河喀什（演示）"] == "Ⅳ"  # melt-season sediment brings TP
    assert table.loc["喀什噶尔河喀什（演示）", "deciding"] == "tp"
    assert classes["乌伦古湖湖心（演示）"] == "Ⅳ"
    assert table.loc["乌伦古湖湖心（演示）", "deciding"] == "codmn"
    assert classes["柴窝堡湖（演示）"] == "Ⅴ"
    start = dt.datetime(2025, 7, 1, tzinfo=CST)
    readings = load_readings(installed.store, start, dt.datetime(2025, 8, 1, tzinfo=CST))
    tn = readings[readings["parameter"] == "tn"].groupby("section")["value"].mean()
    tp = readings[readings["parameter"] == "tp"].groupby("section")["value"].mean()
    assert tn["柴窝堡湖（演示）"] > 2.0 and tn.idxmax() == "柴窝堡湖（演示）"
    assert tp["柴窝堡湖（演示）"] > 0.1  # class Ⅴ by the lake TP limits


def test_basins_and_prefectures_can_be_assessed(installed: Installed) -> None:
    with Session(installed.engine) as session:
        table = sections_from_registry(session)
    basins = assess(installed.store, parse_period("2025-01"), GroupBy.BASIN, table).table
    assert "塔里木河流域" in set(basins["basin"]) and "(all)" in set(basins["basin"])
    every = basins.set_index("basin").to_dict(orient="index")["(all)"]
    assert every["sections"] == len(DEMO_SECTIONS)
    assert 75.0 <= float(every["excellent_pct"]) < 100.0


def test_install_needs_the_demo_prefectures(tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = Settings(home=tmp_path_factory.mktemp("empty"), demo=True)
    upgrade(settings.registry_url)
    engine = make_engine(settings.registry_url)
    store = TimeseriesStore(settings.timeseries_root)
    with Session(engine) as session, pytest.raises(ValueError, match="not registered"):
        install_demo_water(session, store, *JAN)
    with Session(engine) as session, pytest.raises(ValueError, match="before"):
        install_demo_water(session, store, JAN[1], JAN[0])
    engine.dispose()
    assert not store.exists(TABLE)
