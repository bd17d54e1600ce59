"""The FastAPI application factory.

``create_app(settings)`` builds the engine and session factory, registers the problem-detail
handlers and the routers under ``/api/v1``, and serves the dashboard build at ``/`` when it
exists. Further routers (air data, cases, ...) are added with ``include_routers``::

    app = create_app(settings, extra_routers=[air_router])
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from ecoguard import __version__
from ecoguard.api import problems
from ecoguard.api.deps import get_current_user
from ecoguard.api.routers import (
    air,
    air_stations,
    audit,
    cases,
    device_data,
    devices,
    enterprises,
    health,
    login,
    outlets,
    regions,
    users,
    water,
    water_sections,
    zoning,
)
from ecoguard.api.static import DEFAULT_DIST, SPAStaticFiles
from ecoguard.config import Settings, get_settings
from ecoguard.registry.db import make_engine, make_sessionmaker

API_PREFIX = "/api/v1"

#: Routers that need a signed-in user (the dependency runs before each endpoint).
PROTECTED_ROUTERS: tuple[APIRouter, ...] = (
    regions.router,
    air_stations.router,
    water_sections.router,
    enterprises.router,
    outlets.router,
    devices.router,
    device_data.router,
    audit.router,
    air.router,
    cases.router,
    zoning.router,
    water.router,
)


def _operation_id(route: APIRoute) -> str:
    """Operation ids like ``air-stations-list_air_stations`` for generated clients."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def include_routers(app: FastAPI, routers: Iterable[APIRouter], *, protected: bool = True) -> None:
    """Mount routers under ``/api/v1`` (behind sign-in unless ``protected=False``)."""
    deps = [Depends(get_current_user)] if protected else []
    for router in routers:
        app.include_router(router, prefix=API_PREFIX, dependencies=deps)


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    static_dir: Path | None = None,
    extra_routers: Iterable[APIRouter] = (),
) -> FastAPI:
    """Build the API.

    Parameters
    ----------
    settings : Settings, optional
        Defaults to :func:`ecoguard.config.get_settings`. Refuses to start without a JWT
        secret unless demo mode is on.
    engine : Engine, optional
        The registry engine; by default one is created for ``settings.registry_url``.
    static_dir : Path, optional
        The dashboard build to serve at ``/``; defaults to ``src/ecoguard/web/dist`` when it
        exists.
    extra_routers : iterable of APIRouter
        More protected routers to mount under ``/api/v1``.
    """
    settings = settings or get_settings()
    settings.signing_key()  # fail at start, not at the first login
    app = FastAPI(
        title="ecoguard API",
        version=__version__,
        description="Registry, monitoring data and supervision of departments of ecology and "
        "environment. Errors are RFC 9457 problem details.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        generate_unique_id_function=_operation_id,
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.registry_url)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    problems.install(app)
    include_routers(app, [health.router, login.router], protected=False)
    include_routers(app, [users.router], protected=False)  # /users/me needs its own user dep
    include_routers(app, [*PROTECTED_ROUTERS, *extra_routers])
    dist = static_dir if static_dir is not None else DEFAULT_DIST
    if (dist / "index.html").is_file():
        app.mount("/", SPAStaticFiles(directory=dist, html=True), name="dashboard")
    return app
