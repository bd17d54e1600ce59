"""Project screening against control units, red lines, nature reserves and access lists.

Geometry in, findings out: :class:`ZoningIndex` holds the layers (with STRtrees built once) and
the rule book; :meth:`ZoningIndex.screen` and :meth:`ZoningIndex.screen_many` are pure with
respect to them.

Boundary rule (stack-notes §3.2: ``within`` finds no zone for a point on a shared edge,
``intersects``/``covered_by`` find both; choose one and a tie-break, and test it):

1. Candidates are the features whose geometry ``intersects`` the project (tree query with
   ``predicate="intersects"``; never a bare bounding-box query).
2. A feature is in *interior contact* when it intersects the project and does not merely
   ``touch`` it (their interiors meet). Relation is ``inside`` when the project is also
   ``covered_by`` the feature, else ``overlaps``. Every unit in interior contact applies.
3. Features meeting the project only on their boundary are ``boundary`` contacts: listed,
   with zero overlap, and their access lists do not apply...
4. ...unless the project is in interior contact with no unit at all (a point on a shared edge
   or vertex, a line running along an edge). Then exactly one of the touching units applies,
   chosen by the **tie-break**: the strictest category (优先保护 > 重点管控 > 一般管控), then the
   smallest unit code. The conservative choice keeps a site on the edge of a protected unit
   under that unit's lists.

Relations are decided in lon/lat (the data's own frame); areas and lengths are measured in
CGCS2000 Albers (see :mod:`ecoguard.zoning.geometry`).

Red lines: interior contact is *prohibited* (development activities are barred inside the
ecological protection red line except a short list of permitted activities: 中办国办《关于在
国土空间规划中统筹划定落实三条控制线的指导意见》(2019) and 国环规生态〔2022〕2号; wording
recalled, **unconfirmed**); boundary contact is *restricted* (verify on site).
Nature reserves: core and buffer zones (核心区, 缓冲区) are *prohibited*, the experimental zone
(实验区) *restricted* (《自然保护区条例》Art. 32: no production facilities in core and buffer
zones, no polluting or destructive ones in the experimental zone; recalled, **unconfirmed**);
an unknown zone is treated as core; boundary contact is *restricted*.
A project (or part of one) outside every loaded unit cannot be judged and is *restricted*.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import shapely

from ecoguard.zoning.geometry import GeomArray, measures
from ecoguard.zoning.industry import derived_flags
from ecoguard.zoning.layers import Layer
from ecoguard.zoning.model import (
    AccessRule,
    LayerKind,
    Project,
    ProtectedHit,
    Relation,
    RuleFinding,
    ScreeningResult,
    UnitCategory,
    UnitHit,
    Verdict,
)
from ecoguard.zoning.rules import RuleBook, UnitKey, judge, select_inherited

_RESERVE_CORE = ("核心区", "缓冲区", "core", "buffer")
_RESERVE_EXPERIMENTAL = ("实验区", "experimental")


@dataclass(frozen=True)
class _Contacts:
    """Bulk relation of many projects with one layer (aligned arrays over candidate pairs)."""

    project: npt.NDArray[np.intp]
    feature: npt.NDArray[np.intp]
    interior: npt.NDArray[np.bool_]
    covered: npt.NDArray[np.bool_]
    area: npt.NDArray[np.float64]
    length: npt.NDArray[np.float64]
    starts: npt.NDArray[np.intp]

    def rows(self, i: int) -> range:
        """Pair positions of project ``i``."""
        return range(int(self.starts[i]), int(self.starts[i + 1]))


class _LayerIndex:
    """A layer with its STRtree."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.tree = shapely.STRtree(layer.geometry)
        self.codes = layer.table["code"].to_numpy(dtype=str)
        self.names = layer.table["name"].to_numpy(dtype=str)

    def contacts(self, geoms: GeomArray, dims: npt.NDArray[np.int_]) -> _Contacts:
        pairs = self.tree.query(geoms, predicate="intersects")
        order = np.lexsort((pairs[1], pairs[0]))
        p, f = pairs[0][order], pairs[1][order]
        site, feat = geoms[p], self.layer.geometry[f]
        interior = ~shapely.touches(site, feat)
        covered = shapely.covered_by(site, feat) & interior
        area = np.zeros(len(p))
        length = np.zeros(len(p))
        extended = (dims[p] > 0) & interior
        if extended.any():
            inter = shapely.intersection(site[extended], feat[extended])
            a, ln = measures(inter)
            area[extended] = a
            length[extended] = ln
        starts = np.searchsorted(p, np.arange(len(geoms) + 1))
        return _Contacts(p, f, interior, covered, area, length, starts)


