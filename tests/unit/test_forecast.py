"""The observed value and the forecast of a target's metric on crafted months with known answers:
a weekly pattern (weekdays 100, weekends 20), a complete month, too few days, cost per outcome
over the days with outcome data. October 2026 starts on a Thursday."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.costs import CostType
from shared.core.forecast import (
    PROFILE_MIN_DAYS,
    forecast,
    observed,
    outcome_totals,
    totals_for,
    totals_of,
)
from shared.core.money import money_context
from shared.core.period import BillingPeriod
from shared.core.target_records import Component, Metric, ScopeDay, ScopeSeries, ScopeTotals

OCT = BillingPeriod(2026, 10)


def comp(key: str, cost: str | Decimal, tokens: int = 0, requests: int = 0) -> Component:
    """A component whose cost is all input-side and whose tokens are all input tokens."""
    return Component(key, Decimal(cost), Decimal(cost), Decimal(0), tokens, 0, requests)


def day(
    when: date, cost: str | Decimal, tokens: int = 0, outcomes: int | None = None, key: str = "d"
) -> ScopeDay:
    return ScopeDay(when, (comp(key, cost, tokens, requests=tokens // 1000),), outcomes)


def oct_day(n: int) -> date:
    return date(2026, 10, n)


def is_weekend(when: date) -> bool:
    return when.weekday() >= 5


def weekly(n_days: int, weekday: str = "100", weekend: str = "20") -> list[ScopeDay]:
    """October's first `n_days`: `weekday` USD Monday to Friday, `weekend` USD Saturday, Sunday."""
    return [
        day(oct_day(n), weekend if is_weekend(oct_day(n)) else weekday)
        for n in range(1, n_days + 1)
    ]


def series(days: list[ScopeDay], complete: bool = False) -> ScopeSeries:
    return ScopeSeries(OCT, CostType.AMORTIZED, "USD", tuple(days), complete)


def test_weekly_pattern_after_ten_days_forecasts_the_month_total() -> None:
    # Observed 1-10 October: 7 weekdays x 100 + 3 weekend days x 20 = 760. Left: 11-31 October,
    # 15 weekdays and 6 weekend days (11, 17, 18, 24, 25, 31): 1,500 + 120 = 1,620. Forecast
    # 2,380 = the whole month (22 weekdays x 100 + 9 weekend days x 20).
    days = weekly(10)
    assert observed(Metric.PERIOD_COST, totals_of(days)) == Decimal(760)
    result = forecast(Metric.PERIOD_COST, series(days))
    assert result is not None
    assert result.value == Decimal(2380)
    assert result.value == observed(Metric.PERIOD_COST, totals_of(weekly(31)))
    flat_run_rate = Decimal(760) / 10 * 31  # 2,356: what a flat run-rate would say
    assert result.value != flat_run_rate
    # every weekday's observed days cost the same: no range
    assert result.low == result.high == result.value
    assert result.method.startswith("weekday profile over 10 observed days, 21 days projected")


def test_weekly_pattern_of_a_unit_cost() -> None:
    # cost per 1K tokens: weekdays 100 USD for 1,000,000 tokens, weekends 20 USD (idle PTU) for
    # 50,000 tokens. The month: 2,380 USD / (22 x 1,000,000 + 9 x 50,000 = 22,450,000) x 1000.
    days = [
        day(oct_day(n), "20", 50_000) if is_weekend(oct_day(n)) else day(oct_day(n), "100", 10**6)
        for n in range(1, 11)
    ]
    result = forecast(Metric.COST_PER_1K_TOKENS, series(days))
    assert result is not None
    with money_context():
        expected = Decimal(2380) * 1000 / Decimal(22_450_000)  # 0.10601336302895...
        flat = Decimal(760) * 1000 / Decimal(7_150_000)  # the observed ratio: 0.10629...
    assert result.value == expected
    assert result.value != flat
    assert result.low == result.value == result.high


def test_the_range_comes_from_each_weekdays_lowest_and_highest_day() -> None:
    # The two observed Thursdays (1 and 8 October) cost 90 and 110: the three Thursdays left
    # (15, 22, 29) are projected at 100 each, at 90 each (low) and 110 each (high).
    days = weekly(10)
    days[0] = day(oct_day(1), "90")
    days[7] = day(oct_day(8), "110")
    result = forecast(Metric.PERIOD_COST, series(days))
    assert result is not None
    assert (result.low, result.value, result.high) == (Decimal(2350), Decimal(2380), Decimal(2410))


