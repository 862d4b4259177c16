"""What readers (the status API, the CLI) and the CloudEvents are shown of a target's evaluation:
one rounding (the view records below) for both, so an event says exactly what the API says.

Amounts are rounded once here: `periodCost` values (observed, forecast, thresholds, effects) to
the cent, unit costs to 1e-8 (as the unit costs API), shares to four decimals of a percent. The
`*_json` functions are the CloudEvent's wire format (docs/targets.md); the API builds its response
models from the same view records (shared/entrypoints/http/targets_presenter.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shared.core.costs import CostType
from shared.core.money import CENT
from shared.core.period import BillingPeriod
from shared.core.rounding import round_amount
from shared.core.target_evaluation import event_type
from shared.core.target_records import (
    DriverKind,
    Drivers,
    Evaluation,
    Forecast,
    Metric,
    Target,
    TargetState,
    Transition,
)
from shared.core.views import API_NAMES, HUNDRED, PCT_QUANTUM, UNIT_QUANTUM

Json = dict[str, object]


@dataclass(frozen=True)
class ForecastView:
    value: Decimal
    low: Decimal
    high: Decimal
    method: str


@dataclass(frozen=True)
class EffectView:
    kind: DriverKind
    label: str
    effect: Decimal
    share_pct: Decimal | None  # of the previous value, in percent (None when that is 0)


@dataclass(frozen=True)
class DriversView:
    """The change and its effects; the rounded effects are shown as computed (each on its own),
    so their sum may differ from the rounded change by a rounding unit: the exact effects add up
    to the exact change."""

    previous: Decimal
    current: Decimal
    change: Decimal
    change_pct: Decimal | None
    effects: tuple[EffectView, ...]


@dataclass(frozen=True)
class EvaluationView:
    """One period's evaluation of a target, rounded for readers."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    state: TargetState
    reason: str | None
    threshold: Decimal
    warning_at: Decimal  # warningRatio x threshold
    observed: Decimal | None
    forecast: ForecastView | None
    vs_previous_period: DriversView | None
    vs_previous_evaluation: DriversView | None


@dataclass(frozen=True)
class TransitionView:
    period: BillingPeriod
    at: datetime
    state: TargetState
    previous_state: TargetState | None
    observed: Decimal | None
    event: str | None  # the CloudEvent type it sent (None: none)


def quantum(metric: Metric) -> Decimal:
    """How finely a metric's amounts are shown: cents for periodCost, 1e-8 for unit costs."""
    return CENT if metric is Metric.PERIOD_COST else UNIT_QUANTUM


def rounded(value: Decimal, metric: Metric) -> Decimal:
    """A metric's amount as readers are shown it."""
    return round_amount(value, quantum(metric))


def amount(value: Decimal | None, metric: Metric) -> float | None:
    """A metric's amount as the API shows it (a JSON number of the rounded decimal)."""
    return None if value is None else float(rounded(value, metric))


def utc_text(at: datetime) -> str:
    """A time as the API and the CLI show it: ISO 8601, `Z` for UTC."""
    return at.isoformat().replace("+00:00", "Z")


def evaluation_view(evaluation: Evaluation) -> EvaluationView:
    target, metric = evaluation.target, evaluation.target.metric
    forecast = evaluation.forecast
    return EvaluationView(
        period=evaluation.period,
        cost_type=target.cost_type,
        currency=evaluation.currency,
        state=evaluation.state,
        reason=evaluation.reason,
        threshold=rounded(target.threshold, metric),
        warning_at=rounded(target.threshold * target.warning_ratio, metric),
        observed=None if evaluation.observed is None else rounded(evaluation.observed, metric),
        forecast=None if forecast is None else _forecast(forecast, metric),
        vs_previous_period=drivers_view(evaluation.vs_previous_period, metric),
        vs_previous_evaluation=drivers_view(evaluation.vs_previous_evaluation, metric),
    )


