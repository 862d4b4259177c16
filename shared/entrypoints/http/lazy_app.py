"""An ASGI app built on its first call, not when it is declared.

The Functions host imports `function_app` to index the functions on every cold start, also on
an instance woken for a queue message or a timer that never serves HTTP; building the HTTP API
(FastAPI, its routes and schemas) at import would cost them all about a quarter of a second
(benchmark e, docs/performance.md). The first request, or the host's lifespan startup, builds
it once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send


class LazyApp:
    """ASGI: `build()` once, on the first call (thread-safe), then every call forwarded to it."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None
        self._lock = threading.Lock()

    @property
    def app(self) -> ASGIApp:
        """The built app (built now if no call has built it yet)."""
        app = self._app
        if app is None:
            with self._lock:
                if self._app is None:
                    self._app = self._build()
                app = self._app
        return app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
