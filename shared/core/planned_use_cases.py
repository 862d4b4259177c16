"""Planned use cases, the virtual cost layer: a use case's plan (shared/core/use_cases.py `Plan`)
priced before it runs, ranked, and, once it is live, compared with what it actually cost.

Traffic (`plan_traffic`)
------------------------
Each day of the period: outcomes = outcomesPerDay x 7 x weight(weekday) / sum(weights) (exact:
a plan may expect a fraction of an outcome), requests = outcomes x requestsPerOutcome, and each
token count = requests x its tokens per request, all from the exact outcomes; requests and
tokens are rounded half-even to whole numbers per day (the what-if prices whole tokens). A flat
shape is 1 for every weekday, so each day has outcomesPerDay; any 7 consecutive days have
7 x outcomesPerDay outcomes. Input tokens include the cached ones (as Azure Monitor counts
them); the peak TPM is unknown (None): a provisioned candidate is sized from the average.

Pricing (`price_plan`)
----------------------
Each candidate is the what-if of the planned traffic (shared/core/what_if.py `what_if`) under
its configuration, in the plan's region, with the price book of the period (the tenant's
effective prices first, list prices otherwise). Its cost per outcome, per request and per 1K
tokens divide that cost by the planned outcomes, requests and tokens (input + output). The
ranking: priced candidates by cost per outcome, then cost, then label; then the candidates the
price book cannot price (the what-if's InvalidInput: no price for the model, version, SKU or
term in the region), by label, with the field and the reason: listed, never dropped.

Planned vs actual (`planned_vs_actual`)
---------------------------------------
For a live use case over an allocated period: the actual economics (shared/core/
use_case_economics.py) beside the plan's figures for the same days, `days` = the economics'
days (the period's first day to the last day with cost, usage or outcome data). The compared
configuration is the best-ranked priced candidate that is what the use case runs on (the model,
any case, and the SKU's deployment type and mode of one of its deployments; a candidate's
version, when given, must match too), else the plan's pick (the best-ranked priced candidate),
priced again over those days. Cost, requests and tokens per request compare over all of
`days`. Outcomes, requests per outcome and cost per outcome compare over the days that have
outcome data (as the economics' cost per outcome divides only their cost); without outcome
data the actual side is None (no data, never zero) and the planned side covers every day.
Delta = actual - planned; its percent of the planned figure, None when either is None or the
planned figure is 0.

Pure: no I/O; Decimal money (the money context).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from shared.core.costs import CostType
from shared.core.inventory import SKU_TYPES, Deployment
from shared.core.money import ZERO, in_money_context
from shared.core.period import BillingPeriod
from shared.core.price_book import PriceBook
from shared.core.unit_costs import THOUSAND
from shared.core.use_case_economics import UseCaseEconomics
from shared.core.use_cases import Plan, PlannedCandidate
from shared.core.what_if import Configuration, DailyTraffic, WhatIf, what_if
from shared.errors import InvalidInput

HUNDRED = Decimal(100)
TRAFFIC_RULE = (
    "planned traffic: each day outcomesPerDay x 7 x weight(weekday) / sum(weights) outcomes, "
    "requests = outcomes x requestsPerOutcome, tokens = requests x tokens per request; requests "
    "and tokens rounded half-even to whole numbers per day"
)


@dataclass(frozen=True)
class PlannedDay:
    """One day of a plan: its exact outcomes and the traffic they make (whole counts)."""

    date: date
    outcomes: Decimal
    traffic: DailyTraffic


@in_money_context
def plan_traffic(plan: Plan, days: Iterable[date]) -> tuple[PlannedDay, ...]:
    """The plan's traffic on each of `days` (module docstring), in date order."""
    weights = plan.weights
    total = sum(weights, ZERO)
    found = []
    for day in sorted(set(days)):
        outcomes = plan.outcomes_per_day * len(weights) * weights[day.weekday()] / total
        requests = outcomes * plan.requests_per_outcome
        found.append(
            PlannedDay(
                day,
                outcomes,
                DailyTraffic(
                    date=day,
                    input_tokens=_whole(requests * plan.input_tokens_per_request),
                    cached_input_tokens=_whole(requests * plan.cached_input_tokens_per_request),
                    output_tokens=_whole(requests * plan.output_tokens_per_request),
                    requests=_whole(requests),
                ),
            )
        )
    return tuple(found)


def period_days(period: BillingPeriod) -> list[date]:
    """Every day of the period."""
    return [period.start + timedelta(days=n) for n in range((period.end - period.start).days)]


