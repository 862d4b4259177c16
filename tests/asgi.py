"""One request to an ASGI app in process (httpx.ASGITransport): the API tests' client."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


def send(app: object, method: str, path: str, **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await client.request(method, path, **kw)

    return asyncio.run(go())
