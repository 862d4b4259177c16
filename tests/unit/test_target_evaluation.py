"""Target evaluation: each state by its rule, each change of state one transition sending at most
one event of its type, and the same numbers twice no transition at all."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shared.core.target_evaluation as target_evaluation
from shared.core.costs import CostType
from shared.core.drivers import drivers
from shared.core.forecast import totals_for
from shared.core.period import BillingPeriod
from shared.core.target_evaluation import (
    ABOVE_THRESHOLD,
    AT_RISK_EVENT,
    AT_WARNING,
    BREACHED_EVENT,
    FORECAST_ABOVE,
    NO_OUTCOMES,
    NO_USAGE,
    RECOVERED_EVENT,
    evaluate,
    event_of,
    event_type,
    transition,
)
from shared.core.target_records import (
    Component,
    Evaluation,
    Forecast,
    Metric,
    ScopeDay,
    ScopeKind,
    ScopeSeries,
    ScopeTotals,
    Target,
    TargetScope,
    TargetState,
)
from tests.builders import NOV

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OK, RISK, BREACH, NONE = (TargetState.OK, TargetState.AT_RISK, TargetState.BREACHED,
                          TargetState.NO_DATA)  # fmt: skip


def target(metric: Metric = Metric.PERIOD_COST, threshold: str = "10", ratio: str = "0.8",
           kind: ScopeKind = ScopeKind.DEPLOYMENT) -> Target:  # fmt: skip
    return Target("t1", TargetScope(kind, "dep"), metric, Decimal(threshold), Decimal(ratio),
                  CostType.ACTUAL)  # fmt: skip


def comp(cost: str, tokens: int = 1000, requests: int = 10, key: str = "a") -> Component:
    return Component(key, Decimal(cost), Decimal(cost), ZERO_D, tokens, 0, requests)


ZERO_D = Decimal(0)


def series(*costs: str, complete: bool = True, outcomes: tuple[int | None, ...] = (),
           tokens: int = 1000) -> ScopeSeries:  # fmt: skip
    """One day per cost from 1 Nov (a cost "" is a day without components)."""
    days = tuple(
        ScopeDay(
            NOV.start + timedelta(days=i),
            (comp(cost, tokens),) if cost else (),
            outcomes[i] if i < len(outcomes) else None,
        )
        for i, cost in enumerate(costs)
    )
    return ScopeSeries(NOV, CostType.ACTUAL, "USD", days, complete)


def state(t: Target, s: ScopeSeries) -> tuple[TargetState, Decimal | None, str | None]:
    found = evaluate(t, s, None, None)
    return found.state, found.observed, found.reason


def test_above_the_threshold_is_breached_at_it_only_at_risk() -> None:
    assert state(target(), series("6.00", "4.01")) == (BREACH, Decimal("10.01"), ABOVE_THRESHOLD)
    assert state(target(), series("6.00", "4.00")) == (RISK, Decimal("10.00"), AT_WARNING)


def test_reaching_warning_ratio_x_threshold_is_at_risk_below_it_ok() -> None:
    assert state(target(), series("8.00")) == (RISK, Decimal("8.00"), AT_WARNING)
    assert state(target(), series("7.99")) == (OK, Decimal("7.99"), None)
    assert state(target(ratio="1"), series("9.99")) == (OK, Decimal("9.99"), None)
    assert state(target(ratio="1"), series("10")) == (RISK, Decimal("10"), AT_WARNING)


def test_the_warning_level_is_compared_exactly() -> None:
    third = "0.3333333333333333333333333333"  # 28 places: 3 x it = 0.9999999999999999999999999999
    assert (
        state(target(threshold="3", ratio=third), series("0.9999999999999999999999999999"))[0]
        is RISK
    )
    assert (
        state(target(threshold="3", ratio=third), series("0.9999999999999999999999999998"))[0] is OK
    )


def test_a_forecast_above_the_threshold_is_at_risk(monkeypatch: pytest.MonkeyPatch) -> None:
    # 10 days of 1.00 in a 30-day month, open: about 30.00 by the end, above 20.00
    found = evaluate(target(threshold="20"), series(*["1.00"] * 10, complete=False), None, None)
    assert found.state is RISK and found.reason == FORECAST_ABOVE
    assert found.observed == 10 and found.forecast is not None and found.forecast.value > 20

    def fixed(metric: Metric, s: ScopeSeries) -> Forecast:
        return Forecast(Decimal(value), Decimal(value), Decimal(value), "fixed")

    monkeypatch.setattr(target_evaluation, "forecast", fixed)
    value = "10.0000001"
    assert state(target(), series("1.00", complete=False)) == (RISK, 1, FORECAST_ABOVE)
    value = "10"  # reaching the threshold is not crossing it
    assert state(target(), series("1.00", complete=False)) == (OK, 1, None)


def test_no_usage_and_no_outcomes_yet_are_no_data_with_their_reason() -> None:
    assert state(target(), series()) == (NONE, None, NO_USAGE)  # nothing allocated yet
    assert state(target(), series("", "")) == (NONE, None, NO_USAGE)  # days, nothing of the scope
    per_1k = target(Metric.COST_PER_1K_TOKENS)
    assert state(per_1k, series("5.00", tokens=0)) == (NONE, None, NO_USAGE)  # cost, no tokens
    per_outcome = target(Metric.COST_PER_OUTCOME, kind=ScopeKind.USE_CASE)
    assert state(per_outcome, series("5.00")) == (NONE, None, NO_OUTCOMES)
    assert state(per_outcome, series("5.00", outcomes=(0,))) == (NONE, None, NO_OUTCOMES)
    assert state(per_outcome, series()) == (NONE, None, NO_USAGE)
    found = evaluate(per_outcome, series("5.00"), None, None)
    assert found.forecast is None and found.vs_previous_period is None


def test_cost_per_outcome_divides_only_the_days_with_outcome_data() -> None:
    per_outcome = target(Metric.COST_PER_OUTCOME, threshold="3", kind=ScopeKind.USE_CASE)
    found = evaluate(per_outcome, series("10.00", "6.00", outcomes=(4, None)), None, None)
    assert found.observed == Decimal("2.5")  # 10.00 / 4, not 16.00 / 4
    assert found.state is RISK  # 2.5 >= 0.8 x 3
    assert found.totals.outcomes == 4


def test_the_drivers_compare_the_previous_period_and_the_last_evaluation() -> None:
    t = target(Metric.COST_PER_1K_TOKENS, threshold="100")
    previous = ScopeTotals((comp("4.00"),))
    first = evaluate(t, series("5.00"), previous, None)
    assert first.vs_previous_period == drivers(t.metric, previous, first.totals)
    assert first.vs_previous_period is not None and first.vs_previous_period.change == 1
    assert first.vs_previous_evaluation is None
    assert first.totals == totals_for(t.metric, series("5.00").days)
    second = evaluate(t, series("5.00", "7.00"), previous, first)
    assert second.vs_previous_evaluation == drivers(t.metric, first.totals, second.totals)
    assert second.vs_previous_evaluation is not None
    assert second.vs_previous_evaluation.current == 6  # 12.00 over 2,000 tokens x 1000
    again = evaluate(t, series("5.00", "7.00"), previous, second)
    assert again == second  # nothing changed: the drivers since the last change are kept
    assert transition(second.state, again, AT) is None


def test_a_state_change_is_one_transition_and_the_same_state_none() -> None:
    first = evaluate(target(), series("1.00"), None, None)
    begun = transition(None, first, AT)
    assert begun is not None and (begun.previous, begun.state, begun.at) == (None, OK, AT)
    assert (begun.target_id, begun.period, begun.evaluation) == ("t1", NOV, first)
    assert event_type(begun) is None  # a first ok sends nothing
    assert transition(OK, evaluate(target(), series("2.00"), None, first), AT) is None
    breached = evaluate(target(), series("11.00"), None, first)
    changed = transition(OK, breached, AT)
    assert changed is not None and (changed.previous, changed.state) == (OK, BREACH)


@pytest.mark.parametrize(
    "previous,current,sent",
    [
        (None, OK, None),
        (None, RISK, AT_RISK_EVENT),
        (None, BREACH, BREACHED_EVENT),
        (None, NONE, None),
        (OK, RISK, AT_RISK_EVENT),
        (OK, BREACH, BREACHED_EVENT),
        (OK, NONE, None),
        (RISK, OK, RECOVERED_EVENT),
        (RISK, BREACH, BREACHED_EVENT),
        (RISK, NONE, None),
        (BREACH, OK, RECOVERED_EVENT),
        (BREACH, RISK, AT_RISK_EVENT),
        (BREACH, NONE, None),
        (NONE, OK, None),
        (NONE, RISK, AT_RISK_EVENT),
        (NONE, BREACH, BREACHED_EVENT),
    ],
)
def test_each_change_sends_at_most_one_event_of_its_type(
    previous: TargetState | None, current: TargetState, sent: str | None
) -> None:
    costs = {OK: "1.00", RISK: "9.00", BREACH: "11.00", NONE: ""}
    evaluation = evaluate(target(), series(costs[current]), None, None)
    assert evaluation.state is current
    changed = transition(previous, evaluation, AT)
    assert changed is not None
    assert event_type(changed) == sent
    if sent is None:
        with pytest.raises(ValueError, match="sends no event"):
            event_of(changed, "{}")
        return
    event = event_of(changed, '{"state": "x"}')
    assert (event.type, event.subject, event.time, event.data_json) == (
        sent, "targets/t1", AT, '{"state": "x"}',
    )  # fmt: skip


def test_the_event_id_is_one_per_transition_and_differs_otherwise() -> None:
    def event_id(cost: str, previous: TargetState = OK, at: datetime = AT) -> str:
        changed = transition(previous, evaluate(target(), series(cost), None, None), at)
        assert changed is not None
        return event_of(changed, "{}").id

    same = event_id("11.00")
    assert same == event_id("11.00")  # the same transition: the same id
    # Back in the same state later (ok -> at-risk -> ok -> at-risk): a new event, a new id.
    assert same != event_id("11.00", at=AT + timedelta(hours=1))
    assert same == event_id("11.000")  # the same value, spelled otherwise
    assert same != event_id("11.01")
    assert same != event_id("11.00", previous=RISK)
    assert len(same) == 32


def test_a_walk_through_the_states_sends_one_event_per_change() -> None:
    costs = ["1.00", "1.00", "8.50", "8.50", "12.00", "12.00", "3.00", "3.00", ""]
    last: Evaluation | None = None
    sent = []
    for cost in costs:
        found = evaluate(target(), series(cost), None, last)
        changed = transition(last.state if last else None, found, AT)
        if changed is not None and event_type(changed) is not None:
            sent.append(event_of(changed, "{}").type)
        last = found
    assert sent == [AT_RISK_EVENT, BREACHED_EVENT, RECOVERED_EVENT]


def test_a_series_of_another_price_basis_or_period_is_refused() -> None:
    amortized = ScopeSeries(NOV, CostType.AMORTIZED, "USD", (), True)
    with pytest.raises(ValueError, match="is ActualCost, the series AmortizedCost"):
        evaluate(target(), amortized, None, None)
    october_series = ScopeSeries(BillingPeriod(2026, 10), CostType.ACTUAL, "USD", (), True)
    october = evaluate(target(), october_series, None, None)
    with pytest.raises(ValueError, match="not of target"):
        evaluate(target(), series("1.00"), None, october)


@given(
    st.lists(st.decimals(min_value=0, max_value=1000, places=2), min_size=1, max_size=8),
    st.decimals(min_value=0, max_value=5000, places=2),
    st.sampled_from([Metric.PERIOD_COST, Metric.COST_PER_1K_TOKENS, Metric.COST_PER_REQUEST]),
    st.booleans(),
)
def test_the_same_numbers_twice_give_the_same_evaluation_and_no_transition(
    costs: list[Decimal], threshold: Decimal, metric: Metric, complete: bool
) -> None:
    t = target(metric, str(threshold))
    s = series(*[str(c) for c in costs], complete=complete)
    first = evaluate(t, s, ScopeTotals((comp("3.00"),)), None)
    second = evaluate(t, s, ScopeTotals((comp("3.00"),)), first)
    assert transition(first.state, second, AT) is None
    third = evaluate(t, s, ScopeTotals((comp("3.00"),)), second)
    assert third == second
    assert first.observed is not None
    if first.observed > threshold:
        assert first.state is BREACH
    elif first.observed >= threshold * Decimal("0.8"):
        assert first.state is RISK
    else:
        assert first.state in (OK, RISK)
        assert first.state is OK or first.reason == FORECAST_ABOVE


def test_days_out_of_order_are_evaluated_the_same() -> None:
    days = (ScopeDay(date(2026, 11, 2), (comp("2.00"),)), ScopeDay(date(2026, 11, 1), ()))
    found = evaluate(target(), ScopeSeries(NOV, CostType.ACTUAL, "USD", days, True), None, None)
    assert found.observed == 2 and found.state is OK
