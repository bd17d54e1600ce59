"""/api/v1/health: liveness and database reachability (no sign-in needed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from ecoguard import __version__
from ecoguard.api.deps import SessionDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Service status."""

    status: str
    database: str
    version: str


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(session: SessionDep) -> JSONResponse:
    """``ok`` when the registry answers, 503 otherwise."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:
        body = Health(status="unavailable", database="unreachable", version=__version__)
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Health(status="ok", database="ok", version=__version__).model_dump())
