"""Continuation-token pages of a list: `limit` and `continuationToken` in, `continuationToken`
and `nextLink` out (null on the last page).

Keyset pages: items are in a stable order of a unique key, and a token holds the last key served
(and a digest of the query it belongs to), so a list that changes between two pages neither
repeats nor skips an item that stayed. A token of another query, or not ours, is a 400 naming
`continuationToken`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Request

from shared.core.digest import digest
from shared.errors import InvalidInput

T = TypeVar("T")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
TOKEN = "continuationToken"


@dataclass(frozen=True)
class PageQuery:
    """Which page: at most `limit` items after the key `after` (None: from the first)."""

    limit: int = DEFAULT_LIMIT
    after: str | None = None
    scope: str = ""  # the digest of the query (path and filters) the token belongs to

    @classmethod
    def parse(cls, limit: str | None, token: str | None, scope: str = "") -> PageQuery:
        return cls(_limit(limit), _after(token, scope), scope)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, how many the whole list has, the next page's token."""

    items: tuple[T, ...]
    total: int
    next_token: str | None

    def next_link(self, request: Request) -> str | None:
        """The URL of the next page: this request's with the next token (None: last page)."""
        if self.next_token is None:
            return None
        return str(request.url.include_query_params(**{TOKEN: self.next_token}))


def paginate(items: Sequence[T], key: Callable[[T], str], query: PageQuery) -> Page[T]:
    """The page of `items` (any order: they are sorted by `key`, which must be unique)."""
    ordered = sorted(items, key=key)
    rest = [i for i in ordered if query.after is None or key(i) > query.after]
    served = tuple(rest[: query.limit])
    more = len(rest) > len(served)
    token = _token(key(served[-1]), query.scope) if more and served else None
    return Page(served, len(ordered), token)


def query_scope(request: Request, *ignored: str) -> str:
    """The digest of the request's path and query, less the page parameters (and `ignored`)."""
    kept = sorted(
        (k, v) for k, v in request.query_params.multi_items() if k not in (TOKEN, "limit", *ignored)
    )
    return digest(request.url.path, *(f"{k}={v}" for k, v in kept))


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise InvalidInput("limit", f"expected a whole number from 1 to {MAX_LIMIT}, got {text!r}")
    return int(text)


def _token(after: str, scope: str) -> str:
    raw = json.dumps({"a": after, "s": scope}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(token: str | None, scope: str) -> str | None:
    if not token:
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        after, belongs = body["a"], body["s"]
    except (ValueError, KeyError, TypeError):
        raise InvalidInput(TOKEN, "not a token this API gave; start again without it") from None
    if not isinstance(after, str) or belongs != scope:
        raise InvalidInput(
            TOKEN, "the token belongs to another query (other filters); start again without it"
        )
    return after
