"""Cases in the registry: scoped reads, checked transitions, history, comments, attachments.

:class:`CaseService` is the only way the API and the CLI touch cases. Every query is filtered by
the caller's region scope (the same rule as :class:`~ecoguard.registry.scope.ScopedRepository`:
a case outside the scope is simply not found), every change goes through the audited session,
and every transition is checked by :func:`ecoguard.cases.engine.check` against the case type's
definition. Transitions are optimistically locked: the case's ``version`` must still be the one
that was read (and, when the caller gives one, the one the caller saw), otherwise
:class:`StaleCaseError` is raised and nothing is written.

The service flushes; the caller commits (one unit of work per request or command).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from ecoguard.cases.deadlines import DUE_SOON_DAYS, DueStatus, due_soon_window, due_status
from ecoguard.cases.definitions import DEFINITIONS, CaseDefinition, definition
from ecoguard.cases.engine import (
    Actor,
    CaseFacts,
    Decision,
    Refusal,
    RefusalRule,
    allowed_transitions,
    check,
    outcome,
)
from ecoguard.cases.models import Case, CaseAttachment, CaseComment, CaseEvent
from ecoguard.registry.audit import set_actor
from ecoguard.registry.base import utcnow
from ecoguard.registry.errors import (
    ConflictError,
    ForbiddenError,
    InvalidReferenceError,
    NotFoundError,
    RegistryError,
)
from ecoguard.registry.models import Region, Role, User
from ecoguard.registry.scope import Scope, region_and_descendants

#: Roles that may comment on and attach files to cases they see.
CONTRIBUTORS = frozenset({Role.administrator, Role.provincial_analyst, Role.prefecture_officer})
#: Roles that may assign cases to units and people.
ASSIGNERS = frozenset({Role.administrator, Role.provincial_analyst, Role.prefecture_officer})
#: Kinds of attachments; only ``evidence`` counts for completion and close-out.
ATTACHMENT_KINDS = ("evidence", "photo", "document")
#: Largest attachment accepted [byte].
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


class TransitionRefusedError(RegistryError):
    """The definition does not allow the transition; ``refusals`` says every reason."""

    def __init__(self, message: str, refusals: Sequence[Refusal]) -> None:
        field = next((r.field for r in refusals if r.field), None)
        super().__init__(message, field=field)
        self.refusals = tuple(refusals)


class StaleCaseError(ConflictError):
    """Someone else changed the case since it was read; reload and try again."""


@dataclass(frozen=True)
class NewCase:
    """A case to register (from an importer or the API)."""

    case_type: str
    reference: str
    title: str
    region_adcode: str
    batch: str | None = None
    deadline: dt.date | None = None
    assignee_unit: str | None = None
    area_ha: float | None = None
    geometry_geojson: str | None = None
    details: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class CaseFilter:
    """Filters of a case list (all optional; the scope always applies)."""

    case_type: str | None = None
    state: str | None = None
    region_adcode: str | None = None
    batch: str | None = None
    overdue: bool = False
    due_soon: bool = False
    due_soon_days: int = DUE_SOON_DAYS
    relapsed: bool = False
    lookback_scheduled: bool = False
    lookback_overdue: bool = False
    assignee_user_id: int | None = None
    q: str | None = None


def attachment_path(root: Path, sha256: str) -> Path:
    """Where a file with digest ``sha256`` is stored under ``root`` (``ab/abcdef...``)."""
    return root / sha256[:2] / sha256


def store_blob(root: Path, content: bytes) -> str:
    """Store ``content`` by its SHA-256 (once; atomically) and return the hex digest."""
    digest = hashlib.sha256(content).hexdigest()
    target = attachment_path(root, digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def _open_states_clause() -> ColumnElement[bool]:
    """Cases whose deadline runs in their current state."""
    return or_(
        *(
            and_(Case.case_type == d.case_type, Case.state.in_(sorted(d.open_states)))
            for d in DEFINITIONS.values()
        )
    )


class CaseService:
    """Cases as one user (one :class:`Scope`) may see and change them.

    Parameters
    ----------
    session : Session
        An audited session (:func:`ecoguard.registry.db.make_sessionmaker`).
    scope : Scope
        The caller's scope.
    attachments_root : Path, optional
        Folder of attachment files (``<ECOGUARD_HOME>/attachments``); needed to attach files.
    clock : callable, optional
        Returns the current instant (aware); tests pass a fixed one.
    """

    def __init__(
        self,
        session: Session,
        scope: Scope,
        *,
        attachments_root: Path | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.session = session
        self.scope = scope
        self.attachments_root = attachments_root
        self.clock = clock

    # --- who -------------------------------------------------------------------------------

    @property
    def actor(self) -> Actor:
        """The caller as the engine sees them."""
        return Actor(self.scope.user_id, self.scope.username, self.scope.role)

    def _sign(self) -> None:
        """Make the caller the author of the session's next changes in the audit log."""
        set_actor(self.session, self.scope.username, self.scope.user_id)

    def _require(self, roles: frozenset[Role], what: str) -> None:
        if self.scope.role not in roles:
            allowed = ", ".join(sorted(r.value for r in roles))
            msg = f"role {self.scope.role.value} may not {what} (roles: {allowed})"
            raise ForbiddenError(msg)

    # --- reading ---------------------------------------------------------------------------

    def clause(self) -> ColumnElement[bool]:
        """The WHERE clause restricting cases to the scope (enterprises see none)."""
        if self.scope.role is Role.enterprise:
            return false()
        regions = self.scope.region_adcodes
        if regions is None:
            return true()
        if not regions:
            return false()
        result: ColumnElement[bool] = Case.region_adcode.in_(sorted(regions))
        return result

    def select(self) -> Select[Case]:
        """``SELECT cases`` restricted to the scope."""
        return select(Case).where(self.clause())

    def get(self, case_id: int) -> Case:
        """The case ``case_id``; :class:`NotFoundError` when absent or outside the scope."""
        case = self.session.scalars(self.select().where(Case.id == case_id)).one_or_none()
        if case is None:
            msg = f"case {case_id} not found"
            raise NotFoundError(msg)
        return case

    def by_reference(self, case_type: str, reference: str) -> Case:
        """The case with ``reference`` of ``case_type`` in the scope."""
        stmt = self.select().where(Case.case_type == case_type, Case.reference == reference)
        case = self.session.scalars(stmt).one_or_none()
        if case is None:
            msg = f"{case_type} {reference!r} not found"
            raise NotFoundError(msg)
        return case

    def filtered(self, f: CaseFilter) -> Select[Case]:
        """The scoped query of a case list with filters ``f`` applied."""
        stmt = self.select()
        if f.case_type:
            definition(f.case_type)
            stmt = stmt.where(Case.case_type == f.case_type)
        if f.state:
            stmt = stmt.where(Case.state == f.state)
        if f.region_adcode:
            regions = region_and_descendants(self.session, f.region_adcode)
            stmt = stmt.where(Case.region_adcode.in_(sorted(regions)))
        if f.batch:
            stmt = stmt.where(Case.batch == f.batch)
        if f.q:
            stmt = stmt.where(
                Case.title.contains(f.q, autoescape=True)
                | Case.reference.contains(f.q, autoescape=True)
            )
        if f.relapsed:
            stmt = stmt.where(Case.relapse_count > 0)
        if f.assignee_user_id is not None:
            stmt = stmt.where(Case.assignee_user_id == f.assignee_user_id)
        if f.lookback_scheduled:
            stmt = stmt.where(Case.lookback_due.is_not(None))
        now = self.clock()
        today, horizon = due_soon_window(now, f.due_soon_days)
        if f.lookback_overdue:
            stmt = stmt.where(Case.lookback_due < today)
        if f.overdue and f.due_soon:
            stmt = stmt.where(_open_states_clause(), Case.deadline <= horizon)
        elif f.overdue:
            stmt = stmt.where(_open_states_clause(), Case.deadline < today)
        elif f.due_soon:
            stmt = stmt.where(_open_states_clause(), Case.deadline.between(today, horizon))
        return stmt

    def search(self, f: CaseFilter, *, limit: int = 100, offset: int = 0) -> tuple[list[Case], int]:
        """One page of cases (by deadline, then id) and the total matching ``f``."""
        stmt = self.filtered(f)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        order = (Case.deadline.is_(None), Case.deadline, Case.id)
        rows = self.session.scalars(stmt.order_by(*order).limit(limit).offset(offset)).all()
        return list(rows), int(total or 0)

    def summary(self, f: CaseFilter, due_soon_days: int = DUE_SOON_DAYS) -> list[dict[str, Any]]:
        """Counts per case type and region of the cases matching ``f``: total, per state,
        overdue, due soon, closed, relapses (sum) — for dashboards and progress reports."""
        sub = self.filtered(f).subquery()
        today, horizon = due_soon_window(self.clock(), due_soon_days)
        rows = self.session.execute(
            select(sub.c.case_type, sub.c.region_adcode, sub.c.state, sub.c.deadline)
            .add_columns(sub.c.relapse_count)
            .order_by(sub.c.case_type, sub.c.region_adcode)
        )
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for case_type, region, state, deadline, relapses in rows:
            d = definition(case_type)
            entry = out.setdefault(
                (case_type, region),
                {
                    "case_type": case_type,
                    "region_adcode": region,
                    "total": 0,
                    "states": dict.fromkeys(d.states, 0),
                    "overdue": 0,
                    "due_soon": 0,
                    "closed": 0,
                    "relapses": 0,
                },
            )
            entry["total"] += 1
            entry["states"][state] = entry["states"].get(state, 0) + 1
            running = state in d.open_states and deadline is not None
            entry["overdue"] += int(running and deadline < today)
            entry["due_soon"] += int(running and today <= deadline <= horizon)
            entry["closed"] += int(state == "closed")
            entry["relapses"] += int(relapses or 0)
        return list(out.values())

    def timeline(self, case: Case) -> list[CaseEvent]:
        """The complete history of ``case``, oldest first."""
        stmt = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        return list(self.session.scalars(stmt))

    def comments(self, case: Case) -> list[CaseComment]:
        """Comments on ``case``, oldest first."""
        stmt = select(CaseComment).where(CaseComment.case_id == case.id).order_by(CaseComment.id)
        return list(self.session.scalars(stmt))

    def attachments(self, case: Case) -> list[CaseAttachment]:
        """Attachments of ``case``, oldest first."""
        stmt = (
            select(CaseAttachment)
            .where(CaseAttachment.case_id == case.id)
            .order_by(CaseAttachment.id)
        )
        return list(self.session.scalars(stmt))

    def attachment(self, case: Case, attachment_id: int) -> tuple[CaseAttachment, Path]:
        """One attachment of ``case`` and the path of its stored file."""
        row = self.session.get(CaseAttachment, attachment_id)
        if row is None or row.case_id != case.id or self.attachments_root is None:
            msg = f"attachment {attachment_id} of case {case.id} not found"
            raise NotFoundError(msg)
        path = attachment_path(self.attachments_root, row.sha256)
        if not path.is_file():
            msg = f"the file of attachment {attachment_id} (sha256 {row.sha256}) is missing"
            raise NotFoundError(msg)
        return row, path

    def due(self, case: Case, due_soon_days: int = DUE_SOON_DAYS) -> DueStatus:
        """Where ``case`` stands against its deadline now (China Standard Time)."""
        running = case.state in definition(case.case_type).open_states
        return due_status(
            case.deadline, running=running, now=self.clock(), due_soon_days=due_soon_days
        )

    def evidence_unique(self, case: Case) -> int:
        """Evidence files of ``case`` not attached as evidence to another case before."""
        other = aliased(CaseAttachment)
        earlier = exists().where(
            other.sha256 == CaseAttachment.sha256,
            other.kind == "evidence",
            other.case_id != CaseAttachment.case_id,
            other.id < CaseAttachment.id,
        )
        stmt = select(func.count(func.distinct(CaseAttachment.sha256))).where(
            CaseAttachment.case_id == case.id, CaseAttachment.kind == "evidence", ~earlier
        )
        return int(self.session.scalar(stmt) or 0)

    def facts(self, case: Case) -> CaseFacts:
        """What the engine needs to know about ``case``."""
        return CaseFacts(
            state=case.state,
            details=dict(case.details or {}),
            evidence_unique=self.evidence_unique(case),
            completed_by_id=case.completed_by_id,
            completed_by_role=case.completed_by_role,
            accepted=case.accepted,
            lookback_due=case.lookback_due,
            relapse_count=case.relapse_count,
        )

    def transitions(self, case: Case) -> list[tuple[CaseDefinition, Any, tuple[Refusal, ...]]]:
        """Transitions from the case's state, each with what would stop the caller."""
        d = definition(case.case_type)
        return [(d, t, b) for t, b in allowed_transitions(d, self.facts(case), self.actor)]

    # --- changing --------------------------------------------------------------------------

    def _event(self, case: Case, kind: str, payload: Mapping[str, Any], **extra: Any) -> None:
        self._sign()
        self.session.add(
            CaseEvent(
                case_id=case.id,
                at=self.clock(),
                kind=kind,
                actor_id=self.scope.user_id,
                actor=self.scope.username,
                actor_role=self.scope.role.value,
                payload=dict(payload),
                **extra,
            )
        )

    def _flush(self, case: Case | None = None) -> None:
        try:
            self.session.flush()
        except StaleDataError as exc:
            self.session.rollback()
            ident = f"case {case.id}" if case is not None else "the case"
            msg = f"{ident} was changed by someone else meanwhile; reload it and try again"
            raise StaleCaseError(msg) from exc
        except IntegrityError as exc:
            self.session.rollback()
            msg = f"the change conflicts with existing records: {exc.orig}"
            raise ConflictError(msg) from exc

    def create(self, new: NewCase) -> Case:
        """Register a case in the definition's initial state (role and region are checked)."""
        d = definition(new.case_type)
        self._require(d.creators, f"register {d.case_type} cases")
        if self.session.get(Region, new.region_adcode) is None:
            msg = f"region {new.region_adcode} does not exist"
            raise InvalidReferenceError(msg, field="region_adcode")
        if not self.scope.allows_region(new.region_adcode):
            msg = f"region {new.region_adcode} is outside your scope"
            raise ForbiddenError(msg, field="region_adcode")
        duplicate = select(Case.id).where(
            Case.case_type == new.case_type, Case.reference == new.reference
        )
        if self.session.scalar(duplicate) is not None:
            msg = f"{new.case_type} {new.reference!r} is already registered"
            raise ConflictError(msg, field="reference")
        case = Case(
            case_type=new.case_type,
            reference=new.reference,
            title=new.title,
            region_adcode=new.region_adcode,
            state=d.initial,
            batch=new.batch,
            deadline=new.deadline,
            assignee_unit=new.assignee_unit,
            area_ha=new.area_ha,
            geometry_geojson=new.geometry_geojson,
            details=dict(new.details or {}),
            accepted=False,
            relapse_count=0,
        )
        self._sign()
        self.session.add(case)
        self._flush()
        self._event(case, "created", {"reference": new.reference}, to_state=d.initial)
        self._flush()
        return case

    def decide(self, case: Case, name: str, payload: Mapping[str, Any]) -> Decision:
        """The engine's answer for the caller taking ``name`` on ``case`` (nothing changes)."""
        return check(definition(case.case_type), self.facts(case), name, self.actor, payload)

    def act(
        self,
        case_id: int,
        name: str,
        payload: Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> Case:
        """Take transition ``name`` on case ``case_id``.

        Raises
        ------
        NotFoundError
            The case is absent or outside the scope.
        StaleCaseError
            The case changed since ``expected_version`` (or since it was read).
        TransitionRefusedError
            The definition does not allow it; ``refusals`` gives every reason.
        """
        case = self.get(case_id)
        if expected_version is not None and case.version != expected_version:
            msg = (
                f"case {case.id} is at version {case.version}, not {expected_version}: someone "
                "else changed it; reload it and try again"
            )
            raise StaleCaseError(msg)
        d = definition(case.case_type)
        facts = self.facts(case)
        decision = check(d, facts, name, self.actor, payload)
        if not decision.allowed:
            msg = f"case {case.id} ({case.reference}): {decision.explain()}"
            raise TransitionRefusedError(msg, decision.refusals)
        result = outcome(d, facts, decision, self.actor)
        for key, value in result.changes.items():
            setattr(case, key, value)
        if result.details_update:
            case.details = {**(case.details or {}), **result.details_update}
        case.updated_at = self.clock()
        recorded = {
            k: v.isoformat() if isinstance(v, dt.date) else v for k, v in decision.payload.items()
        }
        self._event(
            case,
            "transition",
            recorded,
            transition=name,
            from_state=result.from_state,
            to_state=result.to_state,
        )
        self._flush(case)
        return case

    def assign(
        self,
        case_id: int,
        *,
        unit: str | None,
        user_id: int | None,
        expected_version: int | None = None,
    ) -> Case:
        """Assign case ``case_id`` to a responsible unit and (optionally) a person.

        The person must be an active administrator, provincial analyst or prefecture officer
        whose region covers the case's region.
        """
        self._require(ASSIGNERS, "assign cases")
        case = self.get(case_id)
        if expected_version is not None and case.version != expected_version:
            msg = (
                f"case {case.id} is at version {case.version}, not {expected_version}: someone "
                "else changed it; reload it and try again"
            )
            raise StaleCaseError(msg)
        username = None
        if user_id is not None:
            user = self.session.get(User, user_id)
            if user is None or not user.is_active or Role(user.role) not in ASSIGNERS:
                msg = f"no active officer with id {user_id}"
                raise InvalidReferenceError(msg, field="user_id")
            covers = user.region_adcode is None or case.region_adcode in region_and_descendants(
                self.session, user.region_adcode
            )
            if not covers:
                msg = f"user {user.username} does not cover region {case.region_adcode}"
                raise InvalidReferenceError(msg, field="user_id")
            username = user.username
        if unit is not None and not unit.strip():
            msg = "the unit may not be blank"
            raise RegistryError(msg, field="unit")
        case.assignee_unit = unit.strip()[:200] if unit else None
        case.assignee_user_id = user_id
        case.updated_at = self.clock()
        self._event(
            case,
            "assign",
            {"unit": case.assignee_unit, "user_id": user_id, "username": username},
        )
        self._flush(case)
        return case

    def comment(self, case_id: int, body: str) -> CaseComment:
        """Add a comment to case ``case_id``."""
        self._require(CONTRIBUTORS, "comment on cases")
        text = body.strip()
        if not text:
            msg = "a comment needs text"
            raise RegistryError(msg, field="body")
        case = self.get(case_id)
        row = CaseComment(
            case_id=case.id,
            at=self.clock(),
            author_id=self.scope.user_id,
            author=self.scope.username,
            body=text,
        )
        self._sign()
        self.session.add(row)
        self._flush()
        self._event(case, "comment", {"comment_id": row.id, "body": text})
        self._flush()
        return row

    def attach(
        self,
        case_id: int,
        filename: str,
        content: bytes,
        *,
        content_type: str = "application/octet-stream",
        kind: str = "evidence",
    ) -> tuple[CaseAttachment, list[int]]:
        """Store a file by content hash and attach it to case ``case_id``.

        Returns the attachment and the ids of other cases (in any region) that already carry
        the same file as evidence: reused evidence is the "纸面销号" pattern, so it is recorded
        in the history and does not count towards completion or close-out.
        """
        self._require(CONTRIBUTORS, "attach files to cases")
        if kind not in ATTACHMENT_KINDS:
            msg = f"attachment kind {kind!r} is not one of {', '.join(ATTACHMENT_KINDS)}"
            raise RegistryError(msg, field="kind")
        if not content:
            msg = "the file is empty"
            raise RegistryError(msg, field="file")
        if len(content) > MAX_ATTACHMENT_BYTES:
            msg = f"the file is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MiB"
            raise RegistryError(msg, field="file")
        if self.attachments_root is None:
            msg = "no attachment folder is configured"
            raise RegistryError(msg)
        case = self.get(case_id)
        name = Path(filename.replace("\\", "/")).name[:255] or "attachment"
        digest = store_blob(self.attachments_root, content)
        reused = sorted(
            set(
                self.session.scalars(
                    select(CaseAttachment.case_id).where(
                        CaseAttachment.sha256 == digest,
                        CaseAttachment.kind == "evidence",
                        CaseAttachment.case_id != case.id,
                    )
                )
            )
        )
        row = CaseAttachment(
            case_id=case.id,
            sha256=digest,
            filename=name,
            content_type=content_type[:100],
            size=len(content),
            kind=kind,
            at=self.clock(),
            uploaded_by_id=self.scope.user_id,
            uploaded_by=self.scope.username,
        )
        self._sign()
        self.session.add(row)
        self._flush()
        payload: dict[str, Any] = {
            "attachment_id": row.id,
            "filename": name,
            "sha256": digest,
            "kind": kind,
        }
        if reused and kind == "evidence":
            payload["same_evidence_on_cases"] = reused
        self._event(case, "attachment", payload)
        self._flush()
        return row, reused

    def schedule_lookbacks(
        self,
        *,
        fraction: float,
        due: dt.date,
        seed: int,
        case_type: str = "inspection_finding",
        batch: str | None = None,
    ) -> list[Case]:
        """Schedule look-back spot checks (回头看) on a random share of closed cases.

        Closed cases in the scope without a pending look-back are sampled (reproducibly, with
        ``seed``); each gets a ``schedule_lookback`` transition, so it is in the history.
        """
        if not 0 < fraction <= 1:
            msg = f"fraction must be in (0, 1], got {fraction}"
            raise RegistryError(msg, field="fraction")
        stmt = self.select().where(
            Case.case_type == case_type, Case.state == "closed", Case.lookback_due.is_(None)
        )
        if batch:
            stmt = stmt.where(Case.batch == batch)
        candidates = list(self.session.scalars(stmt.order_by(Case.id)))
        if not candidates:
            return []
        count = max(1, round(len(candidates) * fraction))
        chosen = random.Random(seed).sample(candidates, count)  # noqa: S311 (sampling, not crypto)
        return [
            self.act(case.id, "schedule_lookback", {"due": due.isoformat()})
            for case in sorted(chosen, key=lambda c: c.id)
        ]


def refusal_status(refusals: Sequence[Refusal]) -> int:
    """HTTP status for a refused transition: 403 role, 422 only fields, 409 otherwise."""
    rules = {r.rule for r in refusals}
    if RefusalRule.role in rules:
        return 403
    if RefusalRule.unknown_transition in rules or rules == {RefusalRule.field}:
        return 422
    return 409
