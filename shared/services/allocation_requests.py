"""The consumer of the allocation queue: one message body in, one period allocated or the message
poisoned with its reason.

- A deterministic error (`retryable = False`: a malformed message, a period that is no billing
  month yet, a currency mismatch, ...) fails the same way on every delivery: the message goes to
  `{queue}-poison` at once, as `PoisonedMessage` JSON with the reason, and a one-line warning is
  logged. `handle` then returns normally, so the Functions host deletes the original instead of
  retrying it five times.
- Anything else (a transient project error such as `SourceError` or `StorageUnavailable`, an
  SDK's AzureError, a bug) propagates: the host retries, and in the end poison-queues the message
  itself (the original text only).

`drain` processes every queued message the same way (the CLI demo, tests), past bad ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.core.clock import utc_now
from shared.core.period import BillingPeriod
from shared.core.requests import AllocationRequest, PoisonedMessage, QueuedMessage
from shared.core.shards import AccountShard
from shared.errors import InvalidInput, is_retryable
from shared.services.allocation import AllocationOutcome
from shared.services.ports import AllocationRequestQueue

log = logging.getLogger(__name__)


class PeriodAllocator(Protocol):
    """Allocates one period (the AllocationService)."""

    def allocate(self, period: BillingPeriod) -> AllocationOutcome: ...


class Allocator(PeriodAllocator, Protocol):
    """Allocates one period, or one shard of it (the AllocationService)."""

    def allocate_shard(self, period: BillingPeriod, shard: AccountShard) -> AllocationOutcome: ...


@dataclass(frozen=True)
class Allocated:
    period: BillingPeriod
    outcome: AllocationOutcome


@dataclass(frozen=True)
class Poisoned:
    reason: str
    error_type: str
    message_id: str | None = None


@dataclass(frozen=True)
class DrainReport:
    allocated: tuple[Allocated, ...] = ()
    poisoned: tuple[Poisoned, ...] = ()

    @property
    def periods(self) -> list[BillingPeriod]:
        """The periods allocated, in the order the messages came."""
        return [done.period for done in self.allocated]


@dataclass
class AllocationRequestService:
    """`after` runs once a period is allocated (whether its allocation changed or not; not when
    it was deferred, fanned out into shards, or a shard's part waits for the others): the
    targets' evaluation. Its transient errors propagate like the
    allocation's, so the message is retried (the allocation is then a no-op)."""

    allocator: Allocator
    queue: AllocationRequestQueue
    now: Callable[[], datetime] = field(default=utc_now)
    after: Callable[[BillingPeriod], object] | None = None

    def handle(
        self, body: str | bytes, message_id: str | None = None, dequeue_count: int | None = None
    ) -> Allocated | Poisoned:
        """Allocate the period `body` asks for, or poison it if it can never succeed; a transient
        error propagates (the caller's message stays on the queue for a retry)."""
        return self._process(body, message_id, dequeue_count, undecodable=None)

    def drain(self, batch_size: int = 32, visibility_timeout: int = 60) -> DrainReport:
        """Handle every queued message until the queue is empty; a bad message is poisoned and
        the drain goes on. A transient error propagates (that message is retried later)."""
        allocated: list[Allocated] = []
        poisoned: list[Poisoned] = []
        while batch := self.queue.receive(batch_size, visibility_timeout):
            for message in batch:
                outcome = self._receive(message)
                if isinstance(outcome, Allocated):
                    allocated.append(outcome)
                else:
                    poisoned.append(outcome)
        return DrainReport(tuple(allocated), tuple(poisoned))

    def _receive(self, message: QueuedMessage) -> Allocated | Poisoned:
        outcome = self._process(
            message.text, message.id, message.dequeue_count, undecodable=message.undecodable
        )
        self.queue.complete(message)  # after the poison message is sent: nothing is lost
        return outcome

    def _process(
        self,
        body: str | bytes,
        message_id: str | None,
        dequeue_count: int | None,
        undecodable: str | None,
    ) -> Allocated | Poisoned:
        try:
            if undecodable is not None:
                raise InvalidInput("message", undecodable)
            request = AllocationRequest.from_json(body, today=self.now().date())
            if request.shard is None:
                result = self.allocator.allocate(request.period)
            else:
                result = self.allocator.allocate_shard(request.period, request.shard)
            if self.after is not None and result.status.settled:
                self.after(request.period)
        except Exception as error:
            if is_retryable(error):
                raise
            return self._poison(body, error, message_id, dequeue_count)
        log.info("allocate_period %s", result)
        return Allocated(request.period, result)

    def _poison(
        self,
        body: str | bytes,
        error: Exception,
        message_id: str | None,
        dequeue_count: int | None,
    ) -> Poisoned:
        poisoned = PoisonedMessage.of(body, error, self.now(), message_id, dequeue_count)
        self.queue.poison(poisoned)
        log.warning(
            "allocation request %s poisoned to %s-poison: %s: %s",
            message_id or "-", self.queue.name, poisoned.error_type, poisoned.reason,
        )  # fmt: skip
        return Poisoned(poisoned.reason, poisoned.error_type, message_id)
