"""Demo cases for the demo province: findings in every state and a batch of clue polygons.

Everything is fictitious and marked 示例; references start with ``DEMO-``. The cases are driven
through the real workflow (the service and the engine), so their timelines, versions and audit
rows are what real use produces. Running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import shapely

from ecoguard.cases.service import CaseService, NewCase
from ecoguard.registry.errors import RegistryError

#: (reference, region, finding text, deadline offset from today [day], how far it gets)
FINDINGS = (
    ("DEMO-G3-01", "650100", "示例：某自然保护区内违规采砂，生态破坏问题突出", -20, "in_progress"),
    ("DEMO-G3-02", "650100", "示例：城区黑臭水体整治不彻底，雨污混流问题反复", 5, "planned"),
    ("DEMO-G3-03", "650200", "示例：工业园区 VOCs 无组织排放问题突出", 40, "completed"),
    ("DEMO-G3-04", "650200", "示例：历史遗留尾矿库环境风险隐患未消除", -60, "closed"),
    ("DEMO-G3-05", "652300", "示例：水泥企业超标排放问题整改不到位", 90, "registered"),
    ("DEMO-G3-06", "659001", "示例：城镇污水处理厂污泥违规堆存", -10, "reopened"),
)
#: (reference, region, lon, lat, activity code, change code, zone, how far it gets)
CLUES = (
    ("DEMO-TB-01", "650100", 87.45, 43.62, "04", "1", "核心区", "issued"),
    ("DEMO-TB-02", "650100", 87.80, 43.95, "03", "2", "缓冲区", "first_checked"),
    ("DEMO-TB-03", "650200", 84.95, 45.55, "06", "1", "实验区", "reviewed"),
    ("DEMO-TB-04", "650200", 84.80, 45.70, "08", "1", "核心区", "rectifying"),
    ("DEMO-TB-05", "659001", 86.10, 44.25, "01", "3", "非保护地", "closed"),
)
_ACTIVITY = {"01": "农业用地", "03": "工矿用地", "04": "采石场", "06": "旅游设施", "08": "养殖场"}
_CHANGE = {"1": "新增", "2": "规模扩大", "3": "减少/恢复"}

_FINDING_PATH = (
    "submit_plan",
    "report_progress",
    "complete",
    "accept",
    "close_out",
    "relapse",
    "submit_plan",
)
_FINDING_STOP = {
    "registered": 0,
    "planned": 1,
    "in_progress": 2,
    "completed": 3,
    "closed": 5,
    "reopened": 6,
}
_CLUE_PATH = ("first_check", "review", "order_rectification")
_CLUE_STOP = {"issued": 0, "first_checked": 1, "reviewed": 2, "rectifying": 3}


@dataclass
class DemoCases:
    """What :func:`seed_cases` created."""

    findings: int = 0
    clues: int = 0


def _finding_payload(name: str, deadline: dt.date, today: dt.date) -> dict[str, object]:
    payloads: dict[str, dict[str, object]] = {
        "submit_plan": {
            "targets": ["问题整改到位，生态环境明显改善（示例）"],
            "measures": ["制定专项方案（示例）", "落实责任清单（示例）"],
            "responsible_unit": "示例责任单位",
            "deadline": deadline.isoformat(),
        },
        "report_progress": {"progress": "按计划推进（示例）", "percent_done": 60},
        "complete": {"summary": "已完成整改（示例）"},
        "accept": {"opinion": "同意通过验收（示例）", "accepted_on": today.isoformat()},
        "close_out": {
            "public_notice": "示例：门户网站",
            "notice_from": (today - dt.timedelta(days=7)).isoformat(),
            "notice_to": (today - dt.timedelta(days=1)).isoformat(),
            "closed_on": today.isoformat(),
        },
        "relapse": {"opinion": "回头看发现问题反弹（示例）"},
    }
    return payloads[name]


def seed_cases(
    as_user: Callable[[str], CaseService], today: dt.date, *, evidence: bytes | None = None
) -> DemoCases:
    """Create the demo cases (idempotently) through the workflow.

    Parameters
    ----------
    as_user : callable
        Returns a :class:`CaseService` acting as the given demo username (``analyst``,
        ``urumqi``, ``karamay``, ``admin``); the caller commits.
    today : date
        The CST date deadlines are set around.
    evidence : bytes, optional
        Content of the demo evidence file; one per case is derived from it.
    """
    report = DemoCases()
    province = as_user("analyst")
    officer = as_user("admin")
    for ref, region, text, offset, stop in FINDINGS:
        try:
            case = province.create(
                NewCase(
                    case_type="inspection_finding",
                    reference=ref,
                    title=text,
                    region_adcode=region,
                    batch="示例第三轮 第一批",
                    details={
                        "level": "central",
                        "round": "示例第三轮",
                        "feedback_date": "2024-02-28",
                        "text": text,
                    },
                )
            )
        except RegistryError:
            continue  # already there (or the region is not registered)
        report.findings += 1
        deadline = today + dt.timedelta(days=offset)
        for name in _FINDING_PATH[: _FINDING_STOP[stop]]:
            actor = province if name in ("accept", "close_out", "relapse") else officer
            if name == "complete":
                content = (evidence or b"demo evidence") + ref.encode()
                officer.attach(case.id, f"{ref}-整改材料（示例）.txt", content, kind="evidence")
            actor.act(case.id, name, _finding_payload(name, deadline, today))
    for ref, region, lon, lat, activity, change, zone, stop in CLUES:
        polygon = shapely.box(lon, lat, lon + 0.004, lat + 0.003)
        try:
            case = province.create(
                NewCase(
                    case_type="redline_clue",
                    reference=ref,
                    title=f"示例保护区{_ACTIVITY[activity]}（{_CHANGE[change]}）",
                    region_adcode=region,
                    batch="示例2026年第1批",
                    area_ha=round(polygon.area * 111.32 * 80.0 * 100, 2),
                    geometry_geojson=shapely.to_geojson(polygon),
                    details={
                        "image_date": (today - dt.timedelta(days=60)).isoformat(),
                        "activity_type": activity,
                        "activity_type_name": _ACTIVITY[activity],
                        "change_type": change,
                        "change_type_name": _CHANGE[change],
                        "function_zone": zone,
                        "reserve_name": "示例自然保护区",
                        "lon": lon,
                        "lat": lat,
                        "source": "卫星遥感",
                    },
                    deadline=today + dt.timedelta(days=15),
                )
            )
        except RegistryError:
            continue
        report.clues += 1
        violation = stop != "closed"
        steps = list(_CLUE_PATH[: _CLUE_STOP.get(stop, 2)])
        payloads: dict[str, dict[str, object]] = {
            "first_check": {
                "opinion": "示例：现场核实属实" if violation else "示例：已自然恢复",
                "checked_on": today.isoformat(),
                "is_violation": violation,
            },
            "review": {"review_opinion": "同意初核意见（示例）", "reviewed_on": today.isoformat()},
            "order_rectification": {
                "measures": ["拆除设施（示例）", "植被恢复（示例）"],
                "responsible_unit": "示例县人民政府",
                "deadline": (today + dt.timedelta(days=90)).isoformat(),
            },
        }
        for name in steps:
            actor = province if name == "review" else officer
            actor.act(case.id, name, payloads[name])
        if stop == "closed":
            province.act(case.id, "conclude", {"handling_result": "无违法违规，予以办结（示例）"})
    return report
