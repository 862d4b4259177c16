"""Property tests of the drivers over generated components (credits, components without tokens,
new and vanished components, up to 12 decimals): the effects add up to the change exactly for
every metric; VOLUME, MIX and PRICE are the documented formulas; the per-1K metrics have no
volume and no interaction."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.drivers import QUANTUM, drivers
from shared.core.forecast import metric_cost, metric_tokens, metric_units, observed
from shared.core.money import MONEY_CONTEXT, ZERO, money_context
from shared.core.target_records import Component, DriverKind, Drivers, Metric, ScopeTotals

KEYS = ("gpt-4o", "gpt-4o-mini", "ptu", "dalle")
amounts = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), places=12)
tokens = st.integers(min_value=0, max_value=10**9) | st.just(0)
requests = st.integers(min_value=0, max_value=10**6)


@st.composite
def scope_totals(draw: st.DrawFn) -> ScopeTotals:
    keys = draw(st.lists(st.sampled_from(KEYS), max_size=6))  # a key may come twice
    components = tuple(
        Component(
            key,
            draw(amounts),
            draw(amounts),
            draw(amounts),
            draw(tokens),
            draw(tokens),
            draw(requests),
        )
        for key in keys
    )
    return ScopeTotals(components, draw(st.none() | st.integers(min_value=0, max_value=10**6)))


def by_kind(result: Drivers) -> dict[DriverKind, Decimal]:
    assert [e.kind for e in result.effects] == list(DriverKind)
    return {e.kind: e.effect for e in result.effects}


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(list(Metric)), scope_totals(), scope_totals())
def test_the_effects_add_up_to_the_change_exactly(
    metric: Metric, previous: ScopeTotals, current: ScopeTotals
) -> None:
    result = drivers(metric, previous, current)
    u0, u1 = observed(metric, previous), observed(metric, current)
    if u0 is None or u1 is None:
        assert result is None
        return
    assert result is not None
    if metric is Metric.PERIOD_COST:
        assert (result.previous, result.current) == (u0, u1)
    else:
        with money_context():
            quantized = (u0.quantize(QUANTUM), u1.quantize(QUANTUM))
        assert (result.previous, result.current) == quantized
    with money_context():
        assert sum((e.effect for e in result.effects), ZERO) == result.current - result.previous
    # exact at any precision: every effect is a multiple of one quantum
    with localcontext(MONEY_CONTEXT) as wide:
        wide.prec = 200
        assert sum((e.effect for e in result.effects), ZERO) == result.current - result.previous
    for e in result.effects:
        if result.previous == 0:
            assert e.share is None
        else:
            assert e.share is not None
            with money_context():
                assert e.share == (0 if e.effect == 0 else e.effect / result.previous)


def _price_terms(
    metric: Metric, previous: ScopeTotals, current: ScopeTotals
) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]:
    """P0, P1, V0, V1 and the MIX and PRICE sums written as the shares-and-prices formulas."""
    with money_context():

        def per_key(t: ScopeTotals) -> dict[str, tuple[Decimal, int]]:
            out: dict[str, tuple[Decimal, int]] = {}
            for c in t.components:
                cost, n = out.get(c.key, (ZERO, 0))
                out[c.key] = (cost + metric_cost(metric, c), n + metric_tokens(metric, c))
            return out

        k0, k1 = per_key(previous), per_key(current)
        c0 = sum((c for c, _ in k0.values()), ZERO)
        c1 = sum((c for c, _ in k1.values()), ZERO)
        t0 = sum(n for _, n in k0.values())
        t1 = sum(n for _, n in k1.values())
        p0, p1 = c0 / t0, c1 / t1
        mix = price = ZERO
        for key in k0.keys() | k1.keys():
            cost0, n0 = k0.get(key, (ZERO, 0))
            cost1, n1 = k1.get(key, (ZERO, 0))
            s0, s1 = Decimal(n0) / t0, Decimal(n1) / t1
            price0 = cost0 / n0 if n0 else p0
            mix += (s1 - s0) * price0
            # s1 x (p1_i - p0_i), the cost of a component without tokens counted in its price
            price += (cost1 / t1 if n1 == 0 else s1 * (cost1 / n1)) - s1 * price0
            if n0 == 0:  # a previous cost without tokens leaves the mix
                mix -= cost0 / t0
        scale = Decimal(1000) if metric.value.startswith("costPer1k") else Decimal(1)

        def volume(t: ScopeTotals, n: int) -> Decimal:
            if metric is Metric.PERIOD_COST:
                return Decimal(n)
            units = metric_units(metric, t)
            assert units
            return scale * n / units

        return p0, p1, volume(previous, t0), volume(current, t1), mix, price


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(list(Metric)), scope_totals(), scope_totals())
def test_the_effects_are_the_documented_formulas(
    metric: Metric, previous: ScopeTotals, current: ScopeTotals
) -> None:
    result = drivers(metric, previous, current)
    if result is None:
        return
    effects = by_kind(result)
    t0 = sum(metric_tokens(metric, c) for c in previous.components)
    t1 = sum(metric_tokens(metric, c) for c in current.components)
    if t0 <= 0 or t1 <= 0:
        assert effects[DriverKind.VOLUME] == effects[DriverKind.MIX] == 0
        assert effects[DriverKind.PRICE] == 0
        with money_context():
            assert effects[DriverKind.REST] == result.current - result.previous
        return
    p0, p1, v0, v1, mix, price = _price_terms(metric, previous, current)
    with money_context():
        assert abs(mix + price - (p1 - p0)) < Decimal("1e-40")  # MIX + PRICE = P1 - P0
        tolerance = Decimal("1e-26")
        per_1k = metric.value.startswith("costPer1k")
        if per_1k:
            assert effects[DriverKind.VOLUME] == effects[DriverKind.REST] == 0
        else:
            assert abs(effects[DriverKind.VOLUME] - p0 * (v1 - v0)) < tolerance
            assert abs(effects[DriverKind.REST] - (p1 - p0) * (v1 - v0)) < tolerance
        assert abs(effects[DriverKind.MIX] - mix * v0) < tolerance
        assert abs(effects[DriverKind.PRICE] - price * v0) < tolerance
