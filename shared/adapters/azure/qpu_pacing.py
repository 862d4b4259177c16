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
(shared/adapters/azure/calls.py): its retry-after says how long to wait, and it is not read here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy
from azure.core.rest import HttpRequest, HttpResponse

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
    """The tenant's QPU budget as last seen, and the wait it asks for before the next query."""

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._max_wait = max_wait_seconds
        self._refills: dict[str, float] = {}  # spent window -> when it has surely refilled

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read the budget an answer reports; a window with less left than the query cost is
        spent until a whole window from now."""
        counts = remaining_qpu(headers)
        cost, now = consumed_qpu(headers), self._clock()
        for name, left in counts.items():
            if left < cost:
                self._refills[name] = now + WINDOWS[name]
            else:
                self._refills.pop(name, None)

    def wait(self) -> float:
        """Wait until every spent window has refilled; the seconds waited. ThrottledError,
        without waiting, when that is longer than `max_wait_seconds`."""
        if not self._refills:
            return 0.0
        name = max(self._refills, key=lambda n: self._refills[n])
        wait = self._refills[name] - self._clock()
        if wait > self._max_wait:
            seconds = math.ceil(wait)
            raise ThrottledError(
                f"Cost Management QPU budget used up ({name} exhausted); retry after {seconds} s",
                float(seconds),
            )
        if wait > 0:
            self._sleep(wait)
        self._refills.clear()
        return max(wait, 0.0)


class QpuPacingPolicy(HTTPPolicy[HttpRequest, HttpResponse]):
    """An azure-core policy for each attempt (`per_retry_policies`): the pacer's wait before the
    request, its `observe` of every answer that is not an error."""

    def __init__(self, pacer: QpuPacer) -> None:
        super().__init__()
        self._pacer = pacer

    def send(
        self, request: PipelineRequest[HttpRequest]
    ) -> PipelineResponse[HttpRequest, HttpResponse]:
        self._pacer.wait()
        response: PipelineResponse[Any, Any] = self.next.send(request)
        if response.http_response.status_code < 400:
            self._pacer.observe(response.http_response.headers)
        return response
