"""The drivers of a unit cost's change on crafted months with hand-computed answers: a mid-month
model switch (mix), a prompt-length change (volume), a price change (price), the worked example
of shared/core/drivers.py (all four), and the edges (new deployment, cost without tokens, no
tokens, no value)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from shared.core.drivers import drivers
from shared.core.forecast import outcome_totals, totals_of
from shared.core.money import ZERO, money_context
from shared.core.target_records import Component, DriverKind, Drivers, Metric, ScopeDay, ScopeTotals

NOV = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]


def comp(key: str, cost: str | Decimal, tokens: int, requests: int = 0) -> Component:
    """A component whose cost is all input-side and whose tokens are all input tokens."""
    return Component(key, Decimal(cost), Decimal(cost), ZERO, tokens, 0, requests)


def effects(result: Drivers | None) -> dict[DriverKind, Decimal]:
    assert result is not None
    with money_context():
        assert sum((e.effect for e in result.effects), ZERO) == result.current - result.previous
    return {e.kind: e.effect for e in result.effects}


def shares(result: Drivers | None) -> dict[DriverKind, Decimal | None]:
    assert result is not None
    return {e.kind: e.share for e in result.effects}


def test_a_mid_month_model_switch_is_a_mix_effect() -> None:
    # October: gpt-4o (2.50 USD per 1M tokens) served 27M tokens (67.50), the gpt-4.1 canary
    # (10 USD per 1M) 3M (30.00): 97.50 / 30M = 0.00325 per 1K. November, 1M tokens a day: 1-15
    # on gpt-4o (15M, 37.50), 16-30 on gpt-4.1 (15M, 150.00): 187.50 / 30M = 0.00625 per 1K.
    # Prices did not move: MIX = ((0.5 - 0.9) x 2.5 + (0.5 - 0.1) x 10) / 1M x 1000 = 0.003,
    # the whole change, +92.3 % of 0.00325.
    previous = ScopeTotals((comp("gpt-4o", "67.50", 27 * 10**6), comp("gpt-41", "30", 3 * 10**6)))
    days = [
        ScopeDay(d, (comp("gpt-4o", "2.5", 10**6) if d.day <= 15 else comp("gpt-41", "10", 10**6),))
        for d in NOV
    ]
    result = drivers(Metric.COST_PER_1K_TOKENS, previous, totals_of(days))
    assert result is not None
    assert (result.previous, result.current) == (Decimal("0.00325"), Decimal("0.00625"))
    assert effects(result) == {
        DriverKind.VOLUME: ZERO,
        DriverKind.MIX: Decimal("0.003"),
        DriverKind.PRICE: ZERO,
        DriverKind.REST: ZERO,
    }
    mix_share = shares(result)[DriverKind.MIX]
    assert mix_share is not None
    assert round(mix_share, 4) == Decimal("0.9231")
    labels = {e.kind: e.label for e in result.effects}
    assert labels[DriverKind.MIX] == "deployment mix"
    assert labels[DriverKind.PRICE] == "price per token"


def test_a_prompt_length_change_is_a_volume_effect_on_cost_per_outcome() -> None:
    # One deployment at 10 USD per 1M tokens, 1,000 resolved queries a month. October: 2,000
    # tokens per query (2M tokens, 20.00): 0.02 per query. November: prompts grew to 2,500
    # tokens per query (2.5M tokens, 25.00): 0.025. VOLUME = 10e-6 x 500 = 0.005 (+25 %).
    # November: 10 weekdays with outcome data (250,000 tokens, 2.50 USD, 100 queries each); the
    # other days have no outcome data: their cost (7.00 a day) and tokens are not divided.
    previous = ScopeTotals((comp("chat", "20", 2 * 10**6),), 1000)
    with_data = [d for d in NOV if d.weekday() < 5][:10]
    days = [
        ScopeDay(d, (comp("chat", "2.50", 250_000),), 100)
        if d in with_data
        else ScopeDay(d, (comp("chat", "7", 700_000),), None)
        for d in NOV
    ]
    current = outcome_totals(days)
    result = drivers(Metric.COST_PER_OUTCOME, previous, current)
    assert result is not None
    assert (result.previous, result.current) == (Decimal("0.02"), Decimal("0.025"))
    assert effects(result) == {
        DriverKind.VOLUME: Decimal("0.005"),
        DriverKind.MIX: ZERO,
        DriverKind.PRICE: ZERO,
        DriverKind.REST: ZERO,
    }
    assert shares(result)[DriverKind.VOLUME] == Decimal("0.25")
    assert result.effects[0].label == "tokens per outcome"


def test_a_price_change_is_a_price_effect() -> None:
    # One deployment, 1M tokens and 1,000 requests both months; its price moved from 10 to 12 USD
    # per 1M tokens: cost per request 0.01 -> 0.012. PRICE = 1 x 2e-6 x 1,000 tokens per request
    # = 0.002 (+20 %).
    previous = ScopeTotals((comp("chat", "10", 10**6, 1000),))
    current = ScopeTotals((comp("chat", "12", 10**6, 1000),))
    result = drivers(Metric.COST_PER_REQUEST, previous, current)
    assert effects(result) == {
        DriverKind.VOLUME: ZERO,
        DriverKind.MIX: ZERO,
        DriverKind.PRICE: Decimal("0.002"),
        DriverKind.REST: ZERO,
    }
    assert shares(result)[DriverKind.PRICE] == Decimal("0.2")


WORKED_PREVIOUS = ScopeTotals((comp("A", "12.00", 1_500_000), comp("B", "8.00", 500_000)), 1000)
WORKED_CURRENT = ScopeTotals((comp("A", "9.60", 1_200_000), comp("B", "21.60", 1_200_000)), 1000)


def test_the_worked_example_of_the_module() -> None:
    # U0 = 20.00 / 1,000 = 0.02, P0 = 10 per 1M, V0 = 2,000; U1 = 31.20 / 1,000 = 0.0312,
    # P1 = 13 per 1M, V1 = 2,400. VOLUME = 10e-6 x 400 = 0.004; MIX = ((0.5 - 0.75) x 8 +
    # (0.5 - 0.25) x 16)e-6 x 2,000 = 0.004; PRICE = 0.5 x 2e-6 x 2,000 = 0.002;
    # REST = 3e-6 x 400 = 0.0012: +20 % +20 % +10 % +6 % = +56 %.
    result = drivers(Metric.COST_PER_OUTCOME, WORKED_PREVIOUS, WORKED_CURRENT)
    assert effects(result) == {
        DriverKind.VOLUME: Decimal("0.004"),
        DriverKind.MIX: Decimal("0.004"),
        DriverKind.PRICE: Decimal("0.002"),
        DriverKind.REST: Decimal("0.0012"),
    }
    assert shares(result) == {
        DriverKind.VOLUME: Decimal("0.2"),
        DriverKind.MIX: Decimal("0.2"),
        DriverKind.PRICE: Decimal("0.1"),
        DriverKind.REST: Decimal("0.06"),
    }
    assert result is not None
    assert [e.label for e in result.effects] == [
        "tokens per outcome",
        "deployment mix",
        "price per token",
        "interaction",
    ]


def test_period_cost_has_the_tokens_as_volume() -> None:
    # C = P x T: 20.00 -> 31.20. VOLUME = 10e-6 x 400,000 = 4; MIX = 2e-6 x 2M = 4;
    # PRICE = 1e-6 x 2M = 2; REST = 3e-6 x 400,000 = 1.2.
    assert effects(drivers(Metric.PERIOD_COST, WORKED_PREVIOUS, WORKED_CURRENT)) == {
        DriverKind.VOLUME: Decimal(4),
        DriverKind.MIX: Decimal(4),
        DriverKind.PRICE: Decimal(2),
        DriverKind.REST: Decimal("1.2"),
    }


def test_per_1k_metrics_have_no_volume_and_no_interaction() -> None:
    # 0.01 -> 0.013 per 1K tokens: MIX 2e-6 x 1000 = 0.002, PRICE 1e-6 x 1000 = 0.001.
    for metric in (Metric.COST_PER_1K_TOKENS, Metric.COST_PER_1K_INPUT_TOKENS):
        assert effects(drivers(metric, WORKED_PREVIOUS, WORKED_CURRENT)) == {
            DriverKind.VOLUME: ZERO,
            DriverKind.MIX: Decimal("0.002"),
            DriverKind.PRICE: Decimal("0.001"),
            DriverKind.REST: ZERO,
        }


def test_a_new_deployment_is_priced_at_the_previous_total_price() -> None:
    # October: A alone, 1M tokens for 10.00 (0.01 per 1K). November: half of the tokens moved to
    # a new deployment B at 30 per 1M: A 0.5M for 5.00, B 0.5M for 15.00 = 0.02 per 1K. B has no
    # October price: it is priced at P0 = 10 per 1M, so moving to it is no mix, and its dearer
    # price is PRICE = 0.5 x (30 - 10)e-6 x 1000 = 0.01.
    previous = ScopeTotals((comp("A", "10", 10**6),))
    current = ScopeTotals((comp("A", "5", 500_000), comp("B", "15", 500_000)))
    assert effects(drivers(Metric.COST_PER_1K_TOKENS, previous, current)) == {
        DriverKind.VOLUME: ZERO,
        DriverKind.MIX: ZERO,
        DriverKind.PRICE: Decimal("0.01"),
        DriverKind.REST: ZERO,
    }


def test_cost_without_tokens_raises_the_price_per_token() -> None:
    # A PTU deployment nobody called in November costs 5.00 with no tokens: cost per request
    # 10.00 / 1,000 -> 15.00 / 1,000; PRICE = 5.00 / 1M tokens x 1,000 tokens per request = 0.005.
    previous = ScopeTotals((comp("chat", "10", 10**6, 1000),))
    current = ScopeTotals((comp("chat", "10", 10**6, 1000), comp("ptu", "5", 0)))
    assert effects(drivers(Metric.COST_PER_REQUEST, previous, current)) == {
        DriverKind.VOLUME: ZERO,
        DriverKind.MIX: ZERO,
        DriverKind.PRICE: Decimal("0.005"),
        DriverKind.REST: ZERO,
    }


def test_no_tokens_in_a_period_leaves_the_change_undecomposed() -> None:
    # images: cost per request without tokens; the change is all REST
    previous = ScopeTotals((comp("dalle", "8", 0, 100),))
    current = ScopeTotals((comp("dalle", "12", 0, 100),))
    result = drivers(Metric.COST_PER_REQUEST, previous, current)
    assert effects(result)[DriverKind.REST] == Decimal("0.04")
    assert result is not None
    assert result.effects[-1].label.startswith("not decomposed")


def test_no_value_on_either_side_gives_none() -> None:
    some = ScopeTotals((comp("chat", "10", 10**6, 1000),), 5)
    none = ScopeTotals((comp("chat", "10", 10**6, 1000),), None)
    assert drivers(Metric.COST_PER_OUTCOME, some, none) is None
    assert drivers(Metric.COST_PER_OUTCOME, none, some) is None
    assert drivers(Metric.COST_PER_1K_OUTPUT_TOKENS, some, some) is None  # no output tokens


def test_a_zero_previous_value_has_no_shares() -> None:
    previous = ScopeTotals((comp("chat", "0", 10**6, 1000),))
    current = ScopeTotals((comp("chat", "3", 10**6, 1000),))
    assert set(shares(drivers(Metric.COST_PER_REQUEST, previous, current)).values()) == {None}


def test_unit_costs_are_quantized_so_the_effects_add_up_exactly() -> None:
    # 1 / 3 per request does not end: previous and current are quantized to 1e-28
    previous = ScopeTotals((comp("chat", "1", 7, 3),))
    current = ScopeTotals((comp("chat", "2", 11, 7), comp("x", "1", 5, 0)))
    result = drivers(Metric.COST_PER_REQUEST, previous, current)
    assert result is not None
    assert result.previous == Decimal("0.3333333333333333333333333333")
    effects(result)
