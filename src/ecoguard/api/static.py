"""The built dashboard served at ``/`` with a single-page-application fallback."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

#: Where the dashboard build lands (``frontend/`` builds into it).
DEFAULT_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"


class SPAStaticFiles(StaticFiles):
    """Static files; unknown non-API paths get ``index.html`` so client-side routes work."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file at ``path``, else ``index.html`` (API paths stay 404)."""
        if path == "api" or path.startswith("api/"):
            raise HTTPException(status_code=404, detail="no such API endpoint")
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            return await super().get_response("index.html", scope)
