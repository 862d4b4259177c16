"""Shard plans: contiguous ranges of account keys that cover every key once; the shard request's
JSON both ways, and bad shard fields named."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.period import BillingPeriod
from shared.core.requests import AllocationRequest
from shared.core.shards import NO_ACCOUNT_KEY, AccountShard, account_shard_key, shard_plan
from shared.errors import InvalidInput

ACCOUNT = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/{}"
keys = st.lists(st.text(alphabet="abcdefgh~0123456789_", min_size=1, max_size=6), max_size=60)


@given(keys, st.integers(min_value=1, max_value=9), keys)
def test_every_key_falls_in_exactly_one_shard_of_a_plan(
    inventory: list[str], size: int, others: list[str]
) -> None:
    plan = shard_plan(inventory, size)
    assert [s.index for s in plan] == list(range(len(plan)))
    assert {s.count for s in plan} == {len(plan)} and len({s.plan for s in plan}) == 1
    for key in [*inventory, *others, "", NO_ACCOUNT_KEY, "\uffff"]:
        assert sum(s.holds(key) for s in plan) == 1, key
    for shard in plan:  # the inventory's accounts are spread `size` to a shard
        assert len({k for k in inventory if shard.holds(k)}) <= size
    assert len(plan) == max(1, -(-len(set(inventory)) // size))


def test_a_plan_is_the_same_for_the_same_accounts_and_another_for_others() -> None:
    first = shard_plan(["c", "a", "b", "d"], 2)
    assert first == shard_plan(["d", "b", "a", "c", "a"], 2)
    assert [(s.lower, s.upper) for s in first] == [("", "c"), ("c", "")]
    assert shard_plan(["a", "b", "c", "e"], 2) == first  # the same bounds: the same plan
    assert shard_plan(["a", "b", "d", "e"], 2)[0].plan != first[0].plan
    assert len(shard_plan(["a", "b"], 2)) == 1


def test_the_shard_key_is_the_accounts_table_key() -> None:
    assert account_shard_key(ACCOUNT.format("East")) == account_shard_key(ACCOUNT.format("east"))
    assert account_shard_key("") == NO_ACCOUNT_KEY
    shard = shard_plan([account_shard_key(ACCOUNT.format("east"))], 1)[0]
    assert shard.holds_account(ACCOUNT.format("EAST")) and shard.holds_account("")


def test_a_shard_request_goes_through_the_queue_as_json_and_back() -> None:
    shard = shard_plan(["a", "b", "c"], 1)[1]
    request = AllocationRequest(BillingPeriod(2026, 11), shard)
    body = json.loads(request.to_json())
    assert body == {
        "period": "2026-11",
        "shard": {"index": 1, "count": 3, "from": "b", "to": "c", "plan": shard.plan},
    }
    assert AllocationRequest.from_json(request.to_json()) == request
    assert AllocationRequest.from_json('{"period": "2026-11"}').shard is None


@pytest.mark.parametrize(
    ("shard", "field"),
    [
        ("[]", "shard"),
        ('{"index": "0", "count": 2, "from": "", "to": "", "plan": "p"}', "shard.index"),
        ('{"index": 0, "count": true, "from": "", "to": "", "plan": "p"}', "shard.count"),
        ('{"index": 0, "count": 2, "from": 3, "to": "", "plan": "p"}', "shard.from"),
        ('{"index": 0, "count": 2, "from": "", "plan": "p"}', "shard.to"),
        ('{"index": 0, "count": 2, "from": "", "to": "", "plan": null}', "shard.plan"),
        ('{"index": 2, "count": 2, "from": "", "to": "", "plan": "p"}', "shard.index"),
        ('{"index": 0, "count": 0, "from": "", "to": "", "plan": "p"}', "shard.count"),
        ('{"index": 0, "count": 2, "from": "b", "to": "a", "plan": "p"}', "shard.to"),
    ],
)
def test_a_bad_shard_field_is_named(shard: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        AllocationRequest.from_json(f'{{"period": "2026-11", "shard": {shard}}}')
    assert raised.value.field == field


def test_a_plan_of_too_many_shards_says_which_setting_to_raise() -> None:
    with pytest.raises(InvalidInput, match="raise it"):
        shard_plan([f"k{i:05d}" for i in range(2_002)], 2)
    with pytest.raises(InvalidInput) as raised:
        shard_plan(["a"], 0)
    assert raised.value.field == "accounts_per_shard"
    assert AccountShard(0, 1, "", "", "p").holds("x")
