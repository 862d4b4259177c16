"""GET /api/use-cases/{name}/unit-costs, /api/deployments/{key}/callers and /api/showback: use-case
economics, a deployment's callers and the showback of a period (docs/api.md#use-case-economics)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse

from shared.core.callers import CallerKind
from shared.core.list_filter import ListFilter
from shared.core.showback import ShowbackBy
from shared.core.views import PeriodQuery
from shared.entrypoints.http import economics_presenter as present
from shared.entrypoints.http.list_params import Paging
from shared.entrypoints.http.pagination import paginate
from shared.entrypoints.http.provenance import with_provenance
from shared.entrypoints.http.schemas.base import PROBLEM_RESPONSES, with_conflict
from shared.entrypoints.http.schemas.economics import (
    DeploymentCallers,
    Showback,
    UseCaseUnitCosts,
)
from shared.entrypoints.http.schemas.params import CostTypeParam, Owner, Period, UseCaseName
from shared.services.economics import EconomicsService

TAG = "Use-case economics"
Name = Annotated[str, Path(description="The use case's name: a slug", examples=["support-bot"])]
DeploymentKey = Annotated[
    str,
    Path(description="The deployment's key (`key` in /api/unit-costs), any case",
         examples=["contoso-ai-eus2~chat-prod~5881e03797"]),
]  # fmt: skip
KINDS = ", ".join(k.value for k in CallerKind)
BYS = ", ".join(b.value for b in ShowbackBy)


def register(app: FastAPI, economics: Callable[[], EconomicsService]) -> None:
    @app.get(
        "/api/use-cases/{name}/unit-costs",
        response_model=UseCaseUnitCosts,
        response_class=JSONResponse,
        responses=with_conflict(
            "A planned use case: no deployments, so no cost yet (`field` useCase; see its plan)"
        ),
        tags=[TAG],
        summary="A use case's cost per outcome of a period",
        description=(
            "Computed on every read from the live allocation, the telemetry and the outcomes: "
            "the use case's cost (whole deployments' allocated cost + caller slices' shares), "
            "outcomes, cost per outcome (of the days with outcome data; null with a `reason` "
            "without), per 1K tokens and per request, coverage, each member and each day. "
            "404 naming `useCase` or `period`. Rules: docs/use-cases.md#unit-economics."
        ),
    )
    def use_case_unit_costs(
        request: Request, name: Name, period: Period, costType: CostTypeParam = None
    ) -> UseCaseUnitCosts:
        query = PeriodQuery.parse(period, costType)  # bad input is a 400 before any storage call
        view = economics().use_case(name, query)
        return with_provenance(request, present.use_case_unit_costs(view))

    @app.get(
        "/api/deployments/{key}/callers",
        response_model=DeploymentCallers,
        response_class=JSONResponse,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
        summary="A deployment's cost split between its callers",
        description=(
            "The deployment's cost of the period (as in its unit costs) split between its "
            "callers of one kind (`by`; default: the kind use cases slice it by, else the first "
            "the telemetry has) and the unattributed rest, which add up to `cost` exactly. The "
            "callers are largest cost first (then by name), a page at a time (`limit`, "
            "`continuationToken`; `totalItems` counts them all); `cost` and `unattributed` are "
            "the deployment's on every page. 404 naming `deployment` or `period`; a bad `by` a "
            "400 naming it. Rules: docs/use-cases.md#the-split-rule."
        ),
    )
    def deployment_callers(
        request: Request,
        page_query: Paging,
        key: DeploymentKey,
        period: Period,
        costType: CostTypeParam = None,
        by: str | None = Query(None, description=f"The caller kind: {KINDS}"),
    ) -> DeploymentCallers:
        query = PeriodQuery.parse(period, costType)
        view = economics().callers(key, query, by)
        page = paginate(view.callers, present.caller_key, page_query)
        return with_provenance(
            request, present.deployment_callers(view, page, page.next_link(request))
        )

    @app.get(
        "/api/showback",
        response_model=Showback,
        response_class=JSONResponse,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
        summary="A period's bill by owner, cost center or use case",
        description=(
            "The live use cases' cost summed by group (`by`), largest group first (then by "
            "name), a page at a time (`limit`, `continuationToken`; `totalItems` counts those "
            "the filters keep), and the rest of the bill as `unassigned`: every group + "
            "unassigned = billedCost, to the cent. Filters (compared without case): `owner` "
            "keeps the groups holding a use case of that owner; `useCase` (by=useCase only: a "
            "400 naming it otherwise) that use case's group. `billedCost` and `unassigned` stay "
            "the period's whatever the filters and the page."
        ),
    )
    def period_showback(
        request: Request,
        period: Period,
        by: Annotated[str, Query(description=f"The groups: {BYS}", examples=["owner"])],
        page_query: Paging,
        costType: CostTypeParam = None,
        owner: Owner = None,
        useCase: UseCaseName = None,
    ) -> Showback:
        query = PeriodQuery.parse(period, costType)
        wanted = ListFilter.parse(use_case=useCase, owner=owner)
        view = economics().showback(query, by, wanted)
        page = paginate(view.groups, present.group_key, page_query)
        return with_provenance(request, present.showback(view, page, page.next_link(request)))
