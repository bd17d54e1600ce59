"""State machines of the case types, declared as data.

A :class:`CaseDefinition` lists the states of a case type, the transitions between them, which
roles may take each transition, the fields each needs, the guards that must hold (evidence,
acceptance by a different role, ...) and the effects on the case (deadline, assignee, relapse
count). :mod:`ecoguard.cases.engine` interprets them; nothing here has behaviour.

Two case types are defined:

* ``inspection_finding`` (督察整改): a problem fed back by a central or provincial inspection
  round, rectified under a plan (targets, measures, responsible unit, deadline), reported on,
  completed with evidence, accepted by a different role than the one that completed it, and
  closed out (销号); closed findings are spot-checked (回头看) and a relapse reopens them.
  The flow follows "拉条挂账、督办落实、办结销号" (Xinhua 2023-02-09, see
  ``reference/governance.md`` §3.1, §3.3).
* ``redline_clue`` (生态保护红线 / 自然保护地 图斑): a remote-sensing clue issued in a batch,
  first-checked locally (初核), reviewed by the province (复核), then either concluded with a
  handling result or rectified and closed out ("遥感发现—地面核查—监督执法"; fields from §5.2).

Role names are the registry's (:class:`ecoguard.registry.models.Role`); which region a user may
act in is decided by the region scope, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from ecoguard.registry.models import Role


class FieldKind(StrEnum):
    """Kinds of values a transition's payload may carry."""

    text = "text"
    date = "date"  # ISO calendar date (China Standard Time calendar)
    boolean = "boolean"
    percent = "percent"  # a number from 0 to 100
    text_list = "text_list"  # one or more non-empty strings


class Guard(StrEnum):
    """Conditions on the case (not the payload) that a transition may require."""

    #: at least one evidence attachment not already used as evidence on another case (an
    #: identical file reused across close-out packages is the documented "纸面销号" abuse)
    evidence = "evidence"
    #: the actor's role differs from the role of whoever completed the work, and the actor is
    #: a different person
    other_role_than_completer = "other_role_than_completer"
    #: an acceptance was recorded after the last completion
    accepted = "accepted"
    #: the first check found no violation (``is_violation`` false)
    no_violation = "no_violation"
    #: the first check found a violation (``is_violation`` true)
    violation = "violation"
    #: a look-back spot check is scheduled
    lookback_scheduled = "lookback_scheduled"


class Effect(StrEnum):
    """Changes a transition makes to the case besides its state."""

    set_deadline = "set_deadline"  # deadline := payload["deadline"]
    set_assignee_unit = "set_assignee_unit"  # assignee_unit := payload["responsible_unit"]
    set_lookback_due = "set_lookback_due"  # lookback_due := payload["due"]
    clear_lookback = "clear_lookback"  # lookback_due := None
    count_relapse = "count_relapse"  # relapse_count += 1
    record_completion = "record_completion"  # completed_by := actor; accepted := False
    record_acceptance = "record_acceptance"  # accepted := True
    reset_completion = "reset_completion"  # completed_by := None; accepted := False
    store_fields = "store_fields"  # the payload's fields are kept in the case's details


@dataclass(frozen=True)
class FieldSpec:
    """One field of a transition's payload."""

    name: str
    kind: FieldKind
    label: str
    required: bool = True


@dataclass(frozen=True)
class Transition:
    """One edge of a state machine.

    Attributes
    ----------
    name : str
        Identifier used by the API and the CLI (``submit_plan``).
    label : str
        Chinese name shown to users (``提交整改方案``).
    sources : frozenset of str
        States the transition may start from.
    target : str
        State it leads to (may equal a source: progress reports, look-back passes).
    roles : frozenset of Role
        Roles that may take it.
    fields : tuple of FieldSpec
        What the actor must (or may) give.
    guards : tuple of Guard
        Conditions on the case that must hold.
    effects : tuple of Effect
        Changes to the case besides its state.
    date_order : tuple of (str, str)
        Pairs of date fields where the first may not be later than the second (e.g. the
        public-notice period ends before the close-out date).
    """

    name: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[Role]
    fields: tuple[FieldSpec, ...] = ()
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    date_order: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CaseDefinition:
    """The declared life cycle of one case type.

    Attributes
    ----------
    case_type : str
        Identifier stored on every case.
    label : str
        Chinese name.
    states : mapping of str to str
        State identifiers and their Chinese labels, in life-cycle order.
    initial : str
        State of a new case.
    open_states : frozenset of str
        States in which the deadline runs (a case in another state is never overdue).
    transitions : tuple of Transition
        The allowed edges.
    creators : frozenset of Role
        Roles that may register (import) cases of this type.
    """

    case_type: str
    label: str
    states: MappingProxyType[str, str]
    initial: str
    open_states: frozenset[str]
    transitions: tuple[Transition, ...]
    creators: frozenset[Role]

    def transition(self, name: str) -> Transition | None:
        """The transition called ``name``, or ``None``."""
        return next((t for t in self.transitions if t.name == name), None)

    def available(self, state: str) -> tuple[Transition, ...]:
        """Transitions that start from ``state`` (whoever the actor is)."""
        return tuple(t for t in self.transitions if state in t.sources)


