"""Access-list clauses: parsing of their fields, scope inheritance and per-clause verdicts.

Pure functions. The inheritance follows Gansu's "1+5+15+N" list system (``governance.md``
§1.2 [C], §1.4 item 3): a unit is governed by the province list, its region's list, its city's
list and its own list, top-down.

Per-clause verdict (this module's documented reading; the access lists themselves give no
machine semantics):

* a clause whose selectors (industry, unit category/element, capacity) do not select the
  project does not apply and is not listed;
* without quantities: 禁止 -> prohibited, 限制 -> restricted, 要求 -> allowed with conditions,
  允许/鼓励 -> allowed;
* with pollutant caps [t/a]: the clause bites only when an expected emission exceeds a cap.
  Below every cap it is listed with verdict *allowed* (or *allowed with conditions* for 要求);
  a missing emission figure for a capped pollutant gives *restricted* ("cannot judge");
  a 要求 clause whose cap is exceeded gives *restricted*.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from ecoguard.zoning.industry import selector_matches
from ecoguard.zoning.model import (
    AccessRule,
    Dimension,
    Effect,
    ListLevel,
    PollutantCap,
    Project,
    UnitCategory,
    Verdict,
)

_T = TypeVar("_T")

_LEVELS = {
    "province": ListLevel.PROVINCE,
    "省": ListLevel.PROVINCE,
    "省级": ListLevel.PROVINCE,
    "全省": ListLevel.PROVINCE,
    "region": ListLevel.REGION,
    "片区": ListLevel.REGION,
    "区域": ListLevel.REGION,
    "city": ListLevel.CITY,
    "市": ListLevel.CITY,
    "市州": ListLevel.CITY,
    "市级": ListLevel.CITY,
    "地市": ListLevel.CITY,
    "unit": ListLevel.UNIT,
    "单元": ListLevel.UNIT,
    "管控单元": ListLevel.UNIT,
}

_DIMENSIONS = {
    "spatial_layout": Dimension.SPATIAL_LAYOUT,
    "空间布局约束": Dimension.SPATIAL_LAYOUT,
    "区域布局管控": Dimension.SPATIAL_LAYOUT,
    "pollutant_discharge": Dimension.POLLUTANT_DISCHARGE,
    "污染物排放管控": Dimension.POLLUTANT_DISCHARGE,
    "污染物排放": Dimension.POLLUTANT_DISCHARGE,
    "risk_prevention": Dimension.RISK_PREVENTION,
    "环境风险防控": Dimension.RISK_PREVENTION,
    "resource_efficiency": Dimension.RESOURCE_EFFICIENCY,
    "资源利用效率": Dimension.RESOURCE_EFFICIENCY,
    "资源开发效率要求": Dimension.RESOURCE_EFFICIENCY,
    "能源资源利用": Dimension.RESOURCE_EFFICIENCY,
}

_EFFECTS = {
    "prohibit": Effect.PROHIBIT,
    "禁止": Effect.PROHIBIT,
    "restrict": Effect.RESTRICT,
    "限制": Effect.RESTRICT,
    "require": Effect.REQUIRE,
    "要求": Effect.REQUIRE,
    "allow": Effect.ALLOW,
    "允许": Effect.ALLOW,
    "鼓励": Effect.ALLOW,
}

_CATEGORIES = {
    "priority": UnitCategory.PRIORITY,
    "优先保护": UnitCategory.PRIORITY,
    "优先保护单元": UnitCategory.PRIORITY,
    "优先": UnitCategory.PRIORITY,
    "key": UnitCategory.KEY,
    "重点管控": UnitCategory.KEY,
    "重点管控单元": UnitCategory.KEY,
    "重点": UnitCategory.KEY,
    "general": UnitCategory.GENERAL,
    "一般管控": UnitCategory.GENERAL,
    "一般管控单元": UnitCategory.GENERAL,
    "一般": UnitCategory.GENERAL,
}

#: Unit-code digit fallback (1 priority, 2 key, 3 general) [R, unconfirmed].
_CATEGORY_DIGITS = {
    "1": UnitCategory.PRIORITY,
    "2": UnitCategory.KEY,
    "3": UnitCategory.GENERAL,
}

_POLLUTANT_ALIASES = {
    "SO2": "SO2",
    "二氧化硫": "SO2",
    "NOX": "NOX",
    "氮氧化物": "NOX",
    "COD": "COD",
    "化学需氧量": "COD",
    "NH3-N": "NH3-N",
    "NH3N": "NH3-N",
    "氨氮": "NH3-N",
    "VOCS": "VOCS",
    "挥发性有机物": "VOCS",
    "PM": "PM",
    "颗粒物": "PM",
    "烟粉尘": "PM",
    "TN": "TN",
    "总氮": "TN",
    "TP": "TP",
    "总磷": "TP",
}

#: Canonical pollutant keys.
POLLUTANT_KEYS = frozenset(_POLLUTANT_ALIASES.values())

#: Mass-rate units accepted for caps and emissions, as factors to [t/a].
MASS_RATE_UNITS = {"t/a": 1.0, "吨/年": 1.0, "kg/a": 0.001, "千克/年": 0.001, "万t/a": 10_000.0}

_CAP = re.compile(
    r"^\s*(?P<name>[^<=:：\s]+)\s*(?:<=|≤|:|：|=)?\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>\S*)\s*$"
)


def _lookup(table: Mapping[str, _T], value: str, what: str) -> _T:
    key = value.strip()
    found = table.get(key) or table.get(key.lower())
    if found is None:
        names = ", ".join(sorted({k for k in table if k.isascii()}))
        raise ValueError(f"unknown {what} {value!r} (expected one of {names} or the Chinese name)")
    return found


def parse_level(value: str) -> ListLevel:
    """Parse a list level (``province``/省级, ``region``/片区, ``city``/市州, ``unit``/单元)."""
    return _lookup(_LEVELS, value, "list level")


def parse_dimension(value: str) -> Dimension:
    """Parse one of the four dimensions (English key or the Chinese wording)."""
    return _lookup(_DIMENSIONS, value, "dimension")


def parse_effect(value: str) -> Effect:
    """Parse an effect (``prohibit``/禁止, ``restrict``/限制, ``require``/要求, ``allow``/允许)."""
    return _lookup(_EFFECTS, value, "effect")


def parse_category(value: str) -> UnitCategory:
    """Parse a unit category; the digits ``1/2/3`` are accepted as an unconfirmed fallback."""
    text = value.strip()
    if text in _CATEGORY_DIGITS:
        return _CATEGORY_DIGITS[text]
    return _lookup(_CATEGORIES, text, "unit category")


def normalize_pollutant(name: str) -> str:
    """Return the canonical key of a pollutant name (``二氧化硫`` -> ``SO2``)."""
    key = name.strip()
    return _POLLUTANT_ALIASES.get(key.upper(), _POLLUTANT_ALIASES.get(key, key.upper()))


def parse_caps(text: str) -> tuple[PollutantCap, ...]:
    """Parse ``"SO2<=100 t/a; 氮氧化物: 50"`` into caps [t/a].

    Raises
    ------
    ValueError
        Naming the part that could not be read.
    """
    caps: list[PollutantCap] = []
    for part in re.split(r"[;；,，\n]", text):
        if not part.strip():
            continue
        match = _CAP.match(part)
        if match is None:
            raise ValueError(
                f"cannot read pollutant cap {part.strip()!r} (expected e.g. SO2<=100 t/a)"
            )
        unit = match.group("unit") or "t/a"
        if unit not in MASS_RATE_UNITS:
            raise ValueError(
                f"pollutant cap {part.strip()!r}: unit {unit!r} not in {list(MASS_RATE_UNITS)}"
            )
        value = float(match.group("value")) * MASS_RATE_UNITS[unit]
        caps.append(PollutantCap(normalize_pollutant(match.group("name")), value))
    return tuple(caps)


def split_list(text: str) -> tuple[str, ...]:
    """Split a cell holding several values separated by ``;``, ``,``, ``、`` or new lines."""
    return tuple(p.strip() for p in re.split(r"[;；,，、\n]", text) if p.strip())


@dataclass(frozen=True)
class UnitKey:
    """What rule inheritance needs to know about a unit."""

    code: str
    category: UnitCategory
    element: str
    region: str
    admin_code: str


class RuleBook:
    """Access-list clauses indexed by level and scope for fast top-down inheritance.

    Parameters
    ----------
    rules : iterable of AccessRule
        The clauses; ``rule_id`` must be unique.

    Raises
    ------
    ValueError
        On a duplicate ``rule_id``.
    """

    def __init__(self, rules: Iterable[AccessRule]) -> None:
        self.rules: tuple[AccessRule, ...] = tuple(rules)
        seen: set[str] = set()
        self._by_scope: dict[tuple[ListLevel, str], list[AccessRule]] = {}
        for rule in self.rules:
            if rule.rule_id in seen:
                raise ValueError(f"duplicate rule_id {rule.rule_id!r}")
            seen.add(rule.rule_id)
            self._by_scope.setdefault((rule.level, rule.scope.strip()), []).append(rule)
        self._cache: dict[UnitKey, tuple[AccessRule, ...]] = {}

    def __len__(self) -> int:
        return len(self.rules)

    def inherited(self, unit: UnitKey) -> tuple[AccessRule, ...]:
        """Clauses that govern a unit, province first, then region, city and the unit itself.

        Province clauses match scope ``*`` or the unit's province code (first two digits of its
        admin code + ``0000``); city clauses match the city code (first four digits + ``00``).
        Clauses restricted to categories or elements are dropped when the unit is not one of
        them.
        """
        cached = self._cache.get(unit)
        if cached is not None:
            return cached
        code = unit.admin_code.strip()
        keys: list[tuple[ListLevel, str]] = [(ListLevel.PROVINCE, "*")]
        if len(code) >= 2:
            keys.append((ListLevel.PROVINCE, code[:2] + "0000"))
        if unit.region:
            keys.append((ListLevel.REGION, unit.region))
        if len(code) >= 4:
            keys.append((ListLevel.CITY, code[:4] + "00"))
        keys.append((ListLevel.UNIT, unit.code))
        out: list[AccessRule] = []
        for key in keys:
            for rule in self._by_scope.get(key, ()):
                if rule.categories and unit.category not in rule.categories:
                    continue
                if rule.elements and unit.element not in rule.elements:
                    continue
                out.append(rule)
        result = tuple(out)
        self._cache[unit] = result
        return result


def selects(rule: AccessRule, project: Project, flags: frozenset[str]) -> bool:
    """Whether a clause's industry and capacity selectors select the project.

    A clause naming no industries selects every project. A clause with ``capacity_min`` selects
    a project whose capacity is unknown (so that the missing figure is surfaced, not ignored).
    """
    if rule.industries and not any(
        selector_matches(s, project.industry, flags) for s in rule.industries
    ):
        return False
    return not (
        rule.capacity_min is not None
        and project.capacity is not None
        and project.capacity < rule.capacity_min
    )


_BASE = {
    Effect.PROHIBIT: Verdict.PROHIBITED,
    Effect.RESTRICT: Verdict.RESTRICTED,
    Effect.REQUIRE: Verdict.ALLOWED_WITH_CONDITIONS,
    Effect.ALLOW: Verdict.ALLOWED,
}


@lru_cache(maxsize=65536)
def _selection_reason(rule: AccessRule, industry: str, flags: frozenset[str]) -> str:
    what = (
        f"{rule.level.label_zh}清单 {rule.rule_id} ({rule.dimension.label_zh}, {rule.effect.value})"
    )
    if rule.industries:
        matched = [s for s in rule.industries if selector_matches(s, industry, flags)]
        return f"{what}: selects industry/tag {', '.join(matched)}"
    return f"{what}: applies to every industry"


def judge(
    rule: AccessRule, project: Project, flags: frozenset[str]
) -> tuple[Verdict, tuple[str, ...]]:
    """Verdict of one selected clause for a project, with the reasons (see module docstring).

    Parameters
    ----------
    rule : AccessRule
        A clause for which :func:`selects` is true.
    project : Project
        The project.
    flags : frozenset of str
        The project's tags, including derived ones.

    Returns
    -------
    tuple
        ``(verdict, reasons)``.
    """
    reasons = [_selection_reason(rule, project.industry, flags)]
    if rule.capacity_min is not None:
        if project.capacity is None:
            reasons.append(f"capacity threshold {rule.capacity_min:g}: project capacity not given")
            return max(_BASE[rule.effect], Verdict.RESTRICTED), tuple(reasons)
        reasons.append(f"capacity {project.capacity:g} >= threshold {rule.capacity_min:g}")
    if not rule.caps:
        return _BASE[rule.effect], tuple(reasons)
    exceeded: list[str] = []
    missing: list[str] = []
    for cap in rule.caps:
        value = project.emissions.get(cap.pollutant)
        if value is None:
            missing.append(cap.pollutant)
        elif value > cap.limit:
            exceeded.append(f"{cap.pollutant} {value:g} t/a > {cap.limit:g} t/a")
        else:
            reasons.append(f"{cap.pollutant} {value:g} t/a <= {cap.limit:g} t/a")
    if exceeded:
        reasons.extend(exceeded)
        verdict = _BASE[rule.effect] if rule.effect is not Effect.REQUIRE else Verdict.RESTRICTED
        return max(verdict, Verdict.ALLOWED_WITH_CONDITIONS), tuple(reasons)
    if missing:
        reasons.append(f"expected emissions not given for {', '.join(missing)}: cannot judge")
        return max(_BASE[rule.effect], Verdict.RESTRICTED), tuple(reasons)
    if rule.effect is Effect.REQUIRE:
        return Verdict.ALLOWED_WITH_CONDITIONS, tuple(reasons)
    reasons.append("below every cap: the clause does not bite")
    return Verdict.ALLOWED, tuple(reasons)


def applicable(
    units: Sequence[UnitKey], book: RuleBook, project: Project, flags: frozenset[str]
) -> list[tuple[AccessRule, tuple[str, ...]]]:
    """Clauses inherited by any of ``units`` that select the project, each with its units.

    Each clause is listed once, in level order (province, region, city, unit) and dimension
    order, with the codes of the units through which it applies.
    """
    return select_inherited([(u.code, book.inherited(u)) for u in units], project, flags)


_DIMS = list(Dimension)


def select_inherited(
    inherited: Sequence[tuple[str, tuple[AccessRule, ...]]], project: Project, flags: frozenset[str]
) -> list[tuple[AccessRule, tuple[str, ...]]]:
    """:func:`applicable` from precomputed ``(unit code, inherited clauses)`` pairs."""
    via: dict[str, list[str]] = {}
    order: dict[str, AccessRule] = {}
    for code, rules in inherited:
        for rule in rules:
            if rule.rule_id not in order:
                if not selects(rule, project, flags):
                    continue
                order[rule.rule_id] = rule
                via[rule.rule_id] = []
            via[rule.rule_id].append(code)
    ranked = sorted(order.values(), key=lambda r: (r.level, _DIMS.index(r.dimension), r.rule_id))
    return [(r, tuple(via[r.rule_id])) for r in ranked]
