"""Cost Management queries paced by the QPU budget the answers report left: the header as Azure
sends it, the pacer's waits, and the real Cost Management client over an in-memory transport
(one pacer across months, sources and clients; a 429's headers left to the retry policy)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from shared.adapters.azure.cost_management import CostManagementSource
from shared.adapters.azure.qpu_pacing import REMAINING, QpuPacer, consumed_qpu, remaining_qpu
from shared.core.costs import CostType
from shared.core.period import DateWindow
from shared.errors import ThrottledError
from tests.unit.azure_memory import (
    MemoryCredential,
    MemoryTransport,
    Reply,
    excerpt_headers,
    real_429_body,
    spec_body,
)

ARM = "https://management.azure.com"
SCOPE = "providers/Microsoft.Billing/billingAccounts/70664866"
FEB_MAR_2018 = DateWindow(date(2018, 2, 1), date(2018, 4, 1))  # two queries: one per month
PLENTY = "QueriesPerHour:597,QueriesPerMin:57,QueriesPer10Sec:9"
TEN_SECONDS_SPENT = "QueriesPerHour:590,QueriesPerMin:50,QueriesPer10Sec:0"


class Clock:
    """A monotonic clock that only the pacer's sleeps move."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def answer(remaining: str) -> Reply:
    """The spec example's last page, with the QPU headers of an answer."""
    body = copy.deepcopy(spec_body("azure-rest-api-specs_2025-03-01_BillingAccountQuery.json"))
    body["properties"]["nextLink"] = None
    headers = {REMAINING: remaining, "x-ms-ratelimit-microsoft.costmanagement-qpu-consumed": "1"}
    return Reply(200, body, headers)


def no_retry(seconds: float) -> None:
    raise AssertionError(f"the retry policy waited {seconds} s")


def source(transport: MemoryTransport, pacer: QpuPacer, **kwargs: Any) -> CostManagementSource:
    return CostManagementSource(
        MemoryCredential(), [SCOPE], ARM, sleep=no_retry, transport=transport, pacer=pacer,
        **kwargs,
    )  # fmt: skip


def test_the_budget_left_and_the_cost_are_read_from_a_real_answer() -> None:
    headers = excerpt_headers("200 OK response headers")  # microsoft/AzureTRE#2835
    assert remaining_qpu(headers) == {
        "QueriesPerHour": 597, "QueriesPerMin": 57, "QueriesPer10Sec": 9,
    }  # fmt: skip
    assert consumed_qpu(headers) == 2
    assert remaining_qpu({REMAINING: "QueriesPerDay:3,QueriesPerMin:x"}) == {}
    assert consumed_qpu({}) == 1


def test_a_budget_left_is_not_waited_for() -> None:
    clock = Clock()
    pacer = QpuPacer(clock.sleep, clock)
    pacer.observe({REMAINING: PLENTY})
    assert pacer.wait() == 0.0 and clock.sleeps == []


def test_a_spent_window_is_waited_out_from_when_it_was_read() -> None:
    clock = Clock()
    pacer = QpuPacer(clock.sleep, clock)
    pacer.observe({REMAINING: TEN_SECONDS_SPENT})
    clock.now += 3  # the answer was parsed and stored meanwhile
    assert pacer.wait() == 7.0
    assert clock.sleeps == [7.0]
    assert pacer.wait() == 0.0  # refilled: the next answer says what is left


def test_a_query_costing_more_than_is_left_waits_the_longest_spent_window() -> None:
    clock = Clock()
    pacer = QpuPacer(clock.sleep, clock)
    pacer.observe({REMAINING: "QueriesPerHour:500,QueriesPerMin:1,QueriesPer10Sec:1",
                   "x-ms-ratelimit-microsoft.costmanagement-qpu-consumed": "2"})  # fmt: skip
    pacer.wait()
    assert clock.sleeps == [60.0]


def test_an_hourly_budget_used_up_is_a_throttled_error_without_waiting() -> None:
    clock = Clock()
    pacer = QpuPacer(clock.sleep, clock)
    pacer.observe({REMAINING: "QueriesPerHour:0,QueriesPerMin:40,QueriesPer10Sec:8"})
    with pytest.raises(ThrottledError, match=r"QueriesPerHour exhausted\); retry after 3600 s"):
        pacer.wait()
    assert clock.sleeps == []


def test_the_months_of_a_window_are_paced_by_the_answers_before_them() -> None:
    clock = Clock()
    pacer = QpuPacer(clock.sleep, clock)
    transport = MemoryTransport(answer(TEN_SECONDS_SPENT), answer(PLENTY))

    source(transport, pacer).fetch(FEB_MAR_2018)

    assert len(transport.requests) == 2 and clock.sleeps == [10.0]


def test_one_pacer_paces_every_source_of_the_tenant_across_their_clients() -> None:
    clock = Clock()
    pacer = QpuPacer(clock.sleep, clock)
    march = DateWindow(date(2018, 3, 1), date(2018, 4, 1))
    transport = MemoryTransport(answer(TEN_SECONDS_SPENT), answer(TEN_SECONDS_SPENT))
    actual = source(transport, pacer)
    amortized = source(transport, pacer, cost_type=CostType.AMORTIZED)

    actual.fetch(march)  # a first period of a backfill
    assert clock.sleeps == []
    amortized.fetch(march)  # its other price basis: another client, the same budget
    assert clock.sleeps == [10.0]


def test_a_throttled_answer_is_left_to_the_retry_policy() -> None:
    clock = Clock()
    pacer = QpuPacer(clock.sleep, clock)
    throttled = Reply(429, real_429_body(), {
        "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "4",
        REMAINING: "QueriesPerHour:0,QueriesPerMin:0,QueriesPer10Sec:0",
    })  # fmt: skip
    transport = MemoryTransport(throttled, answer(PLENTY))
    waits: list[float] = []
    march = DateWindow(date(2018, 3, 1), date(2018, 4, 1))
    CostManagementSource(
        MemoryCredential(), [SCOPE], ARM, sleep=waits.append, transport=transport, pacer=pacer
    ).fetch(march)
    assert waits == [4.0]  # the retry-after, once
    assert clock.sleeps == []  # the 429's zeros are not a budget to wait for
