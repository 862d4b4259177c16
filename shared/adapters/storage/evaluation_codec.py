"""A target's `Evaluation` as JSON text and back, exactly (the `targetstatus` table stores it).

Decimals are written as strings (`str(Decimal)`, so `1.10` stays `1.10` and `1E+2` stays
`1E+2`), counts as JSON integers, enums by value, the period as `YYYY-MM`. The records that
repeat are compact: a component is the array `[key, cost, inputCost, outputCost, inputTokens,
outputTokens, requests]`, a driver `[kind, label, effect, share]`. `"v"` is the shape's version.
The text is ASCII (`\\u` escapes), so its length is its size in UTF-16 code units, the unit of
Table Storage's 64 KiB string limit, and it may be cut anywhere into chunks.

`loads(dumps(e)) == e` for every evaluation, and `dumps(loads(t)) == t` for every text `dumps`
wrote; a NaN (which equals nothing) is refused when writing. Text of another shape is
`InvalidInput` naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

from shared.core.costs import CostType
from shared.core.period import BillingPeriod
from shared.core.target_records import (
    Component,
    Driver,
    DriverKind,
    Drivers,
    Evaluation,
    Forecast,
    Metric,
    ScopeKind,
    ScopeTotals,
    Target,
    TargetScope,
    TargetState,
)
from shared.errors import InvalidInput

VERSION = 1
FIELD = "evaluation"
Json = Any
E = TypeVar("E", bound=Enum)
T = TypeVar("T")


def dumps(evaluation: Evaluation) -> str:
    """The evaluation as compact ASCII JSON text."""
    return json.dumps(evaluation_json(evaluation), separators=(",", ":"), ensure_ascii=True)


def loads(text: str) -> Evaluation:
    """The evaluation `dumps` wrote; InvalidInput if the text is not one."""
    try:
        raw = json.loads(text)
    except ValueError as err:
        raise InvalidInput(FIELD, f"not JSON ({err})") from None
    return stored_evaluation(raw)


def evaluation_json(e: Evaluation) -> dict[str, Json]:
    return {
        "v": VERSION,
        "target": target_json(e.target),
        "period": str(e.period),
        "currency": e.currency,
        "state": e.state.value,
        "observed": _opt_dec(e.observed),
        "forecast": None if e.forecast is None else _forecast_json(e.forecast),
        "reason": e.reason,
        "totals": {
            "components": [_component_json(c) for c in e.totals.components],
            "outcomes": e.totals.outcomes,
        },
        "vsPreviousPeriod": _drivers_json(e.vs_previous_period),
        "vsPreviousEvaluation": _drivers_json(e.vs_previous_evaluation),
    }


def stored_evaluation(raw: Json) -> Evaluation:
    obj = _obj(raw, "")
    if obj.get("v") != VERSION:
        raise InvalidInput(FIELD, f"shape version {obj.get('v')!r} is not {VERSION}")
    totals = _obj(obj.get("totals"), "totals")
    return Evaluation(
        target=stored_target(obj.get("target")),
        period=_period(obj.get("period"), "period"),
        currency=_str(obj.get("currency"), "currency"),
        state=_enum(TargetState, obj.get("state"), "state"),
        observed=_opt(obj.get("observed"), "observed", _dec),
        forecast=_opt(obj.get("forecast"), "forecast", _forecast),
        reason=_opt(obj.get("reason"), "reason", _str),
        totals=ScopeTotals(
            components=tuple(
                _component(c, f"totals.components[{i}]")
                for i, c in enumerate(_list(totals.get("components"), "totals.components"))
            ),
            outcomes=_opt(totals.get("outcomes"), "totals.outcomes", _int),
        ),
        vs_previous_period=_opt(obj.get("vsPreviousPeriod"), "vsPreviousPeriod", _drivers),
        vs_previous_evaluation=_opt(
            obj.get("vsPreviousEvaluation"), "vsPreviousEvaluation", _drivers
        ),
    )


def target_json(t: Target) -> dict[str, Json]:
    return {
        "id": t.id,
        "scope": {"kind": t.scope.kind.value, "value": t.scope.value},
        "scopeWritten": t.scope_written,
        "metric": t.metric.value,
        "threshold": _dec_text(t.threshold),
        "warningRatio": _dec_text(t.warning_ratio),
        "costType": t.cost_type.value,
    }


def stored_target(raw: Json, where: str = "target") -> Target:
    obj = _obj(raw, where)
    scope = _obj(obj.get("scope"), f"{where}.scope")
    return Target(
        id=_str(obj.get("id"), f"{where}.id"),
        scope=TargetScope(
            _enum(ScopeKind, scope.get("kind"), f"{where}.scope.kind"),
            _str(scope.get("value"), f"{where}.scope.value"),
        ),
        metric=_enum(Metric, obj.get("metric"), f"{where}.metric"),
        threshold=_dec(obj.get("threshold"), f"{where}.threshold"),
        warning_ratio=_dec(obj.get("warningRatio"), f"{where}.warningRatio"),
        cost_type=_enum(CostType, obj.get("costType"), f"{where}.costType"),
        scope_written=_str(obj.get("scopeWritten"), f"{where}.scopeWritten"),
    )


def _forecast_json(f: Forecast) -> dict[str, Json]:
    return {
        "value": _dec_text(f.value),
        "low": _dec_text(f.low),
        "high": _dec_text(f.high),
        "method": f.method,
    }


def _forecast(raw: Json, where: str) -> Forecast:
    obj = _obj(raw, where)
    return Forecast(
        value=_dec(obj.get("value"), f"{where}.value"),
        low=_dec(obj.get("low"), f"{where}.low"),
        high=_dec(obj.get("high"), f"{where}.high"),
        method=_str(obj.get("method"), f"{where}.method"),
    )


def _component_json(c: Component) -> list[Json]:
    return [
        c.key,
        _dec_text(c.cost),
        _dec_text(c.input_cost),
        _dec_text(c.output_cost),
        c.input_tokens,
        c.output_tokens,
        c.requests,
    ]


def _component(raw: Json, where: str) -> Component:
    cells = _list(raw, where, length=7)
    return Component(
        key=_str(cells[0], f"{where}[0]"),
        cost=_dec(cells[1], f"{where}[1]"),
        input_cost=_dec(cells[2], f"{where}[2]"),
        output_cost=_dec(cells[3], f"{where}[3]"),
        input_tokens=_int(cells[4], f"{where}[4]"),
        output_tokens=_int(cells[5], f"{where}[5]"),
        requests=_int(cells[6], f"{where}[6]"),
    )


def _drivers_json(d: Drivers | None) -> dict[str, Json] | None:
    if d is None:
        return None
    return {
        "previous": _dec_text(d.previous),
        "current": _dec_text(d.current),
        "effects": [
            [x.kind.value, x.label, _dec_text(x.effect), _opt_dec(x.share)] for x in d.effects
        ],
    }


def _drivers(raw: Json, where: str) -> Drivers:
    obj = _obj(raw, where)
    effects = []
    for i, item in enumerate(_list(obj.get("effects"), f"{where}.effects")):
        at = f"{where}.effects[{i}]"
        cells = _list(item, at, length=4)
        effects.append(
            Driver(
                kind=_enum(DriverKind, cells[0], f"{at}[0]"),
                label=_str(cells[1], f"{at}[1]"),
                effect=_dec(cells[2], f"{at}[2]"),
                share=_opt(cells[3], f"{at}[3]", _dec),
            )
        )
    return Drivers(
        previous=_dec(obj.get("previous"), f"{where}.previous"),
        current=_dec(obj.get("current"), f"{where}.current"),
        effects=tuple(effects),
    )


def _dec_text(value: Decimal) -> str:
    if not isinstance(value, Decimal):
        raise InvalidInput(FIELD, f"{value!r} is not a Decimal")
    if value.is_nan():
        raise InvalidInput(FIELD, "a NaN amount cannot be stored")
    return str(value)


def _opt_dec(value: Decimal | None) -> str | None:
    return None if value is None else _dec_text(value)


def _dec(raw: Json, where: str) -> Decimal:
    if not isinstance(raw, str):
        raise _bad(where, "a decimal string", raw)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _bad(where, "a decimal string", raw) from None
    if value.is_nan():
        raise _bad(where, "a decimal string (not NaN)", raw)
    return value


def _int(raw: Json, where: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise _bad(where, "an integer", raw)
    return raw


def _str(raw: Json, where: str) -> str:
    if not isinstance(raw, str):
        raise _bad(where, "a string", raw)
    return raw


def _period(raw: Json, where: str) -> BillingPeriod:
    return BillingPeriod.parse(_str(raw, where), f"{FIELD}.{where}")


def _enum(kind: type[E], raw: Json, where: str) -> E:
    try:
        return kind(raw)
    except ValueError:
        raise _bad(where, f"one of {[m.value for m in kind]}", raw) from None


def _obj(raw: Json, where: str) -> Mapping[str, Json]:
    if not isinstance(raw, dict):
        raise _bad(where or "(root)", "an object", raw)
    return raw


def _list(raw: Json, where: str, length: int | None = None) -> Sequence[Json]:
    if not isinstance(raw, list) or (length is not None and len(raw) != length):
        shape = "an array" if length is None else f"an array of {length}"
        raise _bad(where, shape, raw)
    return raw


def _opt(raw: Json, where: str, read: Callable[[Json, str], T]) -> T | None:
    return None if raw is None else read(raw, where)


def _bad(where: str, wanted: str, raw: Json) -> InvalidInput:
    shown = json.dumps(raw)[:40] if not isinstance(raw, str) else repr(raw[:40])
    return InvalidInput(f"{FIELD}.{where}", f"must be {wanted}, not {shown}")


__all__ = ["dumps", "evaluation_json", "loads", "stored_evaluation", "stored_target", "target_json"]
