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
from decimal import ROUND_FLOOR, Decimal
from typing import Generic, TypeVar

from fastapi import Request

from shared.core.digest import digest
from shared.entrypoints.http.authentication import KEY_PARAMETER
from shared.errors import InvalidInput, excerpt

T = TypeVar("T")
SCALE = Decimal(10) ** 8  # largest_first ranks amounts to 1e-8
RANK_SPAN = 10**30  # amounts up to 1e22 either side of 0
RANK_DIGITS = 31
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
LIMIT_DIGITS = 6
MAX_TOKEN_LENGTH = 4096  # a key of up to ~3,000 characters (an owner, a caller name)
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
        """The URL of the next page: this request's with the next token (None: last page), less
        a function key given as `?code=` (a body never echoes a secret: send it again, or in
        the `x-functions-key` header)."""
        if self.next_token is None:
            return None
        return str(
            request.url.remove_query_params(KEY_PARAMETER).include_query_params(
                **{TOKEN: self.next_token}
            )
        )


def paginate(items: Sequence[T], key: Callable[[T], str], query: PageQuery) -> Page[T]:
    """The page of `items` (any order: they are sorted by `key`, which must be unique)."""
    ordered = sorted(items, key=key)
    rest = [i for i in ordered if query.after is None or key(i) > query.after]
    served = tuple(rest[: query.limit])
    more = len(rest) > len(served)
    token = _token(key(served[-1]), query.scope) if more and served else None
    return Page(served, len(ordered), token)


def largest_first(amount: Decimal, *tie: str) -> str:
    """A key that sorts the largest amount first (to 1e-8), then by `tie` (which must make it
    unique): a list ranked by cost keeps its order, and an item whose cost stayed keeps its
    place between two pages (one whose cost changed may move)."""
    scaled = int((amount * SCALE).to_integral_value(rounding=ROUND_FLOOR))
    rank = min(max(RANK_SPAN - scaled, 0), 2 * RANK_SPAN)
    return f"{rank:0{RANK_DIGITS}d}|" + "|".join(tie)


def query_scope(request: Request, *ignored: str) -> str:
    """The digest of the request's path and query, less the page parameters (and `ignored`)."""
    kept = sorted(
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in (TOKEN, "limit", KEY_PARAMETER, *ignored)  # a rotated key keeps its pages
    )
    return digest(request.url.path, *(f"{k}={v}" for k, v in kept))


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    # ASCII digits only: str.isdigit() also holds for "²" (int() refuses it) and "١٠" (Arabic-
    # Indic digits, which int() reads); at most 6 of them, so int() never reads a huge text.
    whole = text.isascii() and text.isdigit() and len(text) <= LIMIT_DIGITS
    if not whole or not 1 <= int(text) <= MAX_LIMIT:
        raise InvalidInput(
            "limit", f"expected a whole number from 1 to {MAX_LIMIT}, got {excerpt(text)}"
        )
    return int(text)


def _token(after: str, scope: str) -> str:
    raw = json.dumps({"a": after, "s": scope}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(token: str | None, scope: str) -> str | None:
    if not token:
        return None
    foreign = InvalidInput(TOKEN, "not a token this API gave; start again without it")
    if len(token) > MAX_TOKEN_LENGTH:  # a token of ours is a key and a digest
        raise foreign
    try:
        body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        after, belongs = body["a"], body["s"]
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: [[[[...
        raise foreign from None
    if not isinstance(after, str) or not isinstance(belongs, str):
        raise foreign
    if belongs != scope:
        raise InvalidInput(
            TOKEN, "the token belongs to another query (other filters); start again without it"
        )
    return after
