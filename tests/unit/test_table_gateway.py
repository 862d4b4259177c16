"""Diff-based replacement (shared/adapters/storage/table_gateway.py) refuses what it cannot plan."""

from __future__ import annotations

import pytest

from shared.adapters.storage.table_gateway import PK, RK, exact_range, plan_replace, prefix_range
from shared.errors import InvalidInput
from tests.fakes import MemoryTableGateway


def test_an_entity_outside_the_range_or_a_key_twice_is_invalid_input() -> None:
    gateway = MemoryTableGateway()
    with pytest.raises(InvalidInput, match="outside the range") as err:
        plan_replace(gateway, "t", exact_range("a"), [{PK: "b", RK: "1"}])
    assert err.value.field == "entities"
    with pytest.raises(InvalidInput, match="duplicate entity key"):
        plan_replace(gateway, "t", prefix_range("a"), [{PK: "a", RK: "1"}, {PK: "a", RK: "1"}])


def test_only_what_differs_is_planned() -> None:
    gateway = MemoryTableGateway()
    gateway.write("t", [{PK: "a", RK: "1", "v": 1}, {PK: "a", RK: "2", "v": 2}], [])
    plan = plan_replace(gateway, "t", prefix_range("a"), [{PK: "a", RK: "1", "v": 1}])
    assert (plan.upserts, [e[RK] for e in plan.deletes]) == ((), ["2"])
