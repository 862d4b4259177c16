"""The FastAPI app: unit costs per deployment and period; errors as RFC 7807 problem bodies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Protocol

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shared.core.costs import CostType
from shared.core.period import BillingPeriod
from shared.core.reconciliation import Reconciliation
from shared.core.reports import PeriodReport
from shared.entrypoints.http.presenter import API_NAMES, COST_TYPES, present_period, present_status
from shared.entrypoints.http.reconciliation_presenter import present_reconciliation
from shared.errors import ConcurrentPublication, InvalidInput, NotFound, StorageUnavailable

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


class ReportReader(Protocol):
    def report(self, period: BillingPeriod, cost_type: CostType) -> PeriodReport | None: ...


class ReconciliationReader(Protocol):
    def reconciliation(
        self, period: BillingPeriod, cost_type: CostType
    ) -> Reconciliation | None: ...


def problem(status: int, title: str, detail: str, field: str | None = None) -> JSONResponse:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def parse_query(period: str | None, cost_type: str | None) -> tuple[BillingPeriod, CostType]:
    """The `period` and `costType` query parameters; InvalidInput names the bad one."""
    if not period:
        raise InvalidInput("period", "required, as YYYY-MM")
    parsed = BillingPeriod.parse(period)
    basis = COST_TYPES.get((cost_type or "amortized").lower())
    if basis is None:
        raise InvalidInput("costType", f"expected actual or amortized, got {cost_type!r}")
    return parsed, basis


def utc_today() -> date:
    return datetime.now(UTC).date()


def create_app(
    reader: Callable[[], ReportReader],
    today: Callable[[], date] = utc_today,
    reconciliations: Callable[[], ReconciliationReader] | None = None,
) -> FastAPI:
    """The app; `reader` is called on first use so nothing does I/O at import; `today` is the
    clock the periods' status is computed with; `reconciliations` serves /api/reconciliation."""
    app = FastAPI(title="Azure OpenAI unit costs", version="1", docs_url="/api/docs",
                  openapi_url="/api/openapi.json")  # fmt: skip

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return problem(400, "Invalid input", exc.problem, exc.field)

    @app.exception_handler(NotFound)
    async def _missing(_: Request, exc: NotFound) -> JSONResponse:
        return problem(404, "Not found", str(exc), exc.what)

    @app.exception_handler(ConcurrentPublication)
    @app.exception_handler(StorageUnavailable)
    async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
        response = problem(503, "Service unavailable", str(exc))
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
        return problem(400, "Invalid input", str(first.get("msg", "invalid")), ".".join(loc))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error serving a request", exc_info=exc)
        return problem(500, "Internal error", "the request could not be served; see the logs")

    def load(period: str | None, cost_type: str | None) -> PeriodReport:
        parsed, basis = parse_query(period, cost_type)
        report = reader().report(parsed, basis)
        if report is None:
            raise NotFound(
                "period",
                f"{parsed} ({API_NAMES[basis]}) has not been allocated: no cost lines have been "
                "collected and allocated for it yet",
            )
        return report

    def present(report: PeriodReport) -> dict[str, object]:
        """The period's JSON with its status (open/closed) as of `today()`."""
        return {**present_period(report), **present_status(report.period, today())}

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/unit-costs")
    def period_unit_costs(period: str | None = None, costType: str | None = None) -> JSONResponse:
        return JSONResponse(present(load(period, costType)))

    @app.get("/api/deployments/{key}/unit-costs")
    def deployment_unit_costs(
        key: str,
        period: str | None = None,
        costType: str | None = None,
    ) -> JSONResponse:
        # The whole period is presented so the deployment's cost is rounded as in the list.
        body = present(load(period, costType))
        deployments = body["deployments"]
        assert isinstance(deployments, list)
        for dep in deployments:
            if key.lower() == str(dep["key"]).lower():
                head = ("period", "costType", "currency", "status", "closesOn")
                return JSONResponse({**{k: body[k] for k in head}, **dep})
        raise NotFound("deployment", key)

    if reconciliations is not None:
        read_reconciliation = reconciliations

        @app.get("/api/reconciliation")
        def reconciliation(period: str | None = None, costType: str | None = None) -> JSONResponse:
            parsed, basis = parse_query(period, costType)
            found = read_reconciliation().reconciliation(parsed, basis)
            if found is None:
                raise NotFound("period", f"{parsed} ({basis.value}) has not been reconciled")
            return JSONResponse(present_reconciliation(found))

    return app