def test_the_range_of_a_unit_cost_varies_the_ratio_at_the_mean_volume() -> None:
    # cost per 1K tokens, 10 days; every day 1,000,000 tokens, 100 USD, except Thursday 8 October:
    # 2,000,000 tokens for 100 USD (0.05 per 1K). Thursdays left (3) at the mean Thursday
    # (1,500,000 tokens, 100 USD); low at 0.05 per 1K of 1,500,000 tokens (75 USD), high at 0.1
    # (150 USD). Totals: 31 days, 10 + 21 observed / projected:
    # tokens 11,000,000 + 18 x 1,000,000 + 3 x 1,500,000 = 33,500,000;
    # value (1,000 + 18 x 100 + 3 x 100) / 33,500 = 3,100 / 33,500; low 3,025 / 33,500;
    # high 3,250 / 33,500.
    days = [day(oct_day(n), "100", 2 * 10**6 if n == 8 else 10**6) for n in range(1, 11)]
    result = forecast(Metric.COST_PER_1K_TOKENS, series(days))
    assert result is not None
    with money_context():
        assert result.value == Decimal(3100) / Decimal(33_500)
        assert result.low == Decimal(3025) / Decimal(33_500)
        assert result.high == Decimal(3250) / Decimal(33_500)
    assert result.low < result.value < result.high


def test_a_complete_month_forecasts_its_observed_value() -> None:
    days = weekly(31)
    for metric in (Metric.PERIOD_COST, Metric.COST_PER_1K_TOKENS):
        done = [day(d.date, d.components[0].cost, 10**6) for d in days]
        result = forecast(metric, series(done, complete=True))
        assert result is not None
        value = observed(metric, totals_of(done))
        assert (result.value, result.low, result.high, result.method) == (
            value,
            value,
            value,
            "observed",
        )


def test_a_complete_flag_wins_even_with_days_left() -> None:
    result = forecast(Metric.PERIOD_COST, series(weekly(10), complete=True))
    assert result is not None
    assert (result.value, result.method) == (Decimal(760), "observed")


def test_an_open_period_with_its_last_day_observed_is_observed() -> None:
    result = forecast(Metric.PERIOD_COST, series(weekly(31), complete=False))
    assert result is not None
    assert (result.value, result.method) == (Decimal(2380), "observed")


def test_too_few_days_fall_back_to_a_flat_mean_with_a_wide_range() -> None:
    # 1-5 October: 100, 100, 20, 20, 100 = 340, a mean day of 68; 26 days left:
    # value 340 + 26 x 68 = 2,108; low 340 + 26 x 20 = 860; high 340 + 26 x 100 = 2,940.
    result = forecast(Metric.PERIOD_COST, series(weekly(5)))
    assert result is not None
    assert (result.low, result.value, result.high) == (Decimal(860), Decimal(2108), Decimal(2940))
    assert result.method.startswith("flat daily mean over 5 observed days (fewer than 7")
    assert PROFILE_MIN_DAYS == 7


def test_nothing_observed_or_no_denominator_gives_none() -> None:
    assert forecast(Metric.PERIOD_COST, series([])) is None
    assert forecast(Metric.COST_PER_1K_TOKENS, series(weekly(10))) is None  # no tokens at all
    assert forecast(Metric.COST_PER_OUTCOME, series(weekly(10))) is None  # no outcome data
    assert observed(Metric.COST_PER_REQUEST, totals_of(weekly(3))) is None
    assert observed(Metric.COST_PER_OUTCOME, totals_of(weekly(3))) is None
    zero = [day(oct_day(1), "5", outcomes=0)]
    assert observed(Metric.COST_PER_OUTCOME, outcome_totals(zero)) is None


def test_an_unlisted_day_between_observed_days_is_an_empty_day() -> None:
    # weekends not listed at all (no cost, no usage): they are observed as empty days, so the
    # weekends left are projected empty too, not at the mean of the weekdays.
    weekdays_only = [d for d in weekly(10, weekend="0") if not is_weekend(d.date)]
    listed = forecast(Metric.PERIOD_COST, series(weekly(10, weekend="0")))
    unlisted = forecast(Metric.PERIOD_COST, series(weekdays_only))
    assert listed is not None and unlisted is not None
    assert unlisted.value == listed.value == Decimal(2200)


def test_a_day_outside_the_period_is_refused() -> None:
    with pytest.raises(ValueError, match="outside period 2026-10"):
        forecast(Metric.PERIOD_COST, series([day(date(2026, 11, 1), "1")]))


