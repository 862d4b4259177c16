"""GET /api/unit-costs and /api/deployments/{key}/unit-costs: a period's unit costs, or one
deployment's (rounded as in the period's list), in the price basis asked for."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.core.views import PeriodQuery
from shared.entrypoints.http.presenter import deployment_json, unit_costs_json
from shared.services.views import ViewService


def register(app: FastAPI, views: Callable[[], ViewService]) -> None:
    @app.get("/api/unit-costs")
    def period_unit_costs(period: str | None = None, costType: str | None = None) -> JSONResponse:
        query = PeriodQuery.parse(period, costType)  # bad input is a 400 before any storage call
        return JSONResponse(unit_costs_json(views().unit_costs(query)))

    @app.get("/api/deployments/{key}/unit-costs")
    def deployment_unit_costs(
        key: str,
        period: str | None = None,
        costType: str | None = None,
    ) -> JSONResponse:
        query = PeriodQuery.parse(period, costType)
        return JSONResponse(deployment_json(views().deployment(key, query)))
