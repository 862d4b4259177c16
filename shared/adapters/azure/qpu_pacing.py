"""Cost Management queries paced by the QPU budget Azure says is left (azure-cost-facts 1.5).

Every Query API answer carries `x-ms-ratelimit-microsoft.costmanagement-qpu-remaining`, e.g.
`QueriesPerHour:597,QueriesPerMin:57,QueriesPer10Sec:9`, and `...-qpu-consumed`, what the query
cost. The quota is per tenant (12 QPU per 10 s, 60 a minute, 600 an hour), so one `QpuPacer` is
shared by every Cost Management source of a collection (both price bases) and lives across their
clients, hence across the periods of a backfill. Before each query it waits out every window whose
remaining count is below what the last query consumed: the whole window from when the count was
read, since Azure does not say when it refills. A wait longer than `max_wait_seconds` (an hourly
budget used up) is not waited: `ThrottledError` at once, as the retry policy gives up on a
retry-after beyond its budget. The headers of a throttled answer are the retry policy's
(shared/adapters/azure/calls.py): its retry-after says how long the throttled call waits.

Concurrent queries (a collection fans out per scope and month, shared/adapters/azure/fan_out.py)
share the pacer, which is thread-safe: each query it lets through takes one QPU off every window's
last known count, so queries started together never spend more than the answers said was left;
and a throttled answer's retry-after holds every other query of the tenant for as long (the
throttled call itself waits it in its retry policy, not twice).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy
from azure.core.rest import HttpRequest, HttpResponse

from shared.adapters.azure.calls import THROTTLING_STATUSES, retry_after_seconds
from shared.errors import ThrottledError

REMAINING = "x-ms-ratelimit-microsoft.costmanagement-qpu-remaining"
CONSUMED = "x-ms-ratelimit-microsoft.costmanagement-qpu-consumed"
# The windows of the QPU quota, by the names the remaining header gives them, in seconds.
WINDOWS: Mapping[str, float] = {
    "QueriesPer10Sec": 10.0,
    "QueriesPerMin": 60.0,
    "QueriesPerHour": 3600.0,
}
MAX_WAIT_SECONDS = 120.0  # as long as the Cost Management retry policy waits at most


def remaining_qpu(headers: Mapping[str, str]) -> dict[str, int]:
    """The remaining QPUs per window of an answer's headers (windows it does not name, or
    counts that are not whole numbers, left out)."""
    counts: dict[str, int] = {}
    for part in (headers.get(REMAINING) or "").split(","):
        name, sep, value = part.partition(":")
        name = name.strip()
        if sep and name in WINDOWS and value.strip().isdigit():
            counts[name] = int(value.strip())
    return counts


def consumed_qpu(headers: Mapping[str, str]) -> int:
    """What the query cost (at least 1: one month of data queried costs one QPU)."""
    value = (headers.get(CONSUMED) or "").strip()
    return max(int(value), 1) if value.isdigit() else 1


class QpuPacer:
    """The tenant's QPU budget as last seen, and the wait it asks for before the next query;
    shared by the concurrent queries of a collection (thread-safe)."""

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._max_wait = max_wait_seconds
        self._lock = threading.Lock()
        self._refills: dict[str, float] = {}  # spent window -> when it has surely refilled
        self._left: dict[str, int] = {}  # window -> QPUs left, less the queries let through
        self._cost = 1  # what the last answered query consumed
        self._hold_until = 0.0  # a throttled answer's retry-after, for every other query
        self._hold_owner: int | None = None  # the thread whose retry policy waits it itself

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read the budget an answer reports; a window with less left than the query cost is
        spent until a whole window from now."""
        counts = remaining_qpu(headers)
        cost = consumed_qpu(headers)
        with self._lock:
            now = self._clock()
            self._cost = cost
            for name, left in counts.items():
                if left < cost:
                    self._refills[name] = now + WINDOWS[name]
                    self._left.pop(name, None)
                else:
                    self._refills.pop(name, None)
                    self._left[name] = left

    def hold(self, seconds: float) -> None:
        """A throttled answer asked to wait `seconds`: every other query waits as long."""
        with self._lock:
            until = self._clock() + seconds
            if until > self._hold_until:
                self._hold_until, self._hold_owner = until, threading.get_ident()

    def wait(self) -> float:
        """Wait until every spent window has refilled, and any hold is over; the seconds waited.
        ThrottledError, without waiting, when that is longer than `max_wait_seconds`."""
        with self._lock:
            now = self._clock()
            for name, left in list(self._left.items()):
                if left < self._cost:  # the queries let through since the answer spent it
                    self._refills[name] = now + WINDOWS[name]
                    del self._left[name]
            wait, name = 0.0, ""
            if self._refills:
                name = max(self._refills, key=lambda n: self._refills[n])
                wait = self._refills[name] - now
            if self._hold_owner != threading.get_ident() and self._hold_until - now > wait:
                wait, name = self._hold_until - now, "a throttled answer's retry-after"
            if wait > self._max_wait:
                seconds = math.ceil(wait)
                raise ThrottledError(
                    f"Cost Management QPU budget used up ({name} exhausted); retry after "
                    f"{seconds} s",
                    float(seconds),
                )
            self._refills.clear()
            for window in self._left:
                self._left[window] -= 1  # this query's share, until its answer says
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)


class QpuPacingPolicy(HTTPPolicy[HttpRequest, HttpResponse]):
    """An azure-core policy for each attempt (`per_retry_policies`): the pacer's wait before the
    request, its `observe` of every answer that is not an error, its `hold` for the retry-after
    of a throttled one."""

    def __init__(self, pacer: QpuPacer) -> None:
        super().__init__()
        self._pacer = pacer

    def send(
        self, request: PipelineRequest[HttpRequest]
    ) -> PipelineResponse[HttpRequest, HttpResponse]:
        self._pacer.wait()
        response: PipelineResponse[Any, Any] = self.next.send(request)
        http = response.http_response
        if http.status_code < 400:
            self._pacer.observe(http.headers)
        elif http.status_code in THROTTLING_STATUSES:
            asked = retry_after_seconds(http.headers)
            if asked:
                self._pacer.hold(asked)
        return response
