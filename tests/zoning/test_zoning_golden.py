"""Golden results on the hand-built layers: they catch silent changes of predicates or areas.

Predicates near boundaries can change between Shapely/GEOS versions (stack-notes §3.2,
geopandas#3551). The golden file was written with Shapely 2.2.0 / GEOS 3.14.1; after an upgrade,
a failure here must be explained before the file is regenerated with
``python tests/zoning/test_zoning_golden.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from handbuilt import redlines_layer, reserves_layer, rulebook, units_layer
from shapely import from_wkt

from ecoguard.zoning.model import Project, ScreeningResult
from ecoguard.zoning.screening import ZoningIndex

GOLDEN = Path(__file__).with_name("golden") / "handbuilt_screening.json"

CASES = [
    ("inside-general", "POINT (87.12 43.08)", "C2511", {"SO2": 50.0}),
    ("priority-liang-gao", "POINT (87.06 43.07)", "C2611", {"SO2": 1.0}),
    ("shared-edge", "POINT (87.1 43.05)", "C2611", {}),
    ("four-corner", "POINT (87.1 43.1)", "M7310", {}),
    ("across-two", "POLYGON ((87.05 43.05, 87.15 43.05, 87.15 43.07, 87.05 43.07, 87.05 43.05))", "C1310", {"SO2": 120.0}),
    ("in-red-line", "POLYGON ((87.025 43.025, 87.035 43.025, 87.035 43.035, 87.025 43.035, 87.025 43.025))", "", {}),
    ("reserve-core", "POINT (87.16 43.03)", "M7310", {}),
    ("line-three-units", "LINESTRING (87.05 43.05, 87.15 43.05, 87.15 43.15)", "G5410", {}),
    ("half-outside", "POLYGON ((87.15 43.05, 87.25 43.05, 87.25 43.07, 87.15 43.07, 87.15 43.05))", "M7310", {}),
    ("outside", "POINT (88 44)", "C1310", {}),
]  # fmt: skip


def _summary(r: ScreeningResult) -> dict[str, Any]:
    return {
        "verdict": r.verdict.slug,
        "area_m2": round(r.area_m2),
        "length_m": round(r.length_m, 1),
        "units": [
            [
                u.code,
                u.relation.value,
                u.applied,
                u.tie_break,
                round(u.overlap_m2),
                round(u.overlap_m, 1),
                round(u.share, 4),
            ]
            for u in r.units
        ],
        "protected": [
            [h.code, h.relation.value, round(h.overlap_m2), h.verdict.slug] for h in r.protected
        ],
        "rules": [[f.rule.rule_id, f.verdict.slug, sorted(f.via_units)] for f in r.rules],
    }


def _results() -> dict[str, Any]:
    index = ZoningIndex(units_layer(), rulebook(), redlines_layer(), reserves_layer())
    projects = [
        Project(name, from_wkt(wkt), industry, emissions=em) for name, wkt, industry, em in CASES
    ]
    return {
        p.project_id: _summary(r)
        for p, r in zip(projects, index.screen_many(projects), strict=True)
    }


def test_golden() -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert _results() == expected


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(_results(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {GOLDEN}\n")
