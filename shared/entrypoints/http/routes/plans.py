"""GET /api/use-cases/{name}/plan: a use case's plan priced for a period, its candidates ranked
by cost per outcome, and planned vs actual once it is live (docs/api.md#planned-use-cases)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Path, Query
from fastapi.responses import JSONResponse

from shared.entrypoints.http.plans_presenter import plan as present
from shared.entrypoints.http.schemas.base import with_conflict
from shared.entrypoints.http.schemas.params import CostTypeParam
from shared.entrypoints.http.schemas.plans import UseCasePlan
from shared.services.plans import PlanService

Name = Annotated[str, Path(description="The use case's name: a slug", examples=["contract-review"])]


def register(app: FastAPI, plans: Callable[[], PlanService]) -> None:
    @app.get(
        "/api/use-cases/{name}/plan",
        response_model=UseCasePlan,
        response_class=JSONResponse,
        responses=with_conflict("The use case has no plan (`field` plan)"),
        tags=["Planned use cases"],
        summary="A use case's plan priced, and planned vs actual",
        description=(
            "Every candidate of the plan priced over the period's planned traffic (the "
            "tenant's effective prices of the period, else list prices), ranked by cost per "
            "outcome (unpriced ones last, with the field and the reason), and, for a live use "
            "case over an allocated period, planned vs actual. 404 naming `useCase`. Rules: "
            "docs/use-cases.md#planned-use-cases."
        ),
    )
    def plan_route(
        name: Name,
        period: str | None = Query(
            None, description="YYYY-MM (default: the current UTC month)", examples=["2026-10"]
        ),
        costType: CostTypeParam = None,
    ) -> UseCasePlan:
        service = plans()
        service.query(period, costType)  # bad input is a 400 before any storage call
        return present(service.plan(name, period, costType))