@dataclass(frozen=True)
class PlannedTotals:
    """What a run of planned days adds up to."""

    days: int
    outcomes: Decimal
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int

    @classmethod
    def of(cls, days: Sequence[PlannedDay]) -> PlannedTotals:
        return cls(
            days=len(days),
            outcomes=sum((d.outcomes for d in days), ZERO),
            requests=sum(d.traffic.requests for d in days),
            input_tokens=sum(d.traffic.input_tokens for d in days),
            cached_input_tokens=sum(d.traffic.cached_input_tokens for d in days),
            output_tokens=sum(d.traffic.output_tokens for d in days),
        )

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class CandidateCost:
    """A candidate priced over planned days: `result` the what-if, or None with the `field` and
    `reason` the price book could not price it for."""

    candidate: PlannedCandidate
    totals: PlannedTotals
    result: WhatIf | None
    field: str | None = None
    reason: str | None = None

    @property
    def priced(self) -> bool:
        return self.result is not None

    @property
    def cost(self) -> Decimal | None:
        return None if self.result is None else self.result.cost

    @property
    @in_money_context
    def cost_per_outcome(self) -> Decimal | None:
        return _ratio(self.cost, self.totals.outcomes)

    @property
    @in_money_context
    def cost_per_request(self) -> Decimal | None:
        return _ratio(self.cost, Decimal(self.totals.requests))

    @property
    @in_money_context
    def cost_per_1k_tokens(self) -> Decimal | None:
        ratio = _ratio(self.cost, Decimal(self.totals.tokens))
        return None if ratio is None else ratio * THOUSAND


@dataclass(frozen=True)
class PlanPricing:
    """The plan's traffic over `days` and its candidates, ranked (module docstring)."""

    plan: Plan
    days: tuple[PlannedDay, ...]
    cost_type: CostType
    currency: str
    candidates: tuple[CandidateCost, ...]

    @property
    def totals(self) -> PlannedTotals:
        return PlannedTotals.of(self.days)

    @property
    def pick(self) -> CandidateCost | None:
        """The best-ranked priced candidate (None: none could be priced)."""
        return next((c for c in self.candidates if c.priced), None)


@in_money_context
def price_candidate(
    candidate: PlannedCandidate,
    days: Sequence[PlannedDay],
    book: PriceBook,
    region: str,
    cost_type: CostType,
) -> CandidateCost:
    """One candidate over the planned days (module docstring)."""
    totals = PlannedTotals.of(days)
    found = SKU_TYPES.get(candidate.sku.lower())
    if found is None:  # parsing refuses it; a stored plan is valid
        return CandidateCost(candidate, totals, None, "sku", f"unknown SKU {candidate.sku!r}")
    config = Configuration(
        candidate.model, candidate.version, found[0], found[1], candidate.ptu,
        candidate.reservation,
    )  # fmt: skip
    try:
        result = what_if(
            [d.traffic for d in days], _NOTHING_DEPLOYED, ZERO, config, book, region, cost_type
        )
    except InvalidInput as error:
        return CandidateCost(candidate, totals, None, error.field, error.problem)
    return CandidateCost(candidate, totals, result)


@in_money_context
def price_plan(
    plan: Plan, days: Sequence[PlannedDay], book: PriceBook, cost_type: CostType
) -> PlanPricing:
    """Every candidate of the plan priced over `days` and ranked (module docstring)."""
    costs = [price_candidate(c, days, book, plan.region, cost_type) for c in plan.candidates]
    priced = sorted(
        (c for c in costs if c.priced),
        key=lambda c: (_or_max(c.cost_per_outcome), _or_max(c.cost), c.candidate.label),
    )
    unpriced = sorted((c for c in costs if not c.priced), key=lambda c: c.candidate.label)
    currencies = {c.result.currency for c in priced if c.result and c.result.currency}
    currency = sorted(currencies)[0] if len(currencies) == 1 else (book.currency or "")
    return PlanPricing(plan, tuple(days), cost_type, currency, (*priced, *unpriced))


class Measure(StrEnum):
    """What planned vs actual compares (the API's names)."""

    COST = "cost"
    REQUESTS = "requests"
    INPUT_TOKENS_PER_REQUEST = "inputTokensPerRequest"
    OUTPUT_TOKENS_PER_REQUEST = "outputTokensPerRequest"
    OUTCOMES = "outcomes"
    REQUESTS_PER_OUTCOME = "requestsPerOutcome"
    COST_PER_OUTCOME = "costPerOutcome"


MONEY_MEASURES = (Measure.COST, Measure.COST_PER_OUTCOME)
OUTCOME_MEASURES = (Measure.OUTCOMES, Measure.REQUESTS_PER_OUTCOME, Measure.COST_PER_OUTCOME)


