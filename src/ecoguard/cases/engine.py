"""The workflow engine: pure checks and outcomes of transitions over a :mod:`definitions` table.

:func:`check` answers whether an actor may take a transition on a case in its current state,
and if not, every reason why (unknown transition, wrong state, role not allowed, missing or
invalid field, unmet guard). :func:`outcome` computes the new state and column values of an
allowed transition. Neither touches a database, a clock or a file: the service gathers the
facts (:class:`CaseFacts`) and applies the outcome.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ecoguard.cases.definitions import (
    CaseDefinition,
    Effect,
    FieldKind,
    FieldSpec,
    Guard,
    Transition,
)
from ecoguard.registry.models import Role


@dataclass(frozen=True)
class Actor:
    """Who takes a transition."""

    user_id: int | None
    username: str
    role: Role


@dataclass(frozen=True)
class CaseFacts:
    """What the engine needs to know about a case.

    Attributes
    ----------
    state : str
        Current state.
    details : mapping
        Type-specific attributes (e.g. ``is_violation`` recorded by a first check).
    evidence_unique : int
        Evidence attachments whose file is not evidence on any other case.
    completed_by_id, completed_by_role : int or None, str or None
        Who recorded the last completion (cleared when it is rejected or the case relapses).
    accepted : bool
        Whether an acceptance was recorded after the last completion.
    lookback_due : date or None
        Due date of a scheduled look-back spot check.
    relapse_count : int
        Times the case relapsed after close-out.
    """

    state: str
    details: Mapping[str, Any] = field(default_factory=dict)
    evidence_unique: int = 0
    completed_by_id: int | None = None
    completed_by_role: str | None = None
    accepted: bool = False
    lookback_due: dt.date | None = None
    relapse_count: int = 0


class RefusalRule(StrEnum):
    """Why a transition is refused."""

    unknown_transition = "unknown_transition"
    state = "state"
    role = "role"
    field = "field"
    guard = "guard"


@dataclass(frozen=True)
class Refusal:
    """One reason a transition is refused; ``field`` names the payload field when there is one."""

    rule: RefusalRule
    message: str
    field: str | None = None


@dataclass(frozen=True)
class Decision:
    """The answer of :func:`check`: the refusals (none when allowed) and the parsed payload."""

    transition: str
    refusals: tuple[Refusal, ...]
    payload: Mapping[str, Any]

    @property
    def allowed(self) -> bool:
        """Whether the transition may be taken."""
        return not self.refusals

    def explain(self) -> str:
        """All reasons in one sentence."""
        return "; ".join(r.message for r in self.refusals)


# --- payload ---------------------------------------------------------------------------------

_TRUE = frozenset({"true", "1", "yes", "y", "是", "有"})
_FALSE = frozenset({"false", "0", "no", "n", "否", "无"})


def parse_value(spec: FieldSpec, raw: Any) -> Any:
    """Parse one payload value by its spec.

    Raises
    ------
    ValueError
        Saying what was expected.
    """
    if spec.kind is FieldKind.text:
        if not isinstance(raw, str) or not raw.strip():
            msg = "expected non-empty text"
            raise ValueError(msg)
        return raw.strip()
    if spec.kind is FieldKind.date:
        if isinstance(raw, dt.datetime):
            msg = "expected a calendar date (YYYY-MM-DD), not an instant"
            raise ValueError(msg)
        if isinstance(raw, dt.date):
            return raw
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw.strip())
            except ValueError:
                pass
        msg = f"expected a date YYYY-MM-DD, got {raw!r}"
        raise ValueError(msg)
    if spec.kind is FieldKind.boolean:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        msg = f"expected true or false, got {raw!r}"
        raise ValueError(msg)
    if spec.kind is FieldKind.percent:
        if isinstance(raw, bool):
            msg = "expected a number from 0 to 100"
            raise ValueError(msg)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            msg = f"expected a number from 0 to 100, got {raw!r}"
            raise ValueError(msg) from None
        if not math.isfinite(value) or not 0 <= value <= 100:
            msg = f"expected a number from 0 to 100, got {raw!r}"
            raise ValueError(msg)
        return value
    # text_list
    items: list[Any]
    if isinstance(raw, str):
        items = [line for line in raw.splitlines() if line.strip()]
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        items = []
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        msg = "expected a list of non-empty texts"
        raise ValueError(msg)
    return [i.strip() for i in items]


def parse_payload(
    transition: Transition, raw: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Refusal]]:
    """Parse a payload against a transition's fields; every problem becomes a refusal."""
    parsed: dict[str, Any] = {}
    refusals: list[Refusal] = []
    known = {f.name for f in transition.fields}
    for name in sorted(set(raw) - known):
        allowed = ", ".join(sorted(known)) or "none"
        refusals.append(
            Refusal(
                RefusalRule.field,
                f"field {name!r} is not part of {transition.name!r} (fields: {allowed})",
                name,
            )
        )
    for spec in transition.fields:
        value = raw.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                refusals.append(
                    Refusal(
                        RefusalRule.field,
                        f"{transition.name!r} requires {spec.name!r} ({spec.label})",
                        spec.name,
                    )
                )
            continue
        try:
            parsed[spec.name] = parse_value(spec, value)
        except ValueError as exc:
            refusals.append(
                Refusal(RefusalRule.field, f"{spec.name!r} ({spec.label}): {exc}", spec.name)
            )
    return parsed, refusals


# --- guards ----------------------------------------------------------------------------------


