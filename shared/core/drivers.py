"""The drivers of a metric's change: volume, mix, price and rest effects that add up to it.

The decomposition
-----------------
A unit metric U = C / Q x scale (C its cost, Q its denominator, scale 1000 for per-1K metrics:
shared/core/forecast.py) is written U = P x V, with

* P = C / T, the price per token: T the metric's tokens (input tokens for costPer1kInputTokens,
  output tokens for costPer1kOutputTokens, else input + output tokens);
* V = T / Q x scale, the tokens per unit: tokens per outcome, tokens per request; for the per-1K
  metrics Q is T, so V is the constant 1000 and there is no volume (nor interaction) effect.

periodCost is C = P x T: its volume is the tokens T themselves.

With component i (a deployment, a use case's member) carrying the cost C_i and tokens T_i, its
token share s_i = T_i / T and its price p_i = C_i / T_i, P = sum_i s_i x p_i, and

  MIX   = sum_i (s1_i - s0_i) x p0_i   (the shares moved, at the previous prices)
  PRICE = sum_i s1_i x (p1_i - p0_i)   (the prices moved, at the current shares)

add up to P1 - P0 exactly (sum_i s1_i p1_i - sum_i s0_i p0_i). They are computed per component
as MIX_i = s1_i x p0_i - C0_i / T0 and PRICE_i = C1_i / T1 - s1_i x p0_i, which also holds for a
component with cost and no tokens (a PTU deployment nobody called, an image deployment): its
cost raises the price per token. A component without a previous price (new in the current
period, or without tokens then) is priced at the previous total price P0, so moving traffic to
it is mix only when its price differs from the average. The effects on U are

  VOLUME = P0 x (V1 - V0)        "tokens per outcome" / "tokens per request" / "tokens"
  MIX    = mix x V0              "deployment mix"
  PRICE  = price x V0            "price per token"
  REST   = U1 - U0 - the others  "interaction": (P1 - P0) x (V1 - V0)

and `share` is effect / U0 (None when U0 is 0). For periodCost V is T. When either period has
no tokens (P undefined) the change is not decomposed: it is all REST.

Exactness: previous and current are the observed values, unit costs quantized to 1e-28 (their
divisions do not end), period costs exact; VOLUME, MIX and PRICE are quantized to the same
quantum and REST is the change minus them, so the four effects add up to current - previous
exactly in any context of 64 digits (REST also carries the effects' rounding, a few 1e-28; for
the per-1K metrics, with no interaction, PRICE carries it and REST is 0).

Worked example (tests/unit/test_drivers.py): cost per resolved query, 1,000 queries both months.
Previous: deployment A 1,500,000 tokens for 12.00 USD (8 USD per 1M), B 500,000 tokens for 8.00
(16 per 1M): 20.00 USD, U0 = 0.02, P0 = 10 per 1M, V0 = 2,000 tokens per query. Current: prompts
grew to 2,400 tokens per query (+20 %), half on each deployment, and B costs 18 per 1M: A
1,200,000 tokens for 9.60, B 1,200,000 for 21.60, 31.20 USD: U1 = 0.0312 (+56 %), P1 = 13 per 1M.
VOLUME = 10e-6 x 400 = 0.004 (+20 %); MIX = ((0.5 - 0.75) x 8 + (0.5 - 0.25) x 16)e-6 x 2,000 =
0.004 (+20 %); PRICE = 0.5 x 2e-6 x 2,000 = 0.002 (+10 %); REST = 3e-6 x 400 = 0.0012 (+6 %):
0.004 + 0.004 + 0.002 + 0.0012 = 0.0112 = 0.0312 - 0.02.
"""

from __future__ import annotations

from decimal import Decimal

from shared.core.forecast import is_per_1k, metric_cost, metric_tokens, metric_units, observed
from shared.core.money import ZERO, in_money_context
from shared.core.target_records import Driver, DriverKind, Drivers, Metric, ScopeTotals

QUANTUM = Decimal("1e-28")  # unit costs and effects are quantized to it (or finer: periodCost)

_VOLUME_LABELS = {
    Metric.COST_PER_OUTCOME: "tokens per outcome",
    Metric.COST_PER_REQUEST: "tokens per request",
    Metric.PERIOD_COST: "tokens",
}
_PRICE_LABELS = {
    Metric.COST_PER_1K_INPUT_TOKENS: "price per input token",
    Metric.COST_PER_1K_OUTPUT_TOKENS: "price per output token",
}


