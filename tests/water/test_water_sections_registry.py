"""Section attributes read from the registry."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from ecoguard.registry.base import Base
from ecoguard.registry.db import make_engine
from ecoguard.registry.models import Region, WaterSection
from ecoguard.standards.gb3838 import SectionType, WaterClass
from ecoguard.water.sections import registry_sections


def test_sections_come_from_the_registry_with_their_province(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert registry_sections(url) is None  # not created as a side effect
    assert not (tmp_path / "registry.sqlite3").exists()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Region(adcode="360000", name="江西省", level="province"),
                Region(adcode="360400", name="九江市", level="prefecture", parent_adcode="360000"),
                Region(adcode="630000", name="青海省", level="province"),
            ]
        )
        session.flush()
        session.add_all(
            [
                WaterSection(code="S1", name="金滩", water_body_type="river", basin="长江流域",
                             target_class="III", region_adcode="360400", lon=116.0, lat=29.0),
                WaterSection(code="S2", name="金滩", water_body_type="lake_reservoir",
                             basin="黄河流域", target_class="II", region_adcode="630000",
                             lon=101.0, lat=36.0),
            ]
        )  # fmt: skip
        session.commit()
    engine.dispose()
    table = registry_sections(url)
    assert table is not None and len(table) == 2
    jiangxi = table.lookup("金滩", "江西省")
    qinghai = table.lookup("金滩", "青海省")
    assert jiangxi is not None and qinghai is not None
    assert (jiangxi.section_type, jiangxi.target_class) == (SectionType.RIVER, WaterClass.III)
    assert (qinghai.section_type, qinghai.basin) == (SectionType.LAKE, "黄河流域")
