"""The `allocation-requests` queue: collectors enqueue the periods whose inputs changed.

Messages are Base64-encoded text, the Functions queue extension's default (see host.json).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import QueueClient

from shared.core.period import BillingPeriod
from shared.core.requests import AllocationRequest


class StorageAllocationQueue:
    """Azure Queue Storage (or Azurite) through azure-storage-queue, Base64 encoded."""

    def __init__(self, client: QueueClient) -> None:
        self._client = client

    def ensure(self) -> None:
        with contextlib.suppress(ResourceExistsError):
            self._client.create_queue()

    def enqueue(self, periods: Iterable[BillingPeriod]) -> None:
        for period in sorted(set(periods)):
            self._client.send_message(AllocationRequest(period).to_json())


@dataclass
class MemoryAllocationQueue:
    """In-memory queue for unit tests of services."""

    sent: list[BillingPeriod] = field(default_factory=list)

    def enqueue(self, periods: Iterable[BillingPeriod]) -> None:
        self.sent.extend(sorted(set(periods)))
