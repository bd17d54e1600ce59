"""Exports: progress tables (Excel) as departments publish them, public disclosure lists, clue
tables, and clues as GeoJSON for the map.

The row builders are pure (cases and an instant in, rows out); the writers only lay rows out
with openpyxl. The progress table follows the usual published layout of a rectification ledger
("整改落实情况表": a title line, an "as of" line, one row per problem with its responsible unit,
targets, measures, deadline, progress and status); the disclosure list carries only what a
department publishes (no people, no internal opinions).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ecoguard.cases.deadlines import DueStatus, cst_date, due_status
from ecoguard.cases.definitions import definition
from ecoguard.cases.models import Case

PROGRESS_COLUMNS = (
    "序号",
    "问题编号",
    "地区",
    "督察反馈问题",
    "责任单位",
    "整改目标",
    "整改措施",
    "整改时限",
    "整改进展情况",
    "完成情况",
    "销号情况",
    "反弹次数",
)
DISCLOSURE_COLUMNS = ("序号", "问题编号", "督察反馈问题", "整改措施", "整改完成情况", "销号日期")
CLUE_COLUMNS = (
    "序号",
    "图斑编号",
    "监测批次",
    "时相",
    "保护地名称",
    "人类活动类型",
    "变化情况",
    "面积（公顷）",
    "功能分区",
    "初核意见",
    "初核时间",
    "复核意见",
    "复核时间",
    "处理结果",
    "状态",
)


def _join(value: Any) -> str:
    if isinstance(value, list):
        return "；".join(f"{i}. {v}" for i, v in enumerate(value, start=1))
    return "" if value is None else str(value)


def completion_status(case: Case, now: dt.datetime) -> str:
    """完成情况 of a finding: 已完成 (accepted or closed), 已完成待验收, 逾期未完成, 序时推进."""
    if case.state in ("accepted", "closed"):
        return "已完成"
    if case.state == "completed":
        return "已完成待验收"
    running = case.state in definition(case.case_type).open_states
    if due_status(case.deadline, running=running, now=now) is DueStatus.overdue:
        return "逾期未完成"
    return "序时推进"


def progress_rows(
    cases: Iterable[Case], now: dt.datetime, region_names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Rows of the progress table of inspection findings, in the given order."""
    names = region_names or {}
    rows: list[dict[str, Any]] = []
    for number, case in enumerate(cases, start=1):
        d = case.details or {}
        closed = d.get("closed_on") if case.state == "closed" else None
        rows.append(
            {
                "序号": number,
                "问题编号": case.reference,
                "地区": names.get(case.region_adcode, case.region_adcode),
                "督察反馈问题": d.get("text", case.title),
                "责任单位": case.assignee_unit or "",
                "整改目标": _join(d.get("targets")),
                "整改措施": _join(d.get("measures")),
                "整改时限": case.deadline.isoformat() if case.deadline else "",
                "整改进展情况": d.get("summary") or d.get("progress") or "",
                "完成情况": completion_status(case, now),
                "销号情况": f"已销号（{closed}）" if closed else "未销号",
                "反弹次数": case.relapse_count,
            }
        )
    return rows


def disclosure_rows(cases: Iterable[Case]) -> list[dict[str, Any]]:
    """Rows of the public disclosure list: closed-out findings only."""
    closed = [c for c in cases if c.case_type == "inspection_finding" and c.state == "closed"]
    return [
        {
            "序号": number,
            "问题编号": case.reference,
            "督察反馈问题": (case.details or {}).get("text", case.title),
            "整改措施": _join((case.details or {}).get("measures")),
            "整改完成情况": (case.details or {}).get("summary", ""),
            "销号日期": (case.details or {}).get("closed_on", ""),
        }
        for number, case in enumerate(closed, start=1)
    ]


