"""Conditional reads: every successful GET answers with a strong `ETag` (the digest of its body)
and `Cache-Control`, and a GET whose `If-None-Match` names the current ETag is a bodiless 304.

`private, no-cache`: a client (or a portal's cache) may keep a response but must revalidate it on
every use, so a restated figure is never served from a cache; revalidation costs a 304. A route
that sets its own `Cache-Control` (the dashboard's vendored assets) keeps it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHE_CONTROL = "private, no-cache"
READS = frozenset({"GET"})  # a HEAD answers no body to take the digest of


def entity_tag(body: bytes) -> str:
    """The strong ETag of a response body."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str, tag: str) -> bool:
    """Whether an If-None-Match header names `tag` (weak comparison, RFC 9110 13.1.2)."""
    if if_none_match.strip() == "*":
        return True
    return tag in {_opaque(t) for t in _tags(if_none_match)}


class ConditionalReads:
    """ASGI middleware: ETag, Cache-Control and 304s on GET 200 responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in READS:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if start["status"] != 200:
                    await send(start)
                return
            if start is None or start["status"] != 200:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await _finish(scope, start, b"".join(chunks), send)

        await self.app(scope, receive, buffered)


async def _finish(scope: Scope, start: Message, body: bytes, send: Send) -> None:
    tag = entity_tag(body)
    headers = MutableHeaders(raw=list(start["headers"]))
    headers["ETag"] = tag
    headers.setdefault("Cache-Control", CACHE_CONTROL)
    await answer(scope, {**start, "headers": headers.raw}, body, tag, send)


async def answer(scope: Scope, start: Message, body: bytes, tag: str, send: Send) -> None:
    """A 200 (`start` carries its ETag, `tag`), or a bodiless 304 when the request's
    If-None-Match names `tag`: this middleware's answers and the kept ones (published_reads.py)."""
    asked = Headers(scope=scope).get("if-none-match")
    if asked is not None and matches(asked, tag):
        kept = [(k, v) for k, v in start["headers"] if k.lower() not in _BODY_HEADERS]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})
        return
    await send(start)
    await send({"type": "http.response.body", "body": body})


_BODY_HEADERS = frozenset({b"content-length", b"content-type", b"content-encoding"})


def _tags(header: str) -> Iterable[str]:
    return (t.strip() for t in header.split(",") if t.strip())


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag
