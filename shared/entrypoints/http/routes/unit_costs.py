"""GET /api/unit-costs and /api/deployments/{key}/unit-costs: a period's unit costs (its
deployments a page at a time, filtered), or one deployment's (rounded as in the period's list),
in the price basis asked for (docs/api.md#routes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Path, Request
from fastapi.responses import JSONResponse

from shared.core.views import PeriodQuery
from shared.entrypoints.http import presenter as present
from shared.entrypoints.http.list_params import Filters, Paging
from shared.entrypoints.http.pagination import paginate
from shared.entrypoints.http.provenance import with_provenance
from shared.entrypoints.http.schemas.base import PROBLEM_RESPONSES
from shared.entrypoints.http.schemas.params import (
    CostTypeParam,
    Period,
)
from shared.entrypoints.http.schemas.unit_costs import DeploymentUnitCosts, UnitCosts
from shared.services.views import ViewService

TAG = "Unit costs"
DeploymentKey = Annotated[
    str,
    Path(description="The deployment's key (`key` in /api/unit-costs), any case",
         examples=["contoso-ai-eus2~chat-ptu~ef7154a281"]),
]  # fmt: skip
PERIOD_UNIT_COSTS = (
    "The period's bill split exactly onto its deployments: the canonical totals (allocated + "
    "unallocated = billed, to the cent), the deployments sorted by key, a page at a time "
    "(`limit`, `continuationToken`; `totalItems` counts those the filters keep), and every "
    "unallocated line with its reason (not paged: bounded by accounts x meters x reasons). "
    "Filters keep the deployments passing each one given, compared without case: `account` "
    "its account's name or ARM id, `model`, `sku` its own, `useCase` a live use case that has "
    "it (whole or a caller slice), `owner` the owner of such a use case. The totals and the "
    "unallocated lines stay the period's whatever the filters and the page. Unit costs: "
    "docs/allocation-rules.md#unit-costs."
)


def register(app: FastAPI, views: Callable[[], ViewService]) -> None:
    @app.get(
        "/api/unit-costs",
        response_model=UnitCosts,
        response_class=JSONResponse,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
        summary="A period's unit costs per deployment",
        description=PERIOD_UNIT_COSTS,
    )
    def period_unit_costs(
        request: Request,
        page_query: Paging,
        wanted: Filters,
        period: Period,
        costType: CostTypeParam = None,
    ) -> UnitCosts:
        # bad input is a 400 before any storage call
        query = PeriodQuery.parse(period, costType)
        view = views().unit_costs(query, wanted)
        page = paginate(view.deployments, present.deployment_key, page_query)
        return with_provenance(request, present.unit_costs(view, page, page.next_link(request)))

    @app.get(
        "/api/deployments/{key}/unit-costs",
        response_model=DeploymentUnitCosts,
        response_class=JSONResponse,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
        summary="One deployment's unit costs of a period",
        description=(
            "The deployment's cost, usage and unit costs, rounded as in the period's list, with "
            "the period's head; 404 naming `deployment` when the period has no such deployment."
        ),
    )
    def deployment_unit_costs(
        request: Request, key: DeploymentKey, period: Period, costType: CostTypeParam = None
    ) -> DeploymentUnitCosts:
        query = PeriodQuery.parse(period, costType)
        return with_provenance(
            request, present.deployment_unit_costs(views().deployment(key, query))
        )
