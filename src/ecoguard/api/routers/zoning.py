"""/api/v1/zoning: 三线一单 screening of projects, the stored layers and their versions.

Screening calls :meth:`ecoguard.zoning.service.ZoningService.screen` directly. Every result
carries the disclaimer that it is a machine pre-screen, not an approval.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, File, HTTPException, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field, model_validator

from ecoguard.api.deps import SettingsDep
from ecoguard.api.problems import ERROR_RESPONSES
from ecoguard.zoning.industry import normalize_code
from ecoguard.zoning.model import LayerKind, Project
from ecoguard.zoning.projects import (
    VECTOR_SUFFIXES,
    ProjectInputError,
    checked_geometry,
    parse_wkt,
    read_batch,
)
from ecoguard.zoning.rules import normalize_pollutant
from ecoguard.zoning.service import ZoningNotLoadedError, ZoningService

router = APIRouter(prefix="/zoning", tags=["zoning"], responses=ERROR_RESPONSES)

MAX_BATCH = 5_000
MAX_FEATURES = 5_000


class ProjectIn(BaseModel):
    """A project to screen: GeoJSON geometry or WKT in lon/lat, industry, emissions, flags."""

    project_id: str = Field(default="project", max_length=100)
    name: str = Field(default="", max_length=200)
    geometry: dict[str, Any] | None = Field(default=None, description="GeoJSON geometry, lon/lat")
    wkt: str | None = Field(default=None, max_length=1_000_000, description="WKT, lon/lat")
    industry: str = Field(default="", max_length=10, description="GB/T 4754-2017 code, e.g. C2611")
    capacity: float | None = None
    emissions: dict[str, float] = Field(
        default_factory=dict, description="expected [t/a] by pollutant"
    )
    flags: list[str] = Field(default_factory=list, max_length=20, description="tags such as 两高")

    @model_validator(mode="after")
    def _one_geometry(self) -> ProjectIn:
        if (self.geometry is None) == (self.wkt is None):
            raise ValueError("give exactly one of geometry (GeoJSON) and wkt")
        return self


class UnitOut(BaseModel):
    """A control unit the project touches."""

    code: str
    name: str
    category: str
    element: str
    region: str
    admin_code: str
    relation: str
    applied: bool
    tie_break: bool
    overlap_m2: float
    overlap_ha: float
    overlap_m: float
    share: float


class ProtectedOut(BaseModel):
    """A red-line or nature-reserve feature the project touches."""

    layer: str
    code: str
    name: str
    zone: str
    relation: str
    overlap_m2: float
    overlap_ha: float
    overlap_m: float
    share: float
    verdict: str
    reason: str


class RuleOut(BaseModel):
    """An applicable access-list clause with its verdict."""

    rule_id: str
    level: str
    scope: str
    dimension: str
    effect: str
    text: str
    source: str
    via_units: list[str]
    verdict: str
    reasons: list[str]


class ScreeningOut(BaseModel):
    """Result of screening one project."""

    project_id: str
    name: str
    industry: str
    flags: list[str]
    geometry_wkt: str
    area_m2: float
    length_m: float
    verdict: str
    verdict_zh: str
    reasons: list[str]
    units: list[UnitOut]
    protected: list[ProtectedOut]
    rules: list[RuleOut]
    geos_version: str
    data_versions: dict[str, str]
    disclaimer: str


def _service(request: Request, settings: SettingsDep) -> ZoningService:
    service: ZoningService | None = getattr(request.app.state, "zoning", None)
    if service is None:
        service = ZoningService.from_settings(settings)
        request.app.state.zoning = service
    return service


def _project(body: ProjectIn, where: str) -> Project:
    try:
        if body.wkt is not None:
            geom = parse_wkt(body.wkt)
        else:
            geom = checked_geometry(shapely.from_geojson(json.dumps(body.geometry)))
        if body.industry:
            normalize_code(body.industry)
    except (ProjectInputError, ValueError, shapely.errors.GEOSException) as exc:
        raise HTTPException(status_code=422, detail=f"{where}: {exc}") from exc
    emissions = {normalize_pollutant(k): v for k, v in body.emissions.items()}
    return Project(
        body.project_id,
        geom,
        body.industry,
        body.name,
        body.capacity,
        emissions,
        frozenset(body.flags),
    )


def _screen(service: ZoningService, projects: list[Project]) -> list[ScreeningOut]:
    try:
        results = service.screen_many(projects)
    except ZoningNotLoadedError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    return [ScreeningOut.model_validate(r.to_dict()) for r in results]


@router.post("/screen")
def screen(body: ProjectIn, request: Request, settings: SettingsDep) -> ScreeningOut:
    """Screen one project against the stored units, red lines, reserves and access lists."""
    return _screen(_service(request, settings), [_project(body, "body")])[0]


@router.post("/screen/batch")
def screen_batch(
    body: Annotated[list[ProjectIn], Field(max_length=MAX_BATCH)],
    request: Request,
    settings: SettingsDep,
) -> list[ScreeningOut]:
    """Screen up to 5,000 projects at once (one invalid project refuses the request)."""
    projects = [_project(p, f"body[{i}]") for i, p in enumerate(body)]
    return _screen(_service(request, settings), projects)


class IssueOut(BaseModel):
    """A row of an uploaded file that could not be screened."""

    source: str
    feature: str
    field: str
    rule: str
    message: str


class BatchFileOut(BaseModel):
    """Results of an uploaded batch file, and the rows left out."""

    results: list[ScreeningOut]
    issues: list[IssueOut]


_UPLOAD_SUFFIXES = (*VECTOR_SUFFIXES, ".csv", ".xlsx")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@router.post("/screen/file")
async def screen_file(
    file: Annotated[UploadFile, File(description="CSV, Excel or GeoJSON/GPKG: a project a row")],
    request: Request,
    settings: SettingsDep,
) -> BatchFileOut:
    """Screen every project of an uploaded file; bad rows are listed, the others screened."""
    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in _UPLOAD_SUFFIXES:
        raise HTTPException(
            status_code=422, detail=f"{name}: expected one of {list(_UPLOAD_SUFFIXES)}"
        )
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(status_code=413, detail=f"{name}: larger than {MAX_UPLOAD_BYTES} bytes")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            batch = read_batch(path)
        except ProjectInputError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
    if len(batch.projects) > MAX_BATCH:
        raise HTTPException(status_code=413, detail=f"{name}: more than {MAX_BATCH} projects")
    results = _screen(_service(request, settings), batch.projects)
    issues = [
        IssueOut(source=i.source, feature=i.feature, field=i.field, rule=i.rule, message=i.message)
        for i in batch.issues
    ]
    return BatchFileOut(results=results, issues=issues)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.post("/report", response_class=Response, responses={200: {"content": {DOCX: {}}}})
def report(
    body: Annotated[list[ProjectIn], Field(min_length=1, max_length=200)],
    request: Request,
    settings: SettingsDep,
) -> Response:
    """Screen up to 200 projects and return the Word report (with maps)."""
    from ecoguard.zoning.report import write_report

    service = _service(request, settings)
    projects = [_project(p, f"body[{i}]") for i, p in enumerate(body)]
    try:
        results = service.screen_many(projects)
    except ZoningNotLoadedError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    with tempfile.TemporaryDirectory() as tmp:
        path = write_report(Path(tmp) / "screening.docx", results, service.index())
        content = path.read_bytes()
    return Response(
        content,
        media_type=DOCX,
        headers={"Content-Disposition": 'attachment; filename="zoning-screening.docx"'},
    )


@router.get("/status")
def status(request: Request, settings: SettingsDep) -> dict[str, dict[str, Any]]:
    """Stored versions and sizes of the layers and access lists."""
    return _service(request, settings).status()


@router.get("/layers/{kind}")
def layer(
    kind: LayerKind,
    request: Request,
    settings: SettingsDep,
    bbox: Annotated[
        str | None,
        Query(description="minlon,minlat,maxlon,maxlat", pattern=r"^[-\d.]+(,[-\d.]+){3}$"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FEATURES)] = 1_000,
) -> dict[str, Any]:
    """Features of a stored layer as GeoJSON (for the dashboard's map), optionally in a bbox."""
    service = _service(request, settings)
    stored = service.layer(kind)
    if stored is None:
        raise HTTPException(status_code=404, detail=f"no {kind.value} layer is stored")
    picks = range(len(stored))
    if bbox is not None:
        x0, y0, x1, y1 = (float(v) for v in bbox.split(","))
        hits = shapely.intersects(stored.geometry, shapely.box(x0, y0, x1, y1))
        picks = [int(i) for i in hits.nonzero()[0]]  # type: ignore[assignment]
    rows = stored.table.to_dict("records")
    features = [
        {
            "type": "Feature",
            "properties": rows[i],
            "geometry": json.loads(shapely.to_geojson(stored.geometry[i])),
        }
        for i in list(picks)[:limit]
    ]
    return {"type": "FeatureCollection", "version": stored.version, "features": features}
