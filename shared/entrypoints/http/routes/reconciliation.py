"""GET /api/reconciliation: billed against observed tokens per account and meter of a period."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.core.views import PeriodQuery
from shared.entrypoints.http.reconciliation_presenter import reconciliation_json
from shared.services.views import ViewService


def register(app: FastAPI, views: Callable[[], ViewService]) -> None:
    @app.get("/api/reconciliation")
    def reconciliation(period: str | None = None, costType: str | None = None) -> JSONResponse:
        query = PeriodQuery.parse(period, costType)  # bad input is a 400 before any storage call
        return JSONResponse(reconciliation_json(views().reconciliation(query)))
