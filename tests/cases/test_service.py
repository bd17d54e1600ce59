"""The case service on SQLite and PostgreSQL: life cycles, scope, evidence, deadlines, audit."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import KARAMAY, NOTICE, PLAN, Clock, as_user, new_finding, service
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from ecoguard.cases.deadlines import DueStatus
from ecoguard.cases.service import (
    CaseFilter,
    CaseService,
    NewCase,
    StaleCaseError,
    TransitionRefusedError,
)
from ecoguard.registry.db import make_engine, make_sessionmaker
from ecoguard.registry.errors import (
    ConflictError,
    ForbiddenError,
    InvalidReferenceError,
    NotFoundError,
)
from ecoguard.registry.models import AuditLog, User


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def _create(factory: sessionmaker[Session], *cases: NewCase) -> list[int]:
    with as_user(factory, "analyst") as svc:
        return [svc.create(c).id for c in cases]


def test_finding_life_cycle_with_relapse(factory: sessionmaker[Session], tmp_path: Path) -> None:
    root = tmp_path / "attachments"
    (cid,) = _create(factory, new_finding("G3-001"))
    with as_user(factory, "urumqi", root=root) as svc:
        svc.act(cid, "submit_plan", PLAN)
        svc.act(cid, "report_progress", {"progress": "已拆除一半", "percent_done": 50})
        with pytest.raises(TransitionRefusedError, match="no evidence"):
            svc.act(cid, "complete", {"summary": "已完成"})
        _, reused = svc.attach(cid, "现场照片.jpg", b"\xff\xd8photo-after", kind="evidence")
        assert reused == []
        case = svc.act(cid, "complete", {"summary": "已完成"})
        assert case.state == "completed" and case.deadline == dt.date(2026, 3, 31)
        assert case.assignee_unit == "乌鲁木齐市生态环境局"
        # the officer who completed cannot accept (wrong role), and says why
        with pytest.raises(TransitionRefusedError, match="role prefecture_officer may not"):
            svc.act(cid, "accept", {"opinion": "同意", "accepted_on": "2026-03-25"})
    with as_user(factory, "analyst") as svc:
        with pytest.raises(TransitionRefusedError, match="not allowed from state 'completed'"):
            svc.act(cid, "close_out", NOTICE)
        svc.act(cid, "accept", {"opinion": "同意", "accepted_on": "2026-03-25"})
        case = svc.act(cid, "close_out", NOTICE)
        assert case.state == "closed" and case.accepted
        assert [
            c.id for c in svc.schedule_lookbacks(fraction=1, due=dt.date(2026, 9, 30), seed=1)
        ] == [cid]
        late = Clock(dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
        pending = CaseService(svc.session, svc.scope, clock=late)
        assert [c.id for c in pending.search(CaseFilter(lookback_overdue=True))[0]] == [cid]
        assert svc.search(CaseFilter(lookback_overdue=True))[1] == 0
        case = svc.act(cid, "relapse", {"opinion": "媒体曝光问题反弹"})
        assert case.state == "reopened" and case.relapse_count == 1 and case.lookback_due is None
    with as_user(factory, "urumqi") as svc:
        case = svc.act(cid, "submit_plan", {**PLAN, "deadline": "2026-06-30"})
        assert case.state == "planned" and case.relapse_count == 1
        events = svc.timeline(case)
        assert [e.transition or e.kind for e in events] == [
            "created",
            "submit_plan",
            "report_progress",
            "attachment",
            "complete",
            "accept",
            "close_out",
            "schedule_lookback",
            "relapse",
            "submit_plan",
        ]
        assert events[5].actor == "analyst" and events[5].actor_role == "provincial_analyst"
        assert events[1].payload["deadline"] == "2026-03-31"
        relapsed, total = svc.search(CaseFilter(relapsed=True))
        assert total == 1 and relapsed[0].id == cid
    with factory() as s:
        audit = s.scalars(
            select(AuditLog).where(AuditLog.entity == "cases", AuditLog.entity_id == str(cid))
        ).all()
        assert audit[0].action == "create"
        assert {a.actor for a in audit} >= {"analyst", "urumqi"}
        states = [a.after["state"] for a in audit if a.after]
        assert "closed" in states and states[-1] == "planned"
        assert any(a.before and a.before["state"] == "closed" for a in audit)


def test_scope_hides_and_protects_other_prefectures(factory: sessionmaker[Session]) -> None:
    uru, kar = _create(factory, new_finding("U-1"), new_finding("K-1", KARAMAY))
    with as_user(factory, "karamay") as svc:
        rows, total = svc.search(CaseFilter())
        assert total == 1 and rows[0].id == kar
        with pytest.raises(NotFoundError):
            svc.get(uru)
        with pytest.raises(NotFoundError):
            svc.act(uru, "submit_plan", PLAN)
        with pytest.raises(ForbiddenError, match="may not register"):
            svc.create(new_finding("K-2", KARAMAY))
    for user, expected in (("viewer", 2), ("qiye", 0), ("admin", 2), ("urumqi", 1)):
        with as_user(factory, user) as svc:
            assert svc.search(CaseFilter())[1] == expected, user
    with as_user(factory, "viewer") as svc:
        with pytest.raises(TransitionRefusedError, match="role read_only may not"):
            svc.act(uru, "submit_plan", PLAN)
        with pytest.raises(ForbiddenError):
            svc.comment(uru, "看过")
    with as_user(factory, "analyst") as svc, pytest.raises(ConflictError, match="already"):
        svc.create(new_finding("U-1"))


def test_reused_evidence_does_not_count(factory: sessionmaker[Session], tmp_path: Path) -> None:
    root = tmp_path / "att"
    a, b = _create(factory, new_finding("E-1"), new_finding("E-2"))
    with as_user(factory, "urumqi", root=root) as svc:
        for cid in (a, b):
            svc.act(cid, "submit_plan", PLAN)
            svc.act(cid, "report_progress", {"progress": "p", "percent_done": 90})
        svc.attach(a, "验收材料.pdf", b"%PDF-same", kind="evidence")
        svc.act(a, "complete", {"summary": "ok"})
        _, reused = svc.attach(b, "验收材料.pdf", b"%PDF-same", kind="evidence")
        assert reused == [a]
        with pytest.raises(TransitionRefusedError, match="not already evidence on another case"):
            svc.act(b, "complete", {"summary": "copied"})
        svc.attach(b, "photo.jpg", b"own evidence", kind="photo")  # a photo is not evidence
        with pytest.raises(TransitionRefusedError, match="no evidence"):
            svc.act(b, "complete", {"summary": "copied"})
        row, _ = svc.attach(b, "own.pdf", b"own evidence", kind="evidence")
        assert svc.act(b, "complete", {"summary": "ok"}).state == "completed"
        stored = root / row.sha256[:2] / row.sha256
        assert stored.read_bytes() == b"own evidence"
        events = svc.timeline(svc.get(b))
        assert events[-4].payload.get("same_evidence_on_cases") == [a]


def test_overdue_and_due_soon_in_china_standard_time(factory: sessionmaker[Session]) -> None:
    ids = _create(
        factory,
        new_finding("D-31", deadline=dt.date(2026, 3, 31)),
        new_finding("D-05", deadline=dt.date(2026, 4, 5)),
        new_finding("D-30", deadline=dt.date(2026, 4, 30)),
        new_finding("D-none"),
    )
    before = Clock(dt.datetime(2026, 3, 31, 15, 59, 59, tzinfo=dt.UTC))  # 23:59:59 CST
    after = Clock(dt.datetime(2026, 3, 31, 16, 0, 0, tzinfo=dt.UTC))  # 04-01 00:00 CST

    def refs(clock: Clock, **kw: bool) -> list[str]:
        with as_user(factory, "analyst", clock=clock) as svc:
            return [c.reference for c in svc.search(CaseFilter(**kw))[0]]

    assert refs(before, overdue=True) == []
    assert refs(before, due_soon=True) == ["D-31", "D-05"]
    assert refs(after, overdue=True) == ["D-31"]
    assert refs(after, due_soon=True) == ["D-05"]
    with as_user(factory, "analyst", clock=after) as svc:
        assert svc.due(svc.get(ids[0])) is DueStatus.overdue
        assert svc.due(svc.get(ids[2])) is DueStatus.on_track
        assert svc.due(svc.get(ids[3])) is DueStatus.none
    # a completed case is not overdue any more, whatever its deadline
    with as_user(factory, "admin", clock=after) as svc:
        svc.act(ids[0], "submit_plan", PLAN)
        assert refs(after, overdue=True) == ["D-31"]
    with as_user(factory, "urumqi", clock=after) as svc:
        svc.act(ids[0], "report_progress", {"progress": "p", "percent_done": 100})
        svc.comment(ids[0], "逾期原因：冬季停工")
    assert refs(after, overdue=True) == ["D-31"]


def test_expected_version_refuses_stale_views(factory: sessionmaker[Session]) -> None:
    (cid,) = _create(factory, new_finding("V-1"))
    with as_user(factory, "urumqi") as svc:
        version = svc.get(cid).version
        svc.act(cid, "submit_plan", PLAN, expected_version=version)
    with as_user(factory, "urumqi") as svc:
        with pytest.raises(StaleCaseError, match=f"not {version}"):
            svc.act(
                cid,
                "report_progress",
                {"progress": "x", "percent_done": 1},
                expected_version=version,
            )
        assert svc.get(cid).state == "planned"


def test_two_officers_at_once_never_lose_an_update(factory: sessionmaker[Session]) -> None:
    """Two sessions read the same case; the second writer is refused, not silently applied."""
    (cid,) = _create(factory, new_finding("C-1"))
    with as_user(factory, "urumqi") as svc:
        svc.act(cid, "submit_plan", PLAN)
    s1, s2 = factory(), factory()
    try:
        a = service(s1, "urumqi")
        b = service(s2, "admin")
        seen_by_a, seen_by_b = a.get(cid), b.get(cid)  # both hold version 2
        assert seen_by_a.version == seen_by_b.version == 2
        a.act(cid, "report_progress", {"progress": "A", "percent_done": 10})
        s1.commit()
        with pytest.raises(StaleCaseError, match="changed by someone else"):
            b.act(cid, "report_progress", {"progress": "B", "percent_done": 20})
    finally:
        s1.close()
        s2.close()
    with as_user(factory, "admin") as svc:
        case = svc.get(cid)
        assert case.details["progress"] == "A" and case.version == 3
        assert [e.payload.get("progress") for e in svc.timeline(case)][-1] == "A"


class BarrierClock(Clock):
    """A clock that holds the first call of each thread until both threads reached it: both
    officers have read and checked the case before either writes."""

    def __init__(self, barrier: threading.Barrier) -> None:
        super().__init__()
        self.barrier = barrier
        self.local = threading.local()

    def __call__(self) -> dt.datetime:
        if not getattr(self.local, "passed", False):
            self.local.passed = True
            self.barrier.wait(timeout=30)
        return self.now


def test_concurrent_transitions_in_threads(factory: sessionmaker[Session]) -> None:
    """Two threads take transitions on the same case at the same moment: exactly one wins,
    the other gets StaleCaseError, and the history holds exactly the winner's event."""
    (cid,) = _create(factory, new_finding("T-1"))
    with as_user(factory, "urumqi") as svc:
        svc.act(cid, "submit_plan", PLAN)
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def officer(username: str) -> None:
        try:
            with factory() as session:
                svc = service(session, username, clock=BarrierClock(barrier))
                svc.act(cid, "report_progress", {"progress": username, "percent_done": 30})
                session.commit()
            results[username] = "ok"
        except StaleCaseError:
            results[username] = "stale"

    threads = [threading.Thread(target=officer, args=(u,)) for u in ("urumqi", "admin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.values()) == ["ok", "stale"], results
    winner = next(u for u, r in results.items() if r == "ok")
    with as_user(factory, "admin") as svc:
        case = svc.get(cid)
        assert case.version == 3 and case.details["progress"] == winner
        progress = [e for e in svc.timeline(case) if e.transition == "report_progress"]
        assert [e.actor for e in progress] == [winner]


def test_assign_to_units_and_people(factory: sessionmaker[Session]) -> None:
    (cid,) = _create(factory, new_finding("AS-1"))
    with factory() as s:
        users = {u.username: u.id for u in s.scalars(select(User))}
    with as_user(factory, "urumqi") as svc:
        case = svc.assign(cid, unit="乌鲁木齐市生态环境局", user_id=users["urumqi"])
        assert case.assignee_unit == "乌鲁木齐市生态环境局" and case.version == 2
        with pytest.raises(InvalidReferenceError, match="does not cover region 650100"):
            svc.assign(cid, unit="x", user_id=users["karamay"])
        with pytest.raises(InvalidReferenceError, match="no active officer"):
            svc.assign(cid, unit="x", user_id=users["viewer"])
        with pytest.raises(StaleCaseError):
            svc.assign(cid, unit="x", user_id=None, expected_version=1)
        assert [c.id for c in svc.search(CaseFilter(assignee_user_id=users["urumqi"]))[0]] == [cid]
        assert svc.timeline(case)[-1].payload["username"] == "urumqi"
    with as_user(factory, "viewer") as svc, pytest.raises(ForbiddenError, match="may not assign"):
        svc.assign(cid, unit="x", user_id=None)
