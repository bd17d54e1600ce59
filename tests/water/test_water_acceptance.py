"""Acceptance on real data: the computed class equals CNEMC's published class.

Data: ../shared/data/water/cnemc_water_sections_2026-02-04.csv (600 sections, 593 with a class).
Section types: tests/water/data/cnemc_sections_2026-02-04.csv (how they were decided:
tests/water/data/README.md). Every disagreement is explained in docs/water-acceptance.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from ecoguard.ingest.cnemc_water import WaterFile, read_cnemc
from ecoguard.standards.gb3838 import SectionType
from ecoguard.standards.water_assessment import AUTO_STATION_ITEMS
from ecoguard.water.classify import classify_samples
from ecoguard.water.sections import SectionTable, type_hint_from_name

SECTIONS = Path(__file__).parent / "data" / "cnemc_sections_2026-02-04.csv"
pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def water_file(shared_data: Path) -> WaterFile:
    return read_cnemc(shared_data / "water" / "cnemc_water_sections_2026-02-04.csv")


@pytest.fixture(scope="module")
def sections() -> SectionTable:
    table, problems = SectionTable.from_csv(SECTIONS)
    assert problems == []
    return table


@pytest.fixture(scope="module")
def result(water_file: WaterFile, sections: SectionTable) -> pd.DataFrame:
    return classify_samples(water_file.wide(), sections=sections).table


def _raw_rows(shared_data: Path) -> dict[int, dict[str, str]]:
    path = shared_data / "water" / "cnemc_water_sections_2026-02-04.csv"
    with path.open(encoding="utf-8") as handle:
        return dict(enumerate(csv.DictReader(handle), start=2))


def test_every_section_reads_and_has_a_type(water_file: WaterFile, result: pd.DataFrame) -> None:
    assert len(water_file.samples) == 600
    assert water_file.problems == []
    assert (result["type_source"] == "sections").all()


def test_all_but_two_official_classes_are_reproduced(result: pd.DataFrame) -> None:
    official = result[result["official_class"] != ""]
    assert len(official) == 593
    agree = official[official["water_class"] == official["official_class"]]
    assert len(agree) == 591
    wrong = official[official["water_class"] != official["official_class"]]
    assert sorted(wrong["section"]) == ["碛塄", "黄果树"]


def test_the_two_disagreements_are_tp_published_at_the_class_i_limit_with_two_decimals(
    result: pd.DataFrame, shared_data: Path
) -> None:
    raw = _raw_rows(shared_data)
    wrong = result[(result["official_class"] != "") & (result["agrees"] == False)]  # noqa: E712
    for _, row in wrong.iterrows():
        # River TP class Ⅰ limit is 0.02 mg/L; the platform printed "0.02" (2 decimals, most
        # stations print 3), so the unrounded value may lie in (0.02, 0.025) and be class Ⅱ.
        assert raw[row["source_row"]]["总磷(mg/L)"] == "0.02"
        assert (row["section_type"], row["water_class"], row["official_class"]) == (
            "river",
            "Ⅰ",
            "Ⅱ",
        )
        assert row["deciding"].split(",") == list(AUTO_STATION_ITEMS)  # every item is class Ⅰ
        assert row["class_if_lake"] == "Ⅱ"  # the other possible explanation: a reservoir


def test_the_seven_sections_without_data_have_no_class_on_either_side(
    result: pd.DataFrame,
) -> None:
    empty = result[result["official_class"] == ""]
    assert len(empty) == 7
    assert (empty["water_class"] == "").all()
    assert (empty["note"] == "no item measured").all()


def test_without_section_types_the_unknown_ones_are_reported_not_guessed(
    water_file: WaterFile,
) -> None:
    classified = classify_samples(water_file.wide())
    table = classified.table
    differing = table["class_if_river"] != table["class_if_lake"]
    assert classified.unknown_type == int(differing.sum()) == 407
    assert (table.loc[differing, "water_class"] == "").all()
    assert table.loc[differing, "note"].str.startswith("section type unknown: as a river").all()
    assert classified.disagreements == 0  # nothing was classified by a guessed type


def test_total_nitrogen_does_not_decide_the_published_class(
    water_file: WaterFile, sections: SectionTable
) -> None:
    with_tn = classify_samples(
        water_file.wide(), sections=sections, items=(*AUTO_STATION_ITEMS, "tn")
    )
    assert with_tn.disagreements == 536


def test_the_name_alone_would_type_sections_wrongly(
    result: pd.DataFrame, water_file: WaterFile
) -> None:
    # Sections whose published class needs one type: how often the name hint gets that type.
    decided = result[result["class_if_river"] != result["class_if_lake"]]
    decided = decided[decided["official_class"] != ""]
    wrong = [
        row["section"]
        for _, row in decided.iterrows()
        if (type_hint_from_name(row["section"]) or SectionType.RIVER).value != row["section_type"]
    ]
    # Twelve lake stations with plain place names (e.g. 白鱼口, 兰山嘴, 都昌) and five lake-like
    # river sections; 黄果树/碛塄 are typed river here (and disagree anyway).
    assert len(decided) == 407
    assert sorted(w for w in wrong if type_hint_from_name(w) is SectionType.LAKE) == sorted(
        ["尖岗水库", "新乡贾太湖", "余家湖", "马坡湖", "惠州汝湖"]
    )
    assert len(wrong) == 17


def test_the_data_confirm_the_boundary_and_ph_conventions(
    result: pd.DataFrame, shared_data: Path
) -> None:
    raw = _raw_rows(shared_data)
    rows = result.set_index("section")
    # 临江 (river): TP printed 0.100 equals the class Ⅱ limit and the published class is Ⅱ, so a
    # value equal to a limit belongs to that class (with "<" it would be Ⅲ).
    assert raw[rows.loc["临江", "source_row"]]["总磷(mg/L)"] == "0.100"
    assert rows.loc["临江", ["official_class", "deciding"]].tolist() == ["Ⅱ", "codmn,tp"]
    # 大渔乡土罗村入湖口: DO 5.0 equals the class Ⅲ limit and the published class is Ⅲ (DO >=).
    row = rows.loc["大渔乡土罗村入湖口"]
    assert raw[row["source_row"]]["溶解氧(mg/L)"] == "5.0"
    assert (row["official_class"], row["water_class"]) == ("Ⅲ", "Ⅲ")
    assert "do" in row["deciding"].split(",")
    # pH outside 6-9 is 劣Ⅴ: all such rows are published 劣Ⅴ, and for these pH is the only item
    # worse than Ⅴ.
    outside = [
        line for line, r in raw.items()
        if r["pH(无量纲)"] != "--" and not 6 <= float(r["pH(无量纲)"]) <= 9
    ]  # fmt: skip
    by_row = result.set_index("source_row")
    assert len(outside) == 9
    assert set(by_row.loc[outside, "official_class"]) == {"劣Ⅴ"}
    only_ph = by_row.loc[outside]
    only_ph = only_ph[only_ph["deciding"] == "ph"]
    assert sorted(only_ph["section"]) == sorted(
        ["东大河滇池入湖口", "杞麓湖心", "星云湖心", "程海湖中", "大衙", "额河南湾", "土桥",
         "西梁子湖湖北", "海口西"]
    )  # fmt: skip


def test_each_of_the_five_items_decides_some_published_classes(
    water_file: WaterFile, sections: SectionTable
) -> None:
    extra = {}
    for left_out in AUTO_STATION_ITEMS:
        items = [i for i in AUTO_STATION_ITEMS if i != left_out]
        extra[left_out] = (
            classify_samples(water_file.wide(), sections=sections, items=items).disagreements - 2
        )
    assert extra == {"ph": 9, "do": 10, "codmn": 83, "nh3_n": 26, "tp": 171}
