"""Section attributes (type, basin, region, target class) until the registry holds them.

A section-attributes file is a CSV with the header ``name,type,basin,target_class`` and optionally
``region`` (needed where two sections share a name, e.g. 金滩 in 江西省 and in 青海省). ``type`` is
``river`` or ``lake`` (lake or reservoir) or empty when unknown; ``target_class`` is Ⅰ-Ⅴ or empty.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoguard.ingest.cnemc_water import Problem
from ecoguard.standards.gb3838 import SectionType, WaterClass

REQUIRED_COLUMNS: Final = ("name", "type", "basin", "target_class")


@dataclass(frozen=True)
class SectionInfo:
    """Attributes of one monitoring section.

    Attributes
    ----------
    name : str
        Section name (断面名称).
    section_type : SectionType or None
        River or lake/reservoir; ``None`` when unknown.
    basin, region : str
        Basin (流域) and region (province or prefecture); empty when unknown.
    target_class : WaterClass or None
        Target (functional) class.
    """

    name: str
    section_type: SectionType | None
    basin: str = ""
    region: str = ""
    target_class: WaterClass | None = None


class SectionTable:
    """Section attributes looked up by name, or by region and name where names repeat."""

    def __init__(self, sections: list[SectionInfo]) -> None:
        self._by_key: dict[tuple[str, str], SectionInfo] = {}
        self._by_name: dict[str, list[SectionInfo]] = {}
        for info in sections:
            self._by_key[(info.region, info.name)] = info
            self._by_name.setdefault(info.name, []).append(info)

    def __len__(self) -> int:
        return len(self._by_key)

    def lookup(self, name: str, region: str = "") -> SectionInfo | None:
        """The section called ``name`` (in ``region`` when given and needed), or ``None``."""
        exact = self._by_key.get((region, name))
        if exact is not None:
            return exact
        candidates = self._by_name.get(name, [])
        if region:
            unscoped = [c for c in candidates if not c.region]
            if len(unscoped) == 1:
                return unscoped[0]
            return None
        return candidates[0] if len(candidates) == 1 else None

    @classmethod
    def from_csv(cls, path: Path) -> tuple[SectionTable, list[Problem]]:
        """Read a section-attributes file; bad rows are reported and skipped, others kept.

        Raises
        ------
        ValueError
            When a required column is missing.
        """
        problems: list[Problem] = []
        sections: list[SectionInfo] = []
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise ValueError(
                    f"{path.name}: section-attributes file lacks columns {missing} "
                    f"(expected {','.join(REQUIRED_COLUMNS)}[,region])"
                )
            for line, row in enumerate(reader, start=2):
                name = (row.get("name") or "").strip()
                if not name:
                    problems.append(Problem(path.name, line, "name", "section name is empty", ""))
                    continue
                text_type = (row.get("type") or "").strip()
                section_type: SectionType | None = None
                if text_type:
                    try:
                        section_type = SectionType.parse(text_type)
                    except ValueError as err:
                        problems.append(Problem(path.name, line, "type", str(err), text_type))
                        continue
                text_target = (row.get("target_class") or "").strip()
                target: WaterClass | None = None
                if text_target:
                    try:
                        target = WaterClass.parse(text_target)
                    except ValueError as err:
                        problems.append(
                            Problem(path.name, line, "target_class", str(err), text_target)
                        )
                        continue
                    if target is WaterClass.WORSE_THAN_V:
                        problems.append(
                            Problem(
                                path.name, line, "target_class", "a target must be Ⅰ-Ⅴ", text_target
                            )
                        )
                        continue
                sections.append(
                    SectionInfo(
                        name=name,
                        section_type=section_type,
                        basin=(row.get("basin") or "").strip(),
                        region=(row.get("region") or "").strip(),
                        target_class=target,
                    )
                )
        return cls(sections), problems


_LAKE_WORDS: Final = re.compile(r"湖|库")
_NOT_LAKE_WORDS: Final = re.compile(r"入湖|出湖|湖口|出口|入库|闸|入江|河口")


def type_hint_from_name(name: str) -> SectionType | None:
    """What a section's name suggests: lake/reservoir for 湖/库 names, except inlets, outlets and
    sluices (入湖口, 水库出口, 闸). A hint for reports, never used to classify: on the CNEMC
    snapshot five lake-like names (尖岗水库, 新乡贾太湖, 余家湖, 马坡湖, 惠州汝湖) are river
    sections.
    """
    if _LAKE_WORDS.search(name) and not _NOT_LAKE_WORDS.search(name):
        return SectionType.LAKE
    return None


def sections_from_registry(session: Session) -> SectionTable:
    """Section attributes from the registry's ``water_sections``.

    ``region`` is the name of the section's province (the level CNEMC files give), found by
    walking up the region tree from the section's region.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
        An open registry session.

    Returns
    -------
    SectionTable
    """
    from ecoguard.registry.models import Region, WaterSection

    regions = {r.adcode: r for r in session.scalars(select(Region))}

    def province(adcode: str) -> str:
        seen: set[str] = set()
        current = regions.get(adcode)
        while current is not None and current.parent_adcode and current.adcode not in seen:
            seen.add(current.adcode)
            if current.level == "province":
                break
            current = regions.get(current.parent_adcode)
        return current.name if current is not None else ""

    infos: list[SectionInfo] = []
    for row in session.scalars(select(WaterSection)):
        infos.append(
            SectionInfo(
                name=row.name,
                section_type=SectionType.parse(row.water_body_type),
                basin=row.basin or "",
                region=province(row.region_adcode),
                target_class=WaterClass.parse(row.target_class) if row.target_class else None,
            )
        )
    return SectionTable(infos)


def registry_sections(url: str) -> SectionTable | None:
    """Section attributes from the registry at ``url``; ``None`` when it has none.

    A SQLite registry that does not exist yet is not created.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from ecoguard.registry.db import make_engine

    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path in {"", ":memory:"} or not Path(path).exists():
            return None
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            table = sections_from_registry(session)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return table if len(table) else None


