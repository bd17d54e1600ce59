"""Every transition of every case type by every role, through the service on a real registry:
the case is driven to the transition's source state by the definition itself, then each role
tries it. Allowed roles move the case; the others are refused with the reason and change nothing."""

from __future__ import annotations

import itertools
import shutil
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import URUMQI, as_user
from sqlalchemy.orm import Session, sessionmaker
from test_engine import valid_payload

from ecoguard.cases.definitions import DEFINITIONS, CaseDefinition, Guard, Transition
from ecoguard.cases.service import NewCase, TransitionRefusedError
from ecoguard.registry.db import make_engine, make_sessionmaker
from ecoguard.registry.errors import NotFoundError
from ecoguard.registry.models import Role

USERS = {
    Role.administrator: "admin",
    Role.provincial_analyst: "analyst",
    Role.prefecture_officer: "urumqi",
    Role.read_only: "viewer",
    Role.enterprise: "qiye",
}
CASES = [(d, t) for d in DEFINITIONS.values() for t in d.transitions]
_serial = itertools.count()


@pytest.fixture(scope="module")
def factory(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    path = tmp_path_factory.mktemp("every") / "registry.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield make_sessionmaker(engine)
    engine.dispose()


def path_to(d: CaseDefinition, sources: frozenset[str]) -> list[Transition]:
    """Shortest sequence of transitions from the initial state into ``sources``."""
    queue: deque[tuple[str, list[Transition]]] = deque([(d.initial, [])])
    seen = {d.initial}
    while queue:
        state, path = queue.popleft()
        if state in sources:
            return path
        for t in d.available(state):
            if t.target not in seen:
                seen.add(t.target)
                queue.append((t.target, [*path, t]))
    raise AssertionError(f"no path to {sources}")


def step_user(t: Transition) -> str:
    return "urumqi" if Role.prefecture_officer in t.roles else "analyst"


def payload_for(t: Transition, violation: bool) -> dict[str, object]:
    payload = valid_payload(t)
    if "is_violation" in payload:
        payload["is_violation"] = violation
    return payload


def prepare(factory: sessionmaker[Session], d: CaseDefinition, t: Transition, root: Path) -> int:
    """A new case of ``d`` in a source state of ``t`` with every guard of ``t`` satisfied."""
    steps = path_to(d, t.sources)
    violation = Guard.no_violation not in t.guards
    if Guard.lookback_scheduled in t.guards:
        schedule = d.transition("schedule_lookback")
        assert schedule is not None
        steps = [*steps, schedule]
    with as_user(factory, "analyst", root=root) as svc:
        cid = svc.create(NewCase(d.case_type, f"X-{next(_serial)}", "测试", URUMQI)).id
    for step in [*steps, None]:
        needs_evidence = Guard.evidence in (step or t).guards
        with as_user(factory, step_user(step) if step else "urumqi", root=root) as svc:
            if needs_evidence and not svc.evidence_unique(svc.get(cid)):
                svc.attach(cid, "evidence.pdf", f"evidence {cid}".encode(), kind="evidence")
            if step is not None:
                svc.act(cid, step.name, payload_for(step, violation))
    return cid


@pytest.mark.parametrize("role", list(USERS), ids=[r.value for r in USERS])
@pytest.mark.parametrize(("d", "t"), CASES, ids=[f"{d.case_type}.{t.name}" for d, t in CASES])
def test_transition_by_role_in_the_registry(
    factory: sessionmaker[Session], tmp_path: Path, d: CaseDefinition, t: Transition, role: Role
) -> None:
    root = tmp_path / "att"
    cid = prepare(factory, d, t, root)
    violation = Guard.no_violation not in t.guards
    with as_user(factory, USERS[role], root=root) as svc:
        before = svc.get(cid) if role is not Role.enterprise else None
        version = before.version if before else None
        state = before.state if before else None
        try:
            case = svc.act(cid, t.name, payload_for(t, violation))
        except TransitionRefusedError as exc:
            assert role not in t.roles, exc.message
            assert f"role {role.value} may not take {t.name!r}" in exc.message
            outcome = "refused"
        except NotFoundError:
            assert role is Role.enterprise  # enterprises see no cases at all
            outcome = "not found"
        else:
            assert role in t.roles
            assert case.state == t.target and case.version == (version or 0) + 1
            outcome = "done"
    with as_user(factory, "admin") as svc:
        case = svc.get(cid)
        events = [e for e in svc.timeline(case) if e.transition == t.name]
        if outcome == "done":
            assert events[-1].actor == USERS[role] and events[-1].to_state == t.target
        else:
            assert case.state == state or role is Role.enterprise
            assert case.version == version or role is Role.enterprise
