"""Keyset pages (shared/entrypoints/http/pagination.py): every item once over the pages, a token
bound to its query, a bad limit or token a 400 naming it (never a 500), and keys that keep a
list ranked by cost in its order."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from shared.entrypoints.http.pagination import (
    MAX_LIMIT,
    PageQuery,
    largest_first,
    paginate,
)
from shared.errors import InvalidInput

ITEMS = [f"item-{n:02d}" for n in range(7)]


def pages(items: list[str], limit: int, scope: str = "s") -> list[list[str]]:
    found, token = [], None
    while True:
        page = paginate(items, str, PageQuery.parse(str(limit), token, scope))
        assert page.total == len(items)
        found.append(list(page.items))
        token = page.next_token
        if token is None:
            return found


def test_every_item_is_served_once_in_key_order_whatever_the_page_size() -> None:
    shuffled = ITEMS[3:] + ITEMS[:3]
    for limit in (1, 2, 3, 7, 100):
        served = pages(shuffled, limit)
        assert [i for page in served for i in page] == ITEMS
        assert all(len(page) == limit for page in served[:-1])
    assert pages([], 5) == [[]]


def test_an_item_that_stayed_is_neither_repeated_nor_skipped_when_the_list_changes() -> None:
    first = paginate(ITEMS, str, PageQuery.parse("3", None, "s"))
    changed = [i for i in ITEMS if i != "item-01"] + ["item-00a", "item-05a"]  # one gone, two new
    rest = paginate(changed, str, PageQuery.parse("10", first.next_token, "s"))
    assert list(first.items) == ITEMS[:3]
    assert list(rest.items) == ["item-03", "item-04", "item-05", "item-05a", "item-06"]


@pytest.mark.parametrize(
    "limit", ["0", str(MAX_LIMIT + 1), "-1", "+5", " 5", "1.0", "ten", "²", "١٠", "9" * 5000]
)
def test_a_limit_that_is_not_1_to_1000_is_invalid_input_naming_it(limit: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        PageQuery.parse(limit, None)
    assert raised.value.field == "limit"


def token_of(body: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "é",
        token_of(["a", "s"]),
        token_of({"a": 1, "s": "s"}),
        token_of({"a": "x"}),
        token_of({"a": "x", "s": None}),
        token_of([[[[]]]]) + "[",
        base64.urlsafe_b64encode(b"[" * 2000).decode(),  # deeper than json.loads goes
        "A" * 10_000,
    ],
)
def test_a_token_this_api_did_not_give_is_invalid_input_naming_it(token: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        PageQuery.parse(None, token, "s")
    assert raised.value.field == "continuationToken"
    assert "not a token this API gave" in raised.value.problem


def test_a_token_of_another_query_is_invalid_input_naming_it() -> None:
    token = paginate(ITEMS, str, PageQuery.parse("1", None, "s")).next_token
    assert PageQuery.parse(None, token, "s").after == "item-00"
    with pytest.raises(InvalidInput) as raised:
        PageQuery.parse(None, token, "other")
    assert raised.value.field == "continuationToken"
    assert "another query" in raised.value.problem


def test_largest_first_keys_sort_by_amount_descending_then_by_name() -> None:
    ranked = [("big", "1e21"), ("b", "588.29"), ("a", "19.45"), ("c", "19.45"), ("z", "0"),
              ("neg", "-3.50")]  # fmt: skip
    shuffled = ranked[::-1]
    assert sorted(shuffled, key=lambda r: largest_first(Decimal(r[1]), r[0])) == ranked
    assert largest_first(Decimal("0.000000001"), "x") == largest_first(Decimal(0), "x")  # 1e-8