def _guard_refusal(guard: Guard, facts: CaseFacts, actor: Actor) -> str | None:
    """The reason ``guard`` fails, or ``None`` when it holds."""
    if guard is Guard.evidence:
        if facts.evidence_unique < 1:
            return (
                "no evidence: attach at least one evidence file that is not already evidence "
                "on another case"
            )
        return None
    if guard is Guard.other_role_than_completer:
        if facts.completed_by_role is None:
            return "no completion is recorded to accept or reject"
        if actor.role.value == facts.completed_by_role:
            return (
                f"acceptance must be by a different role than the one that completed the work "
                f"({facts.completed_by_role})"
            )
        if actor.user_id is not None and actor.user_id == facts.completed_by_id:
            return "the person who completed the work may not accept it"
        return None
    if guard is Guard.accepted:
        return None if facts.accepted else "no acceptance is recorded since the last completion"
    if guard is Guard.no_violation:
        if facts.details.get("is_violation") is False:
            return None
        return "the first check found a violation (or none was recorded): order rectification"
    if guard is Guard.violation:
        if facts.details.get("is_violation") is True:
            return None
        return "the first check found no violation: conclude the clue instead"
    if facts.lookback_due is None:  # Guard.lookback_scheduled
        return "no look-back spot check is scheduled"
    return None


def check(
    definition: CaseDefinition,
    facts: CaseFacts,
    name: str,
    actor: Actor,
    payload: Mapping[str, Any],
) -> Decision:
    """Whether ``actor`` may take transition ``name`` on a case with ``facts``, and why not.

    Every applicable reason is reported, not just the first one.
    """
    transition = definition.transition(name)
    if transition is None:
        names = ", ".join(t.name for t in definition.transitions)
        refusal = Refusal(
            RefusalRule.unknown_transition,
            f"{definition.case_type} has no transition {name!r} (transitions: {names})",
        )
        return Decision(name, (refusal,), {})
    refusals: list[Refusal] = []
    if facts.state not in transition.sources:
        state_label = definition.states.get(facts.state, facts.state)
        here = ", ".join(t.name for t in definition.available(facts.state)) or "none"
        refusals.append(
            Refusal(
                RefusalRule.state,
                f"{name!r} is not allowed from state {facts.state!r} ({state_label}); "
                f"allowed from there: {here}",
            )
        )
    if actor.role not in transition.roles:
        roles = ", ".join(sorted(r.value for r in transition.roles))
        refusals.append(
            Refusal(
                RefusalRule.role,
                f"role {actor.role.value} may not take {name!r} (roles: {roles})",
            )
        )
    parsed, field_refusals = parse_payload(transition, payload)
    refusals += field_refusals
    for first, second in transition.date_order:
        if first in parsed and second in parsed and parsed[first] > parsed[second]:
            refusals.append(
                Refusal(
                    RefusalRule.field,
                    f"{first!r} ({parsed[first]}) may not be later than {second!r} "
                    f"({parsed[second]})",
                    second,
                )
            )
    for guard in transition.guards:
        reason = _guard_refusal(guard, facts, actor)
        if reason is not None:
            refusals.append(Refusal(RefusalRule.guard, reason))
    return Decision(name, tuple(refusals), parsed)


@dataclass(frozen=True)
class Outcome:
    """What an allowed transition changes: the new state and column values of the case."""

    from_state: str
    to_state: str
    changes: Mapping[str, Any]
    details_update: Mapping[str, Any]


def outcome(
    definition: CaseDefinition, facts: CaseFacts, decision: Decision, actor: Actor
) -> Outcome:
    """The changes an allowed ``decision`` makes.

    Raises
    ------
    ValueError
        When the decision is a refusal.
    """
    if not decision.allowed:
        msg = f"transition {decision.transition!r} refused: {decision.explain()}"
        raise ValueError(msg)
    transition = definition.transition(decision.transition)
    assert transition is not None
    p = decision.payload
    changes: dict[str, Any] = {"state": transition.target}
    details: dict[str, Any] = {}
    for effect in transition.effects:
        if effect is Effect.set_deadline:
            changes["deadline"] = p["deadline"]
        elif effect is Effect.set_assignee_unit:
            changes["assignee_unit"] = p["responsible_unit"]
        elif effect is Effect.set_lookback_due:
            changes["lookback_due"] = p["due"]
        elif effect is Effect.clear_lookback:
            changes["lookback_due"] = None
        elif effect is Effect.count_relapse:
            changes["relapse_count"] = facts.relapse_count + 1
        elif effect is Effect.record_completion:
            changes.update(
                completed_by_id=actor.user_id, completed_by_role=actor.role.value, accepted=False
            )
        elif effect is Effect.record_acceptance:
            changes["accepted"] = True
        elif effect is Effect.reset_completion:
            changes.update(completed_by_id=None, completed_by_role=None, accepted=False)
        elif effect is Effect.store_fields:
            details.update(
                {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in p.items()}
            )
    return Outcome(facts.state, transition.target, changes, details)


def allowed_transitions(
    definition: CaseDefinition, facts: CaseFacts, actor: Actor
) -> list[tuple[Transition, tuple[Refusal, ...]]]:
    """Transitions from the case's state with the reasons (other than missing fields) that
    would stop ``actor`` — for showing buttons and their blockers."""
    out: list[tuple[Transition, tuple[Refusal, ...]]] = []
    for transition in definition.available(facts.state):
        decision = check(definition, facts, transition.name, actor, {})
        blockers = tuple(r for r in decision.refusals if r.rule is not RefusalRule.field)
        out.append((transition, blockers))
    return out
