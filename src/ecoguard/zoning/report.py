"""Screening report as a Word document (python-docx), with a map, for filing with a department.

One report holds a summary table of every project screened and, for each project (all of them
up to ``detail_limit``), its verdict and reasons, a map, the units, red lines and reserves it
touches with overlap areas, and every applicable clause with its verbatim text, source and
verdict, grouped by the four dimensions. It ends with the disclaimer that the result is a
machine pre-screen, not an approval (``governance.md`` §1.4 item 3).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.shared import Cm, Pt, RGBColor

from ecoguard.zoning.mapdraw import legend, map_features, render_png
from ecoguard.zoning.model import DISCLAIMER, Dimension, ScreeningResult, Verdict
from ecoguard.zoning.screening import ZoningIndex

_VERDICT_COLOUR = {
    Verdict.ALLOWED: RGBColor(0x2E, 0x7D, 0x32),
    Verdict.ALLOWED_WITH_CONDITIONS: RGBColor(0x15, 0x65, 0xC0),
    Verdict.RESTRICTED: RGBColor(0xEF, 0x6C, 0x00),
    Verdict.PROHIBITED: RGBColor(0xC6, 0x28, 0x28),
}


def _table(doc: object, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def write_report(
    path: Path,
    results: Sequence[ScreeningResult],
    index: ZoningIndex | None = None,
    *,
    title: str = "生态环境分区管控 建设项目选址预筛报告",
    data_note: str = "",
    detail_limit: int = 50,
    summary_limit: int = 1000,
) -> Path:
    """Write the screening report.

    Parameters
    ----------
    path : Path
        Output ``.docx`` file.
    results : sequence of ScreeningResult
        What was screened.
    index : ZoningIndex, optional
        The layers, for the maps (no maps without it).
    title : str
        Report title.
    data_note : str
        Versions of the layers and lists used.
    detail_limit : int
        Projects beyond this number appear in the summary only.
    summary_limit : int
        At most this many projects (the strictest first) in the summary table; Word tables of
        many thousand rows are unusable, the tabular outputs hold them all.
    """
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(10)
    doc.add_heading(title, level=0)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc.add_paragraph(f"生成时间 Generated: {generated}    项目数 Projects: {len(results)}")
    if data_note:
        doc.add_paragraph(f"数据版本 Data: {data_note}")
    warn = doc.add_paragraph()
    run = warn.add_run(DISCLAIMER)
    run.bold = True
    doc.add_heading("汇总 Summary", level=1)
    counts: dict[Verdict, int] = {}
    for r in results:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    doc.add_paragraph(
        "; ".join(f"{v.label_zh} {v.slug}: {counts[v]}" for v in sorted(counts, reverse=True))
    )
    listed = sorted(results, key=lambda r: -r.verdict)[:summary_limit]
    if len(results) > summary_limit:
        doc.add_paragraph(
            f"下表列出最严格的 {summary_limit} 个项目 (the {summary_limit} strictest); "
            "其余见表格输出 (--format csv/xlsx)."
        )
    _table(
        doc,
        ["项目 Project", "行业 Industry", "结论 Verdict", "涉及单元 Units", "主要理由 Main reason"],
        [
            [
                f"{r.project.project_id} {r.project.name}".strip(),
                r.project.industry,
                f"{r.verdict.label_zh} {r.verdict.slug}",
                ", ".join(u.code for u in r.units if u.applied),
                r.reasons[0] if r.reasons else "",
            ]
            for r in listed
        ],
    )
    for r in results[:detail_limit]:
        _project_section(doc, r, index)
    if len(results) > detail_limit:
        doc.add_paragraph(f"其余 {len(results) - detail_limit} 个项目仅列入汇总表。")
    doc.add_paragraph(f"GEOS {results[0].geos_version if results else ''}; {DISCLAIMER}")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _project_section(doc: object, r: ScreeningResult, index: ZoningIndex | None) -> None:
    p = r.project
    doc.add_heading(f"项目 {p.project_id} {p.name}".strip(), level=1)  # type: ignore[attr-defined]
    flags = sorted(p.flags | r.derived_flags)
    size = (
        f"{r.area_m2 / 10_000:.4g} ha"
        if r.area_m2 > 0
        else f"{r.length_m / 1000:.4g} km"
        if r.length_m > 0
        else "点位 point"
    )
    _table(
        doc,
        ["项 Item", "值 Value"],
        [
            ["行业代码 Industry (GB/T 4754)", p.industry or "—"],
            ["标签 Flags", ", ".join(flags) or "—"],
            ["规模 Capacity", "—" if p.capacity is None else f"{p.capacity:g}"],
            [
                "预计排放 Emissions [t/a]",
                ", ".join(f"{k} {v:g}" for k, v in p.emissions.items()) or "—",
            ],
            ["位置 Geometry", f"{p.geometry.geom_type}, {size}"],
        ],
    )
    para = doc.add_paragraph()  # type: ignore[attr-defined]
    run = para.add_run(f"结论 Verdict: {r.verdict.label_zh} ({r.verdict.slug})")
    run.bold = True
    run.font.size = Pt(13)
    run.font.color.rgb = _VERDICT_COLOUR[r.verdict]
    for reason in r.reasons:
        doc.add_paragraph(reason, style="List Bullet")  # type: ignore[attr-defined]
    if index is not None:
        features = map_features(index, r)
        doc.add_picture(io.BytesIO(render_png(features, 800, 560)), width=Cm(15))  # type: ignore[attr-defined]
        key = doc.add_paragraph("图例 Legend: ")  # type: ignore[attr-defined]
        for colour, text in legend(features):
            swatch = key.add_run("■ ")
            swatch.font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())
            key.add_run(f"{text}    ")
    doc.add_heading("涉及管控单元 Control units", level=2)  # type: ignore[attr-defined]
    _table(
        doc,
        [
            "编码 Code",
            "名称 Name",
            "类别 Category",
            "要素",
            "关系 Relation",
            "适用",
            "重叠 ha",
            "占比",
        ],
        [
            [
                u.code,
                u.name,
                u.category.label_zh,
                u.element,
                u.relation.value + (" (tie-break)" if u.tie_break else ""),
                "是" if u.applied else "否",
                f"{u.overlap_m2 / 10_000:.4g}",
                f"{u.share:.1%}",
            ]
            for u in r.units
        ],
    )
    if r.protected:
        doc.add_heading("生态保护红线与自然保护地 Red lines and reserves", level=2)  # type: ignore[attr-defined]
        _table(
            doc,
            ["图层 Layer", "编码 Code", "名称 Name", "分区 Zone", "关系", "重叠 ha", "结论"],
            [
                [
                    h.layer.value,
                    h.code,
                    h.name,
                    h.zone,
                    h.relation.value,
                    f"{h.overlap_m2 / 10_000:.4g}",
                    h.verdict.label_zh,
                ]
                for h in r.protected
            ],
        )
    doc.add_heading("适用准入清单条款 Applicable access-list clauses", level=2)  # type: ignore[attr-defined]
    if not r.rules:
        doc.add_paragraph("无 None.")  # type: ignore[attr-defined]
    for dim in Dimension:
        findings = [f for f in r.rules if f.rule.dimension is dim]
        if not findings:
            continue
        doc.add_heading(dim.label_zh, level=3)  # type: ignore[attr-defined]
        _table(
            doc,
            ["层级", "编号", "条款原文 Text", "来源 Source", "结论", "理由 Reasons"],
            [
                [
                    f.rule.level.label_zh,
                    f.rule.rule_id,
                    f.rule.text,
                    f.rule.source,
                    f.verdict.label_zh,
                    "; ".join(f.reasons),
                ]
                for f in findings
            ],
        )
