"""The pure engine: every transition of every case type by every role, allowed and refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.cases.definitions import (
    DEFINITIONS,
    INSPECTION_FINDING,
    REDLINE_CLUE,
    CaseDefinition,
    FieldKind,
    Guard,
    Transition,
    definition,
)
from ecoguard.cases.engine import (
    Actor,
    CaseFacts,
    RefusalRule,
    allowed_transitions,
    check,
    outcome,
    parse_payload,
)
from ecoguard.registry.models import Role

ROLES = list(Role)
CASES = [(d, t) for d in DEFINITIONS.values() for t in d.transitions]
IDS = [f"{d.case_type}.{t.name}" for d, t in CASES]

SAMPLE = {
    FieldKind.text: "说明",
    FieldKind.date: "2026-03-31",
    FieldKind.boolean: True,
    FieldKind.percent: 50,
    FieldKind.text_list: ["措施一", "措施二"],
}


def valid_payload(t: Transition) -> dict[str, Any]:
    payload = {f.name: SAMPLE[f.kind] for f in t.fields}
    if "is_violation" in payload:
        payload["is_violation"] = False
    return payload


def ready_facts(t: Transition) -> CaseFacts:
    """Facts in the first source state of ``t`` that satisfy every guard."""
    details: dict[str, Any] = {}
    if Guard.violation in t.guards:
        details["is_violation"] = True
    if Guard.no_violation in t.guards:
        details["is_violation"] = False
    return CaseFacts(
        state=sorted(t.sources)[0],
        details=details,
        evidence_unique=1,
        completed_by_id=999,
        completed_by_role="(another role)",  # so every actor differs from the completer
        accepted=True,
        lookback_due=dt.date(2026, 6, 30),
    )


def actor(role: Role, user_id: int = 1) -> Actor:
    return Actor(user_id, role.value, role)


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
@pytest.mark.parametrize(("d", "t"), CASES, ids=IDS)
def test_every_transition_by_every_role(d: CaseDefinition, t: Transition, role: Role) -> None:
    decision = check(d, ready_facts(t), t.name, actor(role), valid_payload(t))
    if role in t.roles:
        assert decision.allowed, decision.explain()
        result = outcome(d, ready_facts(t), decision, actor(role))
        assert result.to_state == t.target
        assert result.changes["state"] == t.target
    else:
        assert not decision.allowed
        assert [r.rule for r in decision.refusals] == [RefusalRule.role]
        assert f"role {role.value} may not take {t.name!r}" in decision.explain()
        with pytest.raises(ValueError, match="refused"):
            outcome(d, ready_facts(t), decision, actor(role))


@pytest.mark.parametrize(("d", "t"), CASES, ids=IDS)
def test_every_transition_refused_from_every_other_state(d: CaseDefinition, t: Transition) -> None:
    role = sorted(t.roles)[0]
    for state in set(d.states) - t.sources:
        facts = CaseFacts(**{**ready_facts(t).__dict__, "state": state})
        decision = check(d, facts, t.name, actor(role), valid_payload(t))
        assert [r.rule for r in decision.refusals] == [RefusalRule.state], state
        assert f"not allowed from state {state!r}" in decision.explain()


@pytest.mark.parametrize(("d", "t"), CASES, ids=IDS)
def test_every_required_field_is_enforced(d: CaseDefinition, t: Transition) -> None:
    role = sorted(t.roles)[0]
    for spec in t.fields:
        payload = valid_payload(t)
        del payload[spec.name]
        decision = check(d, ready_facts(t), t.name, actor(role), payload)
        if spec.required:
            assert [r.field for r in decision.refusals] == [spec.name]
            assert f"requires {spec.name!r}" in decision.explain()
        else:
            assert decision.allowed


def test_unknown_transition_and_unknown_field_are_named() -> None:
    d = INSPECTION_FINDING
    decision = check(d, CaseFacts("registered"), "approve", actor(Role.administrator), {})
    assert decision.refusals[0].rule is RefusalRule.unknown_transition
    assert "no transition 'approve'" in decision.explain() and "submit_plan" in decision.explain()
    t = d.transition("report_progress")
    assert t is not None
    payload = {**valid_payload(t), "colour": "red"}
    decision = check(d, CaseFacts("in_progress"), t.name, actor(Role.prefecture_officer), payload)
    assert decision.refusals[0].field == "colour"
    with pytest.raises(KeyError, match="known: inspection_finding"):
        definition("nope")


@pytest.mark.parametrize(
    ("name", "kind", "value", "error"),
    [
        ("percent_done", FieldKind.percent, 120, "0 to 100"),
        ("percent_done", FieldKind.percent, "many", "0 to 100"),
        ("percent_done", FieldKind.percent, float("nan"), "0 to 100"),
        ("percent_done", FieldKind.percent, True, "0 to 100"),
        ("progress", FieldKind.text, "   ", "requires"),
        ("progress", FieldKind.text, 5, "non-empty text"),
    ],
)
def test_invalid_field_values(name: str, kind: FieldKind, value: Any, error: str) -> None:
    t = INSPECTION_FINDING.transition("report_progress")
    assert t is not None
    payload = {**valid_payload(t), name: value}
    _parsed, refusals = parse_payload(t, payload)
    assert len(refusals) == 1 and refusals[0].field == name
    assert error in refusals[0].message


def test_dates_booleans_and_lists_are_parsed() -> None:
    t = REDLINE_CLUE.transition("first_check")
    assert t is not None
    parsed, refusals = parse_payload(
        t, {"opinion": " ok ", "checked_on": "2026-05-01", "is_violation": "是"}
    )
    assert refusals == []
    assert parsed == {"opinion": "ok", "checked_on": dt.date(2026, 5, 1), "is_violation": True}
    _, refusals = parse_payload(
        t, {"opinion": "x", "checked_on": "2026-13-01", "is_violation": "maybe"}
    )
    assert {r.field for r in refusals} == {"checked_on", "is_violation"}
    plan = INSPECTION_FINDING.transition("submit_plan")
    assert plan is not None
    payload = valid_payload(plan) | {"measures": "一\n\n二", "targets": [""]}
    parsed, refusals = parse_payload(plan, payload)
    assert [r.field for r in refusals] == ["targets"]
    assert parsed["measures"] == ["一", "二"]


def test_close_out_needs_evidence_and_acceptance() -> None:
    d = INSPECTION_FINDING
    payload = {
        "public_notice": "省政府网站",
        "notice_from": "2026-04-01",
        "notice_to": "2026-04-07",
        "closed_on": "2026-04-10",
    }
    bare = CaseFacts("accepted", evidence_unique=0, accepted=False)
    decision = check(d, bare, "close_out", actor(Role.provincial_analyst), payload)
    messages = decision.explain()
    assert "no evidence" in messages and "no acceptance" in messages
    ok = CaseFacts("accepted", evidence_unique=1, accepted=True)
    assert check(d, ok, "close_out", actor(Role.provincial_analyst), payload).allowed


def test_acceptance_by_a_different_role_and_person() -> None:
    d = INSPECTION_FINDING
    payload = {"opinion": "同意", "accepted_on": "2026-04-01"}
    by_admin = CaseFacts(
        "completed", evidence_unique=1, completed_by_id=7, completed_by_role="administrator"
    )
    refused = check(d, by_admin, "accept", actor(Role.administrator, 8), payload)
    assert "different role" in refused.explain()
    assert check(d, by_admin, "accept", actor(Role.provincial_analyst, 9), payload).allowed
    by_nobody = CaseFacts("completed", evidence_unique=1)
    assert (
        "no completion"
        in check(d, by_nobody, "accept", actor(Role.provincial_analyst), payload).explain()
    )


def test_relapse_counts_and_resets_completion() -> None:
    d = INSPECTION_FINDING
    facts = CaseFacts(
        "closed", relapse_count=2, completed_by_role="prefecture_officer", accepted=True
    )
    decision = check(d, facts, "relapse", actor(Role.provincial_analyst), {"opinion": "反弹"})
    result = outcome(d, facts, decision, actor(Role.provincial_analyst))
    assert result.to_state == "reopened"
    assert result.changes["relapse_count"] == 3
    assert result.changes["accepted"] is False and result.changes["completed_by_role"] is None


def test_clue_violation_routes() -> None:
    d = REDLINE_CLUE
    clean = CaseFacts("reviewed", details={"is_violation": False})
    dirty = CaseFacts("reviewed", details={"is_violation": True})
    a = actor(Role.provincial_analyst)
    assert check(d, clean, "conclude", a, {"handling_result": "无问题"}).allowed
    assert "found a violation" in check(d, dirty, "conclude", a, {"handling_result": "x"}).explain()
    order = {"measures": ["拆除"], "responsible_unit": "某县", "deadline": "2026-09-30"}
    o = actor(Role.prefecture_officer)
    assert "no violation" in check(d, clean, "order_rectification", o, order).explain()
    assert check(d, dirty, "order_rectification", o, order).allowed


def test_allowed_transitions_lists_blockers() -> None:
    facts = CaseFacts("completed", evidence_unique=1, completed_by_role="prefecture_officer")
    listed = {
        t.name: blockers
        for t, blockers in allowed_transitions(
            INSPECTION_FINDING, facts, actor(Role.prefecture_officer)
        )
    }
    assert set(listed) == {"accept", "reject"}
    assert all(b[0].rule is RefusalRule.role for b in listed.values())


def test_every_state_is_reachable_and_definitions_are_consistent() -> None:
    for d in DEFINITIONS.values():
        assert d.initial in d.states and d.open_states <= set(d.states)
        reached = {d.initial}
        frontier = [d.initial]
        while frontier:
            state = frontier.pop()
            for t in d.available(state):
                if t.target not in reached:
                    reached.add(t.target)
                    frontier.append(t.target)
        assert reached == set(d.states), d.case_type
        for t in d.transitions:
            assert t.sources <= set(d.states) and t.target in d.states


def _apply(facts: CaseFacts, changes: dict[str, Any], details: dict[str, Any]) -> CaseFacts:
    values = {**facts.__dict__}
    for key in ("state", "relapse_count", "completed_by_id", "completed_by_role", "accepted"):
        if key in changes:
            values[key] = changes[key]
    if "lookback_due" in changes:
        values["lookback_due"] = changes["lookback_due"]
    values["details"] = {**facts.details, **details}
    return CaseFacts(**values)


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from([t.name for t in INSPECTION_FINDING.transitions]),
            st.sampled_from(ROLES),
            st.integers(min_value=1, max_value=3),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_random_walks_never_close_without_evidence_and_acceptance(
    steps: list[tuple[str, Role, int, bool]],
) -> None:
    """Whatever is attempted, a finding reaches 销号 only through an acceptance by another role
    after a completion, with evidence on file, and relapses are counted exactly."""
    d = INSPECTION_FINDING
    facts = CaseFacts(d.initial)
    relapses = 0
    completer: tuple[int | None, str] | None = None
    accepted_by: tuple[int | None, str] | None = None
    for name, role, user, evidence in steps:
        facts = CaseFacts(**{**facts.__dict__, "evidence_unique": int(evidence)})
        t = d.transition(name)
        assert t is not None
        who = actor(role, user)
        decision = check(d, facts, name, who, valid_payload(t))
        if not decision.allowed:
            continue
        result = outcome(d, facts, decision, who)
        if name == "complete":
            completer, accepted_by = (user, role.value), None
        if name == "accept":
            assert completer is not None and evidence
            assert role.value != completer[1] and user != completer[0]
            accepted_by = (user, role.value)
        if name == "close_out":
            assert accepted_by is not None and evidence
        if name == "relapse":
            relapses += 1
            completer = accepted_by = None
        facts = _apply(facts, dict(result.changes), dict(result.details_update))
        assert facts.state in d.states
    assert facts.relapse_count == relapses


def test_close_out_follows_the_public_notice() -> None:
    d = INSPECTION_FINDING
    ok = CaseFacts("accepted", evidence_unique=1, accepted=True)
    base = {"public_notice": "网站", "notice_from": "2026-04-01", "notice_to": "2026-04-07"}
    early = check(
        d, ok, "close_out", actor(Role.provincial_analyst), {**base, "closed_on": "2026-04-06"}
    )
    assert [r.field for r in early.refusals] == ["closed_on"]
    assert "'notice_to' (2026-04-07) may not be later than 'closed_on'" in early.explain()
    reversed_ = {**base, "notice_from": "2026-04-08", "closed_on": "2026-04-10"}
    bad = check(d, ok, "close_out", actor(Role.provincial_analyst), reversed_)
    assert [r.field for r in bad.refusals] == ["notice_to"]
