"""Planned use-case read model: a plan's pricing and planned vs actual
(shared/core/planned_use_cases.py) rounded once for readers.

Money: costs to cents, unit costs (per outcome, per request, per 1K tokens) to 1e-8, half even.
Outcomes, requests per outcome and tokens per request to 0.01; requests are whole. A delta is the
rounded actual less the rounded planned figure, so the three add up as shown; its percent (of the
exact planned figure) to 0.1. What does not exist is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.core.costs import CostType
from shared.core.inventory import SKU_TYPES
from shared.core.money import in_money_context
from shared.core.period import BillingPeriod
from shared.core.planned_use_cases import (
    MONEY_MEASURES,
    TRAFFIC_RULE,
    CandidateCost,
    Comparison,
    Measure,
    PlannedVsActual,
    PlanPricing,
)
from shared.core.rounding import round_amount
from shared.core.use_cases import UseCase
from shared.core.views import UNIT_QUANTUM
from shared.core.what_if_views import PERCENT_QUANTUM, ConfigurationView

COUNT_QUANTUM = Decimal("0.01")  # outcomes, requests per outcome, tokens per request
WHOLE = Decimal(1)
PERIOD_DEFAULTED = "period not given: the current UTC month"


@dataclass(frozen=True)
class PlannedTrafficView:
    """The plan as given, and its traffic over the period's days."""

    outcomes_per_day: Decimal
    requests_per_outcome: Decimal
    input_tokens_per_request: Decimal
    cached_input_tokens_per_request: Decimal
    output_tokens_per_request: Decimal
    weekday_shape: tuple[Decimal, ...]  # Monday..Sunday, 1 each when flat
    days: int
    outcomes: Decimal
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class CandidateView:
    rank: int  # 1 is the cheapest per outcome; unpriced candidates rank last
    label: str
    configuration: ConfigurationView  # `ptu` the capacity priced (given or sized)
    priced: bool
    cost: Decimal | None
    cost_per_outcome: Decimal | None
    cost_per_request: Decimal | None
    cost_per_1k_tokens: Decimal | None
    field: str | None  # unpriced: the field the price book has no price for
    reason: str | None
    assumptions: tuple[str, ...]
    unknowns: tuple[str, ...]


@dataclass(frozen=True)
class ComparisonView:
    measure: Measure
    planned: Decimal | None
    actual: Decimal | None
    delta: Decimal | None
    delta_percent: Decimal | None


@dataclass(frozen=True)
class PlannedVsActualView:
    first: date
    last: date
    days: int
    days_with_outcomes: int
    candidate: str | None  # the label of the compared candidate (the plan's pick)
    rows: tuple[ComparisonView, ...]


@dataclass(frozen=True)
class PlanView:
    use_case: str
    owner: str
    cost_center: str
    status: str
    outcome_unit: str
    period: BillingPeriod
    cost_type: CostType
    currency: str
    region: str
    traffic: PlannedTrafficView
    candidates: tuple[CandidateView, ...]
    planned_vs_actual: PlannedVsActualView | None
    planned_vs_actual_reason: str | None  # why it is None
    assumptions: tuple[str, ...]


@in_money_context
def plan_view(
    use_case: UseCase,
    pricing: PlanPricing,
    period: BillingPeriod,
    compared: PlannedVsActual | None,
    compared_reason: str | None,
    assumptions: tuple[str, ...] = (),
) -> PlanView:
    """The pricing (and planned vs actual) rounded (module docstring); `assumptions` are the
    service's, put after the traffic rule."""
    plan = pricing.plan
    totals = pricing.totals
    return PlanView(
        use_case=use_case.name,
        owner=use_case.owner,
        cost_center=use_case.cost_center,
        status=use_case.status.value,
        outcome_unit=use_case.outcome.unit,
        period=period,
        cost_type=pricing.cost_type,
        currency=pricing.currency,
        region=plan.region,
        traffic=PlannedTrafficView(
            outcomes_per_day=plan.outcomes_per_day,
            requests_per_outcome=plan.requests_per_outcome,
            input_tokens_per_request=plan.input_tokens_per_request,
            cached_input_tokens_per_request=plan.cached_input_tokens_per_request,
            output_tokens_per_request=plan.output_tokens_per_request,
            weekday_shape=plan.weights,
            days=totals.days,
            outcomes=round_amount(totals.outcomes, COUNT_QUANTUM),
            requests=totals.requests,
            input_tokens=totals.input_tokens,
            cached_input_tokens=totals.cached_input_tokens,
            output_tokens=totals.output_tokens,
        ),
        candidates=tuple(_candidate(n, c) for n, c in enumerate(pricing.candidates, 1)),
        planned_vs_actual=None if compared is None else _compared(compared),
        planned_vs_actual_reason=None if compared is not None else compared_reason,
        assumptions=tuple(dict.fromkeys((TRAFFIC_RULE, *assumptions))),
    )


def _candidate(rank: int, found: CandidateCost) -> CandidateView:
    c = found.candidate
    sku = SKU_TYPES.get(c.sku.lower())
    result = found.result
    ptu = c.ptu if result is None or result.ptu is None else result.ptu.capacity
    return CandidateView(
        rank=rank,
        label=c.label,
        configuration=ConfigurationView(
            c.model,
            c.version,
            c.sku,
            None if sku is None else sku[0],
            None if sku is None else sku[1],
            ptu,
            c.reservation,
        ),
        priced=found.priced,
        cost=_money(found.cost),
        cost_per_outcome=_unit(found.cost_per_outcome),
        cost_per_request=_unit(found.cost_per_request),
        cost_per_1k_tokens=_unit(found.cost_per_1k_tokens),
        field=found.field,
        reason=found.reason,
        assumptions=() if result is None else result.assumptions,
        unknowns=() if result is None else result.unknowns,
    )


def _compared(found: PlannedVsActual) -> PlannedVsActualView:
    return PlannedVsActualView(
        first=found.first,
        last=found.last,
        days=found.days,
        days_with_outcomes=found.days_with_outcomes,
        candidate=None if found.pick is None else found.pick.candidate.label,
        rows=tuple(_row(r) for r in found.rows),
    )


def _row(row: Comparison) -> ComparisonView:
    quantum = {Measure.COST: None, Measure.COST_PER_OUTCOME: UNIT_QUANTUM,
               Measure.REQUESTS: WHOLE}.get(row.measure, COUNT_QUANTUM)  # fmt: skip

    def shown(value: Decimal | None) -> Decimal | None:
        if value is None:
            return None
        return round_amount(value) if quantum is None else round_amount(value, quantum)

    planned, actual = shown(row.planned), shown(row.actual)
    percent = row.delta_percent
    return ComparisonView(
        measure=row.measure,
        planned=planned,
        actual=actual,
        delta=None if planned is None or actual is None else actual - planned,
        delta_percent=None if percent is None else round_amount(percent, PERCENT_QUANTUM),
    )


def is_money(measure: Measure) -> bool:
    return measure in MONEY_MEASURES


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_amount(value)


def _unit(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_amount(value, UNIT_QUANTUM)
