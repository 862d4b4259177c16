"""Unit-cost target events to an Event Grid Basic custom topic, as CloudEvents 1.0, through
`azure-eventgrid`'s `EventGridPublisherClient` (docs/targets.md).

The topic (`EVENTGRID_TOPIC_ENDPOINT`, `https://<topic>.<region>-1.eventgrid.azure.net/api/events`)
must be created with the CloudEvents 1.0 input schema. Each `OutboxEvent` becomes one
`azure.core.messaging.CloudEvent`: `source` is `SOURCE` (one constant for every target event, so
subscribers filter on it; the target is in `subject`, `targets/{id}`), `type`, `subject`, `id`
(stable: the same transition, the same id, so subscribers can drop a repeat) and `time` as stored,
`data` the event's JSON (`datacontenttype` `application/json`). The client posts a batch as
`application/cloudevents-batch+json; charset=utf-8` with a token for its default Basic-topic
scope, `https://eventgrid.azure.net/.default` (the identity needs `EventGrid Data Sender` on the
topic).

Limits (azure-usage-facts 5.3): 1 MB per event and per request, 5,000 events per request. Every
event's serialized size is estimated from above (`serialized_size`: the SDK's own `json.dumps`,
ASCII-escaped, plus `SLACK_BYTES`), and the events are packed, in order, into batches of at most
`MAX_BATCH_EVENTS` events and `MAX_REQUEST_BYTES` bytes (1 MB read as 10^6, less a 16 KiB
margin). An event that cannot fit a request on its own (or whose data is not JSON) is refused:
the others are still sent, then `PublishError` names it. Nothing is dropped silently.

Retries: 429, 500 and 503 are retried as the project's `RetryRules` say (`RETRY`: waited as
`Retry-After` asks, bounded, through the injected `sleep`). `EventGridPublisherClient` for a Basic
topic ignores its constructor's keyword arguments (azure-eventgrid 4.x builds the Basic publisher
from the endpoint, the credential and the api-version only), so its pipeline cannot be given a
retry policy; instead every `send` passes the public per-call options of azure-core's pipeline:
`retry_total=0` (the SDK's own policy does not retry: 10 retries, any Retry-After waited, would be
its default), and the transport's `connection_timeout` / `read_timeout`; the attempts are made
here. A timeout is not retried (a POST that may have been accepted).

Failures: any failure is a one-line `PublishError` (a `SourceError`). Its `accepted` holds the
events of the batches accepted before it (a 200), which the caller marks sent; the rest stay in
the outbox and are sent by the next run. Delivery is at least once: a batch that timed out or
answered 500 may have been accepted, and is sent again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from azure.core.credentials import TokenCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient

from shared.adapters.azure.calls import CallOptions, RetryRules, mapped
from shared.core.target_records import OutboxEvent
from shared.errors import ConfigurationError, PartlyAccepted, SourceError, excerpt, one_line


class _PerCallOptionsFilter(logging.Filter):
    """azure-eventgrid hands `send`'s per-call pipeline options to its event model too, which
    warns that each "is not a known attribute of class CloudEvent": those warnings only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            "is not a known attribute" in record.getMessage()
            and any(option in record.getMessage() for option in PER_CALL_OPTIONS)
        )


PER_CALL_OPTIONS = ("retry_total", "connection_timeout", "read_timeout")
logging.getLogger("azure.eventgrid._legacy._generated._serialization").addFilter(
    _PerCallOptionsFilter()
)

SOURCE = "/finops-for-ai/targets"
DATA_CONTENT_TYPE = "application/json"
EVENTGRID_SCOPE = "https://eventgrid.azure.net/.default"  # the client's default (documented here)
MAX_BATCH_EVENTS = 5_000
LIMIT_BYTES = 1_000_000  # Event Grid's "1 MB" per event and per request, read as 10^6
MARGIN_BYTES = 16 * 1024
MAX_REQUEST_BYTES = LIMIT_BYTES - MARGIN_BYTES
# Over the size of `_envelope`'s JSON: a time written with more digits than `isoformat`, and
# whatever the SDK adds per event.
SLACK_BYTES = 64
# 429, 500 and 503, four attempts, waited as `Retry-After` asks, else 1 s, 2 s, 4 s; a wait over
# 60 s is given up at once (the events stay in the outbox for the next run).
RETRY = RetryRules(
    frozenset({429, 500, 503}),
    max_attempts=4,
    first_wait_seconds=1.0,
    max_backoff_seconds=30.0,
    max_wait_seconds=60.0,
)
TIMEOUT_SECONDS = 30.0  # connect and read, per attempt

T = TypeVar("T")


class PublishError(PartlyAccepted):
    """Events not accepted; `accepted` are the ones accepted before the failure (mark them sent)."""

    def __init__(self, message: str, accepted: Sequence[OutboxEvent] = ()) -> None:
        super().__init__(message, [e.id for e in accepted])
        self.accepted: tuple[OutboxEvent, ...] = tuple(accepted)


@dataclass(frozen=True)
class Refused:
    event: OutboxEvent
    reason: str


