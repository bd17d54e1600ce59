"""Schemas of /api/v1/cases: case summaries and details, timeline, transitions, comments,
attachments, and the case-type definitions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from ecoguard.api.schemas.common import Adcode, ORMModel
from ecoguard.cases.deadlines import DueStatus
from ecoguard.cases.definitions import CaseType

Label = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]
StateName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]


class CaseFilterParams(BaseModel):
    """Query parameters of the case list (the caller's region scope always applies)."""

    model_config = ConfigDict(extra="forbid")

    case_type: CaseType | None = None
    state: StateName | None = None
    region_adcode: Adcode | None = Field(default=None, description="This region and below")
    batch: Label | None = Field(default=None, description="Round/batch label as imported")
    overdue: bool = Field(default=False, description="Deadline passed (CST calendar), still open")
    due_soon: bool = Field(default=False, description="Deadline within `due_soon_days`")
    due_soon_days: int = Field(default=7, ge=0, le=366)
    relapsed: bool = Field(default=False, description="Relapsed at least once after close-out")
    lookback_scheduled: bool = False
    lookback_overdue: bool = Field(default=False, description="Look-back check past its due date")
    assignee_user_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    q: Label | None = Field(default=None, description="Text in the title or reference")
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)


class GeoJSONParams(BaseModel):
    """Query parameters of the clue map layer."""

    model_config = ConfigDict(extra="forbid")

    batch: Label | None = None
    state: StateName | None = None
    region_adcode: Adcode | None = None
    overdue: bool = False


class SummaryParams(BaseModel):
    """Query parameters of the counts."""

    model_config = ConfigDict(extra="forbid")

    case_type: CaseType | None = None
    region_adcode: Adcode | None = None
    batch: Label | None = None
    due_soon_days: int = Field(default=7, ge=0, le=366)


class CaseCounts(BaseModel):
    """Counts of one case type in one region."""

    case_type: str
    region_adcode: str
    total: int
    states: dict[str, int] = Field(description="Cases per state (every state of the type)")
    overdue: int
    due_soon: int
    closed: int
    relapses: int = Field(description="Relapses after close-out, summed over the cases")


class CaseSummary(ORMModel):
    """A case in a list."""

    id: int
    case_type: str
    reference: str
    title: str
    region_adcode: str
    state: str
    state_label: str
    batch: str | None
    deadline: dt.date | None = Field(description="CST calendar date the work is due by")
    due: DueStatus
    assignee_unit: str | None
    assignee_user_id: int | None
    relapse_count: int
    lookback_due: dt.date | None
    area_ha: float | None
    version: int = Field(description="Send it back as `expected_version` when acting")
    updated_at: AwareDatetime


class Event(ORMModel):
    """One entry of the history."""

    id: int
    at: AwareDatetime
    kind: str = Field(description="created, transition, comment or attachment")
    transition: str | None
    from_state: str | None
    to_state: str | None
    actor: str
    actor_role: str
    payload: dict[str, Any]


class Comment(ORMModel):
    """A comment."""

    id: int
    at: AwareDatetime
    author: str
    body: str


class Attachment(ORMModel):
    """An attached file (download at `/cases/{id}/attachments/{attachment_id}`)."""

    id: int
    filename: str
    content_type: str
    size: int
    kind: str
    sha256: str
    at: AwareDatetime
    uploaded_by: str


class AttachmentCreated(Attachment):
    """An upload's answer: ``same_evidence_on_cases`` lists cases (any region) that already hold
    the identical file as evidence; then it does not count as evidence here."""

    same_evidence_on_cases: list[int]


class FieldInfo(BaseModel):
    """A field a transition takes."""

    name: str
    kind: str
    label: str
    required: bool


class TransitionOption(BaseModel):
    """A transition from the case's current state and what would stop the caller."""

    name: str
    label: str
    target: str
    fields: list[FieldInfo]
    allowed: bool = Field(description="True when nothing but the fields stands in the way")
    blocked_by: list[str]


class CaseDetail(CaseSummary):
    """A case with its attributes, history, comments, attachments and open transitions."""

    details: dict[str, Any]
    geometry: dict[str, Any] | None
    timeline: list[Event]
    comments: list[Comment]
    attachments: list[Attachment]
    transitions: list[TransitionOption]


class TransitionRequest(BaseModel):
    """Take a transition."""

    model_config = ConfigDict(extra="forbid")

    transition: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]
    payload: dict[str, Any] = Field(default_factory=dict, description="The transition's fields")
    expected_version: int | None = Field(
        default=None,
        ge=1,
        description="The version the client saw; 409 if the case changed since",
    )


class AssigneeUpdate(BaseModel):
    """Assign a case to a responsible unit and (optionally) a person."""

    model_config = ConfigDict(extra="forbid")

    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    user_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    expected_version: int | None = Field(default=None, ge=1)


class CommentCreate(BaseModel):
    """A new comment."""

    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class TransitionInfo(BaseModel):
    """A transition of a definition."""

    name: str
    label: str
    sources: list[str]
    target: str
    roles: list[str]
    fields: list[FieldInfo]
    guards: list[str]
    date_order: list[tuple[str, str]] = Field(
        description="Pairs of date fields: the first may not be later than the second"
    )


class RowProblem(BaseModel):
    """A refused row of an import: file, row, field and the rule it broke."""

    file: str
    row: int
    field: str
    rule: str
    value: str


class ImportReport(BaseModel):
    """What an import created and every refused row (the good rows are kept)."""

    file: str
    rows: int
    created: list[int]
    errors: list[RowProblem]


class CaseTypeInfo(BaseModel):
    """A case type's declared state machine."""

    case_type: str
    label: str
    states: dict[str, str]
    initial: str
    open_states: list[str]
    creators: list[str]
    transitions: list[TransitionInfo]
