"""The port fakes of tests/fakes.py answer as the table adapters they stand for (which are tested on
Azurite), so that a service test over a fake says something about the real composition."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import cast

import pytest

from shared.adapters.storage.callers_table import CallerUsageTable
from shared.adapters.storage.input_versions_table import InputVersionsTable
from shared.adapters.storage.outcomes_table import OutcomeTable
from shared.adapters.storage.price_table import PriceTable
from shared.core.callers import Caller, CallerKind, CallerUsage, TelemetrySource
from shared.core.inputs import WRITER_LEASE, InputScope, InputSource
from shared.core.outcomes import DailyOutcomes, OutcomeEvent, PushReport
from shared.core.period import BillingPeriod, DateWindow
from shared.errors import CollectionInProgress, Conflict, InvalidInput
from shared.services.ports import (
    CallerUsageStore,
    CollectionTimes,
    InputVersions,
    OutcomeStore,
    PendingWrite,
    PriceStore,
)
from tests.builders import ACC, NOV, NOW, price_item
from tests.fakes import (
    MemoryCallerUsage,
    MemoryInputVersions,
    MemoryOutcomes,
    MemoryPriceStore,
    MemoryTableGateway,
)

USAGE = InputScope.of(InputSource.USAGE, NOV)
PRICES = InputScope.of(InputSource.PRICES)
Clock = list[datetime]


def fake_versions(clock: Callable[[], datetime]) -> InputVersions:
    return MemoryInputVersions(clock=clock)


def table_versions(clock: Callable[[], datetime]) -> InputVersions:
    return InputVersionsTable(MemoryTableGateway(), clock=clock)


@pytest.fixture(params=[fake_versions, table_versions], ids=["fake", "table"])
def versions(request: pytest.FixtureRequest) -> tuple[InputVersions, Clock]:
    now = [NOW]
    return request.param(lambda: now[0]), now


def test_versions_sum_the_periods_and_the_shared_sequences_bumped_by_changes(
    versions: tuple[InputVersions, Clock],
) -> None:
    store, _now = versions
    store.begin([USAGE, PRICES])
    marked = store.version(NOV)
    assert {w.scope for w in marked.writers} == {USAGE, PRICES}
    assert store.end([USAGE, PRICES], {USAGE}) == {USAGE}
    store.begin([PRICES])
    assert store.end([PRICES], {PRICES}) == {PRICES}
    assert store.version(NOV).sequence == 2 and store.version(NOV).writers == ()
    assert store.version(NOV.next()).sequence == 1  # the shared prices only


def test_a_collection_stamps_when_it_read_each_scope_without_changing_any_version(
    versions: tuple[InputVersions, Clock],
) -> None:
    store, now = versions
    times = cast(CollectionTimes, store)
    assert times.collection_stamps() == {}
    store.collected([USAGE, PRICES])
    later = now[0] = NOW + timedelta(hours=1)
    other = InputScope.of(InputSource.USAGE, NOV.next())
    store.collected([PRICES, other])
    assert times.collection_stamps() == {USAGE: NOW, PRICES: later, other: later}
    assert store.version(NOV).sequence == 0 and store.version(NOV).writers == ()


def test_a_live_writer_refuses_a_second_one_and_a_stalled_one_is_taken_over_and_bumped(
    versions: tuple[InputVersions, Clock],
) -> None:
    store, now = versions
    store.begin([PRICES])
    with pytest.raises(CollectionInProgress):
        store.begin([PRICES])
    assert store.stalled([PRICES]) == set()
    now[0] += WRITER_LEASE + timedelta(seconds=1)
    assert store.stalled([PRICES]) == {PRICES}
    store.begin([PRICES])
    assert store.end([PRICES], changed=()) == {PRICES}  # unchanged, but its writer had stopped
    assert store.version(NOV).sequence == 1


@pytest.fixture(params=["fake", "table"])
def prices(request: pytest.FixtureRequest) -> PriceStore:
    return MemoryPriceStore() if request.param == "fake" else PriceTable(MemoryTableGateway())


def test_price_stores_say_whether_the_items_changed_whatever_their_order(
    prices: PriceStore,
) -> None:
    items = [price_item("m-1"), price_item("m-2", "0.01")]
    assert prices.replace_items(items, NOW, "x")
    assert not prices.replace_items(list(reversed(items)), NOW + timedelta(days=1), "x")
    assert not prices.replace_items([*items, price_item("m-1", "0.5")], NOW, "x")  # first kept
    assert prices.replace_items(items[:1], NOW, "x")
    with pytest.raises(InvalidInput, match="no items"):
        prices.replace_items([], NOW, "x")


CHAT = f"{ACC}/deployments/chat"
SUB = Caller(CallerKind.APIM_SUBSCRIPTIONS, "sub/1 ü|#?\t")  # a name may hold any character
PRODUCT = Caller(CallerKind.APIM_PRODUCTS, "starter")
ROLE = Caller(CallerKind.APP_ROLES, "checkout")
OCT = BillingPeriod(2026, 10)


def oct_(day: int) -> date:
    return date(2026, 10, day)


def calls(caller: Caller, day: date, tokens: int, deployment: str = CHAT) -> CallerUsage:
    return CallerUsage(day, deployment, caller, tokens, 2 * tokens, 1)


def apply_all(plans: Mapping[BillingPeriod, PendingWrite]) -> set[BillingPeriod]:
    return {period for period, plan in plans.items() if plan and plan.apply()}


@pytest.fixture(params=["fake", "table"])
def callers(request: pytest.FixtureRequest) -> CallerUsageStore:
    return (
        MemoryCallerUsage() if request.param == "fake" else CallerUsageTable(MemoryTableGateway())
    )


def test_caller_stores_replace_one_sources_kinds_on_the_windows_days_only(
    callers: CallerUsageStore,
) -> None:
    month = DateWindow.inclusive(oct_(1), date(2026, 11, 1))
    apim = [calls(c, oct_(d), d) for d in (1, 2, 3, 4) for c in (SUB, PRODUCT)]
    apim.append(calls(SUB, date(2026, 11, 1), 7))
    assert apply_all(callers.plan_window(month, TelemetrySource.APIM, apim)) == {OCT, NOV}
    roles = [calls(ROLE, oct_(d), 10 * d) for d in (1, 2, 3, 4)]
    assert apply_all(callers.plan_window(month, TelemetrySource.APP_INSIGHTS, roles)) == {OCT}
    assert callers.count_window(month, TelemetrySource.APIM) == 9

    days_2_3 = DateWindow.inclusive(oct_(2), oct_(3))
    restated = [calls(SUB, oct_(2), 99), calls(SUB, oct_(9), 5)]  # day 9: outside, ignored
    plans = callers.plan_window(days_2_3, TelemetrySource.APIM, restated)
    assert list(plans) == [OCT] and plans[OCT].apply()
    kept = callers.usage_for(OCT, [SUB.kind, PRODUCT.kind])
    got = {(u.caller, u.date.day): u.input_tokens for u in kept}
    assert got == {(SUB, 1): 1, (PRODUCT, 1): 1, (SUB, 2): 99, (SUB, 4): 4, (PRODUCT, 4): 4}
    assert callers.usage_for(OCT, [CallerKind.APP_ROLES]) == roles  # the other source untouched
    assert [u.date.day for u in callers.usage_for(NOV)] == [1]
    assert len(callers.usage_for(OCT)) == 5 + 4
    assert not any(callers.plan_window(days_2_3, TelemetrySource.APIM, restated).values())


def test_caller_stores_sum_a_days_repeats_and_refuse_another_sources_kind(
    callers: CallerUsageStore,
) -> None:
    window = DateWindow.inclusive(oct_(1), oct_(1))
    twice = [calls(ROLE, oct_(1), 2**40), calls(ROLE, oct_(1), 3, CHAT.upper())]
    apply_all(callers.plan_window(window, TelemetrySource.APP_INSIGHTS, twice))
    (stored,) = callers.usage_for(OCT)
    assert stored == CallerUsage(oct_(1), CHAT, ROLE, 2**40 + 3, 2 * (2**40 + 3), 2)
    assert callers.count_window(window, TelemetrySource.APP_INSIGHTS) == 1
    with pytest.raises(InvalidInput, match="appRoles:checkout"):
        callers.plan_window(window, TelemetrySource.APIM, twice)


@pytest.fixture(params=["fake", "table"])
def outcomes(request: pytest.FixtureRequest) -> OutcomeStore:
    return MemoryOutcomes() if request.param == "fake" else OutcomeTable(MemoryTableGateway())


def test_outcome_stores_sum_collected_and_pushed_per_day_and_days_without_data_are_absent(
    outcomes: OutcomeStore,
) -> None:
    window = DateWindow.inclusive(oct_(1), oct_(5))
    counted = [DailyOutcomes(oct_(1), 3), DailyOutcomes(oct_(2), 0), DailyOutcomes(oct_(2), 1)]
    assert apply_all(outcomes.plan_collected("chat", window, counted)) == {OCT}
    assert not any(outcomes.plan_collected("chat", window, counted).values())
    assert outcomes.count_collected("chat", window) == 2
    report = outcomes.add_events("chat", [OutcomeEvent("a", oct_(1), 2),
                                          OutcomeEvent("b", date(2026, 11, 2), 5)])  # fmt: skip
    assert report == PushReport(accepted=("a", "b"), repeated=())
    assert outcomes.daily("chat", OCT) == {oct_(1): 5, oct_(2): 1}
    assert outcomes.daily("chat", NOV) == {date(2026, 11, 2): 5}
    assert outcomes.daily("other", OCT) == {}
    again = outcomes.add_events("chat", [OutcomeEvent("c", oct_(9), 1),
                                         OutcomeEvent("a", oct_(1), 2)])  # fmt: skip
    assert again == PushReport(accepted=("c",), repeated=("a",))
    assert apply_all(outcomes.plan_collected("chat", window, [DailyOutcomes(oct_(2), 4)]))
    assert outcomes.daily("chat", OCT) == {oct_(1): 2, oct_(2): 4, oct_(9): 1}  # events stay


def test_outcome_stores_refuse_an_id_stored_with_another_date_or_count_and_store_nothing(
    outcomes: OutcomeStore,
) -> None:
    outcomes.add_events("chat", [OutcomeEvent("a", oct_(1), 2)])
    moved = OutcomeEvent("a", date(2026, 11, 1), 2)  # another period: still the same id
    problems = []
    for batch, index in (
        ([OutcomeEvent("new", oct_(3), 1), moved], 1),
        ([OutcomeEvent("a", oct_(1), 3)], 0),
        ([OutcomeEvent("x", oct_(3), 1), OutcomeEvent("x", oct_(3), 2)], 1),
    ):
        with pytest.raises(Conflict) as refused:
            outcomes.add_events("chat", batch)
        assert refused.value.field == f"outcomes[{index}].id"
        problems.append(refused.value.problem)
    assert all("'a'" in p and "date 2026-10-01 and count 2" in p for p in problems[:2])
    assert "also at outcomes[0]" in problems[2]
    assert outcomes.daily("chat", OCT) == {oct_(1): 2}
    assert outcomes.daily("chat", NOV) == {}
    assert outcomes.add_events("other", [moved]).accepted == ("a",)  # ids are per use case
