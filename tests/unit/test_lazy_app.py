"""`LazyApp`: the ASGI app built on its first call, once, whatever calls first."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import MutableMapping
from typing import Any

import pytest

from shared.entrypoints.http.lazy_app import LazyApp


class Recorded:
    """An ASGI app that records the scopes it is called with."""

    def __init__(self) -> None:
        self.scopes: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scopes.append(scope)
        await send({"type": "http.response.start", "status": 204, "headers": []})


def test_nothing_is_built_until_the_first_call_then_every_call_reaches_the_one_app() -> None:
    built: list[Recorded] = []

    def build() -> Recorded:
        built.append(Recorded())
        return built[-1]

    lazy = LazyApp(build)  # type: ignore[arg-type]
    assert built == []
    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request"}

    for path in ("/a", "/b"):
        asyncio.run(lazy({"type": "http", "path": path}, receive, send))
    assert len(built) == 1
    assert [s["path"] for s in built[0].scopes] == ["/a", "/b"]
    assert [m["status"] for m in sent] == [204, 204]


def test_threads_that_ask_at_once_get_one_build() -> None:
    calls = 0
    gate = threading.Barrier(8)

    def build() -> Recorded:
        nonlocal calls
        calls += 1
        return Recorded()

    lazy = LazyApp(build)  # type: ignore[arg-type]
    apps: list[object] = []

    def ask() -> None:
        gate.wait()
        apps.append(lazy.app)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == 1
    assert len(apps) == 8 and all(a is apps[0] for a in apps)


def test_a_build_that_fails_is_tried_again_on_the_next_call() -> None:
    attempts = 0

    def build() -> Recorded:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("settings not readable yet")
        return Recorded()

    lazy = LazyApp(build)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="settings"):
        _ = lazy.app
    assert isinstance(lazy.app, Recorded) and attempts == 2
