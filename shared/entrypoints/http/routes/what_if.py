"""GET /api/what-if: a deployment's traffic of a period re-priced under another model, version,
SKU or capacity, against its allocated cost (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.core.views import PeriodQuery
from shared.entrypoints.http.what_if_presenter import what_if_json
from shared.errors import InvalidInput
from shared.services.what_if import WhatIfService, parse_ptu


def register(app: FastAPI, what_if: Callable[[], WhatIfService]) -> None:
    @app.get("/api/what-if")
    def what_if_route(
        deployment: str | None = None,
        period: str | None = None,
        model: str | None = None,
        version: str | None = None,
        sku: str | None = None,
        ptu: str | None = None,
        reservation: str | None = None,
        costType: str | None = None,
    ) -> JSONResponse:
        # bad input is a 400 before any storage call
        query = PeriodQuery.parse(period, costType)
        if not deployment:
            raise InvalidInput("deployment", "required: the deployment's key")
        if not model or not model.strip():
            raise InvalidInput("model", "required: the model to price the traffic as")
        view = what_if().run(
            deployment, query, model, version, sku, parse_ptu(ptu), reservation or None
        )
        return JSONResponse(what_if_json(view))