def drivers_view(drivers: Drivers | None, metric: Metric) -> DriversView | None:
    if drivers is None:
        return None
    return DriversView(
        previous=rounded(drivers.previous, metric),
        current=rounded(drivers.current, metric),
        change=rounded(drivers.change, metric),
        change_pct=_pct(drivers.change, drivers.previous),
        effects=tuple(
            EffectView(
                d.kind,
                d.label,
                rounded(d.effect, metric),
                None if d.share is None else _pct(d.share, Decimal(1)),
            )
            for d in drivers.effects
        ),
    )


def transition_view(transition: Transition) -> TransitionView:
    ev = transition.evaluation
    observed = None if ev.observed is None else rounded(ev.observed, ev.target.metric)
    return TransitionView(
        transition.period, transition.at, transition.state, transition.previous, observed,
        event_type(transition),
    )  # fmt: skip


# --- the CloudEvent's wire format (and the CLI's reading of it) --------------------------------


def scope_json(target: Target) -> Json:
    """The scope as written in the definitions (`{"tenant": true}` for the tenant)."""
    kind = target.scope.kind.value
    if kind == "tenant":
        return {"tenant": True}
    return {kind: target.scope_written or target.scope.value}


def forecast_json(view: ForecastView | None) -> Json | None:
    if view is None:
        return None
    return {
        "value": float(view.value),
        "low": float(view.low),
        "high": float(view.high),
        "method": view.method,
    }


def drivers_json(view: DriversView | None) -> Json | None:
    if view is None:
        return None
    return {
        "previous": float(view.previous),
        "current": float(view.current),
        "change": float(view.change),
        "changePct": _float(view.change_pct),
        "effects": [
            {
                "kind": e.kind.value,
                "label": e.label,
                "effect": float(e.effect),
                "sharePct": _float(e.share_pct),
            }
            for e in view.effects
        ],
    }


def evaluation_json(evaluation: Evaluation) -> Json:
    """One period's evaluation of a target."""
    view = evaluation_view(evaluation)
    return {
        "period": str(view.period),
        "costType": API_NAMES[view.cost_type],
        "currency": view.currency,
        "state": view.state.value,
        "reason": view.reason,
        "threshold": float(view.threshold),
        "warningAt": float(view.warning_at),
        "observed": _float(view.observed),
        "forecast": forecast_json(view.forecast),
        "drivers": {
            "vsPreviousPeriod": drivers_json(view.vs_previous_period),
            "vsPreviousEvaluation": drivers_json(view.vs_previous_evaluation),
        },
    }


def target_head_json(target: Target) -> Json:
    return {
        "targetId": target.id,
        "scope": scope_json(target),
        "metric": target.metric.value,
        "threshold": amount(target.threshold, target.metric),
        "warningRatio": float(target.warning_ratio),
        "costType": API_NAMES[target.cost_type],
    }


def transition_json(transition: Transition) -> Json:
    view = transition_view(transition)
    return {
        "period": str(view.period),
        "at": utc_text(view.at),
        "state": view.state.value,
        "previousState": None if view.previous_state is None else view.previous_state.value,
        "observed": _float(view.observed),
        "event": view.event,
    }


def event_data(transition: Transition, link: str) -> Json:
    """The CloudEvent's `data`: the target, the period's evaluation (as the status API shows it),
    the previous state and the link to the evidence."""
    ev = transition.evaluation
    body = evaluation_json(ev)
    return {
        **target_head_json(ev.target),
        "period": body["period"],
        "costType": body["costType"],
        "currency": body["currency"],
        "state": body["state"],
        "previousState": None if transition.previous is None else transition.previous.value,
        "reason": body["reason"],
        "observed": body["observed"],
        "forecast": body["forecast"],
        "drivers": body["drivers"],
        "link": link,
    }


def _forecast(forecast: Forecast, metric: Metric) -> ForecastView:
    return ForecastView(
        rounded(forecast.value, metric),
        rounded(forecast.low, metric),
        rounded(forecast.high, metric),
        forecast.method,
    )


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return round_amount(part * HUNDRED / whole, PCT_QUANTUM)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
