"""GET /api/targets, GET/PUT/DELETE /api/targets/{id} and GET /api/targets/{id}/status: the
unit-cost targets and their evaluations (docs/targets.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from shared.core.list_filter import ListFilter
from shared.entrypoints.http import targets_presenter as present
from shared.entrypoints.http.list_params import Paging
from shared.entrypoints.http.pagination import paginate
from shared.entrypoints.http.routes.use_cases import json_body
from shared.entrypoints.http.schemas.base import PROBLEM_RESPONSES
from shared.entrypoints.http.schemas.params import Account, Owner, UseCaseName
from shared.entrypoints.http.schemas.targets import (
    TARGET_BODY,
    Target,
    TargetList,
    TargetStatus,
)
from shared.services.targets import TargetService

TAG = "Targets"
TargetId = Annotated[
    str,
    Path(description="The target's id: a slug (lower-case letters, digits, hyphens)",
         examples=["support-bot-cpo"]),
]  # fmt: skip
FILTERED = (
    "Filters (each given must hold, compared without case): `account` keeps the targets of an "
    "account scope of that account or a deployment scope of a deployment of it (its name or ARM "
    "id), `useCase` those of that use case's scope, `owner` those of a use case scope of a use "
    "case that owner has. A tenant scope names none of them."
)


def register(app: FastAPI, targets: Callable[[], TargetService]) -> None:
    @app.get(
        "/api/targets",
        response_model=TargetList,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
        summary="List the targets",
        description=f"The stored unit-cost targets, sorted by id, a page at a time. {FILTERED}",
    )
    def list_targets(
        request: Request,
        page_query: Paging,
        account: Account = None,
        useCase: UseCaseName = None,
        owner: Owner = None,
    ) -> TargetList:
        # bad input is a 400 before any storage call
        wanted = ListFilter.parse(account=account, use_case=useCase, owner=owner)
        page = paginate(targets().list(wanted), lambda t: t.id, page_query)
        return present.target_list(page, page.next_link(request))

    @app.get(
        "/api/targets/{target_id}",
        response_model=Target,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
        summary="Get a target",
        description="The target as stored (404 naming `targetId` when unknown).",
    )
    def get_target(target_id: TargetId) -> Target:
        return present.target(targets().get(target_id))

    @app.put(
        "/api/targets/{target_id}",
        response_model=Target,
        responses={201: {"model": Target, "description": "Created"}, **PROBLEM_RESPONSES},
        tags=[TAG],
        summary="Create or replace a target",
        description=(
            "Creates (201) or replaces (200) the target and answers what was stored. Numbers are "
            "read exactly from the body's text. A bad body is one 400 naming the first bad field "
            "(its JSON path) with every problem in `errors`; nothing is stored then. "
            "Rules: docs/targets.md#rules."
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": TARGET_BODY}},
            }
        },
    )
    async def put_target(target_id: TargetId, request: Request, response: Response) -> Target:
        body = await json_body(request, exact=True)  # thresholds read exactly from their text
        stored, created = await run_in_threadpool(targets().put, target_id, body)
        response.status_code = 201 if created else 200
        return present.target(stored)

    @app.delete(
        "/api/targets/{target_id}",
        status_code=204,
        response_class=Response,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
        summary="Delete a target",
        description=(
            "204; 404 naming `targetId` when unknown. Its evaluations and transitions stay: a "
            "target put again under the same id continues from them."
        ),
    )
    def delete_target(target_id: TargetId) -> Response:
        targets().delete(target_id)
        return Response(status_code=204)

    @app.get(
        "/api/targets/{target_id}/status",
        response_model=TargetStatus,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
        summary="A target's evaluations and transitions",
        description=(
            "The target, its latest evaluation of every period evaluated (newest first) and "
            "every transition (oldest first, each with the CloudEvent type it sent). Amounts "
            "are rounded as the events are: cents for periodCost, 1e-8 for unit costs."
        ),
    )
    def target_status(target_id: TargetId) -> TargetStatus:
        return present.status(targets().status(target_id))
