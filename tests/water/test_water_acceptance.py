"""Acceptance on real data: the computed class equals CNEMC's published class.

Data: ../shared/data/water/cnemc_water_sections_2026-02-04.csv (600 sections, 593 with a class).
Section types: tests/water/data/cnemc_sections_2026-02-04.csv (how they were decided:
tests/water/data/README.md). Every disagreement is explained in docs/water-acceptance.md.
"""

from __future__ import annotations

import csv
import json
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


def test_the_two_disagreements_are_tp_printed_on_the_class_i_limit(
    result: pd.DataFrame, shared_data: Path
) -> None:
    raw = _raw_rows(shared_data)
    wrong = result[(result["official_class"] != "") & (result["agrees"] == False)]  # noqa: E712
    for _, row in wrong.iterrows():
        # River TP class Ⅰ limit is 0.02 mg/L; the platform printed "0.02" (0.020 with the
        # trailing zero stripped); an unrounded value just above 0.020 is class Ⅱ.
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
    empty = table[table["official_class"] == ""]
    assert (empty["note"] == "no item measured").all()


def test_total_nitrogen_does_not_decide_the_published_class(
    water_file: WaterFile, sections: SectionTable
) -> None:
    with_tn = classify_samples(
        water_file.wide(), sections=sections, items=(*AUTO_STATION_ITEMS, "tn")
    )
    assert with_tn.disagreements == 536
    table = with_tn.table
    lakes = table[(table["section_type"] == "lake") & (table["official_class"] != "")]
    assert (len(lakes), int((lakes["agrees"] == False).sum())) == (34, 23)  # noqa: E712


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


def test_samples_on_a_class_limit(result: pd.DataFrame, shared_data: Path) -> None:
    raw = _raw_rows(shared_data)
    on_limit = result[result["at_limit"] != ""].set_index("section")
    # Six samples have a deciding value printed exactly on a class limit. Four are published in
    # the class the limit belongs to ("<=" for concentrations, ">=" for DO); two are published one
    # class worse: the printed value hides an unrounded value just beyond the limit.
    assert sorted(on_limit.index) == sorted(
        ["临江", "大渔乡土罗村入湖口", "黄果树", "从江大桥", "跳鱼洞", "碛塄"]
    )
    agree = on_limit[on_limit["agrees"] == True]  # noqa: E712
    assert sorted(agree.index) == sorted(["临江", "大渔乡土罗村入湖口", "从江大桥", "跳鱼洞"])
    printed = {s: raw[r]["总磷(mg/L)"] for s, r in on_limit["source_row"].items()}
    assert printed["临江"] == "0.100" and printed["从江大桥"] == "0.02"
    assert raw[on_limit.loc["大渔乡土罗村入湖口", "source_row"]]["溶解氧(mg/L)"] == "5.0"
    assert on_limit.loc["临江", "at_limit"] == (
        "tp=0.1 on the class limit; just beyond it the class is Ⅲ"
    )
    for name in ("黄果树", "碛塄"):
        assert on_limit.loc[name, "at_limit"].endswith("just beyond it the class is Ⅱ")
        assert on_limit.loc[name, "official_class"] == "Ⅱ"


def test_ph_outside_6_to_9_is_worse_than_v(result: pd.DataFrame, shared_data: Path) -> None:
    raw = _raw_rows(shared_data)
    # All rows with pH outside 6-9 are published 劣Ⅴ, and for all of them pH is the only item
    # worse than Ⅴ.
    outside = [
        line for line, r in raw.items()
        if r["pH(无量纲)"] != "--" and not 6 <= float(r["pH(无量纲)"]) <= 9
    ]  # fmt: skip
    by_row = result.set_index("source_row")
    assert len(outside) == 9
    assert set(by_row.loc[outside, "official_class"]) == {"劣Ⅴ"}
    assert set(by_row.loc[outside, "deciding"]) == {"ph"}


def test_printing_strips_trailing_zeros_in_some_provinces(shared_data: Path) -> None:
    # Why "0.02" is not a coarser measurement: the same stations print "0.2", "7.9", "10.5",
    # i.e. numbers with their trailing zeros removed, and none of their 3-decimal TP values ends
    # in 0; elsewhere "0.100" and "0.050" keep the zeros.
    raw = _raw_rows(shared_data)
    short = [r for r in raw.values() if r["总磷(mg/L)"] != "--" and len(r["总磷(mg/L)"]) < 5]
    provinces = {r["省份"] for r in short}
    assert provinces == {"四川省", "广西壮族自治区", "江西省", "海南省", "贵州省", "陕西省"}
    assert len(short) == 19
    three = [(r["省份"] in provinces, r["总磷(mg/L)"]) for r in raw.values()]
    three = [(inside, tp) for inside, tp in three if len(tp) == 5]
    assert sum(inside for inside, _ in three) == 117
    assert sum(tp.endswith("0") for inside, tp in three if inside) == 0
    assert sum(tp.endswith("0") for inside, tp in three if not inside) == 49


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


def test_the_fixture_types_follow_the_documented_procedure(shared_data: Path) -> None:
    from typer.testing import CliRunner

    from ecoguard.cli.main import app

    data = shared_data / "water" / "cnemc_water_sections_2026-02-04.csv"
    result = CliRunner().invoke(app, ["water", "sections", str(data), "--format", "json"])
    assert result.exit_code == 0, result.output
    suggested = {(r["region"], r["name"]): r for r in json.loads(result.stdout)}
    by_class = [r["type_by_official_class"] for r in suggested.values()]
    assert {k: by_class.count(k) for k in set(by_class)} == {
        "river": 388, "either": 186, "lake": 19, "": 7
    }  # fmt: skip
    with SECTIONS.open(encoding="utf-8") as handle:
        fixture = list(csv.DictReader(handle))
    assert len(fixture) == 600
    for row in fixture:
        hint = suggested[(row["region"], row["name"])]
        if row["name"] in {"碛塄", "黄果树"}:
            assert (hint["type_by_official_class"], row["type"]) == ("lake", "river")
        elif hint["type_by_official_class"] in {"river", "lake"}:
            assert row["type"] == hint["type_by_official_class"]
        else:
            assert row["type"] == (hint["type_by_name"] or "river")
