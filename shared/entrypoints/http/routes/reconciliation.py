"""GET /api/reconciliation: billed against observed tokens per account and meter of a period
(docs/api.md#reconciliation-report)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.core.views import PeriodQuery
from shared.entrypoints.http.provenance import with_provenance
from shared.entrypoints.http.reconciliation_presenter import reconciliation as present
from shared.entrypoints.http.schemas.base import PROBLEM_RESPONSES
from shared.entrypoints.http.schemas.params import CostTypeParam, Period
from shared.entrypoints.http.schemas.reconciliation import Reconciliation
from shared.services.views import ViewService


def register(app: FastAPI, views: Callable[[], ViewService]) -> None:
    @app.get(
        "/api/reconciliation",
        response_model=Reconciliation,
        response_class=JSONResponse,
        responses=PROBLEM_RESPONSES,
        tags=["Reconciliation"],
        summary="A period's bill against observed tokens",
        description=(
            "For each account x meter, what Azure billed against what Azure Monitor observed, "
            "compared per side (input, output) of each model meter group; a side billed above "
            "its observed tokens by more than the tolerance is flagged. 404 naming `period` "
            "when it was never allocated or reconciled."
        ),
    )
    def reconciliation(
        request: Request, period: Period, costType: CostTypeParam = None
    ) -> Reconciliation:
        query = PeriodQuery.parse(period, costType)  # bad input is a 400 before any storage call
        return with_provenance(request, present(views().reconciliation(query)))
