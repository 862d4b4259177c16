"""GET/PUT/DELETE /api/use-cases[/{name}]: the use-case definitions (docs/use-cases.md), and
POST /api/use-cases/{name}/outcomes: pushed outcomes (docs/api.md#use-cases)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, Path, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shared.entrypoints.http import use_cases_presenter as present
from shared.entrypoints.http.list_params import Filters, Paging
from shared.entrypoints.http.pagination import paginate
from shared.entrypoints.http.schemas.base import PROBLEM_RESPONSES, with_conflict
from shared.entrypoints.http.schemas.use_cases import (
    OUTCOMES_BODY,
    USE_CASE_BODY,
    PushedOutcomes,
    UseCase,
    UseCaseList,
)
from shared.errors import InvalidDefinitions
from shared.services.outcomes import OutcomeService
from shared.services.use_cases import UseCaseService

TAG = "Use cases"
Name = Annotated[str, Path(description="The use case's name: a slug", examples=["support-bot"])]
LIST = (
    "The stored use cases, sorted by name, a page at a time (`limit`, `continuationToken`; "
    "`totalItems` counts those the filters keep). Filters (each given must hold, compared "
    "without case): `useCase` and `owner` the use case's own name and owner; `account`, "
    "`model`, `sku` one of its deployments (a planned use case has none: these filters leave "
    "it out)."
)
BAD_BODY = (
    "A bad body is one 400 naming the first bad field (its JSON path, `body` when it is not "
    "JSON) with every problem in `errors`; nothing is stored then."
)


def register(app: FastAPI, use_cases: Callable[[], UseCaseService]) -> None:
    @app.get(
        "/api/use-cases",
        response_model=UseCaseList,
        response_class=JSONResponse,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
        summary="List the use cases",
        description=LIST,
    )
    def list_use_cases(
        request: Request,
        wanted: Filters,
        page_query: Paging,
    ) -> UseCaseList:
        # bad input is a 400 before any storage call
        page = paginate(use_cases().list(wanted), present.use_case_key, page_query)
        return present.use_case_list(page, page.next_link(request))

    @app.get(
        "/api/use-cases/{name}",
        response_model=UseCase,
        response_class=JSONResponse,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
        summary="Get a use case",
        description="The use case as stored (404 naming `useCase` when unknown).",
    )
    def get_use_case(name: Name) -> UseCase:
        return present.use_case(use_cases().get(name))

    @app.put(
        "/api/use-cases/{name}",
        response_model=UseCase,
        response_class=JSONResponse,
        responses={201: {"model": UseCase, "description": "Created"}, **PROBLEM_RESPONSES},
        tags=[TAG],
        summary="Create or replace a use case",
        description=(
            "Creates (201) or replaces (200) the use case and answers what was stored. It is "
            "validated alone and against the other stored use cases (no deployment or caller "
            "slice claimed twice); plan numbers are read exactly from the body's text. "
            f"{BAD_BODY} Rules: docs/use-cases.md#rules."
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": USE_CASE_BODY}},
            }
        },
    )
    async def put_use_case(name: Name, request: Request, response: Response) -> UseCase:
        body = await json_body(request, exact=True)  # plan numbers read exactly
        stored, created = await run_in_threadpool(use_cases().put, name, body)  # storage I/O
        response.status_code = 201 if created else 200
        return present.use_case(stored)

    @app.delete(
        "/api/use-cases/{name}",
        status_code=204,
        response_class=Response,
        responses=with_conflict("A target watches the use case (`field` useCase)"),
        tags=[TAG],
        summary="Delete a use case",
        description="204; 404 naming `useCase` when unknown; 409 while a target watches it.",
    )
    def delete_use_case(name: Name) -> Response:
        use_cases().delete(name)
        return Response(status_code=204)


def register_outcomes(app: FastAPI, outcomes: Callable[[], OutcomeService]) -> None:
    @app.post(
        "/api/use-cases/{name}/outcomes",
        response_model=PushedOutcomes,
        response_class=JSONResponse,
        responses=with_conflict(
            "An event id already stored with another date or count (`field` outcomes[i].id); "
            "nothing of the request is stored"
        ),
        tags=[TAG],
        summary="Push a use case's outcomes",
        description=(
            "Stores outcomes (at most 1,000 a request), idempotent by event id: 200 with the ids "
            "accepted now and those already stored the same. A use case whose outcomes come "
            f"from its Log Analytics query is a 400 naming `outcomes`. {BAD_BODY}"
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": OUTCOMES_BODY}},
            }
        },
    )
    async def push_outcomes(name: Name, request: Request) -> PushedOutcomes:
        body = await json_body(request)
        report = await run_in_threadpool(outcomes().push, name, body)  # storage I/O
        return present.pushed_outcomes(name, report)


async def json_body(request: Request, *, exact: bool = False) -> object:
    """The request's JSON body (numbers with a fraction as exact Decimals when `exact`); a body
    that is not JSON is a 400 naming `body`."""
    try:
        return json.loads(await request.body(), parse_float=Decimal if exact else float)
    except ValueError as exc:  # a UnicodeDecodeError too
        raise InvalidDefinitions([("body", f"not JSON: {exc}")]) from None
