"""ASGI apps in process: one request (httpx.ASGITransport), the API tests' client; or the app
served on loopback for a browser (`served`)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

START_SECONDS = 30


def send(app: object, method: str, path: str, **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await client.request(method, path, **kw)

    return asyncio.run(go())


def read(app: object, path: str, **kw: Any) -> Any:
    """The JSON body of a GET that must answer 200 (the body in the message when it does not)."""
    response = send(app, "GET", path, **kw)
    assert response.status_code == 200, response.text
    return response.json()


def money(value: object) -> Decimal:
    """A JSON number as the Decimal of its text (what the API rounded, exactly)."""
    return Decimal(str(value))


@contextmanager
def served(app: ASGIApp) -> Iterator[str]:
    """`app` served by uvicorn on 127.0.0.1 (a free port) in a thread, until the block ends:
    its base URL."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]})
        thread.start()
        try:
            deadline = time.monotonic() + START_SECONDS
            while not server.started and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert server.started, "uvicorn did not start"
            yield f"http://127.0.0.1:{listening.getsockname()[1]}"
        finally:
            server.should_exit = True
            thread.join(START_SECONDS)