OFFICERS: Final = frozenset({Role.administrator, Role.prefecture_officer})
REVIEWERS: Final = frozenset({Role.administrator, Role.provincial_analyst})

_OPINION = FieldSpec("opinion", FieldKind.text, "意见")


def _states(*pairs: tuple[str, str]) -> MappingProxyType[str, str]:
    return MappingProxyType(dict(pairs))


INSPECTION_FINDING: Final = CaseDefinition(
    case_type="inspection_finding",
    label="督察整改问题",
    states=_states(
        ("registered", "已交办"),
        ("planned", "已制定整改方案"),
        ("in_progress", "整改中"),
        ("completed", "已完成整改（待验收）"),
        ("accepted", "已验收"),
        ("closed", "已销号"),
        ("reopened", "复发重新整改"),
    ),
    initial="registered",
    open_states=frozenset({"registered", "planned", "in_progress", "reopened"}),
    creators=REVIEWERS,
    transitions=(
        Transition(
            "submit_plan",
            "提交整改方案",
            frozenset({"registered", "reopened"}),
            "planned",
            OFFICERS,
            fields=(
                FieldSpec("targets", FieldKind.text_list, "整改目标"),
                FieldSpec("measures", FieldKind.text_list, "整改措施"),
                FieldSpec("responsible_unit", FieldKind.text, "责任单位"),
                FieldSpec("deadline", FieldKind.date, "整改时限"),
                FieldSpec("responsible_person", FieldKind.text, "责任人", required=False),
            ),
            effects=(Effect.set_deadline, Effect.set_assignee_unit, Effect.store_fields),
        ),
        Transition(
            "revise_plan",
            "调整整改方案",
            frozenset({"planned", "in_progress"}),
            "planned",
            REVIEWERS,
            fields=(
                FieldSpec("deadline", FieldKind.date, "调整后时限"),
                FieldSpec("reason", FieldKind.text, "调整理由"),
            ),
            effects=(Effect.set_deadline, Effect.store_fields),
        ),
        Transition(
            "report_progress",
            "报送整改进展",
            frozenset({"planned", "in_progress"}),
            "in_progress",
            OFFICERS,
            fields=(
                FieldSpec("progress", FieldKind.text, "进展情况"),
                FieldSpec("percent_done", FieldKind.percent, "完成比例（%）"),
            ),
            effects=(Effect.store_fields,),
        ),
        Transition(
            "complete",
            "申请验收（整改完成）",
            frozenset({"in_progress"}),
            "completed",
            OFFICERS,
            fields=(FieldSpec("summary", FieldKind.text, "整改完成情况"),),
            guards=(Guard.evidence,),
            effects=(Effect.record_completion, Effect.store_fields),
        ),
        Transition(
            "reject",
            "验收不通过（退回）",
            frozenset({"completed"}),
            "in_progress",
            REVIEWERS,
            fields=(_OPINION,),
            guards=(Guard.other_role_than_completer,),
            effects=(Effect.reset_completion,),
        ),
        Transition(
            "accept",
            "验收通过",
            frozenset({"completed"}),
            "accepted",
            REVIEWERS,
            fields=(_OPINION, FieldSpec("accepted_on", FieldKind.date, "验收日期")),
            guards=(Guard.evidence, Guard.other_role_than_completer),
            effects=(Effect.record_acceptance, Effect.store_fields),
        ),
        Transition(
            "close_out",
            "销号",
            frozenset({"accepted"}),
            "closed",
            REVIEWERS,
            fields=(
                FieldSpec("public_notice", FieldKind.text, "公示媒体（如政府网站、报纸）"),
                FieldSpec("notice_from", FieldKind.date, "公示开始日期"),
                FieldSpec("notice_to", FieldKind.date, "公示结束日期"),
                FieldSpec("closed_on", FieldKind.date, "销号日期"),
            ),
            guards=(Guard.evidence, Guard.accepted),
            effects=(Effect.store_fields,),
            # close-out follows a public notice that has ended ("区级验收 → 媒体公示 → 销号",
            # reference/governance.md §3.3)
            date_order=(("notice_from", "notice_to"), ("notice_to", "closed_on")),
        ),
        Transition(
            "schedule_lookback",
            "安排回头看",
            frozenset({"closed"}),
            "closed",
            REVIEWERS,
            fields=(FieldSpec("due", FieldKind.date, "回头看时限"),),
            effects=(Effect.set_lookback_due,),
        ),
        Transition(
            "lookback_pass",
            "回头看：未反弹",
            frozenset({"closed"}),
            "closed",
            REVIEWERS,
            fields=(_OPINION,),
            guards=(Guard.lookback_scheduled,),
            effects=(Effect.clear_lookback,),
        ),
        Transition(
            "relapse",
            "问题反弹（重新整改）",
            frozenset({"closed"}),
            "reopened",
            REVIEWERS,
            fields=(_OPINION,),
            effects=(Effect.count_relapse, Effect.clear_lookback, Effect.reset_completion),
        ),
    ),
)

