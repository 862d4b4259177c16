"""Answers of the published routes (shared/entrypoints/http/published_routes.py) kept by what they
read: a request costs the inputs' reads (the publication's token, the collection stamps: one
point read and one small query, coalesced and reused for `reuse_ms`), a lookup and the kept
bytes, with their ETag (a 304 when If-None-Match names it).

An answer is kept under the inputs read before it was built only if reads begun after it was
built find the same inputs (tokens and stamps never come back to an earlier value): it is then
exactly what the route answers for them. Only 200s are kept; errors, a period never allocated
and any request the routes table does not name go to the app as before. Concurrent requests
for an answer being built wait for it instead of building it again.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.entrypoints.http.caching import READS, answer
from shared.entrypoints.http.published_inputs import PublishedInputs, PublishedSources
from shared.entrypoints.http.published_routes import PublishedRead, published_read
from shared.entrypoints.http.response_cache import CachedResponse, ResponseCache

READ_THREADS = 4  # the inputs' reads, off the event loop and off the routes' threadpool
_CONDITIONAL = b"if-none-match"


@dataclass(frozen=True)
class _Stores:
    """The inputs read from one set of stores (a rebuilt container starts afresh)."""

    epoch: int
    sources: PublishedSources
    inputs: PublishedInputs


class PublishedReads:
    """ASGI middleware, outside ConditionalReads: kept answers of the published routes."""

    def __init__(
        self,
        app: ASGIApp,
        router: Router,
        published: Callable[[], PublishedSources],
        provenanced: bool,
        cache: ResponseCache | None = None,
    ) -> None:
        self.app = app
        self._router = router
        self._published = published
        self._provenanced = provenanced  # answers show provenance: the stamps are an input
        self.cache = cache if cache is not None else ResponseCache()
        self._stores: _Stores | None = None
        self._epochs = itertools.count()
        self._threads: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._building: dict[Hashable, Future[CachedResponse | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in READS:
            await self.app(scope, receive, send)
            return
        read = published_read(self._router.routes, scope)
        stores = None if read is None else await self._current()
        seen = None
        if read is not None and stores is not None:
            try:
                seen = await stores.inputs.observed(read.query)
            except Exception:  # the route reads the same stores and answers their error
                seen = None
        if read is None or stores is None or seen is None:  # not kept, never allocated (a 404)
            await self.app(scope, receive, send)
            return
        key = (stores.epoch, read.address, seen)
        found = self.cache.get(key)
        if found is not None:
            await answer(scope, found.start(), found.body, found.tag, send)
            return
        await self._build(scope, receive, send, stores, read, key)

    async def _current(self) -> _Stores | None:
        """The stores the answers are read from now; None when they cannot be kept (the app
        shows provenance but no collection stamps were given)."""
        try:
            if self._stores is None:  # a cold start builds the stores: off the event loop
                loop = asyncio.get_running_loop()
                sources = await loop.run_in_executor(self._pool(), self._published)
            else:
                sources = self._published()  # built: the same objects, at once
        except Exception:  # the route builds them too, and answers the error
            return None
        known = self._stores  # (another request may have started them meanwhile)
        if known is None or known.sources != sources:
            known = _Stores(next(self._epochs), sources, PublishedInputs(sources, self._pool()))
            self._stores = known
            self.cache.clear()
        if self._provenanced and known.sources.stamps is None:
            return None
        return known

    async def _build(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        stores: _Stores,
        read: PublishedRead,
        key: Hashable,
    ) -> None:
        """The app's answer, kept when valid; requests for the same key meanwhile wait for it."""
        mine: Future[CachedResponse | None] = Future()
        with self._lock:
            building = self._building.setdefault(key, mine)
        if building is not mine:
            built = await asyncio.wrap_future(building)
            if built is not None:
                await answer(scope, built.start(), built.body, built.tag, send)
            else:
                await self.app(scope, receive, send)
            return
        kept: CachedResponse | None = None
        try:
            kept = await self._fill(scope, receive, send, stores, read, key)
        finally:
            with self._lock:
                del self._building[key]
            mine.set_result(kept)

    async def _fill(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        stores: _Stores,
        read: PublishedRead,
        key: Hashable,
    ) -> CachedResponse | None:
        """Answer from the app (asked unconditionally, so a 200 comes back whole), keep it if
        the inputs read after are those of the key; the answer kept, or None."""
        built = await _captured(self.app, _unconditional(scope), receive, send)
        if built is None:
            return None
        await answer(scope, built.start(), built.body, built.tag, send)
        try:
            after = await stores.inputs.fresh(read.query)
        except Exception:  # not known to be valid: not kept
            return None
        if (stores.epoch, read.address, after) != key:
            return None
        self.cache.put(key, built)
        return built

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(READ_THREADS, "published-inputs")
            return self._threads


def _unconditional(scope: Scope) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k != _CONDITIONAL]
    return {**scope, "headers": headers}


async def _captured(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send
) -> CachedResponse | None:
    """Run `app`: a 200 with an ETag comes back whole, unsent; any other answer goes to `send`
    as it comes (None)."""
    start: Message | None = None
    tag: str | None = None
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal start, tag
        if message["type"] == "http.response.start":
            tag = Headers(raw=message["headers"]).get("etag")
            if message["status"] == 200 and tag is not None:
                start = message
                return
        if start is None:
            await send(message)  # not a 200 with its ETag: passed on as it comes
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    if start is None or tag is None:
        return None
    headers = tuple((bytes(k), bytes(v)) for k, v in start["headers"])
    return CachedResponse(headers, b"".join(chunks), tag)