@dataclass(frozen=True)
class Comparison:
    """One measure, planned and actual over the same days; None: no data (or not priced)."""

    measure: Measure
    planned: Decimal | None
    actual: Decimal | None

    @property
    @in_money_context
    def delta(self) -> Decimal | None:
        if self.planned is None or self.actual is None:
            return None
        return self.actual - self.planned

    @property
    @in_money_context
    def delta_percent(self) -> Decimal | None:
        delta = self.delta
        if delta is None or not self.planned:
            return None
        return delta / self.planned * HUNDRED


@dataclass(frozen=True)
class PlannedVsActual:
    """A live use case's period against its plan (module docstring). `pick` is the compared
    candidate over `days` (None: the plan has no priced candidate)."""

    first: date
    last: date
    days: int
    days_with_outcomes: int
    pick: CandidateCost | None
    rows: tuple[Comparison, ...]

    def row(self, measure: Measure) -> Comparison:
        return next(r for r in self.rows if r.measure is measure)


@in_money_context
def planned_vs_actual(
    pricing: PlanPricing,
    actual: UseCaseEconomics,
    book: PriceBook,
    deployed: Sequence[Deployment] = (),
) -> PlannedVsActual | None:
    """The actual economics beside the plan for the same days (module docstring); `deployed`:
    the use case's deployments. None when the use case has no data at all in the period."""
    if not actual.days:
        return None
    plan = pricing.plan
    all_days = [d.date for d in actual.days]
    outcome_days = [d.date for d in actual.days if d.outcomes is not None]
    planned = plan_traffic(plan, all_days)
    on_outcome_days = plan_traffic(plan, outcome_days) if outcome_days else planned
    best = next(
        (c for c in pricing.candidates if c.priced and _runs_on(c.candidate, deployed)),
        pricing.pick,
    )
    pick = over_outcomes = None
    if best is not None:
        candidate, region = best.candidate, plan.region
        pick = price_candidate(candidate, planned, book, region, pricing.cost_type)
        over_outcomes = (
            price_candidate(candidate, on_outcome_days, book, region, pricing.cost_type)
            if outcome_days
            else pick
        )
    p_all, p_out = PlannedTotals.of(planned), PlannedTotals.of(on_outcome_days)
    requests = sum(d.requests for d in actual.days)
    with_outcomes = [d for d in actual.days if d.outcomes is not None]
    outcomes = sum(d.outcomes or 0 for d in with_outcomes) if with_outcomes else None
    outcome_requests = sum(d.requests for d in with_outcomes)
    rows = (
        Comparison(Measure.COST, None if pick is None else pick.cost,
                   sum((d.cost for d in actual.days), ZERO)),
        Comparison(Measure.REQUESTS, Decimal(p_all.requests), Decimal(requests)),
        Comparison(Measure.INPUT_TOKENS_PER_REQUEST,
                   _ratio(Decimal(p_all.input_tokens), Decimal(p_all.requests)),
                   _ratio(Decimal(sum(d.input_tokens for d in actual.days)), Decimal(requests))),
        Comparison(Measure.OUTPUT_TOKENS_PER_REQUEST,
                   _ratio(Decimal(p_all.output_tokens), Decimal(p_all.requests)),
                   _ratio(Decimal(sum(d.output_tokens for d in actual.days)), Decimal(requests))),
        Comparison(Measure.OUTCOMES, p_out.outcomes,
                   None if outcomes is None else Decimal(outcomes)),
        Comparison(Measure.REQUESTS_PER_OUTCOME,
                   _ratio(Decimal(p_out.requests), p_out.outcomes),
                   None if outcomes is None else _ratio(Decimal(outcome_requests),
                                                        Decimal(outcomes))),
        Comparison(Measure.COST_PER_OUTCOME,
                   None if over_outcomes is None else over_outcomes.cost_per_outcome,
                   actual.cost_per_outcome),
    )  # fmt: skip
    return PlannedVsActual(
        first=all_days[0],
        last=all_days[-1],
        days=len(all_days),
        days_with_outcomes=len(outcome_days),
        pick=pick,
        rows=rows,
    )


def _runs_on(candidate: PlannedCandidate, deployed: Sequence[Deployment]) -> bool:
    """Whether one of the deployments runs the candidate's model and SKU (and its version)."""
    sku = SKU_TYPES.get(candidate.sku.lower())
    model = candidate.model.strip().lower()
    return any(
        d.model.strip().lower() == model
        and d.sku_type == sku
        and (candidate.version is None or candidate.version == d.model_version)
        for d in deployed
    )


# what_if compares a configuration with a deployment's own (its version when the model is the
# same): a plan has no deployment, so this one has no model, and no version is implied.
_NOTHING_DEPLOYED = Deployment("", "", "", "", "", 0)


def _whole(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN))


def _ratio(value: Decimal | None, units: Decimal) -> Decimal | None:
    if value is None or units <= 0:
        return None
    return value / units


def _or_max(value: Decimal | None) -> Decimal:
    return Decimal("Infinity") if value is None else value