def _relation(contacts: _Contacts, k: int) -> Relation:
    if not contacts.interior[k]:
        return Relation.BOUNDARY
    return Relation.INSIDE if contacts.covered[k] else Relation.OVERLAPS


def _share(dim: int, contacts: _Contacts, k: int, area: float, length: float) -> float:
    if not contacts.interior[k]:
        return 0.0
    if dim == 2:
        return float(contacts.area[k] / area) if area > 0 else 0.0
    if dim == 1:
        return float(contacts.length[k] / length) if length > 0 else 0.0
    return 1.0


class ZoningIndex:
    """Loaded layers and access lists, ready to screen projects.

    Parameters
    ----------
    units : Layer
        Environmental control units.
    rules : iterable of AccessRule
        Access-list clauses of every level.
    redlines, reserves : Layer, optional
        Ecological protection red lines and nature reserves.
    rules_version : str, optional
        Version label of the access lists; results record it with the layers' versions.
    """

    def __init__(
        self,
        units: Layer,
        rules: Iterable[AccessRule] = (),
        redlines: Layer | None = None,
        reserves: Layer | None = None,
        rules_version: str = "",
    ) -> None:
        if units.kind is not LayerKind.UNITS:
            raise ValueError(f"units layer expected, got {units.kind}")
        self.units = _LayerIndex(units)
        self.book = RuleBook(rules)
        self.versions = {
            LayerKind.UNITS.value: units.version,
            LayerKind.REDLINES.value: redlines.version if redlines is not None else "",
            LayerKind.RESERVES.value: reserves.version if reserves is not None else "",
            "rules": rules_version,
        }
        self.protected = [
            _LayerIndex(layer) for layer in (redlines, reserves) if layer is not None and len(layer)
        ]
        table = units.table
        self._keys = [
            UnitKey(code, UnitCategory(int(cat)), element, region, admin)
            for code, cat, element, region, admin in zip(
                table["code"],
                table["category"],
                table["element"],
                table["region"],
                table["admin_code"],
                strict=True,
            )
        ]
        self._position = {key.code: j for j, key in enumerate(self._keys)}
        self._inherited_cache: dict[str, tuple[AccessRule, ...]] = {}
        self._zones = [layer.layer.table["zone"].to_numpy(dtype=str) for layer in self.protected]

    def screen(self, project: Project) -> ScreeningResult:
        """Screen one project; see the module docstring for the rules applied."""
        return self.screen_many([project])[0]

    def screen_many(self, projects: Sequence[Project]) -> list[ScreeningResult]:
        """Screen many projects at once (bulk tree queries and vectorised measures).

        Parameters
        ----------
        projects : sequence of Project
            Projects with lon/lat geometry.

        Returns
        -------
        list of ScreeningResult
            In the order of ``projects``.
        """
        if not projects:
            return []
        geoms = np.empty(len(projects), dtype=object)
        geoms[:] = [p.geometry for p in projects]
        dims = shapely.get_dimensions(geoms)
        areas, lengths = measures(geoms)
        unit_c = self.units.contacts(geoms, dims)
        prot_c = [layer.contacts(geoms, dims) for layer in self.protected]
        memo: dict[tuple[object, ...], tuple[RuleFinding, ...]] = {}
        judged: dict[tuple[object, ...], RuleFinding] = {}
        geos = ".".join(str(v) for v in shapely.geos_version)
        results: list[ScreeningResult] = []
        for i, project in enumerate(projects):
            dim, area, length = int(dims[i]), float(areas[i]), float(lengths[i])
            flags = project.flags | derived_flags(project.industry)
            units = self._unit_hits(unit_c, i, dim, area, length)
            protected = self._protected_hits(prot_c, i, dim, area, length)
            applied = tuple(h.code for h in units if h.applied)
            sig = (
                project.industry,
                flags,
                project.capacity,
                tuple(sorted(project.emissions.items())),
            )
            findings = memo.get((sig, applied))
            if findings is None:
                findings = self._rule_findings(units, project, flags, sig, judged)
                memo[(sig, applied)] = findings
            outside = self._outside_share(geoms[i], dim, area, length, unit_c, i)
            verdict, reasons = _overall(units, protected, findings, outside)
            results.append(
                ScreeningResult(
                    project=project,
                    verdict=verdict,
                    reasons=reasons,
                    units=units,
                    protected=protected,
                    rules=findings,
                    area_m2=area,
                    length_m=length,
                    geos_version=geos,
                    data_versions=self.versions,
                    derived_flags=flags - project.flags,
                )
            )
        return results

    def _unit_hits(
        self, c: _Contacts, i: int, dim: int, area: float, length: float
    ) -> tuple[UnitHit, ...]:
        rows = c.rows(i)
        any_interior = any(bool(c.interior[k]) for k in rows)
        winner = -1
        if rows and not any_interior:
            winner = min(
                rows,
                key=lambda k: (
                    -self._keys[int(c.feature[k])].category,
                    str(self.units.codes[c.feature[k]]),
                ),
            )
        hits = []
        for k in rows:
            j = int(c.feature[k])
            key = self._keys[j]
            hits.append(
                UnitHit(
                    code=key.code,
                    name=str(self.units.names[j]),
                    category=key.category,
                    element=key.element,
                    region=key.region,
                    admin_code=key.admin_code,
                    relation=_relation(c, k),
                    applied=bool(c.interior[k]) or k == winner,
                    tie_break=k == winner,
                    overlap_m2=float(c.area[k]),
                    overlap_m=float(c.length[k]),
                    share=1.0 if (k == winner and dim == 0) else _share(dim, c, k, area, length),
                )
            )
        hits.sort(key=lambda h: (not h.applied, -h.share, -h.category, h.code))
        return tuple(hits)

    def _protected_hits(
        self, contacts: list[_Contacts], i: int, dim: int, area: float, length: float
    ) -> tuple[ProtectedHit, ...]:
        hits: list[ProtectedHit] = []
        for index, zones, c in zip(self.protected, self._zones, contacts, strict=True):
            kind = index.layer.kind
            for k in c.rows(i):
                j = int(c.feature[k])
                relation = _relation(c, k)
                zone = str(zones[j])
                verdict, reason = _protected_finding(kind, zone, relation, float(c.area[k]))
                hits.append(
                    ProtectedHit(
                        layer=kind,
                        code=str(index.codes[j]),
                        name=str(index.names[j]),
                        zone=zone,
                        relation=relation,
                        overlap_m2=float(c.area[k]),
                        overlap_m=float(c.length[k]),
                        share=_share(dim, c, k, area, length),
                        verdict=verdict,
                        reason=reason,
                    )
                )
        hits.sort(key=lambda h: (-h.verdict, h.layer.value, h.code))
        return tuple(hits)

    def _inherited(self, code: str) -> tuple[AccessRule, ...]:
        rules = self._inherited_cache.get(code)
        if rules is None:
            rules = self.book.inherited(self._keys[self._position[code]])
            self._inherited_cache[code] = rules
        return rules

    def _rule_findings(
        self,
        units: tuple[UnitHit, ...],
        project: Project,
        flags: frozenset[str],
        sig: tuple[object, ...],
        judged: dict[tuple[object, ...], RuleFinding],
    ) -> tuple[RuleFinding, ...]:
        inherited = [(h.code, self._inherited(h.code)) for h in units if h.applied]
        out = []
        for rule, via in select_inherited(inherited, project, flags):
            known = judged.get((rule.rule_id, sig))
            if known is None:
                verdict, reasons = judge(rule, project, flags)
                known = RuleFinding(rule, (), verdict, reasons)
                judged[(rule.rule_id, sig)] = known
            out.append(RuleFinding(rule, via, known.verdict, known.reasons))
        return tuple(out)

    def _outside_share(
        self, geom: object, dim: int, area: float, length: float, c: _Contacts, i: int
    ) -> float:
        """Fraction of the project's area or length outside every unit it touches.

        Unit boundaries count as covered: a line along a shared edge is not outside.
        """
        rows = list(c.rows(i))
        if not rows:
            return 1.0
        if dim == 0:
            return 0.0
        if any(c.covered[k] for k in rows):
            return 0.0
        covered = shapely.union_all(self.units.layer.geometry[c.feature[rows]])
        inside = shapely.intersection(geom, covered)
        a, ln = measures(np.array([inside], dtype=object))
        whole = area if dim == 2 else length
        part = float(a[0]) if dim == 2 else float(ln[0])
        return max(0.0, 1.0 - part / whole) if whole > 0 else 0.0