REDLINE_CLUE: Final = CaseDefinition(
    case_type="redline_clue",
    label="生态保护红线/自然保护地问题图斑",
    states=_states(
        ("issued", "已下发"),
        ("first_checked", "已初核"),
        ("returned", "退回重核"),
        ("reviewed", "已复核"),
        ("rectifying", "整改中"),
        ("rectified", "已整改（待验收）"),
        ("closed", "已办结销号"),
    ),
    initial="issued",
    open_states=frozenset({"issued", "returned", "rectifying"}),
    creators=REVIEWERS,
    transitions=(
        Transition(
            "first_check",
            "初步核实",
            frozenset({"issued", "returned"}),
            "first_checked",
            OFFICERS,
            fields=(
                FieldSpec("opinion", FieldKind.text, "初核意见"),
                FieldSpec("checked_on", FieldKind.date, "初核时间"),
                FieldSpec("is_violation", FieldKind.boolean, "是否违法违规"),
                FieldSpec("activity_type", FieldKind.text, "核实活动类型", required=False),
                FieldSpec("has_change", FieldKind.boolean, "有无变化", required=False),
            ),
            effects=(Effect.store_fields,),
        ),
        Transition(
            "return_for_recheck",
            "退回重新核实",
            frozenset({"first_checked"}),
            "returned",
            REVIEWERS,
            fields=(_OPINION,),
        ),
        Transition(
            "review",
            "省级复核",
            frozenset({"first_checked"}),
            "reviewed",
            REVIEWERS,
            fields=(
                FieldSpec("review_opinion", FieldKind.text, "复核意见"),
                FieldSpec("reviewed_on", FieldKind.date, "复核时间"),
            ),
            effects=(Effect.store_fields,),
        ),
        Transition(
            "conclude",
            "办结（无违法违规）",
            frozenset({"reviewed"}),
            "closed",
            REVIEWERS,
            fields=(FieldSpec("handling_result", FieldKind.text, "处理结果"),),
            guards=(Guard.no_violation,),
            effects=(Effect.store_fields,),
        ),
        Transition(
            "order_rectification",
            "责令整改",
            frozenset({"reviewed"}),
            "rectifying",
            OFFICERS,
            fields=(
                FieldSpec("measures", FieldKind.text_list, "整改措施"),
                FieldSpec("responsible_unit", FieldKind.text, "责任单位"),
                FieldSpec("deadline", FieldKind.date, "整改时限"),
            ),
            guards=(Guard.violation,),
            effects=(Effect.set_deadline, Effect.set_assignee_unit, Effect.store_fields),
        ),
        Transition(
            "complete",
            "整改完成",
            frozenset({"rectifying"}),
            "rectified",
            OFFICERS,
            fields=(FieldSpec("summary", FieldKind.text, "整改完成情况"),),
            guards=(Guard.evidence,),
            effects=(Effect.record_completion, Effect.store_fields),
        ),
        Transition(
            "reject",
            "验收不通过（退回）",
            frozenset({"rectified"}),
            "rectifying",
            REVIEWERS,
            fields=(_OPINION,),
            guards=(Guard.other_role_than_completer,),
            effects=(Effect.reset_completion,),
        ),
        Transition(
            "close_out",
            "验收销号",
            frozenset({"rectified"}),
            "closed",
            REVIEWERS,
            fields=(
                FieldSpec("handling_result", FieldKind.text, "处理结果"),
                FieldSpec("closed_on", FieldKind.date, "销号日期"),
            ),
            guards=(Guard.evidence, Guard.other_role_than_completer),
            effects=(Effect.record_acceptance, Effect.store_fields),
        ),
    ),
)

DEFINITIONS: Final[MappingProxyType[str, CaseDefinition]] = MappingProxyType(
    {d.case_type: d for d in (INSPECTION_FINDING, REDLINE_CLUE)}
)


class CaseType(StrEnum):
    """The case types with a definition."""

    inspection_finding = "inspection_finding"
    redline_clue = "redline_clue"


def definition(case_type: str) -> CaseDefinition:
    """The definition of ``case_type``.

    Raises
    ------
    KeyError
        Naming the known case types.
    """
    try:
        return DEFINITIONS[case_type]
    except KeyError:
        known = ", ".join(DEFINITIONS)
        msg = f"unknown case type {case_type!r}; known: {known}"
        raise KeyError(msg) from None
