"""A simulated Event Grid Basic custom topic with the CloudEvents 1.0 input schema: the HTTP
application (`shared.demo.https_double.App`) serving `POST /api/events`, recording every event
it accepts.

A request is checked as the topic checks it, in this order:

1. fault injection: after the first `fail_after` posts (served normally), the next
   `fail_first_n` are answered `fail_status` (503, 401, 500, 429...) after `fail_delay_seconds`
   (a delay longer than the client's timeout is a timeout), with `Retry-After: retry_after` when
   set; nothing of them is recorded as accepted;
2. a bearer token (401 `Unauthorized` without one). With `token_audience` (a function from the
   `Authorization` header to the audience the token was issued for, None for a token it does not
   know: the tests' FakeEntra `audience_of`), the token must be for `audience`
   (`https://eventgrid.azure.net`, what `EventGridPublisherClient` asks for), else 401
   `InvalidAudience`; without it (the demo) any bearer token is taken;
3. an `api-version` query parameter, and the content type `application/cloudevents-batch+json`
   (a charset may follow), else 400;
4. the body: at most `max_request_bytes` (413), a non-empty JSON array of at most `max_events`
   (413) CloudEvents 1.0, each an object with `specversion` "1.0" and non-empty string `id`,
   `source`, `type`; `subject`, `time` (RFC 3339), `datacontenttype` and `dataschema` strings
   when present; extension attribute names of lower-case letters and digits; `data` or
   `data_base64`, not both; each event at most `max_event_bytes` (413). Any fault: 400 (or 413)
   and nothing of the request is recorded.

An accepted request answers 200 with an empty body, as the topic does; its events are appended
to `accepted` in arrival order, and its ids to `batches`. An id accepted twice is recorded twice
(`duplicates()`), so a test can assert that each event arrived exactly once.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.demo.https_double import RecordedRequest, Reply

EVENTGRID_AUDIENCE = "https://eventgrid.azure.net"
BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
MAX_BYTES = 1_048_576  # 1 MB per event and per request (the larger reading: the topic's own)
MAX_EVENTS = 5_000
REQUIRED = ("id", "source", "type")
OPTIONAL_STRINGS = ("subject", "time", "datacontenttype", "dataschema")
_PATH = re.compile(r"^/api/events/?$", re.IGNORECASE)
_EXTENSION = re.compile(r"^[a-z0-9]{1,20}$")
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)

_FAULTS = {
    401: ("Unauthorized", "The access token is not valid (injected fault)."),
    429: ("TooManyRequests", "Too many requests; try again later (injected fault)."),
    500: ("InternalServerError", "An internal error occurred (injected fault)."),
    503: ("ServiceUnavailable", "The service is busy; try again later (injected fault)."),
}

AudienceOf = Callable[[str | None], str | None]


@dataclass(frozen=True)
class ReceivedEvent:
    """One accepted CloudEvent, as sent (`envelope` the whole JSON object)."""

    id: str
    source: str
    type: str
    subject: str | None
    time: str | None
    datacontenttype: str | None
    data: Any
    batch: int  # the index of the accepted request it came in (0-based)
    envelope: Mapping[str, Any]


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.reply = _error(status, code, message)


@dataclass
class EventReceiver:
    """`POST /api/events` of an Event Grid Basic topic (see the module docstring)."""

    token_audience: AudienceOf | None = None
    audience: str = EVENTGRID_AUDIENCE
    fail_first_n: int = 0
    fail_after: int = 0
    fail_status: int = 503
    fail_delay_seconds: float = 0.0
    retry_after: str | None = None
    max_request_bytes: int = MAX_BYTES
    max_event_bytes: int = MAX_BYTES
    max_events: int = MAX_EVENTS
    requests: list[RecordedRequest] = field(default_factory=list)
    accepted: list[ReceivedEvent] = field(default_factory=list)
    batches: list[tuple[str, ...]] = field(default_factory=list)
    _posts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handles(self, request: RecordedRequest) -> bool:
        return bool(_PATH.match(request.path))

    def handle(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
        if not self.handles(request) or request.method != "POST":
            return _error(404, "NotFound", f"{request.method} {request.path} is not an endpoint")
        with self._lock:
            self._posts += 1
            failing = self.fail_after < self._posts <= self.fail_after + self.fail_first_n
        if failing:
            return self._fault()
        try:
            self._authorize(request.headers.get("authorization"))
            events = _events(request, self)
        except _Refused as refused:
            return refused.reply
        with self._lock:
            batch = len(self.batches)
            received = [_received(e, batch) for e in events]
            self.accepted.extend(received)
            self.batches.append(tuple(e.id for e in received))
        return Reply(200)

    def ids(self) -> list[str]:
        """Every accepted event's id, in arrival order (a repeat appears again)."""
        with self._lock:
            return [e.id for e in self.accepted]

    def duplicates(self) -> list[str]:
        """The ids accepted more than once."""
        seen: dict[str, int] = {}
        for event_id in self.ids():
            seen[event_id] = seen.get(event_id, 0) + 1
        return sorted(i for i, n in seen.items() if n > 1)

    def posts(self) -> list[RecordedRequest]:
        """Every POST to the events endpoint, in arrival order (refused ones too)."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and self.handles(r)]

    def _fault(self) -> Reply:
        if self.fail_delay_seconds > 0:
            time.sleep(self.fail_delay_seconds)
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        code, message = _FAULTS.get(self.fail_status, ("Error", "Injected fault."))
        return _error(self.fail_status, code, message, headers)

    def _authorize(self, authorization: str | None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _Refused(401, "Unauthorized", "The request has no bearer token.")
        if self.token_audience is None:
            return
        audience = self.token_audience(authorization)
        if audience is None:
            raise _Refused(401, "Unauthorized", "The bearer token is not known.")
        if audience.rstrip("/") != self.audience.rstrip("/"):
            message = f"The access token audience {audience} is not valid; {self.audience} is."
            raise _Refused(401, "InvalidAudience", message)


def _events(request: RecordedRequest, limits: EventReceiver) -> list[Mapping[str, Any]]:
    if not request.param("api-version"):
        raise _Refused(400, "BadRequest", "The api-version query parameter is required.")
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != BATCH_CONTENT_TYPE:
        message = f"Content type {content_type!r} is not {BATCH_CONTENT_TYPE} (CloudEvents 1.0)."
        raise _Refused(400, "BadRequest", message)
    if len(request.body) > limits.max_request_bytes:
        message = f"The request is {len(request.body)} bytes, over {limits.max_request_bytes}."
        raise _Refused(413, "RequestEntityTooLarge", message)
    try:
        body = json.loads(request.body)
    except ValueError as err:
        raise _Refused(400, "BadRequest", f"The body is not JSON: {err}") from None
    if not isinstance(body, list) or not body:
        raise _Refused(400, "BadRequest", "The body must be a non-empty JSON array of events.")
    if len(body) > limits.max_events:
        message = f"{len(body)} events in one request, over {limits.max_events}."
        raise _Refused(413, "RequestEntityTooLarge", message)
    for index, event in enumerate(body):
        problem = _envelope_problem(event)
        if problem is not None:
            raise _Refused(400, "BadRequest", f"Event {index}: {problem}")
        size = len(json.dumps(event).encode())
        if size > limits.max_event_bytes:
            message = f"Event {index} is {size} bytes, over {limits.max_event_bytes}."
            raise _Refused(413, "RequestEntityTooLarge", message)
    return body


def _envelope_problem(event: object) -> str | None:
    """What is wrong with one CloudEvents 1.0 envelope (JSON format), or None."""
    if not isinstance(event, dict):
        return "must be a JSON object"
    if event.get("specversion") != "1.0":
        return f"specversion must be '1.0', not {event.get('specversion')!r}"
    for name in REQUIRED:
        value = event.get(name)
        if not isinstance(value, str) or not value:
            return f"{name} is required (a non-empty string)"
    for name in OPTIONAL_STRINGS:
        if name in event and not isinstance(event[name], str):
            return f"{name} must be a string"
    if "time" in event and not _is_rfc3339(event["time"]):
        return f"time {event['time']!r} is not an RFC 3339 timestamp"
    if "data" in event and "data_base64" in event:
        return "data and data_base64 are exclusive"
    known = {"specversion", *REQUIRED, *OPTIONAL_STRINGS, "data", "data_base64"}
    for name in event:
        if name not in known and not _EXTENSION.match(name):
            return f"attribute name {name!r} is not lower-case letters and digits"
    return None


def _is_rfc3339(text: str) -> bool:
    if not _RFC3339.match(text):
        return False
    try:
        datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _received(event: Mapping[str, Any], batch: int) -> ReceivedEvent:
    return ReceivedEvent(
        id=event["id"],
        source=event["source"],
        type=event["type"],
        subject=event.get("subject"),
        time=event.get("time"),
        datacontenttype=event.get("datacontenttype"),
        data=event.get("data"),
        batch=batch,
        envelope=event,
    )


def _error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply.json(status, {"error": {"code": code, "message": message}}, headers)


__all__ = [
    "BATCH_CONTENT_TYPE",
    "EVENTGRID_AUDIENCE",
    "MAX_BYTES",
    "MAX_EVENTS",
    "EventReceiver",
    "ReceivedEvent",
]
