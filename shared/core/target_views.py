"""What readers (the status API, the CLI) and the CloudEvents are shown of a target's evaluation:
one rounding and one JSON shape for both, so an event says exactly what the API says.

Amounts are rounded once here: `periodCost` values (observed, forecast, thresholds, effects) to
the cent, unit costs to 1e-8 (as the unit costs API), shares to four decimals of a percent.
"""

from __future__ import annotations

from decimal import Decimal

from shared.core.money import CENT
from shared.core.rounding import round_amount
from shared.core.target_evaluation import event_type
from shared.core.target_records import Drivers, Evaluation, Forecast, Metric, Target, Transition
from shared.core.views import API_NAMES, HUNDRED, PCT_QUANTUM, UNIT_QUANTUM

Json = dict[str, object]


def quantum(metric: Metric) -> Decimal:
    """How finely a metric's amounts are shown: cents for periodCost, 1e-8 for unit costs."""
    return CENT if metric is Metric.PERIOD_COST else UNIT_QUANTUM


def amount(value: Decimal | None, metric: Metric) -> float | None:
    """A metric's amount as the API shows it (a JSON number of the rounded decimal)."""
    return None if value is None else float(round_amount(value, quantum(metric)))


def scope_json(target: Target) -> Json:
    """The scope as written in the definitions (`{"tenant": true}` for the tenant)."""
    kind = target.scope.kind.value
    if kind == "tenant":
        return {"tenant": True}
    return {kind: target.scope_written or target.scope.value}


def forecast_json(forecast: Forecast | None, metric: Metric) -> Json | None:
    if forecast is None:
        return None
    return {
        "value": amount(forecast.value, metric),
        "low": amount(forecast.low, metric),
        "high": amount(forecast.high, metric),
        "method": forecast.method,
    }


def drivers_json(drivers: Drivers | None, metric: Metric) -> Json | None:
    """The change and its effects; the rounded effects are shown as computed (each on its own),
    so their sum may differ from the rounded change by a rounding unit: the exact effects add up
    to the exact change."""
    if drivers is None:
        return None
    return {
        "previous": amount(drivers.previous, metric),
        "current": amount(drivers.current, metric),
        "change": amount(drivers.change, metric),
        "changePct": _pct(drivers.change, drivers.previous),
        "effects": [
            {
                "kind": d.kind.value,
                "label": d.label,
                "effect": amount(d.effect, metric),
                "sharePct": None if d.share is None else _pct(d.share, Decimal(1)),
            }
            for d in drivers.effects
        ],
    }


def evaluation_json(evaluation: Evaluation) -> Json:
    """One period's evaluation of a target."""
    target, metric = evaluation.target, evaluation.target.metric
    return {
        "period": str(evaluation.period),
        "costType": API_NAMES[target.cost_type],
        "currency": evaluation.currency,
        "state": evaluation.state.value,
        "reason": evaluation.reason,
        "threshold": amount(target.threshold, metric),
        "warningAt": amount(target.threshold * target.warning_ratio, metric),
        "observed": amount(evaluation.observed, metric),
        "forecast": forecast_json(evaluation.forecast, metric),
        "drivers": {
            "vsPreviousPeriod": drivers_json(evaluation.vs_previous_period, metric),
            "vsPreviousEvaluation": drivers_json(evaluation.vs_previous_evaluation, metric),
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
    ev = transition.evaluation
    return {
        "period": str(transition.period),
        "at": transition.at.isoformat().replace("+00:00", "Z"),
        "state": transition.state.value,
        "previousState": None if transition.previous is None else transition.previous.value,
        "observed": amount(ev.observed, ev.target.metric),
        "event": event_type(transition),
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


def _pct(part: Decimal, whole: Decimal) -> float | None:
    if not whole:
        return None
    return float(round_amount(part * HUNDRED / whole, PCT_QUANTUM))
