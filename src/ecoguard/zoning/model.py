"""Vocabulary of 三线一单 zoning control: categories, levels, dimensions, effects, verdicts.

The terms follow the people.com.cn explainer of 2022-01-18 on 三线一单 (definitions of the
four access-list dimensions and the three unit categories) and Gansu's "1+5+15+N" four-level
list system (press conference of 2021-02-23), as summarised in ``governance.md`` §1.1-1.4.
Everything here is plain data: no I/O, no geometry operations.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_CATEGORY_ZH = {3: "优先保护单元", 2: "重点管控单元", 1: "一般管控单元"}
_LEVEL_ZH = {1: "省级", 2: "片区", 3: "市州", 4: "单元"}
_VERDICT_ZH = {0: "允许", 1: "有条件允许", 2: "限制", 3: "禁止"}


class UnitCategory(enum.IntEnum):
    """Category of an environmental control unit (环境管控单元), ordered by strictness.

    The integer value orders strictness: a larger value is stricter. The digits ``1/2/3`` that
    some departments use inside unit codes (``ZH`` + admin code + digit + serial) are a
    recollection, **not confirmed** (``governance.md`` §1.4 [R]); the importer accepts them only
    as a fallback.
    """

    GENERAL = 1  #: 一般管控单元
    KEY = 2  #: 重点管控单元
    PRIORITY = 3  #: 优先保护单元

    @property
    def label_zh(self) -> str:
        """Chinese name of the category."""
        return _CATEGORY_ZH[self.value]

    @property
    def slug(self) -> str:
        """Stable lower-case English key (``priority``, ``key``, ``general``)."""
        return self.name.lower()


class ListLevel(enum.IntEnum):
    """Level of an access list in the "1+5+15+N" system, from the province down to the unit."""

    PROVINCE = 1  #: 省级总体准入要求 ("1")
    REGION = 2  #: 片区 ("5" in Gansu)
    CITY = 3  #: 市州 ("15" in Gansu)
    UNIT = 4  #: 管控单元 ("N")

    @property
    def label_zh(self) -> str:
        """Chinese name of the level."""
        return _LEVEL_ZH[self.value]


class Dimension(enum.StrEnum):
    """The four dimensions of an access list (生态环境准入清单), ``governance.md`` §1.1 [C]."""

    SPATIAL_LAYOUT = "spatial_layout"  #: 空间布局约束
    POLLUTANT_DISCHARGE = "pollutant_discharge"  #: 污染物排放管控
    RISK_PREVENTION = "risk_prevention"  #: 环境风险防控
    RESOURCE_EFFICIENCY = "resource_efficiency"  #: 资源利用效率

    @property
    def label_zh(self) -> str:
        """Chinese name of the dimension."""
        return _DIMENSION_ZH[self]


_DIMENSION_ZH = {
    Dimension.SPATIAL_LAYOUT: "空间布局约束",
    Dimension.POLLUTANT_DISCHARGE: "污染物排放管控",
    Dimension.RISK_PREVENTION: "环境风险防控",
    Dimension.RESOURCE_EFFICIENCY: "资源利用效率",
}


class Effect(enum.StrEnum):
    """What a clause does to the projects it selects (``governance.md`` §1.4 item 2)."""

    PROHIBIT = "prohibit"  #: 禁止
    RESTRICT = "restrict"  #: 限制
    REQUIRE = "require"  #: 要求 (a condition the project must meet)
    ALLOW = "allow"  #: 鼓励/允许


class Verdict(enum.IntEnum):
    """Screening verdict, ordered so that ``max`` gives the strictest."""

    ALLOWED = 0  #: 允许
    ALLOWED_WITH_CONDITIONS = 1  #: 有条件允许
    RESTRICTED = 2  #: 限制
    PROHIBITED = 3  #: 禁止

    @property
    def label_zh(self) -> str:
        """Chinese name of the verdict."""
        return _VERDICT_ZH[self.value]

    @property
    def slug(self) -> str:
        """Stable lower-case English key."""
        return self.name.lower()


class LayerKind(enum.StrEnum):
    """The spatial layers a department loads."""

    UNITS = "units"  #: 环境管控单元
    REDLINES = "redlines"  #: 生态保护红线
    RESERVES = "reserves"  #: 自然保护地 / 自然保护区


class Relation(enum.StrEnum):
    """How a project geometry relates to a layer feature.

    ``INSIDE``: the project lies wholly in the feature (``covered_by``) and their interiors meet.
    ``OVERLAPS``: the interiors meet but part of the project lies outside.
    ``BOUNDARY``: they meet only on the feature's boundary (``intersects`` and ``touches``).
    """

    INSIDE = "inside"
    OVERLAPS = "overlaps"
    BOUNDARY = "boundary"


@dataclass(frozen=True)
class PollutantCap:
    """A quantity named by a clause: the clause bites when the project's emission exceeds it.

    Attributes
    ----------
    pollutant : str
        Canonical pollutant key (upper case, e.g. ``SO2``, ``NOX``, ``COD``, ``NH3-N``, ``VOCS``).
    limit : float
        The quantity [t/a].
    """

    pollutant: str
    limit: float


@dataclass(frozen=True)
class AccessRule:
    """One clause of an access list (生态环境准入清单), with its verbatim source text.

    Attributes
    ----------
    rule_id : str
        Identifier unique within the loaded rule set.
    level : ListLevel
        Level in the "1+5+15+N" system.
    scope : str
        What the level applies to: a province code (``650000``) or ``*`` at province level, a
        region name at region level, a city admin code (``650100``) at city level, a unit code
        at unit level.
    dimension : Dimension
        One of the four dimensions.
    effect : Effect
        What the clause does to the projects it selects.
    text : str
        The clause as written in the source document (verbatim).
    source : str
        Citation of the document (title, number, article).
    industries : tuple of str
        Industry selectors: GB/T 4754 codes (section letter, 2-4 digits, a ``2511-2519`` range)
        and tags such as ``两高``. Empty means the clause applies to every industry.
    industry_names : str
        The industry classes as named in the source (for display).
    caps : tuple of PollutantCap
        Quantities: when given, the clause bites only if an expected emission exceeds its cap.
    capacity_min : float or None
        When given, the clause bites only if the project's capacity is at least this.
    categories : frozenset of UnitCategory
        Unit categories the clause is restricted to (empty: all).
    elements : frozenset of str
        Unit elements the clause is restricted to (empty: all).
    """

    rule_id: str
    level: ListLevel
    scope: str
    dimension: Dimension
    effect: Effect
    text: str
    source: str = ""
    industries: tuple[str, ...] = ()
    industry_names: str = ""
    caps: tuple[PollutantCap, ...] = ()
    capacity_min: float | None = None
    categories: frozenset[UnitCategory] = frozenset()
    elements: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Project:
    """A project to screen: a geometry in lon/lat (CGCS2000 or WGS-84) plus what it does.

    Attributes
    ----------
    project_id : str
        Identifier (the row or feature id in batch files).
    geometry : Any
        A Shapely point, line or polygon in lon/lat degrees.
    industry : str
        GB/T 4754-2017 code (``C2611`` or ``2611``); empty when unknown.
    name : str
        Project name.
    capacity : float or None
        Capacity in the unit the access list uses for the industry.
    emissions : Mapping[str, float]
        Expected emissions by canonical pollutant key [t/a].
    flags : frozenset of str
        Tags such as ``两高``.
    """

    project_id: str
    geometry: Any
    industry: str = ""
    name: str = ""
    capacity: float | None = None
    emissions: Mapping[str, float] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class UnitHit:
    """A control unit the project touches.

    ``applied`` says whether the unit's access lists apply to the project (interiors meet, or
    the unit won the boundary tie-break); ``overlap_m2``/``overlap_m`` are the overlap area [m2]
    and length [m] in the CGCS2000 Albers projection; ``share`` is the overlap as a fraction of
    the project's area (polygons), length (lines) or 1/0 (points).
    """

    code: str
    name: str
    category: UnitCategory
    element: str
    region: str
    admin_code: str
    relation: Relation
    applied: bool
    tie_break: bool
    overlap_m2: float
    overlap_m: float
    share: float


@dataclass(frozen=True)
class ProtectedHit:
    """A red-line or nature-reserve feature the project touches, with the finding it causes."""

    layer: LayerKind
    code: str
    name: str
    zone: str
    relation: Relation
    overlap_m2: float
    overlap_m: float
    share: float
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class RuleFinding:
    """An access-list clause that applies to the project, with its verdict and reasons."""

    rule: AccessRule
    via_units: tuple[str, ...]
    verdict: Verdict
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ScreeningResult:
    """Everything a screening found for one project (a machine pre-screen, not an approval)."""

    project: Project
    verdict: Verdict
    reasons: tuple[str, ...]
    units: tuple[UnitHit, ...]
    protected: tuple[ProtectedHit, ...]
    rules: tuple[RuleFinding, ...]
    area_m2: float
    length_m: float
    geos_version: str
    derived_flags: frozenset[str] = frozenset()
    data_versions: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        p = self.project
        return {
            "project_id": p.project_id,
            "name": p.name,
            "industry": p.industry,
            "flags": sorted(p.flags | self.derived_flags),
            "geometry_wkt": p.geometry.wkt,
            "area_m2": self.area_m2,
            "length_m": self.length_m,
            "verdict": self.verdict.slug,
            "verdict_zh": self.verdict.label_zh,
            "reasons": list(self.reasons),
            "units": [
                {
                    "code": u.code,
                    "name": u.name,
                    "category": u.category.slug,
                    "element": u.element,
                    "region": u.region,
                    "admin_code": u.admin_code,
                    "relation": u.relation.value,
                    "applied": u.applied,
                    "tie_break": u.tie_break,
                    "overlap_m2": u.overlap_m2,
                    "overlap_ha": u.overlap_m2 / 10_000.0,
                    "overlap_m": u.overlap_m,
                    "share": u.share,
                }
                for u in self.units
            ],
            "protected": [
                {
                    "layer": h.layer.value,
                    "code": h.code,
                    "name": h.name,
                    "zone": h.zone,
                    "relation": h.relation.value,
                    "overlap_m2": h.overlap_m2,
                    "overlap_ha": h.overlap_m2 / 10_000.0,
                    "overlap_m": h.overlap_m,
                    "share": h.share,
                    "verdict": h.verdict.slug,
                    "reason": h.reason,
                }
                for h in self.protected
            ],
            "rules": [
                {
                    "rule_id": f.rule.rule_id,
                    "level": f.rule.level.name.lower(),
                    "scope": f.rule.scope,
                    "dimension": f.rule.dimension.value,
                    "effect": f.rule.effect.value,
                    "text": f.rule.text,
                    "source": f.rule.source,
                    "via_units": list(f.via_units),
                    "verdict": f.verdict.slug,
                    "reasons": list(f.reasons),
                }
                for f in self.rules
            ],
            "geos_version": self.geos_version,
            "data_versions": dict(self.data_versions),
            "disclaimer": DISCLAIMER,
        }


DISCLAIMER = (
    "机器预筛结果，不构成审批意见。Machine pre-screen, not an approval: "
    "check the official zoning results and access lists before any decision."
)


@dataclass(frozen=True)
class Issue:
    """A problem found in input data, naming where it is and which rule it broke.

    Attributes
    ----------
    source : str
        The file (or ``<input>``).
    feature : str
        Feature id, row number or project id.
    field : str
        The field concerned (``geometry`` for geometry problems).
    rule : str
        Short name of the rule broken (``valid-geometry``, ``required``, ``enum``...).
    message : str
        What is wrong and what was done.
    severity : str
        ``repaired`` (kept after a fix), ``warning`` (kept as is, worth a look) or
        ``rejected`` (left out; its neighbours are kept).
    """

    source: str
    feature: str
    field: str
    rule: str
    message: str
    severity: str = "rejected"

    def __str__(self) -> str:
        return (
            f"{self.source}: feature {self.feature}: field {self.field}: [{self.rule}] "
            f"{self.message} ({self.severity})"
        )