def _protected_finding(
    kind: LayerKind, zone: str, relation: Relation, area_m2: float
) -> tuple[Verdict, str]:
    where = f"{relation.value}"
    if relation is Relation.BOUNDARY:
        label = "生态保护红线" if kind is LayerKind.REDLINES else "自然保护地"
        return (
            Verdict.RESTRICTED,
            f"touches the boundary of a {label} ({kind.value}): verify on site",
        )
    if kind is LayerKind.REDLINES:
        return (
            Verdict.PROHIBITED,
            f"{where} ecological protection red line (生态保护红线), "
            f"overlap {area_m2 / 10_000:.4g} ha: "
            "development activities are barred except those the red-line rules permit",
        )
    if any(z in zone for z in _RESERVE_EXPERIMENTAL) and not any(z in zone for z in _RESERVE_CORE):
        return (
            Verdict.RESTRICTED,
            f"{where} nature reserve experimental zone (实验区), "
            f"overlap {area_m2 / 10_000:.4g} ha: "
            "no polluting or destructive production facilities (自然保护区条例 Art. 32)",
        )
    label = zone or "zone not stated, treated as core"
    return (
        Verdict.PROHIBITED,
        f"{where} nature reserve ({label}), overlap {area_m2 / 10_000:.4g} ha: "
        "no production facilities in core and buffer zones (自然保护区条例 Art. 32)",
    )


