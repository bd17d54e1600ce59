"""Classify every sample of a measurement file, with the deciding items and the section's type.

The section type (river or lake/reservoir) changes the total-phosphorus limits, and the CNEMC
files do not carry it. It comes, in this order, from the ``--section-type`` override, the file's
own type column, the section-attributes table; otherwise it is unknown: the sample is classified
both ways, and when the two classes differ the sample gets no class and is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from ecoguard.standards import gb3838, water_assessment
from ecoguard.standards.gb3838 import (
    CLASS_STYLE,
    SectionClasses,
    SectionType,
    WaterClass,
    exceedances,
    nudge_worse,
    single_factor_class,
)
from ecoguard.standards.water_assessment import CLASS_ITEMS
from ecoguard.water.sections import SectionInfo, SectionTable, type_hint_from_name

RESULT_COLUMNS: Final = (
    "region",
    "basin",
    "section",
    "time",
    "section_type",
    "type_source",
    "water_class",
    "class_if_river",
    "class_if_lake",
    "deciding",
    "description",
    "colour",
    "target_class",
    "meets_target",
    "exceedances",
    "official_class",
    "agrees",
    "note",
    "at_limit",
    "rules",
    "source_row",
)


@dataclass(frozen=True)
class Classified:
    """Result of :func:`classify_samples`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per sample with :data:`RESULT_COLUMNS`; classes are labels (``Ⅱ``, ``劣Ⅴ``) or
        empty.
    unknown_type : int
        Samples whose class depends on a section type nobody gave.
    disagreements : int
        Samples whose computed class differs from the official class in the file.
    """

    table: pd.DataFrame
    unknown_type: int
    disagreements: int


_LABELS: Final = ("", *(c.label for c in WaterClass))


def _label(value: int) -> str:
    return _LABELS[value]


def classify_samples(
    wide: pd.DataFrame,
    *,
    sections: SectionTable | None = None,
    section_type: SectionType | None = None,
    items: Sequence[str] = CLASS_ITEMS,
) -> Classified:
    """Class of every sample by the single-factor method (GB 3838-2002 clause 5.1).

    Parameters
    ----------
    wide : pandas.DataFrame
        Samples (``region``, ``basin``, ``section``, ``time``, ``official_class``,
        ``section_type``, ``source_row``) with one column per parameter code [mg/L, pH 1], as
        :meth:`ecoguard.ingest.cnemc_water.WaterFile.wide` returns.
    sections : SectionTable, optional
        Section attributes (type, target class, basin).
    section_type : SectionType, optional
        Treat every sample as this type (overrides the file and ``sections``).
    items : sequence of str
        Items that decide the class (default: the 21 items of the national method; those
        not measured are skipped).

    Returns
    -------
    Classified
    """
    n = len(wide)
    river = single_factor_class(wide, SectionType.RIVER, items)
    lake = single_factor_class(wide, SectionType.LAKE, items)
    nudged = wide.copy()
    for code in items:
        if code in nudged.columns:
            nudged[code] = nudge_worse(code, nudged[code].to_numpy(dtype=float))
    river_edge = single_factor_class(nudged, SectionType.RIVER, items)
    lake_edge = single_factor_class(nudged, SectionType.LAKE, items)

    def column(name: str, default: object) -> list[Any]:
        return wide[name].tolist() if name in wide.columns else [default] * n

    names = [str(v) for v in column("section", "")]
    regions = [str(v or "") for v in column("region", "")]
    basins = [str(v or "") for v in column("basin", "")]
    file_types = [str(v or "") for v in column("section_type", "")]
    officials = [int(v or 0) for v in column("official_class", 0)]
    source_rows = column("source_row", None)
    times = column("time", None)
    values = {code: wide[code].to_numpy(dtype=np.float64) for code in items if code in wide.columns}
    rules = rules_label(items)
    resolved: dict[tuple[str, str, str], tuple[SectionInfo | None, SectionType | None, str]] = {}
    rows: list[dict[str, object]] = []
    unknown = 0
    disagreements = 0
    for i in range(n):
        name, region = names[i], regions[i]
        key = (name, region, file_types[i])
        if key not in resolved:
            info = sections.lookup(name, region) if sections is not None else None
            resolved[key] = (info, *_resolve_type(section_type, file_types[i], info))
        info, kind, source = resolved[key]
        c_river, c_lake = int(river.water_class[i]), int(lake.water_class[i])
        note = ""
        if kind is SectionType.RIVER:
            cls, deciding = c_river, river.deciding[i]
        elif kind is SectionType.LAKE:
            cls, deciding = c_lake, lake.deciding[i]
        elif c_river == c_lake:
            cls, deciding = c_river, tuple(sorted(set(river.deciding[i]) | set(lake.deciding[i])))
            note = "section type unknown; same class either way" if cls else ""
        else:
            cls, deciding = 0, ()
            unknown += 1
            hint = type_hint_from_name(name)
            note = (
                f"section type unknown: as a river {_label(c_river)}, as a lake/reservoir "
                f"{_label(c_lake)}"
                + ("; the name suggests a lake/reservoir" if hint is SectionType.LAKE else "")
                + "; give it with --sections or --section-type"
            )
        if cls == 0 and not note:
            note = "no item measured"
        edge_result = river_edge if kind is SectionType.RIVER else lake_edge
        edge = ""
        if kind is not None and cls > 0 and int(edge_result.water_class[i]) != cls:
            edge = _at_limit(kind, cls, edge_result, river, lake, i, wide)
        target = info.target_class if info is not None else None
        meets: object = ""
        exceeded = ""
        if target is not None and cls > 0:
            meets = cls <= target.value
            if not meets:
                sample = {
                    code: float(array[i])
                    for code, array in values.items()
                    if not np.isnan(array[i])
                }
                found = exceedances(sample, target, kind or SectionType.RIVER)
                exceeded = "; ".join(
                    e.code if e.multiple is None else f"{e.code} {e.multiple:.2f}x" for e in found
                )
        official = officials[i]
        agrees: object = ""
        if cls > 0 or (official > 0 and not note.startswith("section type unknown:")):
            agrees = official == cls
            if official > 0 and not agrees:
                disagreements += 1
        style = CLASS_STYLE.get(WaterClass(cls)) if cls > 0 else None
        rows.append(
            {
                "region": region,
                "basin": basins[i] or (info.basin if info else ""),
                "section": name,
                "time": times[i],
                "section_type": kind.value if kind else "unknown",
                "type_source": source,
                "water_class": _label(cls),
                "class_if_river": _label(c_river),
                "class_if_lake": _label(c_lake),
                "deciding": ",".join(deciding),
                "description": style.description_zh if style else "",
                "colour": style.colour if style else "",
                "target_class": target.label if target else "",
                "meets_target": meets,
                "exceedances": exceeded,
                "official_class": _label(official),
                "agrees": agrees,
                "note": note,
                "at_limit": edge,
                "rules": rules,
                "source_row": int(source_rows[i]) if source_rows[i] is not None else i + 2,
            }
        )
    table = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    return Classified(table=table, unknown_type=unknown, disagreements=disagreements)


def rules_label(items: Sequence[str]) -> str:
    """Rule sets a result was computed by: ``GB 3838-2002; 环办〔2011〕22号 (21 items)``."""
    which = (
        f"{len(items)} items" if tuple(items) == water_assessment.CLASS_ITEMS else ",".join(items)
    )
    return f"{gb3838.RULE_SET}; {water_assessment.RULE_SET} ({which})"


def _at_limit(
    kind: SectionType | None,
    cls: int,
    edge: SectionClasses,
    river: SectionClasses,
    lake: SectionClasses,
    i: int,
    wide: pd.DataFrame,
) -> str:
    """Describe items printed exactly at a class limit that would make the class worse."""
    if kind is None or cls == 0:
        return ""
    worse = int(edge.water_class[i])
    if worse == cls:
        return ""
    base = river if kind is SectionType.RIVER else lake
    codes = [
        code
        for code in edge.factor_classes.columns
        if edge.factor_classes[code].iloc[i] != base.factor_classes[code].iloc[i]
        and edge.factor_classes[code].iloc[i] == worse
    ]
    values = ", ".join(f"{code}={float(wide[code].iloc[i]):g}" for code in codes)
    return f"{values} on the class limit; just beyond it the class is {_label(worse)}"


def _resolve_type(
    override: SectionType | None, from_file: str, info: SectionInfo | None
) -> tuple[SectionType | None, str]:
    """The section type and where it came from."""
    if override is not None:
        return override, "option"
    if from_file:
        try:
            return SectionType.parse(from_file), "file"
        except ValueError:
            pass
    if info is not None and info.section_type is not None:
        return info.section_type, "sections"
    return None, "unknown"


def class_codes(table: pd.DataFrame, column: str = "water_class") -> np.ndarray:
    """Class labels of a result column as integers 1..6 (0 for empty)."""
    return np.array(
        [int(WaterClass.parse(v)) if v else 0 for v in table[column].astype(str)], dtype=np.int8
    )
