"""The allocation-request consumer with in-memory fakes: deterministic errors poison the message at
once with a one-line reason, transient ones propagate for the host to retry."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from azure.core.exceptions import ServiceRequestError

from shared.core.period import BillingPeriod
from shared.core.requests import POISON_MESSAGE_CHARS, AllocationRequest
from shared.errors import (
    ConfigurationError,
    CurrencyMismatch,
    FinOpsError,
    InvalidInput,
    NotFound,
    SourceError,
    StorageUnavailable,
    ThrottledError,
    excerpt,
    is_retryable,
)
from shared.services.allocation import AllocationOutcome, AllocationStatus
from shared.services.allocation_requests import Allocated, AllocationRequestService, Poisoned
from tests.fakes import FakeAllocator, MemoryAllocationQueue

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
OCT, NOV = BillingPeriod(2026, 10), BillingPeriod(2026, 11)
HUGE = "9" * 65536  # a 64 KB period string


def service(
    allocator: FakeAllocator | None = None, queue: MemoryAllocationQueue | None = None
) -> tuple[AllocationRequestService, FakeAllocator, MemoryAllocationQueue]:
    allocator = allocator or FakeAllocator()
    queue = queue if queue is not None else MemoryAllocationQueue()
    return AllocationRequestService(allocator, queue, lambda: NOW), allocator, queue


def body(period: str) -> bytes:
    return json.dumps({"period": period}).encode()


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (InvalidInput("period", "bad"), False),
        (CurrencyMismatch({"USD", "EUR"}), False),
        (NotFound("period", "2026-10"), False),
        (ConfigurationError("COST_SCOPES", "missing"), False),
        (SourceError("cost query failed"), True),
        (ThrottledError("throttled", 30), True),
        (StorageUnavailable("http://127.0.0.1:1/acct", "[Errno 111] Connection refused"), True),
        (FinOpsError("an error that does not say"), True),
        (ServiceRequestError("connection refused"), True),  # not a project error: transient
        (KeyError("a bug"), True),
    ],
)
def test_every_error_says_whether_retrying_can_help(error: Exception, retryable: bool) -> None:
    assert is_retryable(error) is retryable


def test_a_good_request_is_allocated_and_nothing_is_poisoned() -> None:
    consumer, allocator, queue = service()
    done = AllocationOutcome(OCT, AllocationStatus.ALLOCATED, detail="recorded")
    assert consumer.handle(body("2026-10"), "m1", 1) == Allocated(OCT, done)
    assert allocator.done == [OCT] and queue.poisoned == []


@pytest.mark.parametrize(
    ("message", "error_type", "reason"),
    [
        (b"not json", "InvalidInput", "message: not JSON: 'not json'"),
        (b'{"month": "2026-10"}', "InvalidInput", "period: missing"),
        (b'{"period": 202610}', "InvalidInput", "period: must be a string YYYY-MM, got 202610"),
        (b'["2026-10"]', "InvalidInput", "message: expected a JSON object, got list"),
        (body("2026-13"), "InvalidInput", "period: month must be 01..12, got '2026-13'"),
        (b"[" * 100_000, "InvalidInput", "message: not JSON: '[[[["),  # nested past recursion
        # Later than next month (December 2026, on 20 November): no billing month yet.
        (body("2027-01"), "InvalidInput", "period: 2027-01 is later than 2026-12"),
    ],
)
def test_a_bad_message_is_poisoned_at_once_with_its_reason(
    message: bytes, error_type: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    consumer, allocator, queue = service()
    with caplog.at_level(logging.WARNING):
        outcome = consumer.handle(message, "m1", 1)

    assert isinstance(outcome, Poisoned) and outcome.error_type == error_type
    assert outcome.reason.startswith(reason)
    assert allocator.done == []
    [poisoned] = queue.poisoned
    sent = json.loads(poisoned.to_json())
    assert sent == {
        "message": message.decode(errors="replace")[:POISON_MESSAGE_CHARS],
        "messageLength": len(message),
        "reason": outcome.reason,
        "errorType": error_type,
        "failedAt": "2026-11-20T09:30:00Z",
        "messageId": "m1",
        "dequeueCount": 1,
    }
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "\n" not in warning.getMessage() and outcome.reason in warning.getMessage()
    assert "allocation-requests-poison" in warning.getMessage()


def test_next_month_is_still_a_plausible_billing_month() -> None:
    consumer, allocator, _queue = service()
    assert isinstance(consumer.handle(body("2026-12")), Allocated)
    assert allocator.done == [BillingPeriod(2026, 12)]


def test_a_64_kb_period_is_quoted_in_40_characters_with_its_length_not_echoed_whole() -> None:
    consumer, _allocator, queue = service()
    outcome = consumer.handle(body(HUGE), "m1", 1)

    assert isinstance(outcome, Poisoned)
    assert outcome.reason == f"period: expected YYYY-MM, got '{'9' * 40}'\u2026 (65536 chars)"
    assert len(outcome.reason) < 100
    sent = json.loads(queue.poisoned[0].to_json())
    assert len(sent["message"]) == POISON_MESSAGE_CHARS  # the original, cut to 4 KB
    assert sent["messageLength"] == len(body(HUGE))
    assert len(queue.poisoned[0].to_json().encode()) < 8 * 1024  # far below the 64 KB limit


def test_parse_errors_quote_at_most_40_characters_on_one_line() -> None:
    with pytest.raises(InvalidInput) as err:
        BillingPeriod.parse("x\n" * 5000)
    assert "\n" not in str(err.value) and "(10000 chars)" in str(err.value)
    with pytest.raises(InvalidInput) as err:
        AllocationRequest.from_json("{" + " " * 70_000)
    assert len(str(err.value)) < 100
    assert excerpt("2026-10") == "'2026-10'"


@pytest.mark.parametrize(
    "error",
    [CurrencyMismatch({"USD", "EUR"}), NotFound("period", "2026-10 has no cost lines")],
)
def test_a_deterministic_allocation_error_poisons_the_message(error: Exception) -> None:
    consumer, _allocator, queue = service(FakeAllocator(failures={OCT: error}))
    outcome = consumer.handle(body("2026-10"), "m7", 2)

    assert outcome == Poisoned(str(error), type(error).__name__, "m7")
    assert queue.poisoned[0].error_type == type(error).__name__


@pytest.mark.parametrize(
    "error",
    [
        SourceError("cost query failed"),
        StorageUnavailable("http://127.0.0.1:1/acct", "[Errno 111] Connection refused"),
        ServiceRequestError("connection refused"),
        RuntimeError("a bug"),
    ],
)
def test_a_transient_error_propagates_for_the_host_to_retry(error: Exception) -> None:
    consumer, _allocator, queue = service(FakeAllocator(failures={OCT: error}))
    with pytest.raises(type(error)):
        consumer.handle(body("2026-10"), "m1", 1)
    assert queue.poisoned == []


def test_drain_handles_every_message_past_bad_ones_and_says_what_it_did() -> None:
    queue = MemoryAllocationQueue()
    queue.put('{"period": "2026-13"}')
    queue.enqueue([OCT])
    queue.put(json.dumps({"period": HUGE}))
    queue.put("eyJwZXJpb2Qi", undecodable="not Base64-encoded UTF-8 text")
    queue.enqueue([NOV])
    allocator = FakeAllocator(failures={NOV: CurrencyMismatch({"USD", "EUR"})})
    consumer, _allocator, _queue = service(allocator, queue)

    drained = consumer.drain(batch_size=2)

    assert drained.periods == [OCT] and allocator.done == [OCT]
    assert [p.error_type for p in drained.poisoned] == [
        "InvalidInput", "InvalidInput", "InvalidInput", "CurrencyMismatch",
    ]  # fmt: skip
    assert drained.poisoned[2].reason == "message: not Base64-encoded UTF-8 text"
    assert [p.reason for p in drained.poisoned] == [p.reason for p in queue.poisoned]
    assert not queue.waiting and not queue.in_flight and len(queue.completed) == 5


def test_drain_stops_at_a_transient_error_and_leaves_that_message_on_the_queue() -> None:
    queue = MemoryAllocationQueue()
    queue.enqueue([OCT, NOV])
    consumer, _allocator, _queue = service(FakeAllocator(failures={NOV: SourceError("x")}), queue)
    with pytest.raises(SourceError):
        consumer.drain()
    assert [m.text for m in queue.completed] == [AllocationRequest(OCT).to_json()]
    assert list(queue.in_flight) == ["2"]  # visible again after the visibility timeout
    assert queue.poisoned == []


def test_the_outcome_of_an_allocation_is_returned_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    consumer, _allocator, _queue = service()
    with caplog.at_level(logging.INFO):
        outcome = consumer.handle(body("2026-10"))
    assert isinstance(outcome, Allocated) and outcome.outcome.period == OCT
    assert "2026-10 allocated: recorded" in caplog.text
