"""GET/PUT/DELETE /api/use-cases[/{name}]: the use-case definitions (docs/use-cases.md), and
POST /api/use-cases/{name}/outcomes: pushed outcomes."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shared.core.use_cases import use_case_json
from shared.errors import InvalidDefinitions
from shared.services.outcomes import OutcomeService
from shared.services.use_cases import UseCaseService


def register(app: FastAPI, use_cases: Callable[[], UseCaseService]) -> None:
    @app.get("/api/use-cases")
    def list_use_cases() -> JSONResponse:
        return JSONResponse({"useCases": [use_case_json(u) for u in use_cases().list()]})

    @app.get("/api/use-cases/{name}")
    def get_use_case(name: str) -> JSONResponse:
        return JSONResponse(use_case_json(use_cases().get(name)))

    @app.put("/api/use-cases/{name}")
    async def put_use_case(name: str, request: Request) -> JSONResponse:
        body = await json_body(request, exact=True)  # plan numbers read exactly
        stored, created = await run_in_threadpool(use_cases().put, name, body)  # storage I/O
        return JSONResponse(use_case_json(stored), status_code=201 if created else 200)

    @app.delete("/api/use-cases/{name}", status_code=204)
    def delete_use_case(name: str) -> Response:
        use_cases().delete(name)
        return Response(status_code=204)


def register_outcomes(app: FastAPI, outcomes: Callable[[], OutcomeService]) -> None:
    @app.post("/api/use-cases/{name}/outcomes")
    async def push_outcomes(name: str, request: Request) -> JSONResponse:
        """Idempotent by event id: 200 with the ids accepted now and those already stored."""
        body = await json_body(request)
        report = await run_in_threadpool(outcomes().push, name, body)  # storage I/O
        return JSONResponse(
            {"useCase": name, "accepted": list(report.accepted), "repeated": list(report.repeated)}
        )


async def json_body(request: Request, *, exact: bool = False) -> object:
    """The request's JSON body (numbers with a fraction as exact Decimals when `exact`); a body
    that is not JSON is a 400 naming `body`."""
    try:
        return json.loads(await request.body(), parse_float=Decimal if exact else float)
    except ValueError as exc:  # a UnicodeDecodeError too
        raise InvalidDefinitions([("body", f"not JSON: {exc}")]) from None