@in_money_context
def drivers(metric: Metric, previous: ScopeTotals, current: ScopeTotals) -> Drivers | None:
    """The change of the metric from `previous` to `current` as its volume, mix, price and rest
    effects (always these four, in this order), which add up to it exactly; None when either
    value is None. For costPerOutcome pass the totals of the days with outcome data
    (`forecast.outcome_totals`)."""
    u0, u1 = observed(metric, previous), observed(metric, current)
    if u0 is None or u1 is None:
        return None
    if metric is not Metric.PERIOD_COST:
        u0, u1 = u0.quantize(QUANTUM), u1.quantize(QUANTUM)
    quantum = min(QUANTUM, _quantum(u0), _quantum(u1))
    change = u1 - u0
    t0, t1 = _tokens(metric, previous), _tokens(metric, current)
    if t0 <= 0 or t1 <= 0:
        volume = mix = price = ZERO
        rest_label = "not decomposed: no tokens in one of the periods"
    else:
        v0, v1 = _volume(metric, previous, t0), _volume(metric, current, t1)
        p0 = _cost(metric, previous) / t0
        mix_per_token, price_per_token = _mix_and_price(metric, previous, current, p0, t0, t1)
        mix = (mix_per_token * v0).quantize(quantum)
        if is_per_1k(metric):  # V is constant: no volume, no interaction
            volume, price = ZERO, change - mix
        else:
            volume = (p0 * (v1 - v0)).quantize(quantum)
            price = (price_per_token * v0).quantize(quantum)
        rest_label = "interaction"
    rest = change - volume - mix - price
    effects = (
        (DriverKind.VOLUME, _VOLUME_LABELS.get(metric, "none: the metric is per token"), volume),
        (DriverKind.MIX, "deployment mix", mix),
        (DriverKind.PRICE, _PRICE_LABELS.get(metric, "price per token"), price),
        (DriverKind.REST, rest_label, rest),
    )
    return Drivers(
        previous=u0,
        current=u1,
        effects=tuple(
            Driver(kind, label, effect, _share(effect, u0)) for kind, label, effect in effects
        ),
    )


def _share(effect: Decimal, previous: Decimal) -> Decimal | None:
    """effect / previous (0 for no effect), None when previous is 0."""
    if previous == 0:
        return None
    return ZERO if effect == 0 else effect / previous


def _quantum(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # observed values are finite
    return Decimal(1).scaleb(exponent)


def _tokens(metric: Metric, totals: ScopeTotals) -> int:
    return sum(metric_tokens(metric, c) for c in totals.components)


def _cost(metric: Metric, totals: ScopeTotals) -> Decimal:
    return sum((metric_cost(metric, c) for c in totals.components), ZERO)


def _volume(metric: Metric, totals: ScopeTotals, tokens: int) -> Decimal:
    """V: tokens per unit (x 1000 for the per-1K metrics: 1000); the tokens for periodCost."""
    if metric is Metric.PERIOD_COST:
        return Decimal(tokens)
    if is_per_1k(metric):
        return Decimal(1000)
    units = metric_units(metric, totals)
    assert units is not None and units > 0  # observed(...) is not None
    return Decimal(tokens) / units


def _mix_and_price(
    metric: Metric,
    previous: ScopeTotals,
    current: ScopeTotals,
    p0: Decimal,
    t0: int,
    t1: int,
) -> tuple[Decimal, Decimal]:
    """(MIX, PRICE) per token: sum_i s1_i p0_i - C0_i / T0 and sum_i C1_i / T1 - s1_i p0_i, p0_i
    the previous price of the component (P0 without previous tokens)."""
    before: dict[str, tuple[Decimal, int]] = {}
    after: dict[str, tuple[Decimal, int]] = {}
    for side, totals in ((before, previous), (after, current)):
        for c in totals.components:
            cost, tokens = side.get(c.key, (ZERO, 0))
            side[c.key] = (cost + metric_cost(metric, c), tokens + metric_tokens(metric, c))
    mix = price = ZERO
    for key in sorted(before.keys() | after.keys()):
        c0, n0 = before.get(key, (ZERO, 0))
        c1, n1 = after.get(key, (ZERO, 0))
        p0_i = c0 / n0 if n0 > 0 else p0
        at_previous_price = Decimal(n1) * p0_i / t1  # s1_i x p0_i
        mix += at_previous_price - c0 / t0
        price += c1 / t1 - at_previous_price
    return mix, price
