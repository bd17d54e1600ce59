"""/api/v1/cases: supervision cases (督察整改 findings, red-line clues) and their workflow.

Every endpoint goes through :class:`~ecoguard.cases.service.CaseService` with the caller's
scope: a case outside it is 404, a refused transition answers every reason as problem details
(403 when the role may not take it, 422 when only fields are missing or invalid, 409 when the
state or a guard forbids it or the case changed since ``expected_version``).
"""

from __future__ import annotations

import json
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import select

from ecoguard.api.deps import ScopeDep, SessionDep, SettingsDep
from ecoguard.api.problems import ERROR_RESPONSES, FieldError, Problem, problem_response
from ecoguard.api.schemas.cases import (
    AssigneeUpdate,
    Attachment,
    AttachmentCreated,
    CaseCounts,
    CaseDetail,
    CaseFilterParams,
    CaseSummary,
    CaseTypeInfo,
    Comment,
    CommentCreate,
    Event,
    FieldInfo,
    GeoJSONParams,
    ImportReport,
    RowProblem,
    SummaryParams,
    TransitionInfo,
    TransitionOption,
    TransitionRequest,
)
from ecoguard.api.schemas.common import Page
from ecoguard.cases.definitions import DEFINITIONS, FieldSpec, definition
from ecoguard.cases.exports import TABLES, clue_features, write_published_table
from ecoguard.cases.importers import CaseInputError, import_clues, import_findings
from ecoguard.cases.models import Case
from ecoguard.cases.service import (
    MAX_ATTACHMENT_BYTES,
    CaseFilter,
    CaseService,
    TransitionRefusedError,
    refusal_status,
)
from ecoguard.config import Settings
from ecoguard.registry.models import Region
from ecoguard.registry.scope import Scope

router = APIRouter(
    prefix="/cases",
    tags=["cases"],
    responses={
        **ERROR_RESPONSES,
        409: {"model": Problem, "description": "State, guard or version"},
    },
)
CaseId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
AttachmentId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
GEOJSON = "application/geo+json"


def _service(session: SessionDep, scope: Scope, settings: Settings) -> CaseService:
    return CaseService(session, scope, attachments_root=settings.home / "attachments")


def _fields(specs: tuple[FieldSpec, ...]) -> list[FieldInfo]:
    return [
        FieldInfo(name=f.name, kind=f.kind.value, label=f.label, required=f.required) for f in specs
    ]


def _summary(service: CaseService, case: Case) -> dict[str, Any]:
    d = definition(case.case_type)
    return {
        "id": case.id,
        "case_type": case.case_type,
        "reference": case.reference,
        "title": case.title,
        "region_adcode": case.region_adcode,
        "state": case.state,
        "state_label": d.states.get(case.state, case.state),
        "batch": case.batch,
        "deadline": case.deadline,
        "due": service.due(case),
        "assignee_unit": case.assignee_unit,
        "assignee_user_id": case.assignee_user_id,
        "relapse_count": case.relapse_count,
        "lookback_due": case.lookback_due,
        "area_ha": case.area_ha,
        "version": case.version,
        "updated_at": case.updated_at,
    }


def _detail(service: CaseService, case: Case) -> CaseDetail:
    options = [
        TransitionOption(
            name=t.name,
            label=t.label,
            target=t.target,
            fields=_fields(t.fields),
            allowed=not blockers,
            blocked_by=[b.message for b in blockers],
        )
        for _d, t, blockers in service.transitions(case)
    ]
    return CaseDetail(
        **_summary(service, case),
        details=dict(case.details or {}),
        geometry=json.loads(case.geometry_geojson) if case.geometry_geojson else None,
        timeline=[Event.model_validate(e) for e in service.timeline(case)],
        comments=[Comment.model_validate(c) for c in service.comments(case)],
        attachments=[Attachment.model_validate(a) for a in service.attachments(case)],
        transitions=options,
    )


@router.get("/types")
def case_types() -> list[CaseTypeInfo]:
    """The declared state machines: states, transitions, who may take each, what each needs."""
    return [
        CaseTypeInfo(
            case_type=d.case_type,
            label=d.label,
            states=dict(d.states),
            initial=d.initial,
            open_states=sorted(d.open_states),
            creators=sorted(r.value for r in d.creators),
            transitions=[
                TransitionInfo(
                    name=t.name,
                    label=t.label,
                    sources=sorted(t.sources),
                    target=t.target,
                    roles=sorted(r.value for r in t.roles),
                    fields=_fields(t.fields),
                    guards=[g.value for g in t.guards],
                    date_order=list(t.date_order),
                )
                for t in d.transitions
            ],
        )
        for d in DEFINITIONS.values()
    ]


