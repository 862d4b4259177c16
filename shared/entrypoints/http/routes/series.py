"""GET /api/daily, /api/deployments/{key}/daily and /api/use-cases/{name}/daily: the daily
series of a period and price basis (docs/api.md#periods-and-daily-series)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request

from shared.core.views import PeriodQuery
from shared.entrypoints.http.provenance import with_provenance
from shared.entrypoints.http.routes.periods import TAG
from shared.entrypoints.http.schemas.base import PROBLEM_RESPONSES, Problem
from shared.entrypoints.http.schemas.portal import DeploymentDaily, TenantDaily, UseCaseDaily
from shared.services.series import SeriesService

PLANNED: dict[int | str, dict[str, object]] = {
    409: {
        "model": Problem,
        "content": {"application/problem+json": {}},
        "description": "A planned use case: no cost or outcomes yet (`field` useCase)",
    }
}


def register(app: FastAPI, series: Callable[[], SeriesService]) -> None:
    @app.get("/api/daily", response_model=TenantDaily, responses=PROBLEM_RESPONSES, tags=[TAG])
    def tenant_daily(
        request: Request, period: str | None = None, costType: str | None = None
    ) -> TenantDaily:
        """The tenant's billed, allocated and unallocated cost per day."""
        query = PeriodQuery.parse(period, costType)  # bad input is a 400 before any storage call
        return with_provenance(request, TenantDaily.of(series().tenant(query)))

    @app.get(
        "/api/deployments/{key}/daily",
        response_model=DeploymentDaily,
        responses=PROBLEM_RESPONSES,
        tags=[TAG],
    )
    def deployment_daily(
        request: Request, key: str, period: str | None = None, costType: str | None = None
    ) -> DeploymentDaily:
        """A deployment's cost, tokens, requests, cost per 1K tokens and per request per day."""
        query = PeriodQuery.parse(period, costType)
        return with_provenance(request, DeploymentDaily.of(series().deployment(key, query)))

    @app.get(
        "/api/use-cases/{name}/daily",
        response_model=UseCaseDaily,
        responses={**PROBLEM_RESPONSES, **PLANNED},
        tags=[TAG],
    )
    def use_case_daily(
        request: Request, name: str, period: str | None = None, costType: str | None = None
    ) -> UseCaseDaily:
        """A use case's cost, outcomes and cost per outcome per day."""
        query = PeriodQuery.parse(period, costType)
        return with_provenance(request, UseCaseDaily.of(series().use_case(name, query)))
