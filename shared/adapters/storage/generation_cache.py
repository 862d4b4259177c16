"""A bounded in-memory cache of what was read of a published generation.

A generation's rows never change once it is live (a new allocation writes a new generation and
commits it by replacing the summary), so what a reader built from a generation's rows is valid
for as long as the summary names that generation: a reader that finds the same generation and
digest in the summary it just read serves the cached value with that one point read, and a
restated period, a new summary, misses the cache. Least recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

ENTRIES = 16  # periods x price bases x kinds of read a worker keeps


class GenerationCache(Generic[V]):
    """Values by (what was read, period, basis, generation, digest); thread-safe."""

    def __init__(self, entries: int = ENTRIES) -> None:
        self._entries = entries
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._entries:
                self._values.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)
