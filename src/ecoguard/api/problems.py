"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ecoguard.registry.errors import (
    ConflictError,
    ForbiddenError,
    InvalidReferenceError,
    NotFoundError,
    RegistryError,
)

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    """One invalid input: where (``field``, e.g. ``body.code``), the rule broken, and why."""

    field: str
    rule: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_response(
    request: Request,
    status: int,
    detail: str | None,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response for ``status``."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = Problem(
        title=title, status=status, detail=detail, instance=request.url.path, errors=errors
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(
            field=_field_name(err.get("loc", ())),
            rule=str(err.get("type", "invalid")),
            message=str(err.get("msg", "invalid value")),
        )
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or "invalid request"
    return problem_response(request, 422, detail, errors=errors)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(request, exc.status_code, detail, headers=headers)


_STATUS: tuple[tuple[type[RegistryError], int], ...] = (
    (NotFoundError, 404),
    (ForbiddenError, 403),
    (ConflictError, 409),
    (InvalidReferenceError, 422),
    (RegistryError, 422),
)


def _registry(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RegistryError)
    status = next(code for kind, code in _STATUS if isinstance(exc, kind))
    errors = None
    if exc.field:
        rule = "scope" if status == 403 else "reference" if status == 422 else "unique"
        errors = [FieldError(field=f"body.{exc.field}", rule=rule, message=exc.message)]
    return problem_response(request, status, exc.message, errors=errors)


def _unexpected(request: Request, _exc: Exception) -> JSONResponse:
    return problem_response(request, 500, "internal error; the server log has the details")


def install(app: FastAPI) -> None:
    """Register the problem-detail exception handlers on ``app`` and document them."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RegistryError, _registry)
    app.add_exception_handler(Exception, _unexpected)
    _document_problems(app)


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the handlers send: every 4xx/5xx response is
    ``application/problem+json`` with the :class:`Problem` schema (FastAPI's default 422
    ``HTTPValidationError`` included)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("Problem", Problem.model_json_schema(ref_template=_REF_TEMPLATE))
        components.setdefault(
            "FieldError", FieldError.model_json_schema(ref_template=_REF_TEMPLATE)
        )
        components["Problem"].pop("$defs", None)
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                for status, response in operation.get("responses", {}).items():
                    if status.isdigit() and int(status) >= 400 and _is_problem(response):
                        response["content"] = {"application/problem+json": {"schema": _PROBLEM_REF}}
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_REF_TEMPLATE = "#/components/schemas/{model}"


def _is_problem(response: dict[str, Any]) -> bool:
    """Whether a documented error response is (or should say it is) a problem detail."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = str(schema.get("$ref", ""))
    return not schema or ref.endswith(("/Problem", "/HTTPValidationError"))


#: OpenAPI descriptions of the error responses every protected router may return.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Not signed in or the token is invalid"},
    403: {"model": Problem, "description": "The role or region scope does not allow this"},
    404: {"model": Problem, "description": "Not found in the caller's scope"},
    422: {"model": Problem, "description": "Invalid input; `errors` names each field and rule"},
}
