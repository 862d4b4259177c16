"""Answers kept as sent, bounded: the least recently used go first once the bodies and headers
kept pass `max_bytes` or the answers `max_entries`; an answer larger than a quarter of
`max_bytes` is not kept (it would push out everything else)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from starlette.types import Message

MAX_BYTES = 64 * 2**20
MAX_ENTRIES = 4096
OVERHEAD = 512  # bytes an answer costs beyond its body and headers (key, record, bookkeeping)


@dataclass(frozen=True)
class CachedResponse:
    """A 200 answer as the app sent it: its headers (its ETag among them), body and ETag."""

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    tag: str

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + OVERHEAD

    def start(self) -> Message:
        """The `http.response.start` message of the answer."""
        return {"type": "http.response.start", "status": 200, "headers": list(self.headers)}


class ResponseCache:
    """Answers by key, least recently used out first beyond the bounds; thread-safe."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._kept: OrderedDict[Hashable, CachedResponse] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> CachedResponse | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def put(self, key: Hashable, response: CachedResponse) -> bool:
        """Keep `response` under `key` (evicting the least recently used); False if too large."""
        size = response.size
        if size > self.max_bytes // 4:
            return False
        with self._lock:
            replaced = self._kept.pop(key, None)
            if replaced is not None:
                self._bytes -= replaced.size
            self._kept[key] = response
            self._bytes += size
            while self._bytes > self.max_bytes or len(self._kept) > self.max_entries:
                _, evicted = self._kept.popitem(last=False)
                self._bytes -= evicted.size
            return True

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._bytes = 0

    @property
    def kept_bytes(self) -> int:
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)
