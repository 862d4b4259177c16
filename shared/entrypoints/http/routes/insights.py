"""GET /api/insights: a period's savings findings, largest saving first, each priced by the
what-if engine with its evidence and confidence (docs/model-economics.md)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.core.views import PeriodQuery
from shared.entrypoints.http.insights_presenter import insights_json
from shared.services.insights import InsightsService, parse_types


def register(app: FastAPI, insights: Callable[[], InsightsService]) -> None:
    @app.get("/api/insights")
    def insights_route(
        period: str | None = None, costType: str | None = None, type: str | None = None
    ) -> JSONResponse:
        # bad input is a 400 before any storage call
        query = PeriodQuery.parse(period, costType)
        types = parse_types(type)
        return JSONResponse(insights_json(insights().run(query, types)))
