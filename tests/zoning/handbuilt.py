"""Hand-built zoning layers where the right answers are known.

Layout (lon/lat degrees, near Urumqi)::

    lat 43.2 +---------+---------+
             |   U3    |   U4    |      U1 priority, U2 general, U3 key, U4 general
    lat 43.1 +---------+---------+      red line RL1 = [87.02, 87.04] x [43.02, 43.04] (inside U1)
             |   U1    |   U2    |      reserve NR1 core   = [87.15, 87.18] x [43.02, 43.05] (in U2)
    lat 43.0 +---------+---------+      reserve NR2 实验区 = [87.15, 87.18] x [43.12, 43.15] (in U4)
           87.0      87.1      87.2

All units are in Urumqi (admin 650102, city 650100), region 北疆 (demo).
"""

from __future__ import annotations

from shapely.geometry import box

from ecoguard.zoning.layers import Layer, make_layer
from ecoguard.zoning.model import (
    AccessRule,
    Dimension,
    Effect,
    LayerKind,
    ListLevel,
    PollutantCap,
    UnitCategory,
)

UNIT_BOXES = {
    "U1": (box(87.0, 43.0, 87.1, 43.1), UnitCategory.PRIORITY, "生态"),
    "U2": (box(87.1, 43.0, 87.2, 43.1), UnitCategory.GENERAL, "大气"),
    "U3": (box(87.0, 43.1, 87.1, 43.2), UnitCategory.KEY, "水"),
    "U4": (box(87.1, 43.1, 87.2, 43.2), UnitCategory.GENERAL, "综合"),
}


def units_layer() -> Layer:
    records = [
        {
            "code": code,
            "name": f"单元{code}",
            "category": int(cat),
            "element": element,
            "region": "北疆",
            "admin_code": "650102",
        }
        for code, (_, cat, element) in UNIT_BOXES.items()
    ]
    return make_layer(LayerKind.UNITS, records, [g for g, _, _ in UNIT_BOXES.values()])


def redlines_layer() -> Layer:
    return make_layer(
        LayerKind.REDLINES,
        [{"code": "RL1", "name": "天山水源涵养红线", "zone": "", "admin_code": "650102"}],
        [box(87.02, 43.02, 87.04, 43.04)],
    )


def reserves_layer() -> Layer:
    return make_layer(
        LayerKind.RESERVES,
        [
            {"code": "NR1", "name": "示例保护区", "zone": "核心区", "admin_code": "650102"},
            {"code": "NR2", "name": "示例保护区", "zone": "实验区", "admin_code": "650102"},
        ],
        [box(87.15, 43.02, 87.18, 43.05), box(87.15, 43.12, 87.18, 43.15)],
    )


def rulebook() -> list[AccessRule]:
    return [
        AccessRule(
            "P-1",
            ListLevel.PROVINCE,
            "650000",
            Dimension.SPATIAL_LAYOUT,
            Effect.PROHIBIT,
            "优先保护单元内禁止新建两高项目。",
            source="示例省级清单 第1条",
            industries=("两高",),
            categories=frozenset({UnitCategory.PRIORITY}),
        ),
        AccessRule(
            "P-2",
            ListLevel.PROVINCE,
            "*",
            Dimension.RESOURCE_EFFICIENCY,
            Effect.REQUIRE,
            "新建项目清洁生产水平应达到国内先进水平。",
            source="示例省级清单 第2条",
        ),
        AccessRule(
            "R-1",
            ListLevel.REGION,
            "北疆",
            Dimension.POLLUTANT_DISCHARGE,
            Effect.RESTRICT,
            "新建项目二氧化硫排放量超过100吨/年的，须实行区域削减替代。",
            source="示例片区清单 第1条",
            industries=("C",),
            caps=(PollutantCap("SO2", 100.0),),
        ),
        AccessRule(
            "C-1",
            ListLevel.CITY,
            "650100",
            Dimension.RISK_PREVENTION,
            Effect.RESTRICT,
            "限制新建危险化学品生产项目。",
            source="示例市级清单 第1条",
            industries=("26",),
        ),
        AccessRule(
            "U3-1",
            ListLevel.UNIT,
            "U3",
            Dimension.SPATIAL_LAYOUT,
            Effect.PROHIBIT,
            "水源涵养区内禁止新建排放含磷废水的项目。",
            source="示例单元清单 U3",
            industries=("C2631-2632",),
        ),
        AccessRule(
            "U9-1",
            ListLevel.UNIT,
            "U9",
            Dimension.SPATIAL_LAYOUT,
            Effect.PROHIBIT,
            "另一单元的条款，不应出现。",
        ),
    ]