class EventGridPublisher:
    """The `EventPublisher` port (shared/services/ports.py) on an Event Grid Basic topic."""

    def __init__(
        self,
        endpoint: str,
        credential: TokenCredential,
        options: CallOptions | None = None,
        *,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        self._endpoint = endpoint
        self._credential = credential
        self._options = options or CallOptions(RETRY)
        self._timeout = timeout_seconds

    def send(self, events: Sequence[OutboxEvent]) -> None:
        """Send every event, in order, in as few batches as the limits allow; PublishError if any
        was not accepted (the accepted ones in its `accepted`)."""
        if not events:
            return
        sendable, refused = prepare(events)
        batches = pack([((event, cloud), size) for event, cloud, size in sendable])
        accepted: list[OutboxEvent] = []
        topic = _topic(self._endpoint)
        with self._client() as client:
            for number, batch in enumerate(batches, start=1):
                what = (
                    f"Event Grid publish to {topic} (batch {number} of {len(batches)}, "
                    f"{len(batch)} events)"
                )
                try:
                    self._send(client, [cloud for _event, cloud in batch], what)
                except SourceError as err:
                    kept = len(events) - len(accepted)
                    raise PublishError(
                        one_line(f"{err}; {len(accepted)} accepted before, {kept} kept to resend"),
                        accepted,
                    ) from err
                accepted.extend(event for event, _cloud in batch)
        if refused:
            first = refused[0]
            more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
            raise PublishError(
                one_line(
                    f"Event Grid publish to {topic}: event {excerpt(first.event.id)} "
                    f"({first.event.type}, {first.event.subject}) refused: {first.reason}{more}; "
                    f"{len(accepted)} other events accepted"
                ),
                accepted,
            )

    def _client(self) -> EventGridPublisherClient:
        if self._options.transport is not None:
            raise ConfigurationError(
                "transport", "the Basic EventGridPublisherClient takes no injected transport"
            )
        return EventGridPublisherClient(self._endpoint, self._credential)

    def _send(
        self, client: EventGridPublisherClient, batch: list[CloudEvent[Any]], what: str
    ) -> None:
        """One batch, attempted as `RETRY` says; the last failure as a SourceError."""
        rules = self._options.rules
        for attempt in range(1, rules.max_attempts + 1):
            try:
                with mapped(what):
                    client.send(
                        batch,
                        retry_total=0,
                        connection_timeout=self._timeout,
                        read_timeout=self._timeout,
                    )
                return
            except SourceError as err:
                response = getattr(err.__cause__, "response", None)
                status = getattr(response, "status_code", None)
                if status not in rules.statuses or attempt == rules.max_attempts:
                    raise
                wait = rules.wait(attempt, response.headers if response is not None else {})
                if wait > rules.max_wait_seconds:
                    raise
                self._options.sleep(wait)


def cloud_event(event: OutboxEvent) -> CloudEvent[Any]:
    """The CloudEvent of an outbox event (ValueError if its data is not JSON)."""
    return CloudEvent(
        source=SOURCE,
        type=event.type,
        subject=event.subject,
        id=event.id,
        time=event.time,
        data=json.loads(event.data_json),
        datacontenttype=DATA_CONTENT_TYPE,
    )


def serialized_size(event: OutboxEvent, data: Any) -> int:
    """An upper bound of the bytes the event takes in a batch body (the SDK writes the body with
    `json.dumps` defaults: ASCII only, `", "` and `": "` separators)."""
    return len(json.dumps(_envelope(event, data))) + SLACK_BYTES


def prepare(
    events: Sequence[OutboxEvent],
) -> tuple[list[tuple[OutboxEvent, CloudEvent[Any], int]], list[Refused]]:
    """Each event as (event, CloudEvent, size), and the events refused with the reason."""
    sendable: list[tuple[OutboxEvent, CloudEvent[Any], int]] = []
    refused: list[Refused] = []
    for event in events:
        try:
            cloud = cloud_event(event)
        except ValueError as err:
            refused.append(Refused(event, f"its data is not JSON ({err})"))
            continue
        size = serialized_size(event, cloud.data)
        if size + 2 > MAX_REQUEST_BYTES:  # alone in a request: `[` and `]` around it
            detail = (
                f"about {size} bytes serialized, over Event Grid's 1 MB per event "
                f"(at most {MAX_REQUEST_BYTES} are sent per request)"
            )
            refused.append(Refused(event, detail))
            continue
        sendable.append((event, cloud, size))
    return sendable, refused


def pack(
    sized: Sequence[tuple[T, int]],
    max_bytes: int = MAX_REQUEST_BYTES,
    max_events: int = MAX_BATCH_EVENTS,
) -> list[tuple[T, ...]]:
    """Items of the given serialized sizes, in order, in consecutive batches of at most
    `max_events` items whose JSON array (`[`, `]`, `", "` between items) takes at most
    `max_bytes` (an item too large alone gets a batch of its own: `prepare` refuses those)."""
    batches: list[tuple[T, ...]] = []
    current: list[T] = []
    used = 2
    for item, size in sized:
        extra = size + (2 if current else 0)
        if current and (len(current) >= max_events or used + extra > max_bytes):
            batches.append(tuple(current))
            current, used, extra = [], 2, size
        current.append(item)
        used += extra
    if current:
        batches.append(tuple(current))
    return batches


def _envelope(event: OutboxEvent, data: Any) -> dict[str, Any]:
    return {
        "id": event.id,
        "source": SOURCE,
        "data": data,
        "type": event.type,
        "time": _time_text(event.time),
        "specversion": "1.0",
        "datacontenttype": DATA_CONTENT_TYPE,
        "subject": event.subject,
    }


def _time_text(moment: datetime) -> str:
    return moment.isoformat()


def _topic(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


__all__ = [
    "EVENTGRID_SCOPE",
    "MAX_BATCH_EVENTS",
    "MAX_REQUEST_BYTES",
    "RETRY",
    "SOURCE",
    "EventGridPublisher",
    "PublishError",
    "cloud_event",
    "pack",
    "prepare",
    "serialized_size",
]
