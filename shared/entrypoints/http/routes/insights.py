"""GET /api/insights: a period's savings findings, largest saving first, each priced by the
what-if engine with its evidence and confidence (docs/model-economics.md), a page at a time."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Query, Request

from shared.core.views import PeriodQuery
from shared.entrypoints.http.insights_presenter import insights, page_key
from shared.entrypoints.http.list_params import Filters, Paging
from shared.entrypoints.http.pagination import paginate
from shared.entrypoints.http.provenance import with_provenance
from shared.entrypoints.http.schemas.base import PROBLEM_RESPONSES
from shared.entrypoints.http.schemas.insights import Insights
from shared.entrypoints.http.schemas.params import (
    CostTypeParam,
    Period,
)
from shared.services.insights import TYPES, InsightsService, parse_types

DESCRIPTION = (
    "The period's savings findings, largest saving first (`rank` 1), each with its evidence, "
    "its confidence and the what-if it was priced with (`whatIfUrl` prices it again); a page "
    "at a time, in rank order. Filters keep the findings of a deployment that passes each one "
    "given (compared without case): `account` its account's name or ARM id, `model` and `sku` "
    "its own, `useCase` a live use case that has it (whole or a caller slice), `owner` the "
    "owner of such a use case; `type` the finding types. Every deployment is examined either "
    "way; the ranks and `upperBoundMonthlySaving` are of the findings kept. Detectors and "
    "thresholds: docs/model-economics.md#savings-findings."
)


def register(app: FastAPI, service: Callable[[], InsightsService]) -> None:
    @app.get(
        "/api/insights",
        response_model=Insights,
        responses=PROBLEM_RESPONSES,
        tags=["Model economics"],
        summary="A period's savings findings",
        description=DESCRIPTION,
    )
    def insights_route(
        request: Request,
        page_query: Paging,
        wanted: Filters,
        period: Period,
        costType: CostTypeParam = None,
        type: str | None = Query(
            None, description="Finding types, comma-separated: " + ", ".join(sorted(TYPES)),
            examples=["batch-candidate,idle-ptu"],
        ),
    ) -> Insights:  # fmt: skip
        # bad input is a 400 before any storage call
        query = PeriodQuery.parse(period, costType)
        types = parse_types(type)
        view = service().run(query, types, wanted)
        page = paginate(view.findings, page_key, page_query)
        return with_provenance(request, insights(view, page, page.next_link(request)))