@lru_cache(maxsize=65536)
def _rule_reason(rule: AccessRule, verdict: Verdict) -> str:
    return f"{rule.rule_id}: {verdict.label_zh} — {rule.text}"


def _overall(
    units: tuple[UnitHit, ...],
    protected: tuple[ProtectedHit, ...],
    findings: tuple[RuleFinding, ...],
    outside: float,
) -> tuple[Verdict, tuple[str, ...]]:
    candidates: list[tuple[Verdict, str]] = []
    if not any(h.applied for h in units):
        candidates.append(
            (
                Verdict.RESTRICTED,
                "outside every loaded control unit: cannot judge, refer for manual review",
            )
        )
    elif outside > 1e-3:
        candidates.append(
            (
                Verdict.RESTRICTED,
                f"{outside:.1%} of the project lies outside every loaded control unit: "
                "refer for manual review",
            )
        )
    for tie in (h for h in units if h.tie_break):
        candidates.append(
            (
                Verdict.ALLOWED,
                f"on a unit boundary: tie-break assigns it to {tie.code} ({tie.category.label_zh})",
            )
        )
    candidates.extend(
        (h.verdict, f"{h.layer.value} {h.code} {h.name}: {h.reason}") for h in protected
    )
    candidates.extend((f.verdict, _rule_reason(f.rule, f.verdict)) for f in findings)
    if not findings and any(h.applied for h in units):
        candidates.append(
            (Verdict.ALLOWED, "no clause of the loaded access lists selects this project")
        )
    verdict = max((v for v, _ in candidates), default=Verdict.ALLOWED)
    reasons = [r for v, r in candidates if v == verdict]
    reasons += [r for v, r in candidates if v != verdict and "tie-break" in r]
    return verdict, tuple(reasons)
