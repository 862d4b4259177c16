"""GET /api/use-cases/{name}/plan: a use case's plan priced for a period, its candidates ranked
by cost per outcome, and planned vs actual once it is live (docs/api.md#planned-use-cases)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.core.plan_views import (
    CandidateView,
    ComparisonView,
    PlannedTrafficView,
    PlannedVsActualView,
    PlanView,
)
from shared.core.views import API_NAMES
from shared.entrypoints.http.presenter import Json, number, optional
from shared.entrypoints.http.what_if_presenter import configuration_json
from shared.services.plans import PlanService


def register(app: FastAPI, plans: Callable[[], PlanService]) -> None:
    @app.get("/api/use-cases/{name}/plan")
    def plan_route(
        name: str, period: str | None = None, costType: str | None = None
    ) -> JSONResponse:
        service = plans()
        service.query(period, costType)  # bad input is a 400 before any storage call
        return JSONResponse(plan_json(service.plan(name, period, costType)))


def plan_json(view: PlanView) -> Json:
    """GET /api/use-cases/{name}/plan (nothing rounded here: shared/core/plan_views.py)."""
    compared = view.planned_vs_actual
    return {
        "useCase": view.use_case,
        "owner": view.owner,
        "costCenter": view.cost_center,
        "status": view.status,
        "outcomeUnit": view.outcome_unit,
        "period": str(view.period),
        "costType": API_NAMES[view.cost_type],
        "currency": view.currency,
        "region": view.region,
        "traffic": _traffic(view.traffic),
        "candidates": [_candidate(c) for c in view.candidates],
        "plannedVsActual": None if compared is None else _compared(compared),
        "plannedVsActualReason": view.planned_vs_actual_reason,
        "assumptions": list(view.assumptions),
    }


def _traffic(view: PlannedTrafficView) -> Json:
    return {
        "outcomesPerDay": number(view.outcomes_per_day),
        "requestsPerOutcome": number(view.requests_per_outcome),
        "inputTokensPerRequest": number(view.input_tokens_per_request),
        "cachedInputTokensPerRequest": number(view.cached_input_tokens_per_request),
        "outputTokensPerRequest": number(view.output_tokens_per_request),
        "weekdayShape": [number(w) for w in view.weekday_shape],
        "days": view.days,
        "outcomes": number(view.outcomes),
        "requests": view.requests,
        "inputTokens": view.input_tokens,
        "cachedInputTokens": view.cached_input_tokens,
        "outputTokens": view.output_tokens,
    }


def _candidate(view: CandidateView) -> Json:
    return {
        "rank": view.rank,
        "candidate": view.label,
        "configuration": configuration_json(view.configuration),
        "priced": view.priced,
        "cost": optional(view.cost),
        "costPerOutcome": optional(view.cost_per_outcome),
        "costPerRequest": optional(view.cost_per_request),
        "costPer1kTokens": optional(view.cost_per_1k_tokens),
        "field": view.field,
        "reason": view.reason,
        "assumptions": list(view.assumptions),
        "unknowns": list(view.unknowns),
    }


def _compared(view: PlannedVsActualView) -> Json:
    return {
        "from": view.first.isoformat(),
        "to": view.last.isoformat(),
        "days": view.days,
        "daysWithOutcomes": view.days_with_outcomes,
        "candidate": view.candidate,
        "measures": [_row(r) for r in view.rows],
    }


def _row(view: ComparisonView) -> Json:
    return {
        "measure": view.measure.value,
        "planned": optional(view.planned),
        "actual": optional(view.actual),
        "delta": optional(view.delta),
        "deltaPercent": optional(view.delta_percent),
    }
