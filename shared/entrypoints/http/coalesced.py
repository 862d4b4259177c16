"""Reads shared by concurrent requests: a blocking `read(key)` run on threads of its own (never on
the event loop, never queued behind the routes' threadpool), one read in flight per key that
every request asking meanwhile awaits (single flight), and a value whose read began less than
`reuse` seconds ago answered again without reading.

A reused value is at most `reuse` seconds older than a read of the moment would be; `fresh`
answers a read that began no earlier than its call, for callers that must not reuse.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

KEYS = 1024  # values kept (periods x price bases asked for); the oldest read goes first


@dataclass(frozen=True)
class Seen(Generic[V]):
    """A value and when the read that answered it began (`time.monotonic()`)."""

    value: V
    started: float


@dataclass(frozen=True)
class _Flight(Generic[V]):
    number: int
    started: float
    future: Future[V]


class Coalesced(Generic[K, V]):
    """`read(key)` on `executor` (threads other than the caller's), one read in flight per key,
    the last `keys` values kept for reuse; thread-safe."""

    def __init__(
        self,
        read: Callable[[K], V],
        executor: Executor,
        clock: Callable[[], float] = time.monotonic,
        keys: int = KEYS,
    ) -> None:
        self._read = read
        self._executor = executor
        self._clock = clock
        self._keys = keys
        self._lock = threading.Lock()
        self._seen: OrderedDict[K, Seen[V]] = OrderedDict()
        self._flights: dict[K, _Flight[V]] = {}
        self._numbers = itertools.count()

    def recent(self, key: K, reuse: float) -> Seen[V] | None:
        """The value of `key` if its read began less than `reuse` seconds ago (no read)."""
        with self._lock:
            seen = self._seen.get(key)
        if seen is not None and self._clock() - seen.started < reuse:
            return seen
        return None

    async def get(self, key: K, reuse: float) -> V:
        """A recent value, else the read in flight for `key`, else a new read."""
        seen = self.recent(key, reuse)
        if seen is not None:
            return seen.value
        with self._lock:
            flight = self._flights.get(key) or self._start(key)
        return await asyncio.wrap_future(flight.future)

    async def fresh(self, key: K) -> V:
        """The value of a read that began at or after this call (one in flight, or a new one)."""
        asked = self._clock()
        with self._lock:
            flight = self._flights.get(key)
            if flight is None or flight.started < asked:
                flight = self._start(key)
        return await asyncio.wrap_future(flight.future)

    def _start(self, key: K) -> _Flight[V]:
        number, started = next(self._numbers), self._clock()
        future = self._executor.submit(self._run, key, number, started)
        flight = _Flight(number, started, future)
        self._flights[key] = flight  # under the lock: _run's bookkeeping waits for it
        return flight

    def _run(self, key: K, number: int, started: float) -> V:
        try:
            value = self._read(key)
        except BaseException:
            with self._lock:
                self._land(key, number)
            raise
        with self._lock:
            self._land(key, number)
            kept = self._seen.get(key)
            if kept is None or kept.started <= started:  # a later read may have landed first
                self._seen[key] = Seen(value, started)
                self._seen.move_to_end(key)
                while len(self._seen) > self._keys:
                    self._seen.popitem(last=False)
        return value

    def _land(self, key: K, number: int) -> None:
        flight = self._flights.get(key)
        if flight is not None and flight.number == number:
            del self._flights[key]
