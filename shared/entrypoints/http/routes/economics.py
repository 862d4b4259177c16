"""GET /api/use-cases/{name}/unit-costs, /api/deployments/{key}/callers and /api/showback: use-case
economics, a deployment's callers and the showback of a period (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.core.views import PeriodQuery
from shared.entrypoints.http.economics_presenter import (
    callers_json,
    showback_json,
    use_case_unit_costs_json,
)
from shared.services.economics import EconomicsService


def register(app: FastAPI, economics: Callable[[], EconomicsService]) -> None:
    @app.get("/api/use-cases/{name}/unit-costs")
    def use_case_unit_costs(
        name: str, period: str | None = None, costType: str | None = None
    ) -> JSONResponse:
        query = PeriodQuery.parse(period, costType)  # bad input is a 400 before any storage call
        return JSONResponse(use_case_unit_costs_json(economics().use_case(name, query)))

    @app.get("/api/deployments/{key}/callers")
    def deployment_callers(
        key: str, period: str | None = None, costType: str | None = None, by: str | None = None
    ) -> JSONResponse:
        query = PeriodQuery.parse(period, costType)
        return JSONResponse(callers_json(economics().callers(key, query, by)))

    @app.get("/api/showback")
    def period_showback(
        period: str | None = None, costType: str | None = None, by: str | None = None
    ) -> JSONResponse:
        query = PeriodQuery.parse(period, costType)
        return JSONResponse(showback_json(economics().showback(query, by)))