def test_totals_sum_components_by_key_and_outcomes_of_days_with_data() -> None:
    days = [
        ScopeDay(oct_day(1), (comp("b", "1.5", 10, 1), comp("a", "2", 20, 2)), 7),
        ScopeDay(oct_day(2), (comp("a", "3", 30, 3),), None),
        ScopeDay(oct_day(3), (comp("b", "0.5", 5, 1),), 3),
    ]
    totals = totals_of(days)
    assert totals == ScopeTotals((comp("a", "5", 50, 5), comp("b", "2.0", 15, 2)), 10)
    # cost per outcome divides the cost of the days with outcome data (1 and 3 October: 4.00)
    assert outcome_totals(days) == ScopeTotals((comp("a", "2", 20, 2), comp("b", "2.0", 15, 2)), 10)
    assert observed(Metric.COST_PER_OUTCOME, outcome_totals(days)) == Decimal("0.4")
    assert totals_for(Metric.COST_PER_OUTCOME, days) == outcome_totals(days)
    assert totals_for(Metric.COST_PER_REQUEST, days) == totals
    assert totals_of([]) == ScopeTotals((), None)


def test_observed_per_metric() -> None:
    totals = ScopeTotals(
        (
            Component("a", Decimal("6"), Decimal("2"), Decimal("4"), 1000, 500, 10),
            Component("b", Decimal("3"), Decimal("1"), Decimal("1"), 1000, 500, 20),
        ),
        outcomes=9,
    )
    assert observed(Metric.COST_PER_1K_TOKENS, totals) == Decimal(3)  # 9 / 3,000 x 1000
    assert observed(Metric.COST_PER_1K_INPUT_TOKENS, totals) == Decimal("1.5")  # 3 / 2,000
    assert observed(Metric.COST_PER_1K_OUTPUT_TOKENS, totals) == Decimal(5)  # 5 / 1,000
    assert observed(Metric.COST_PER_REQUEST, totals) == Decimal("0.3")  # 9 / 30
    assert observed(Metric.COST_PER_OUTCOME, totals) == Decimal(1)  # 9 / 9
    assert observed(Metric.PERIOD_COST, totals) == Decimal(9)


def test_cost_per_outcome_forecasts_over_the_days_with_outcome_data() -> None:
    # 10 USD every day; 100 outcomes on weekdays, no outcome data on weekends: 1-14 October
    # observed (10 weekdays with data). The weekend cost is not divided: 0.10 per outcome.
    days = [
        day(oct_day(n), "10", outcomes=None if is_weekend(oct_day(n)) else 100)
        for n in range(1, 15)
    ]
    result = forecast(Metric.COST_PER_OUTCOME, series(days))
    assert result is not None
    assert result.value == Decimal("0.1")
    assert result.method.startswith("weekday profile over 10 observed days with outcome data")


def test_the_forecast_is_deterministic_in_the_days_order() -> None:
    days = weekly(12)
    days[3] = day(oct_day(4), "33.3")
    forward = forecast(Metric.PERIOD_COST, series(days))
    backward = forecast(Metric.PERIOD_COST, series(days[::-1]))
    assert forward == backward


amounts = st.decimals(min_value=Decimal("-50"), max_value=Decimal("1000"), places=6)


@st.composite
def open_series(draw: st.DrawFn) -> ScopeSeries:
    n = draw(st.integers(min_value=1, max_value=30))
    listed = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    days = []
    for i, keep in enumerate(listed):
        if keep or i in (0, n - 1):
            parts = tuple(
                Component(
                    key,
                    draw(amounts),
                    draw(amounts),
                    draw(amounts),
                    draw(st.integers(0, 10**7)),
                    draw(st.integers(0, 10**7)),
                    draw(st.integers(0, 10**4)),
                )
                for key in draw(st.sets(st.sampled_from("abc"), min_size=1))
            )
            outcomes = draw(st.none() | st.integers(0, 10**4))
            days.append(ScopeDay(OCT.start + timedelta(days=i), parts, outcomes))
    return ScopeSeries(OCT, CostType.ACTUAL, "EUR", tuple(days), False)


@settings(max_examples=200, deadline=None)
@given(open_series(), st.sampled_from(list(Metric)))
def test_the_range_always_contains_the_value(s: ScopeSeries, metric: Metric) -> None:
    result = forecast(metric, s)
    if result is not None:
        assert result.low <= result.value <= result.high