@router.get("")
def list_cases(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    f: Annotated[CaseFilterParams, Query()],
) -> Page[CaseSummary]:
    """Cases in the caller's scope, by deadline; ``overdue``/``due_soon`` use the CST calendar."""
    service = _service(session, scope, settings)
    rows, total = service.search(
        CaseFilter(
            case_type=f.case_type.value if f.case_type else None,
            state=f.state,
            region_adcode=f.region_adcode,
            batch=f.batch,
            overdue=f.overdue,
            due_soon=f.due_soon,
            due_soon_days=f.due_soon_days,
            relapsed=f.relapsed,
            lookback_scheduled=f.lookback_scheduled,
            lookback_overdue=f.lookback_overdue,
            assignee_user_id=f.assignee_user_id,
            q=f.q,
        ),
        limit=f.limit,
        offset=f.offset,
    )
    items = [CaseSummary.model_validate(_summary(service, c)) for c in rows]
    return Page[CaseSummary](items=items, total=total, limit=f.limit, offset=f.offset)


@router.get("/summary")
def case_counts(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    f: Annotated[SummaryParams, Query()],
) -> list[CaseCounts]:
    """Counts per case type and region in the caller's scope: per state, overdue, due soon,
    closed, relapses."""
    service = _service(session, scope, settings)
    flt = CaseFilter(
        case_type=f.case_type.value if f.case_type else None,
        region_adcode=f.region_adcode,
        batch=f.batch,
    )
    return [CaseCounts(**row) for row in service.summary(flt, f.due_soon_days)]


@router.get(
    "/clues.geojson",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}, "description": "A GeoJSON FeatureCollection"}},
)
def clues_geojson(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    f: Annotated[GeoJSONParams, Query()],
) -> JSONResponse:
    """Red-line clues in scope as GeoJSON (lon/lat) for the map; properties carry state and due."""
    service = _service(session, scope, settings)
    stmt = service.filtered(
        CaseFilter(
            case_type="redline_clue",
            batch=f.batch,
            state=f.state,
            region_adcode=f.region_adcode,
            overdue=f.overdue,
        )
    ).order_by(Case.id)
    cases = list(session.scalars(stmt))
    return JSONResponse(clue_features(cases, service.clock()), media_type=GEOJSON)


class ImportKind(StrEnum):
    """What an uploaded file holds."""

    findings = "findings"
    clues = "clues"


_IMPORT_SUFFIXES = {
    ImportKind.findings: (".xlsx", ".xlsm"),
    ImportKind.clues: (".xlsx", ".xlsm", ".geojson", ".json", ".gpkg", ".zip"),
}


@router.post("/imports/{kind}")
def import_file(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    kind: ImportKind,
    file: Annotated[
        UploadFile,
        File(description="findings: .xlsx; clues: .xlsx/.geojson/.gpkg/.zip (Shapefile)"),
    ],
) -> ImportReport:
    """Import a round's findings or a batch of clues; refused rows are listed, good rows kept.

    A zipped Shapefile (``.zip`` holding ``.shp``, ``.dbf``, ``.shx``, ``.prj``) is read as is.
    """
    name = Path(file.filename or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in _IMPORT_SUFFIXES[kind]:
        allowed = ", ".join(_IMPORT_SUFFIXES[kind])
        raise HTTPException(status_code=422, detail=f"{name}: expected one of {allowed}")
    content = file.file.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise HTTPException(status_code=413, detail="the file is larger than 50 MiB")
    service = _service(session, scope, settings)
    with tempfile.TemporaryDirectory(prefix="ecoguard-import-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        try:
            if kind is ImportKind.findings:
                result = import_findings(service, path)
            else:
                result = import_clues(service, path)
        except CaseInputError as exc:
            session.rollback()
            raise HTTPException(status_code=422, detail=str(exc).replace(tmp, "")) from exc
    session.commit()
    return ImportReport(
        file=name,
        rows=result.rows,
        created=result.created,
        errors=[RowProblem(**e.__dict__) for e in result.errors],
    )


class ExportKind(StrEnum):
    """Published tables."""

    progress = "progress"
    disclosure = "disclosure"
    clues = "clues"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/exports/{kind}.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "The table as a workbook"}},
)
def export_table(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    kind: ExportKind,
    f: Annotated[SummaryParams, Query()],
) -> Response:
    """The progress table, the public disclosure list or the clue table of the cases in scope,
    laid out as departments publish them (title, "as of" date in CST, one row per case)."""
    service = _service(session, scope, settings)
    case_type, title, _sheet, _columns = TABLES[kind.value]
    stmt = service.filtered(
        CaseFilter(case_type=case_type, region_adcode=f.region_adcode, batch=f.batch)
    ).order_by(Case.region_adcode, Case.reference)
    cases = list(session.scalars(stmt))
    names: dict[str, str] = dict(session.execute(select(Region.adcode, Region.name)).all())
    with tempfile.TemporaryDirectory(prefix="ecoguard-export-") as tmp:
        path = Path(tmp) / "table.xlsx"
        write_published_table(
            path,
            kind.value,
            cases,
            service.clock(),
            region_names=names,
            title=(f.batch or "") + title,
        )
        content = path.read_bytes()
    filename = quote(f"{title}.xlsx")
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )


