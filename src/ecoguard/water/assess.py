"""Assessment of sections, basins and regions over a month, quarter or year.

Section values are period means of the stored valid readings (national method averaging, see
:func:`ecoguard.standards.water_assessment.period_means`); each section is classified by the
single-factor method with its type from the section attributes; groups get the share of
excellent (Ⅰ-Ⅲ) and 劣Ⅴ sections, target compliance and their status. Every figure is given for
the same period a year earlier beside it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import Final
from zoneinfo import ZoneInfo

import pandas as pd

from ecoguard.standards.gb3838 import CLASS_STYLE, SectionType, WaterClass
from ecoguard.standards.water_assessment import (
    CLASS_ITEMS,
    Period,
    SevereRule,
    cwqi,
    group_status,
    period_means,
)
from ecoguard.timeseries.store import TimeseriesStore
from ecoguard.water.classify import classify_samples, rules_label
from ecoguard.water.sections import SectionTable
from ecoguard.water.store import load_readings

CST: Final = ZoneInfo("Asia/Shanghai")


#: Name of the row that takes all sections together (the department's headline figures).
ALL_GROUPS: Final = "(all)"


class GroupBy(StrEnum):
    """What to assess."""

    SECTION = "section"
    BASIN = "basin"
    REGION = "region"


@dataclass(frozen=True)
class PeriodSpec:
    """A natural month, quarter or year in China Standard Time.

    Attributes
    ----------
    period : Period
        Kind.
    label : str
        ``2026-02``, ``2026-Q1`` or ``2026``.
    start, end : datetime
        ``[start, end)`` as aware datetimes in CST.
    """

    period: Period
    label: str
    start: datetime
    end: datetime

    def year_before(self) -> PeriodSpec:
        """The same period one year earlier."""
        year = self.start.year - 1
        return parse_period(str(year) + self.label[4:])


def parse_period(text: str) -> PeriodSpec:
    """Read ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``.

    Raises
    ------
    ValueError
        When the text is none of these.
    """
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"period {text!r}: month must be 01-12")
        start = datetime(year, month, 1, tzinfo=CST)
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=CST)
        return PeriodSpec(Period.MONTH, text, start, end)
    if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
        year, quarter = int(m.group(1)), int(m.group(2))
        start = datetime(year, 3 * quarter - 2, 1, tzinfo=CST)
        end = (
            datetime(year + 1, 1, 1, tzinfo=CST)
            if quarter == 4
            else datetime(year, 3 * quarter + 1, 1, tzinfo=CST)
        )
        return PeriodSpec(Period.QUARTER, f"{year}-Q{quarter}", start, end)
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        start = datetime(year, 1, 1, tzinfo=CST)
        return PeriodSpec(Period.YEAR, text, start, datetime(year + 1, 1, 1, tzinfo=CST))
    raise ValueError(f"period {text!r} is not YYYY-MM, YYYY-Qn or YYYY")


@dataclass(frozen=True)
class Assessment:
    """Result of :func:`assess`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per section or group, the previous year's figures in ``*_last_year`` columns.
    unknown_type : list of str
        Sections left unclassified because their type is unknown and matters.
    """

    table: pd.DataFrame
    unknown_type: list[str]


def section_classes(
    store: TimeseriesStore,
    spec: PeriodSpec,
    sections: SectionTable | None,
    items: Sequence[str] = CLASS_ITEMS,
) -> pd.DataFrame:
    """Period value and class of every section with readings in the period.

    Returns
    -------
    pandas.DataFrame
        :func:`ecoguard.water.classify.classify_samples` columns plus one column per parameter
        (the period means) and ``samples`` (distinct sample times).
    """
    readings = load_readings(store, spec.start, spec.end)
    if readings.empty:
        return pd.DataFrame()
    readings = readings.copy()
    readings["key"] = readings["region"].astype(str) + "\x1f" + readings["section"].astype(str)
    readings["day"] = (
        pd.to_datetime(readings["time"], utc=True).dt.tz_convert(CST).dt.tz_localize(None)
    )
    means = period_means(
        readings.rename(columns={"section": "section_name", "key": "section"}), spec.period
    )
    wide = means.pivot_table(index="section", columns="parameter", values="value", aggfunc="first")
    wide.columns = [str(c) for c in wide.columns]
    counts = readings.groupby("key")["time"].nunique()
    first = readings.drop_duplicates("key").set_index("key")
    keys = wide.index
    samples = pd.DataFrame(
        {
            "region": first.loc[keys, "region"].astype(str).to_numpy(),
            "basin": first.loc[keys, "basin"].astype(str).to_numpy(),
            "section": first.loc[keys, "section"].astype(str).to_numpy(),
            "time": spec.label,
            "official_class": 0,
            "section_type": "",
            "source_row": 0,
        }
    )
    wide = wide.reset_index(drop=True)
    samples = pd.concat([samples, wide], axis=1)
    result = classify_samples(samples, sections=sections, items=items).table
    for code in wide.columns:
        result[code] = wide[code].to_numpy()
    result["samples"] = counts.reindex(keys).fillna(0).astype(int).to_numpy()
    if sections is not None:
        # The registry's basin wins over the file's where both exist.
        basins = [
            (info.basin if (info := sections.lookup(s, r)) is not None and info.basin else b)
            for s, r, b in zip(result["section"], result["region"], result["basin"], strict=True)
        ]
        result["basin"] = basins
    return result


def _cwqi_column(table: pd.DataFrame, items: Sequence[str]) -> list[float | None]:
    """CWQI of each section from its period means (lake TP limit for lakes); None if untyped."""
    out: list[float | None] = []
    columns = [c for c in items if c in table.columns]
    for record in table[["section_type", *columns]].to_dict(orient="records"):
        kind = str(record.pop("section_type"))
        if kind not in {SectionType.RIVER.value, SectionType.LAKE.value}:
            out.append(None)
            continue
        values = {str(k): float(v) for k, v in record.items() if pd.notna(v)}
        out.append(round(cwqi(values, SectionType(kind)), 4) if values else None)
    return out


def _class_int(label: str) -> int:
    return int(WaterClass.parse(label)) if label else 0


def _share(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value) * 100.0, 1)


def _groups(
    frame: pd.DataFrame, by: GroupBy, items: Sequence[str], rule: SevereRule
) -> pd.DataFrame:
    """Figures per basin or region from classified sections."""
    rows: list[dict[str, object]] = []
    if frame.empty:
        return pd.DataFrame()
    parts = [(str(name), group) for name, group in frame.groupby(by.value, sort=True)]
    if len(parts) > 1:
        parts.append((ALL_GROUPS, frame))
    for name, group in parts:
        classified = group[group["water_class"] != ""]
        classes = [_class_int(v) for v in classified["water_class"]]
        with_target = classified[classified["target_class"] != ""]
        met = int((with_target["meets_target"] == True).sum())  # noqa: E712
        row: dict[str, object] = {
            by.value: name,
            "sections": len(group),
            "classified": len(classified),
            "unknown_type": int(
                ((group["section_type"] == "unknown") & (group["water_class"] == "")).sum()
            ),
        }
        if classes:
            columns = [c for c in items if c in classified.columns]
            types = [
                SectionType.LAKE if t == SectionType.LAKE.value else SectionType.RIVER
                for t in classified["section_type"]
            ]
            status = group_status(classified[columns], classes, types, items, rule)
            row |= {
                "excellent_pct": _share(status.excellent_share),
                "worse_than_v_pct": _share(status.worse_than_v_share),
                "status": status.description_zh,
                "status_method": status.method,
                "target_met_pct": _share(Fraction(met, len(with_target)))
                if len(with_target)
                else None,
            }
        row["rules"] = f"{rules_label(items)}; 重度污染 {rule.value}"
        rows.append(row)
    return pd.DataFrame(rows)


def assess(
    store: TimeseriesStore,
    spec: PeriodSpec,
    by: GroupBy,
    sections: SectionTable | None,
    *,
    items: Sequence[str] = CLASS_ITEMS,
    rule: SevereRule = SevereRule.SHARE_75,
) -> Assessment:
    """Assess the period and the same period a year earlier.

    Parameters
    ----------
    store : TimeseriesStore
        Where ``water_readings`` lives.
    spec : PeriodSpec
        Month, quarter or year.
    by : GroupBy
        Section, basin or region.
    sections : SectionTable, optional
        Section attributes (type, basin, target class).
    items : sequence of str
        Items deciding the class.
    rule : SevereRule
        Reading of the 重度污染 threshold.

    Returns
    -------
    Assessment
    """
    now = section_classes(store, spec, sections, items)
    before = section_classes(store, spec.year_before(), sections, items)
    unknown = (
        sorted(now.loc[now["water_class"] == "", "section"].astype(str)) if not now.empty else []
    )
    if by is GroupBy.SECTION:
        keep = [
            "region", "basin", "section", "section_type", "water_class", "description",
            "deciding", "target_class", "meets_target", "exceedances", "samples", "note", "rules",
        ]  # fmt: skip
        table = now[keep + [c for c in items if c in now.columns]] if not now.empty else now
        if not now.empty:
            table = table.copy()
            table["cwqi"] = _cwqi_column(table, items)
            last = (
                before.set_index(["region", "section"])["water_class"]
                if not before.empty
                else pd.Series(dtype=str)
            )
            table.insert(
                5,
                "water_class_last_year",
                [
                    last.get((r, s), "")
                    for r, s in zip(table["region"], table["section"], strict=True)
                ],
            )
            table.insert(
                6,
                "colour",
                [
                    CLASS_STYLE[WaterClass.parse(c)].colour if c else ""
                    for c in table["water_class"]
                ],
            )
        return Assessment(table.reset_index(drop=True), unknown)
    current = _groups(now, by, items, rule)
    previous = _groups(before, by, items, rule)
    if current.empty:
        return Assessment(current, unknown)
    if not previous.empty:
        previous = previous.set_index(by.value)
        for column in (
            "classified",
            "excellent_pct",
            "worse_than_v_pct",
            "status",
            "target_met_pct",
        ):
            if column in previous.columns:
                current[f"{column}_last_year"] = [
                    previous[column].get(key) for key in current[by.value]
                ]
    else:
        for column in (
            "classified",
            "excellent_pct",
            "worse_than_v_pct",
            "status",
            "target_met_pct",
        ):
            current[f"{column}_last_year"] = None
    return Assessment(current, unknown)
