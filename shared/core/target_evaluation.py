"""A target evaluated for one period, the change of its state, and the CloudEvent it sends.

States (`evaluate`), for the metric observed over every day of the series so far (for
costPerOutcome, the days with outcome data: `forecast.totals_for`):

- `no-data`: nothing to compare, with a reason: `NO_USAGE` (the scope has no row and no usage
  in the period so far, or the metric has no denominator: no tokens, no requests) or
  `NO_OUTCOMES` (costPerOutcome without outcome data, or with 0 outcomes);
- `breached`: the observed value is above the threshold;
- `at-risk`: not breached, and the observed value has reached warningRatio x threshold (>=), or
  the forecast to the period's end (`forecast.forecast`, its central value) is above the
  threshold;
- `ok`: otherwise.

Exactly at the threshold is not a breach ("at most 0.04 per outcome"); comparisons are exact
(warningRatio x threshold as a fraction, never rounded). The drivers (`drivers.drivers`) explain
the change against the previous period's totals and against the previous evaluation of this
period; when the totals did not change since that evaluation, its drivers are kept, so evaluating
the same numbers twice gives the same evaluation (and no transition).

Transitions and events: a change of state is a `Transition` (the first evaluation of a period
too). It sends `UnitCost.Target.AtRisk` when entering at-risk, `UnitCost.Target.Breached` when
entering breached, `UnitCost.Target.Recovered` when leaving either for ok; nothing for entering
no-data, for a first ok, or for ok after no-data. The event's id is a digest of the target, the
period, both states, the observed value and the transition's time: a re-sent event keeps its id
(subscribers drop repeats by id), and a target that comes back to a state later sends a new one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from shared.core.digest import digest
from shared.core.drivers import drivers
from shared.core.forecast import forecast, observed, totals_for, totals_of
from shared.core.money import in_money_context
from shared.core.target_records import (
    Drivers,
    Evaluation,
    Metric,
    OutboxEvent,
    ScopeSeries,
    ScopeTotals,
    Target,
    TargetState,
    Transition,
)

NO_USAGE = "no usage"
NO_OUTCOMES = "no outcomes yet"
ABOVE_THRESHOLD = "the observed value is above the threshold"
AT_WARNING = "the observed value has reached warningRatio x threshold"
FORECAST_ABOVE = "the forecast for the period is above the threshold"

AT_RISK_EVENT = "UnitCost.Target.AtRisk"
BREACHED_EVENT = "UnitCost.Target.Breached"
RECOVERED_EVENT = "UnitCost.Target.Recovered"
EVENT_ID_DIGITS = 32


@in_money_context
def evaluate(
    target: Target,
    series: ScopeSeries,
    previous: ScopeTotals | None,
    last: Evaluation | None,
) -> Evaluation:
    """The target over `series` (its scope's days of one period in its price basis). `previous`
    is the previous period's totals (built with `totals_for(target.metric, days)`), `last` the
    previous evaluation of this target and period (None: the first)."""
    if series.cost_type is not target.cost_type:
        basis = f"{target.cost_type.value}, the series {series.cost_type.value}"
        raise ValueError(f"target {target.id} is {basis}")
    if last is not None and (last.target.id != target.id or last.period != series.period):
        raise ValueError(f"the last evaluation is not of target {target.id} in {series.period}")
    metric = target.metric
    totals = totals_for(metric, series.days)
    value = observed(metric, totals)
    reason = _no_data(metric, series, totals, value)
    if reason is not None or value is None:
        return Evaluation(
            target, series.period, series.currency, TargetState.NO_DATA, None, None,
            reason or NO_USAGE, totals,
        )  # fmt: skip
    projected = forecast(metric, series)
    state, why = _state(target, value, None if projected is None else projected.value)
    return Evaluation(
        target=target,
        period=series.period,
        currency=series.currency,
        state=state,
        observed=value,
        forecast=projected,
        reason=why,
        totals=totals,
        vs_previous_period=None if previous is None else drivers(metric, previous, totals),
        vs_previous_evaluation=_since(metric, last, totals),
    )


def transition(
    previous_state: TargetState | None, evaluation: Evaluation, at: datetime
) -> Transition | None:
    """The change from `previous_state` (None: no evaluation of the period yet) to the
    evaluation's state, at `at`; None when the state did not change."""
    if previous_state is evaluation.state:
        return None
    return Transition(
        evaluation.target.id, evaluation.period, at, evaluation.state, previous_state, evaluation
    )


def event_type(transition: Transition) -> str | None:
    """The CloudEvent type a transition sends (module docstring), or None."""
    if transition.state is TargetState.AT_RISK:
        return AT_RISK_EVENT
    if transition.state is TargetState.BREACHED:
        return BREACHED_EVENT
    if transition.state is TargetState.OK and transition.previous in (
        TargetState.AT_RISK,
        TargetState.BREACHED,
    ):
        return RECOVERED_EVENT
    return None


def event_id(transition: Transition) -> str:
    """The id of the transition's event: target, period, both states, observed value (as an
    exact fraction, so 0.040 and 0.04 are one value) and when it happened (a target that
    leaves a state and comes back to it sends a new event, with a new id)."""
    value = transition.evaluation.observed
    return digest(
        transition.target_id,
        transition.period,
        "" if transition.previous is None else transition.previous.value,
        transition.state.value,
        "" if value is None else str(Fraction(value)),
        transition.at.isoformat(),
        length=EVENT_ID_DIGITS,
    )


def event_of(transition: Transition, data_json: str) -> OutboxEvent:
    """The transition's CloudEvent (subject `targets/{id}`, time the transition's), its data
    the JSON text given (shared/core/target_views.py); ValueError when it sends none."""
    kind = event_type(transition)
    if kind is None:
        raise ValueError(
            f"target {transition.target_id}: {transition.previous} -> {transition.state.value} "
            "sends no event"
        )
    return OutboxEvent(
        event_id(transition), kind, f"targets/{transition.target_id}", transition.at, data_json
    )


def _no_data(
    metric: Metric, series: ScopeSeries, totals: ScopeTotals, value: Decimal | None
) -> str | None:
    if not totals_of(series.days).components:
        return NO_USAGE
    if metric is Metric.COST_PER_OUTCOME and not totals.outcomes:
        return NO_OUTCOMES
    return NO_USAGE if value is None else None


def _state(
    target: Target, value: Decimal, projected: Decimal | None
) -> tuple[TargetState, str | None]:
    threshold = Fraction(target.threshold)
    if Fraction(value) > threshold:
        return TargetState.BREACHED, ABOVE_THRESHOLD
    if Fraction(value) >= Fraction(target.warning_ratio) * threshold:
        return TargetState.AT_RISK, AT_WARNING
    if projected is not None and Fraction(projected) > threshold:
        return TargetState.AT_RISK, FORECAST_ABOVE
    return TargetState.OK, None


def _since(metric: Metric, last: Evaluation | None, totals: ScopeTotals) -> Drivers | None:
    """The drivers against the last evaluation; kept from it when nothing changed since."""
    if last is None:
        return None
    if last.totals == totals and last.target.metric is metric:
        return last.vs_previous_evaluation
    return drivers(metric, last.totals, totals)
