"""The `allocation-requests` queue: collectors enqueue the periods whose inputs changed; the
consumer (shared/services/allocation_requests.py) receives, completes, or poisons them.

Messages are Base64-encoded UTF-8 text, the Functions queue extension's encoding (host.json
`messageEncoding`); this adapter encodes and decodes itself, so that a message that is not Base64
reaches the consumer as a bad message instead of failing the whole batch in the SDK. A message
that can never succeed goes to `{queue}-poison`, the queue where the Functions host puts what it
gave up on, as the JSON of `PoisonedMessage` (shared/core/requests.py).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterable, Sequence
from datetime import timedelta

from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import QueueClient

from shared.adapters.storage.storage_errors import storage_adapter
from shared.core.period import BillingPeriod
from shared.core.requests import AllocationRequest, PoisonedMessage, QueuedMessage

POISON_SUFFIX = "-poison"


NOW = timedelta(0)


def poison_queue_name(queue: str) -> str:
    """Where the Functions host (and the consumer) put the messages of `queue` given up on."""
    return f"{queue}{POISON_SUFFIX}"


def encode(text: str) -> str:
    """Base64 of the UTF-8 text, as the Functions queue extension writes and reads it."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode(content: str) -> str:
    """The text of a Base64 message; ValueError when it is not Base64 of UTF-8 text."""
    try:
        return base64.b64decode(content.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError) as error:
        raise ValueError("not Base64-encoded UTF-8 text (host.json messageEncoding)") from error


@storage_adapter(lambda queue: queue._client.url)
class StorageAllocationQueue:
    """Azure Queue Storage (or Azurite) through azure-storage-queue, Base64 encoded; storage that
    cannot be reached raises StorageUnavailable from every method.

    Both clients must be plain ones (no message encode or decode policy): the adapter encodes.
    """

    def __init__(self, client: QueueClient, poison: QueueClient) -> None:
        self._client = client
        self._poison = poison

    @property
    def name(self) -> str:
        return str(self._client.queue_name)

    def ensure(self) -> None:
        for client in (self._client, self._poison):
            with contextlib.suppress(ResourceExistsError):
                client.create_queue()

    def enqueue(self, periods: Iterable[BillingPeriod]) -> None:
        for period in sorted(set(periods)):
            self._client.send_message(encode(AllocationRequest(period).to_json()))

    def defer(self, period: BillingPeriod, delay: timedelta) -> None:
        self._client.send_message(
            encode(AllocationRequest(period).to_json()),
            visibility_timeout=max(0, int(delay.total_seconds())),
        )

    def send(self, requests: Sequence[AllocationRequest], delay: timedelta = NOW) -> None:
        """Send each request (a shard's, or a period's), visible after `delay`."""
        seconds = max(0, int(delay.total_seconds()))
        for request in requests:
            self._client.send_message(encode(request.to_json()), visibility_timeout=seconds or None)

    def receive(self, max_messages: int = 32, visibility_timeout: int = 60) -> list[QueuedMessage]:
        batch = self._client.receive_messages(
            messages_per_page=max_messages,  # one request for the batch, not one per message
            max_messages=max_messages,
            visibility_timeout=visibility_timeout,
        )
        return [_received(message) for message in batch]

    def complete(self, message: QueuedMessage) -> None:
        self._client.delete_message(message.receipt)  # type: ignore[arg-type]  # the SDK's message

    def poison(self, message: PoisonedMessage) -> None:
        self._poison.send_message(encode(message.to_json()))


def _received(message: object) -> QueuedMessage:
    content = str(getattr(message, "content", "") or "")
    try:
        text, problem = decode(content), None
    except ValueError as error:
        text, problem = content, str(error)
    return QueuedMessage(
        id=str(getattr(message, "id", "")),
        text=text,
        dequeue_count=int(getattr(message, "dequeue_count", 0) or 0),
        receipt=message,
        undecodable=problem,
    )
