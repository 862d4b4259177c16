"""Unit-cost targets and their pending CloudEvents as plain text (the demo; docs/targets.md).

Every amount is the status API's (`shared/core/target_views.py`, rounded once there: cents for
periodCost, 1e-8 for unit costs), so a line of this text says what `GET
/api/targets/{id}/status` says.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from shared.core.period import BillingPeriod
from shared.core.target_records import Metric, OutboxEvent, ScopeKind, Target
from shared.core.target_views import evaluation_json, transition_json
from shared.core.views import API_NAMES
from shared.services.targets import TargetStatus

Json = dict[str, object]


def render_targets(
    statuses: Sequence[TargetStatus],
    period: BillingPeriod,
    when: str = "evaluated after the allocation",
) -> str:
    """Each target's evaluation of `period`: state, observed value, threshold, forecast, the
    drivers against the previous period (and the previous evaluation, if any), its transitions."""
    lines = [f"Unit-cost targets, {period} ({when})"]
    for status in statuses:
        lines += ["", *_target_lines(status, period)]
    return "\n".join(lines)


def render_events(events: Sequence[OutboxEvent], endpoint: str | None) -> str:
    """The outbox's pending CloudEvents: type, subject, id, time and data (compact JSON)."""
    where = (
        f"sent to {endpoint} after each evaluation run (these failed or are waiting)"
        if endpoint
        else "EVENTGRID_TOPIC_ENDPOINT is not set, so none was sent"
    )
    lines = [f"Target events: {len(events)} CloudEvents 1.0 pending in the outbox; {where}"]
    for event in events:
        lines.append(
            f"  {event.type}  subject {event.subject}  id {event.id}  time {_time(event.time)}"
        )
        lines.append(f"    data {_compact(event.data_json)}")
    return "\n".join(lines)


def _target_lines(status: TargetStatus, period: BillingPeriod) -> list[str]:
    target, metric = status.target, status.target.metric
    head = (
        f"Target {target.id}: {_scope(target)}, {metric.value}, {API_NAMES[target.cost_type]} cost"
    )
    found = [s for s in status.evaluations if s.evaluation.period == period]
    if not found:
        return [head, f"  state: not evaluated for {period} (its price basis is not allocated)"]
    body = evaluation_json(found[0].evaluation)
    cur = str(body["currency"])
    reason = f" ({body['reason']})" if body["reason"] else ""
    lines = [
        head,
        f"  state: {body['state']}{reason}",
        f"  observed {_amount(body['observed'], metric, cur)}, threshold "
        f"{_amount(body['threshold'], metric, cur)} (at risk from "
        f"{_amount(body['warningAt'], metric, cur)})",
    ]
    forecast = body["forecast"]
    if isinstance(forecast, dict) and forecast["low"] == forecast["high"] == forecast["value"]:
        lines.append(f"  forecast {_amount(forecast['value'], metric, cur)} ({forecast['method']})")
    elif isinstance(forecast, dict):
        lines.append(
            f"  forecast {_amount(forecast['value'], metric, cur)} (range "
            f"{_amount(forecast['low'], metric, cur)} to {_amount(forecast['high'], metric, cur)};"
            f" {forecast['method']})"
        )
    drivers = body["drivers"]
    assert isinstance(drivers, dict)
    previous = drivers["vsPreviousPeriod"]
    lines.append(
        "  drivers vs previous period: "
        + (
            _drivers(previous, metric, cur)
            if isinstance(previous, dict)
            else f"none (no previous period: {period.previous()} has no allocation to compare)"
        )
    )
    since = drivers["vsPreviousEvaluation"]
    if isinstance(since, dict):
        lines.append(f"  drivers vs previous evaluation: {_drivers(since, metric, cur)}")
    for transition in status.history:
        if transition.period != period:
            continue
        t = transition_json(transition)
        was = t["previousState"] or "first evaluation"
        event = f": event {t['event']}" if t["event"] else ": no event"
        lines.append(f"  transition {was} -> {t['state']} at {t['at']}{event}")
    return lines


def _scope(target: Target) -> str:
    kind = target.scope.kind
    if kind is ScopeKind.TENANT:
        return "tenant"
    written = target.scope_written or target.scope.value
    if kind in (ScopeKind.DEPLOYMENT, ScopeKind.ACCOUNT) and "/" in written:
        written = written.rstrip("/").rsplit("/", 1)[-1]  # an ARM id: its last name
    return f"{kind.value} {written}"


def _amount(value: object, metric: Metric, currency: str, sign: bool = False) -> str:
    if value is None:
        return "-"
    assert isinstance(value, int | float)
    plus = "+" if sign else ""
    digits = ",.2f" if metric is Metric.PERIOD_COST else ",.8f"
    return f"{value:{plus}{digits}} {currency}"


def _pct(value: object) -> str:
    return "-" if not isinstance(value, int | float) else f"{value:+.2f} %"


def _drivers(body: Json, metric: Metric, currency: str) -> str:
    effects = body["effects"]
    assert isinstance(effects, list)
    parts = [
        f"{e['kind']} ({e['label']}) {_amount(e['effect'], metric, currency, sign=True)} "
        f"({_pct(e['sharePct'])})"
        for e in effects
    ]
    return (
        f"{_amount(body['previous'], metric, currency)} -> "
        f"{_amount(body['current'], metric, currency)} "
        f"({_amount(body['change'], metric, currency, sign=True)}, {_pct(body['changePct'])}): "
        + "; ".join(parts)
    )


def _compact(data_json: str) -> str:
    return json.dumps(json.loads(data_json), separators=(",", ":"), sort_keys=True)


def _time(at: object) -> str:
    text = at.isoformat() if hasattr(at, "isoformat") else str(at)
    return text.replace("+00:00", "Z")
