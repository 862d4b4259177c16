"""Errors as RFC 9457 problem bodies: 400 naming the field, 404 naming what is missing (or the
unknown route), 405 with `Allow`, 409 naming the conflicting field, 503 with Retry-After for an
outage or a publication in progress, 500 without a stack trace."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from shared.errors import (
    ConcurrentPublication,
    Conflict,
    InvalidDefinitions,
    InvalidInput,
    NotFound,
    StorageUnavailable,
)

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
RETRY_AFTER_SECONDS = "5"


def problem(
    status: int,
    title: str,
    detail: str,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if field:
        body["field"] = field
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Map the project's errors (and any other) to problem bodies on `app`."""

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        if isinstance(exc, InvalidDefinitions):  # every problem, the first one as `field`
            errors = [{"field": field, "detail": detail} for field, detail in exc.problems]
            return problem(400, "Invalid input", exc.problem, exc.field, errors)
        return problem(400, "Invalid input", exc.problem, exc.field)

    @app.exception_handler(NotFound)
    async def _missing(_: Request, exc: NotFound) -> JSONResponse:
        return problem(404, "Not found", str(exc), exc.what)

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return problem(409, "Conflict", exc.problem, exc.field)

    @app.exception_handler(ConcurrentPublication)
    @app.exception_handler(StorageUnavailable)
    async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
        response = problem(503, "Service unavailable", str(exc))
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
        return problem(400, "Invalid input", str(first.get("msg", "invalid")), ".".join(loc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        """An unknown route (404), a method a route does not take (405, with `Allow`)."""
        response = problem(exc.status_code, _title(exc.status_code), _detail(request, exc))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error serving a request", exc_info=exc)
        return problem(500, "Internal error", "the request could not be served; see the logs")


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _detail(request: Request, exc: HTTPException) -> str:
    if exc.status_code == 404:
        return f"no route {request.url.path}: the routes are listed at /api/docs"
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return f"{request.method} is not allowed on {request.url.path} (allowed: {allowed})"
    return str(exc.detail)
