"""A use case's priced plan as the API's response model (shared/entrypoints/http/schemas/
plans.py): nothing rounded here (shared/core/plan_views.py)."""

from __future__ import annotations

from shared.core.plan_views import (
    CandidateView,
    ComparisonView,
    PlannedTrafficView,
    PlannedVsActualView,
    PlanView,
)
from shared.core.use_cases import UseCaseStatus
from shared.entrypoints.http.presenter import cost_type_name, number, optional
from shared.entrypoints.http.schemas.plans import (
    PlannedTraffic,
    PlannedVsActual,
    PlannedVsActualMeasure,
    PricedCandidate,
    UseCasePlan,
)
from shared.entrypoints.http.what_if_presenter import configuration


def plan(view: PlanView) -> UseCasePlan:
    """GET /api/use-cases/{name}/plan."""
    compared = view.planned_vs_actual
    return UseCasePlan(
        use_case=view.use_case,
        owner=view.owner,
        cost_center=view.cost_center,
        status=UseCaseStatus(view.status),
        outcome_unit=view.outcome_unit,
        period=str(view.period),
        cost_type=cost_type_name(view.cost_type),
        currency=view.currency,
        region=view.region,
        traffic=_traffic(view.traffic),
        candidates=[_candidate(c) for c in view.candidates],
        planned_vs_actual=None if compared is None else _compared(compared),
        planned_vs_actual_reason=view.planned_vs_actual_reason,
        assumptions=list(view.assumptions),
    )


def _traffic(view: PlannedTrafficView) -> PlannedTraffic:
    return PlannedTraffic(
        outcomes_per_day=number(view.outcomes_per_day),
        requests_per_outcome=number(view.requests_per_outcome),
        input_tokens_per_request=number(view.input_tokens_per_request),
        cached_input_tokens_per_request=number(view.cached_input_tokens_per_request),
        output_tokens_per_request=number(view.output_tokens_per_request),
        weekday_shape=[number(w) for w in view.weekday_shape],
        days=view.days,
        outcomes=number(view.outcomes),
        requests=view.requests,
        input_tokens=view.input_tokens,
        cached_input_tokens=view.cached_input_tokens,
        output_tokens=view.output_tokens,
    )


def _candidate(view: CandidateView) -> PricedCandidate:
    return PricedCandidate(
        rank=view.rank,
        candidate=view.label,
        configuration=configuration(view.configuration),
        priced=view.priced,
        cost=optional(view.cost),
        cost_per_outcome=optional(view.cost_per_outcome),
        cost_per_request=optional(view.cost_per_request),
        cost_per_1k_tokens=optional(view.cost_per_1k_tokens),
        field=view.field,
        reason=view.reason,
        assumptions=list(view.assumptions),
        unknowns=list(view.unknowns),
    )


def _compared(view: PlannedVsActualView) -> PlannedVsActual:
    return PlannedVsActual(
        first=view.first.isoformat(),
        last=view.last.isoformat(),
        days=view.days,
        days_with_outcomes=view.days_with_outcomes,
        candidate=view.candidate,
        measures=[_row(r) for r in view.rows],
    )


def _row(view: ComparisonView) -> PlannedVsActualMeasure:
    return PlannedVsActualMeasure(
        measure=view.measure,
        planned=optional(view.planned),
        actual=optional(view.actual),
        delta=optional(view.delta),
        delta_percent=optional(view.delta_percent),
    )