SUGGESTION_COLUMNS: Final = (
    "name",
    "region",
    "basin",
    "type",
    "target_class",
    "type_by_name",
    "type_by_official_class",
    "class_depends_on_type",
)


def suggest_attributes(classified: pd.DataFrame) -> pd.DataFrame:
    """A section-attributes skeleton from classified samples (``classify`` output).

    ``type`` and ``target_class`` are left empty for a person to fill; beside them:
    ``type_by_name`` (the name hint), ``type_by_official_class`` (``river``/``lake`` when only
    that type reproduces every published class of the section, ``either`` when both do, ``none``
    when neither, empty without published classes) and ``class_depends_on_type``.

    Parameters
    ----------
    classified : pandas.DataFrame
        Columns ``region, basin, section, class_if_river, class_if_lake, official_class``.

    Returns
    -------
    pandas.DataFrame
        One row per region and section, with :data:`SUGGESTION_COLUMNS`.
    """
    rows: list[dict[str, object]] = []
    for (region, name), group in classified.groupby(["region", "section"], sort=False):
        published = group[group["official_class"] != ""]
        by_class = ""
        if len(published):
            river = bool((published["class_if_river"] == published["official_class"]).all())
            lake = bool((published["class_if_lake"] == published["official_class"]).all())
            by_class = {(True, True): "either", (True, False): "river", (False, True): "lake"}.get(
                (river, lake), "none"
            )
        hint = type_hint_from_name(str(name))
        rows.append(
            {
                "name": name,
                "region": region,
                "basin": next((b for b in group["basin"] if b), ""),
                "type": "",
                "target_class": "",
                "type_by_name": hint.value if hint else "",
                "type_by_official_class": by_class,
                "class_depends_on_type": bool(
                    (group["class_if_river"] != group["class_if_lake"]).any()
                ),
            }
        )
    return pd.DataFrame(rows, columns=list(SUGGESTION_COLUMNS))


def fill_region_and_basin(frame: pd.DataFrame, table: SectionTable) -> pd.DataFrame:
    """Fill empty ``region``/``basin`` cells from the section attributes, where the name is unique.

    A file without a region column would otherwise store its sections under region "", apart
    from the same sections imported from CNEMC files with their province.
    """
    if frame.empty:
        return frame
    out = frame.copy()
    regions: list[str] = []
    basins: list[str] = []
    for name, region, basin in zip(out["section"], out["region"], out["basin"], strict=True):
        info = table.lookup(str(name), str(region or ""))
        regions.append(str(region) if region else (info.region if info else ""))
        basins.append(str(basin) if basin else (info.basin if info else ""))
    out["region"] = regions
    out["basin"] = basins
    return out