@router.get("/{case_id}")
def read_case(
    session: SessionDep, scope: ScopeDep, settings: SettingsDep, case_id: CaseId
) -> CaseDetail:
    """A case with its timeline, comments, attachments and the transitions open to the caller."""
    service = _service(session, scope, settings)
    return _detail(service, service.get(case_id))


@router.get("/{case_id}/timeline")
def read_timeline(
    session: SessionDep, scope: ScopeDep, settings: SettingsDep, case_id: CaseId
) -> list[Event]:
    """The complete history of a case, oldest first."""
    service = _service(session, scope, settings)
    return [Event.model_validate(e) for e in service.timeline(service.get(case_id))]


@router.post(
    "/{case_id}/transitions",
    response_model=CaseDetail,
    responses={409: {"model": Problem, "description": "State or guard forbids it; stale"}},
)
def take_transition(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    case_id: CaseId,
    body: TransitionRequest,
) -> CaseDetail | JSONResponse:
    """Take a transition. Refusals list every reason in ``errors`` (``rule`` is ``role``,
    ``state``, ``field``, ``guard`` or ``unknown_transition``)."""
    service = _service(session, scope, settings)
    try:
        case = service.act(
            case_id, body.transition, body.payload, expected_version=body.expected_version
        )
    except TransitionRefusedError as exc:
        session.rollback()
        errors = [
            FieldError(
                field=f"body.payload.{r.field}" if r.field else "body.transition",
                rule=r.rule.value,
                message=r.message,
            )
            for r in exc.refusals
        ]
        return problem_response(request, refusal_status(exc.refusals), exc.message, errors=errors)
    session.commit()
    return _detail(service, case)


@router.put("/{case_id}/assignee")
def assign_case(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    case_id: CaseId,
    body: AssigneeUpdate,
) -> CaseDetail:
    """Assign a case to a unit and a person (whose region must cover the case's)."""
    service = _service(session, scope, settings)
    case = service.assign(
        case_id, unit=body.unit, user_id=body.user_id, expected_version=body.expected_version
    )
    session.commit()
    return _detail(service, case)


@router.get("/{case_id}/comments")
def list_comments(
    session: SessionDep, scope: ScopeDep, settings: SettingsDep, case_id: CaseId
) -> list[Comment]:
    """Comments on a case."""
    service = _service(session, scope, settings)
    return [Comment.model_validate(c) for c in service.comments(service.get(case_id))]


@router.post("/{case_id}/comments", status_code=201)
def add_comment(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    case_id: CaseId,
    body: CommentCreate,
) -> Comment:
    """Comment on a case (administrators, provincial analysts, prefecture officers)."""
    service = _service(session, scope, settings)
    row = service.comment(case_id, body.body)
    session.commit()
    return Comment.model_validate(row)


@router.post("/{case_id}/attachments", status_code=201)
def upload_attachment(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    case_id: CaseId,
    file: Annotated[UploadFile, File(description="The file (at most 50 MiB)")],
    kind: Annotated[str, Form(pattern="^(evidence|photo|document)$")] = "evidence",
) -> AttachmentCreated:
    """Attach a file, stored by SHA-256 under ECOGUARD_HOME/attachments."""
    content = file.file.read(MAX_ATTACHMENT_BYTES + 1)
    service = _service(session, scope, settings)
    row, reused = service.attach(
        case_id,
        file.filename or "attachment",
        content,
        content_type=file.content_type or "application/octet-stream",
        kind=kind,
    )
    session.commit()
    return AttachmentCreated(
        **Attachment.model_validate(row).model_dump(), same_evidence_on_cases=reused
    )


@router.get(
    "/{case_id}/attachments/{attachment_id}",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file"}},
)
def download_attachment(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    case_id: CaseId,
    attachment_id: AttachmentId,
) -> FileResponse:
    """Download an attachment of a case in scope."""
    service = _service(session, scope, settings)
    row, path = service.attachment(service.get(case_id), attachment_id)
    return FileResponse(path, media_type=row.content_type, filename=row.filename)
