"""GET /api/exports/focus?period=YYYY-MM: the period's FOCUS 1.3 allocated export as CSV
(docs/focus-export.md): every bill line as its deployments' shares and the unallocated
remainder, with the ActualCost (BilledCost) and AmortizedCost (EffectiveCost) bases on one row."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import Response

from shared.core.views import PeriodQuery
from shared.entrypoints.http.schemas.base import PROBLEM_RESPONSES
from shared.services.exports import ExportService

CSV = "text/csv"
CSV_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {
        "content": {CSV: {"schema": {"type": "string"}}},
        "description": "The period's FOCUS 1.3 Cost and Usage rows as CSV: a header row of the "
        "column ids, then one row per allocated charge (docs/focus-export.md); the "
        "Content-Disposition header names the file",
    }
}


def register(app: FastAPI, exports: Callable[[], ExportService]) -> None:
    @app.get(
        "/api/exports/focus",
        response_class=Response,
        responses={**CSV_RESPONSE, **PROBLEM_RESPONSES},
        tags=["Exports"],
        summary="A period's FOCUS 1.3 allocated export (CSV)",
    )
    def focus_export(period: str | None = None) -> Response:
        found = PeriodQuery.parse(period, None).period  # a 400 naming `period` before any read
        export = exports().focus_file(found, "csv")
        return Response(
            content=export.text,
            media_type=export.media_type,
            headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
        )
