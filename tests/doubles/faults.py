"""Faults a double injects into a share of its requests: 429s, 503s and dropped connections.

`Faults` decides, request by request, whether one is faulted and how: with `rate`, that share
of the requests of the endpoints it covers (`endpoints`; None: every one), drawn from a seeded
generator; never the same request twice in a row (its retry passes), so every source converges;
and, with `first`, each endpoint's first request is faulted whatever the draw, so a test can
assert that every endpoint saw faults. The kinds of an endpoint's faults take turns
(429, 503, dropped, 429, ...), so an endpoint faulted three times has seen each kind.

- `THROTTLED`: 429 with the endpoint's retry-after header at 0 (Cost Management's own
  `x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after`, `Retry-After` elsewhere);
- `UNAVAILABLE`: 503 with `Retry-After: 0`;
- `DROPPED`: the connection is closed after the request was read, without an answer. This is what
  a read timeout is to the client's retry policy (azure-core's `ServiceResponseError`, the same
  branch as `ReadTimeout`): the adapters leave azure-core's read timeout at its default (300 s),
  so a response held past it would hold a test for five minutes a fault.

A double raises `ConnectionDropped` from its handler for a dropped request; the HTTPS server
(shared/demo/https_double.py) closes the TLS connection on any `ConnectionError` of its handler
without writing a response. Counts are kept per (endpoint, kind).
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

from tests.doubles.server import RecordedRequest, Reply

QPU_RETRY_AFTER = "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"


class FaultKind(Enum):
    THROTTLED = "429"
    UNAVAILABLE = "503"
    DROPPED = "dropped"


class ConnectionDropped(ConnectionAbortedError):
    """Raised by a double's handler: the server closes the connection without answering."""


def request_key(request: RecordedRequest) -> str:
    """What makes two requests the same one (a retry is the same request again)."""
    text = f"{request.method} {request.path}?{request.raw_query}".encode()
    return hashlib.sha256(text + b"\n" + request.body).hexdigest()


@dataclass
class Faults:
    """The fault plan of one double (thread-safe)."""

    rate: float = 0.0
    kinds: tuple[FaultKind, ...] = tuple(FaultKind)
    endpoints: frozenset[str] | None = None
    first: bool = False
    seed: int = 14
    counts: Counter[tuple[str, FaultKind]] = field(default_factory=Counter)
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _last: set[str] = field(default_factory=set, repr=False)
    _seen: set[str] = field(default_factory=set, repr=False)
    _turns: Counter[str] = field(default_factory=Counter, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate < 1.0:
            raise ValueError(f"rate must be in [0, 1), not {self.rate}")
        if not self.kinds:
            raise ValueError("at least one fault kind")
        self._rng.seed(self.seed)

    @property
    def active(self) -> bool:
        return self.rate > 0 or self.first

    def covers(self, endpoint: str) -> bool:
        return self.endpoints is None or endpoint in self.endpoints

    def draw(self, endpoint: str, request: RecordedRequest) -> FaultKind | None:
        """The fault of this request, or None (it is answered)."""
        if not self.active or not self.covers(endpoint):
            return None
        key = f"{endpoint}|{request_key(request)}"
        with self._lock:
            if key in self._last:  # the retry of a faulted request passes
                self._last.discard(key)
                return None
            forced = self.first and endpoint not in self._seen
            self._seen.add(endpoint)
            if not forced and (self.rate <= 0 or self._rng.random() >= self.rate):
                return None
            kind = self.kinds[self._turns[endpoint] % len(self.kinds)]
            self._turns[endpoint] += 1
            self._last.add(key)
            self.counts[(endpoint, kind)] += 1
            return kind

    def count(self, endpoint: str | None = None, kind: FaultKind | None = None) -> int:
        """Faults injected so far (of one endpoint, of one kind, or all)."""
        with self._lock:
            return sum(
                n
                for (e, k), n in self.counts.items()
                if (endpoint is None or e == endpoint) and (kind is None or k is kind)
            )

    def by_endpoint(self) -> dict[str, dict[str, int]]:
        """{endpoint: {kind: count}}, for a test's report."""
        with self._lock:
            out: dict[str, dict[str, int]] = {}
            for (endpoint, kind), n in sorted(self.counts.items(), key=lambda i: i[0][0]):
                out.setdefault(endpoint, {})[kind.value] = n
            return out


def faulted(kind: FaultKind, endpoint: str) -> Reply:
    """The answer of a faulted request; raises `ConnectionDropped` for a dropped one."""
    if kind is FaultKind.DROPPED:
        raise ConnectionDropped(f"injected fault: {endpoint} connection dropped")
    if kind is FaultKind.THROTTLED:
        header = QPU_RETRY_AFTER if endpoint == "cost" else "Retry-After"
        body = {"error": {"code": "TooManyRequests", "message": "Injected fault: throttled."}}
        return Reply.json(429, body, {header: "0"})
    body = {"error": {"code": "ServiceUnavailable", "message": "Injected fault: unavailable."}}
    return Reply.json(503, body, {"Retry-After": "0"})
