"""The allocation's columnar path: usage weighed from one table (unknown deployments, records
in parts, counts beyond int64), the shares as a read-only sequence of records, and the line
checks done column by column. Each outcome is compared with the reference reading of the rules
(tests/unit/reference_allocation.py), digit for digit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shared.core.allocated_lines import AllocatedLines
from shared.core.allocation import allocate_period
from shared.core.costs import CostLine, CostType, PricingModel
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.usage import UsageRecord
from shared.errors import InvalidInput
from tests.unit.test_allocation_equivalence import assert_same, outcome
from tests.unit.test_allocation_properties import ACCOUNTS, CATALOGUE, METERS, OCT

EAST, WEST = ACCOUNTS
INPUT, CACHED, OUTPUT, PTU = METERS[0], METERS[1], METERS[2], METERS[5]
DAY = date(2026, 10, 3)


def chat(account: str, name: str, sku: str = "GlobalStandard") -> Deployment:
    return Deployment(account, name, "gpt-4o", "2024-11-20", sku, 10)


INVENTORY = [
    InventorySnapshot(
        datetime(2026, 10, 1, tzinfo=UTC),
        (
            chat(EAST, "a"),
            chat(EAST, "b"),
            chat(WEST, "c"),
            chat(EAST, "p", "GlobalProvisionedManaged"),
        ),
    )
]


def line(
    meter: str,
    cost: str,
    account: str = EAST,
    day: date = DAY,
    currency: str = "USD",
    pricing_model: PricingModel = PricingModel.ON_DEMAND,
) -> CostLine:
    return CostLine(
        day, account, meter, "as billed", Decimal(1), Decimal(cost), currency,
        pricing_model=pricing_model,
    )  # fmt: skip


def used(account: str, name: str, tokens: int, day: date = DAY, output: int = 0) -> UsageRecord:
    return UsageRecord(day, account, name, input_tokens=tokens, output_tokens=output)


def test_usage_of_a_deployment_no_line_can_go_to_reaches_no_other() -> None:
    usage = [
        used(EAST, "a", 3),
        used(EAST, "ghost", 10**6),  # not in the inventory
        used(WEST, "c", 5),
        used(EAST, "b", 0),
        used(WEST, "ghost", 7, day=date(2026, 10, 1)),  # the first day: nothing before it
    ]
    lines = [
        line(INPUT, "10.00"),
        line(INPUT, "1.5", WEST),
        line(INPUT, "2", day=date(2026, 10, 1)),
    ]
    assert_same(OCT, lines, usage, INVENTORY)
    result = allocate_period(OCT, lines, usage, INVENTORY, CATALOGUE)
    assert {(a.deployment_id.rsplit("/", 1)[1], a.cost) for a in result.allocated} == {
        ("a", Decimal("10.000000000000")),
        ("c", Decimal("1.500000000000")),
    }


def test_usage_in_parts_is_summed_and_a_count_beyond_int64_stays_exact() -> None:
    huge = 2**62  # two of these overflow int64: the usage is summed in Python integers
    usage = [
        used(EAST, "a", 1),
        used(EAST, "A", 2, output=5),  # the same deployment, another spelling
        used(EAST, "b", huge),
        used(EAST, "b", huge, output=huge),
    ]
    lines = [line(INPUT, "0.000000000007"), line(CACHED, "-3.33"), line(OUTPUT, "1E-14")]
    assert_same(OCT, lines, usage, INVENTORY)
    result = allocate_period(OCT, lines, usage, INVENTORY, CATALOGUE)
    weights = {(a.meter_id, a.deployment_id[-1]): a.weight for a in result.allocated}
    assert weights[(INPUT, "a")] == 3 and weights[(INPUT, "b")] == 2 * huge


def test_negative_usage_on_a_line_to_split_is_refused_as_the_reference_refuses_it() -> None:
    usage = [used(EAST, "a", 5), used(EAST, "b", -1)]
    args = (OCT, [line(INPUT, "1")], usage, INVENTORY, CATALOGUE)
    assert outcome(lambda: allocate_period(*args))[0] == "error"  # type: ignore[index]
    assert_same(*args[:4])


def test_the_shares_read_as_one_sequence_of_records_in_the_lines_order() -> None:
    usage = [used(EAST, "a", 1, output=2), used(EAST, "b", 3, output=1)]
    lines = [line(OUTPUT, "4"), line(PTU, "24"), line(INPUT, "8"), line(INPUT, "1", WEST)]
    result = allocate_period(OCT, lines, usage, INVENTORY, CATALOGUE)
    shares = result.allocated
    assert isinstance(shares, AllocatedLines)
    records = tuple(shares)
    assert len(shares) == len(records) == 5  # two input, one PTU, two output shares
    # The lines' order (day, account, meter id): the PTU record between the split lines' shares.
    assert [s.meter_id for s in records] == [OUTPUT, OUTPUT, PTU, INPUT, INPUT]
    assert shares[0] == records[0] and shares[-1] == records[-1]
    assert tuple(shares[1:3]) == records[1:3]
    assert shares == records and shares == list(records) and records == shares
    assert shares != records[:-1] and shares != "not lines"
    assert hash(shares) == hash(records)
    assert result.allocated_cost == sum((s.cost for s in records), Decimal(0))
    assert str(result.allocated_cost) == "36.000000000000"  # the digits the records sum to


def test_an_empty_allocation_is_an_empty_sequence() -> None:
    result = allocate_period(OCT, [], [], INVENTORY, CATALOGUE)
    assert len(result.allocated) == 0 and result.allocated == () and list(result.allocated) == []
    assert result.allocated_cost == 0


def test_two_lines_of_one_identity_are_refused_however_they_are_spelled_or_ordered() -> None:
    twice = [line(INPUT, "1"), line(INPUT, "2")]
    spelled = [line(INPUT, "1"), line(INPUT.upper(), "2")]
    apart = [  # one identity, with a line of another pricing model sorted between them
        line(INPUT, "1"),
        line(INPUT, "2", pricing_model=PricingModel.SAVINGS_PLAN),
        line(INPUT, "3"),
    ]
    for lines in (twice, spelled, apart):
        with pytest.raises(InvalidInput, match="merge them first"):
            allocate_period(OCT, lines, [], INVENTORY, CATALOGUE)
        assert_same(OCT, lines, [], INVENTORY)
    distinct = [line(INPUT, "1"), line(INPUT, "2", pricing_model=PricingModel.SAVINGS_PLAN)]
    assert len(allocate_period(OCT, distinct, [], INVENTORY, CATALOGUE).unallocated) == 2


def test_a_line_outside_the_period_and_two_currencies_are_refused() -> None:
    outside = [line(INPUT, "1", day=date(2026, 11, 1))]
    with pytest.raises(InvalidInput, match="outside period"):
        allocate_period(OCT, outside, [], INVENTORY, CATALOGUE)
    mixed = [line(INPUT, "1"), line(OUTPUT, "1", currency="EUR")]
    assert_same(OCT, mixed, [], INVENTORY)
    refused = outcome(
        lambda: allocate_period(OCT, mixed, [], INVENTORY, CATALOGUE, CostType.ACTUAL)
    )
    assert refused[0] == "error"  # type: ignore[index]