def clue_rows(cases: Iterable[Case]) -> list[dict[str, Any]]:
    """Rows of the clue verification table (first check, provincial review, handling)."""
    rows: list[dict[str, Any]] = []
    for number, case in enumerate(cases, start=1):
        d = case.details or {}
        state_label = definition(case.case_type).states.get(case.state, case.state)
        rows.append(
            {
                "序号": number,
                "图斑编号": case.reference,
                "监测批次": case.batch or "",
                "时相": d.get("image_date", ""),
                "保护地名称": d.get("reserve_name", ""),
                "人类活动类型": d.get("activity_type_name", ""),
                "变化情况": d.get("change_type_name", ""),
                "面积（公顷）": case.area_ha,
                "功能分区": d.get("function_zone", ""),
                "初核意见": d.get("opinion", ""),
                "初核时间": d.get("checked_on", ""),
                "复核意见": d.get("review_opinion", ""),
                "复核时间": d.get("reviewed_on", ""),
                "处理结果": d.get("handling_result", ""),
                "状态": state_label,
            }
        )
    return rows


#: Published tables: name -> (case type, title, sheet name, columns).
TABLES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "progress": ("inspection_finding", "督察反馈问题整改落实情况表", "整改进展", PROGRESS_COLUMNS),
    "disclosure": (
        "inspection_finding",
        "督察反馈问题整改完成情况公示清单",
        "公示清单",
        DISCLOSURE_COLUMNS,
    ),
    "clues": ("redline_clue", "问题图斑核查处理情况表", "图斑", CLUE_COLUMNS),
}


def write_published_table(
    path: Path,
    kind: str,
    cases: Sequence[Case],
    now: dt.datetime,
    *,
    region_names: dict[str, str] | None = None,
    title: str | None = None,
) -> None:
    """Write table ``kind`` of :data:`TABLES` for ``cases`` (the title defaults to its name)."""
    _case_type, default_title, sheet, columns = TABLES[kind]
    if kind == "progress":
        rows = progress_rows(cases, now, region_names)
    elif kind == "disclosure":
        rows = disclosure_rows(cases)
    else:
        rows = clue_rows(cases)
    write_table(path, rows, columns, title=title or default_title, as_of=now, sheet=sheet)


def write_table(
    path: Path,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    title: str,
    as_of: dt.datetime,
    sheet: str = "Sheet1",
) -> None:
    """Write a published-style table: a merged title line, an "as of" line, the header, rows.

    Dates in the "as of" line are China Standard Time calendar dates.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    width = len(columns)
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    day = cst_date(as_of)
    ws.append([f"截至{day.year}年{day.month}月{day.day}日"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1).alignment = Alignment(horizontal="right")
    ws.append(list(columns))
    thin = Side(style="thin")
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        ws.append([row.get(c) for c in columns])
    for line in ws.iter_rows(min_row=3, max_row=ws.max_row, max_col=width):
        for cell in line:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if cell.row > 3:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    for index, column in enumerate(columns, start=1):
        wide = column in ("督察反馈问题", "整改措施", "整改目标", "整改进展情况", "初核意见")
        letter = ws.cell(3, index).column_letter
        ws.column_dimensions[letter].width = 40 if wide else max(8, len(column) * 2 + 2)
    ws.freeze_panes = "A4"
    book.save(path)


def clue_features(cases: Iterable[Case], now: dt.datetime) -> dict[str, Any]:
    """Clues as a GeoJSON FeatureCollection (lon/lat, WGS-84/CGCS2000) for the map."""
    features = []
    for case in cases:
        if not case.geometry_geojson:
            continue
        d = case.details or {}
        running = case.state in definition(case.case_type).open_states
        features.append(
            {
                "type": "Feature",
                "id": case.id,
                "geometry": json.loads(case.geometry_geojson),
                "properties": {
                    "id": case.id,
                    "reference": case.reference,
                    "batch": case.batch,
                    "state": case.state,
                    "state_label": definition(case.case_type).states.get(case.state),
                    "region_adcode": case.region_adcode,
                    "image_date": d.get("image_date"),
                    "activity_type": d.get("activity_type"),
                    "activity_type_name": d.get("activity_type_name"),
                    "change_type": d.get("change_type"),
                    "change_type_name": d.get("change_type_name"),
                    "function_zone": d.get("function_zone"),
                    "reserve_name": d.get("reserve_name"),
                    "area_ha": case.area_ha,
                    "deadline": case.deadline.isoformat() if case.deadline else None,
                    "due": due_status(case.deadline, running=running, now=now).value,
                    "version": case.version,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
