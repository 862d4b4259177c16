from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.allocation import UnallocatedReason, allocate_period
from shared.core.costs import ChargeType, CostLine, CostType, merge_cost_lines
from shared.core.inventory import InventorySnapshot
from shared.core.unit_costs import unallocated_totals
from shared.core.usage import UsageRecord
from shared.errors import CurrencyMismatch, InvalidInput
from tests.builders import ACC, NOV, OTHER, SNAPSHOT, dep, line, use
from tests.unit.catalogue_double import (
    ALL,
    GPT4O_CACHED,
    GPT4O_IN,
    GPT4O_OUT,
    MINI_IN,
    PTU_GLOBAL,
    DictCatalogue,
)
from tests.unit.conservation import conservation_by_account_day

SNAP = [SNAPSHOT]  # chat-prod and chat-test, since 1 October


def test_a_shared_input_meter_is_split_by_input_tokens() -> None:
    result = allocate_period(
        NOV, [line(GPT4O_IN.meter_id, "3.00")],
        [use("chat-prod", 750), use("chat-test", 250)], SNAP, DictCatalogue(),
    )  # fmt: skip
    shares = {a.deployment_id.rsplit("/", 1)[-1]: a.cost for a in result.allocated}
    assert shares == {"chat-prod": Decimal("2.25"), "chat-test": Decimal("0.75")}
    assert result.unallocated == ()


def test_output_meters_follow_output_tokens_not_input_tokens() -> None:
    result = allocate_period(
        NOV, [line(GPT4O_OUT.meter_id, "10")],
        [use("chat-prod", 1000, 1), use("chat-test", 1, 3)], SNAP, DictCatalogue(),
    )  # fmt: skip
    shares = {a.deployment_id.rsplit("/", 1)[-1]: a.cost for a in result.allocated}
    assert shares == {"chat-prod": Decimal("2.5"), "chat-test": Decimal("7.5")}


def test_cached_input_is_weighed_by_input_tokens() -> None:
    result = allocate_period(
        NOV, [line(GPT4O_CACHED.meter_id, "1")],
        [use("chat-prod", 1, 100), use("chat-test", 3, 0)], SNAP, DictCatalogue(),
    )  # fmt: skip
    shares = {a.deployment_id.rsplit("/", 1)[-1]: a.cost for a in result.allocated}
    assert shares == {"chat-prod": Decimal("0.25"), "chat-test": Decimal("0.75")}


def test_resource_ids_are_matched_case_insensitively() -> None:
    result = allocate_period(
        NOV, [line(GPT4O_IN.meter_id, "1", account=ACC.lower())],
        [use("CHAT-PROD", 5, account=ACC.upper())], SNAP, DictCatalogue(),
    )  # fmt: skip
    assert [a.deployment_id.rsplit("/", 1)[-1] for a in result.allocated] == ["chat-prod"]
    assert result.allocated[0].cost == Decimal(1)


@pytest.mark.parametrize(
    ("cost_line", "usage", "reason"),
    [
        (line("not-in-catalogue", "1"), [], UnallocatedReason.UNKNOWN_METER),
        (line(MINI_IN.meter_id, "1"), [use("chat-prod", 5)],
         UnallocatedReason.NO_MATCHING_DEPLOYMENT),
        (line(GPT4O_IN.meter_id, "1"), [], UnallocatedReason.NO_USAGE),
        (line(GPT4O_IN.meter_id, "1", account=OTHER), [], UnallocatedReason.NO_MATCHING_DEPLOYMENT),
        (line(GPT4O_IN.meter_id, "1", account=""), [], UnallocatedReason.NO_RESOURCE),
        (line("x", "9", charge_type=ChargeType.PURCHASE), [],
         UnallocatedReason.RESERVATION_PURCHASE),
        (line("x", "9", charge_type=ChargeType.UNUSED_RESERVATION), [],
         UnallocatedReason.UNUSED_RESERVATION),
    ],
)  # fmt: skip
def test_a_line_that_cannot_be_split_becomes_unallocated_with_its_reason(
    cost_line: CostLine, usage: list[UsageRecord], reason: UnallocatedReason
) -> None:
    result = allocate_period(NOV, [cost_line], usage, SNAP, DictCatalogue())
    assert result.allocated == ()
    assert [(u.reason, u.cost) for u in result.unallocated] == [(reason, cost_line.cost)]


def test_a_meter_version_must_match_the_deployment_version() -> None:
    snap = [InventorySnapshot.on(date(2026, 10, 1), (dep("old", version="2024-08-06"),))]
    result = allocate_period(
        NOV, [line(GPT4O_IN.meter_id, "1")], [use("old", 5)], snap, DictCatalogue()
    )
    assert result.unallocated[0].reason is UnallocatedReason.NO_MATCHING_DEPLOYMENT


def test_ptu_hours_go_to_provisioned_deployments_by_capacity() -> None:
    snap = [InventorySnapshot.on(date(2026, 10, 1), (
        dep("ptu-a", sku="GlobalProvisionedManaged", capacity=15),
        dep("ptu-b", model="gpt-4o-mini", version="2024-07-18", sku="GlobalProvisionedManaged",
            capacity=45),
        dep("std", capacity=100),
    ))]  # fmt: skip
    result = allocate_period(NOV, [line(PTU_GLOBAL.meter_id, "1440")], [], snap, DictCatalogue())
    shares = {a.deployment_id.rsplit("/", 1)[-1]: a.cost for a in result.allocated}
    assert shares == {"ptu-a": Decimal(360), "ptu-b": Decimal(1080)}


def test_the_snapshot_in_force_on_each_day_is_used() -> None:
    snaps = [
        InventorySnapshot.on(date(2026, 11, 1), (dep("a"),)),
        InventorySnapshot.on(date(2026, 11, 10), (dep("b"),)),
    ]
    lines = [line(GPT4O_IN.meter_id, "1", day=date(2026, 11, 5)),
             line(GPT4O_IN.meter_id, "2", day=date(2026, 11, 12))]  # fmt: skip
    usage = [use(n, 5, day=d) for n in ("a", "b") for d in (date(2026, 11, 5), date(2026, 11, 12))]
    result = allocate_period(NOV, lines, usage, snaps, DictCatalogue())
    got = {(a.date.day, a.deployment_id.rsplit("/", 1)[-1]): a.cost for a in result.allocated}
    assert got == {(5, "a"): Decimal(1), (12, "b"): Decimal(2)}
    assert {d.name for d in result.deployments} == {"a", "b"}


def test_two_billing_currencies_in_one_period_are_an_error_naming_both() -> None:
    lines = [
        line(GPT4O_IN.meter_id, "1"),
        line("m", "1", currency="EUR"),
    ]
    with pytest.raises(CurrencyMismatch, match="EUR, USD"):
        allocate_period(NOV, lines, [], SNAP, DictCatalogue())


def test_lines_outside_the_period_are_refused() -> None:
    with pytest.raises(InvalidInput):
        allocate_period(NOV, [line(GPT4O_IN.meter_id, "1", day=date(2026, 12, 1))], [], SNAP,
                        DictCatalogue())  # fmt: skip


def test_only_lines_of_the_requested_price_basis_are_allocated() -> None:
    lines = [line(GPT4O_IN.meter_id, "1"),
             line(GPT4O_IN.meter_id, "5", cost_type=CostType.AMORTIZED)]  # fmt: skip
    result = allocate_period(NOV, lines, [use("chat-prod", 1)], SNAP, DictCatalogue())
    assert result.billed == Decimal(1)


# Property tests: conservation and idempotence over generated tenants.
money = st.decimals(min_value=Decimal("-50"), max_value=Decimal("500"), places=8,
                    allow_nan=False, allow_infinity=False)  # fmt: skip
meter_ids = st.sampled_from([m.meter_id for m in ALL] + ["unknown-1"])
accounts = st.sampled_from([ACC, ACC.lower(), OTHER, ""])
days = st.integers(min_value=1, max_value=30).map(lambda d: date(2026, 11, d))
charge = st.sampled_from([ChargeType.USAGE, ChargeType.USAGE, ChargeType.PURCHASE])
# Bills as the costs store keeps them: one line per identity (rows of one bill line summed).
lines_st = st.lists(
    st.builds(lambda m, c, a, d, ch: line(m, str(c), day=d, account=a, charge_type=ch),
              meter_ids, money, accounts, days, charge),
    max_size=40,
).map(merge_cost_lines)  # fmt: skip
names = st.sampled_from(["chat-prod", "chat-test", "mini", "ptu", "dz"])
usage_st = st.lists(
    st.builds(lambda n, i, o, d, a: use(n, i, o, 1, day=d, account=a), names,
              st.integers(0, 10**9), st.integers(0, 10**8), days, st.sampled_from([ACC, OTHER])),
    max_size=60,
)  # fmt: skip
TENANT = [InventorySnapshot.on(date(2026, 1, 1), (
    dep("chat-prod"), dep("chat-test"), dep("mini", "gpt-4o-mini", "2024-07-18"),
    dep("ptu", sku="GlobalProvisionedManaged", capacity=50),
    dep("dz", "gpt-4.1", "2025-04-14", "DataZoneStandard"), dep("chat-prod", account=OTHER),
))]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(lines_st, usage_st)
def test_allocated_plus_unallocated_equals_billed_for_every_account_and_day(
    lines: list[CostLine], usage: list[UsageRecord]
) -> None:
    result = allocate_period(NOV, lines, usage, TENANT, DictCatalogue())
    for key, (billed, carried) in conservation_by_account_day(result, lines).items():
        assert billed == carried, key
    assert result.allocated_cost + result.unallocated_cost == result.billed
    assert all(a.cost.is_finite() for a in result.allocated)


@settings(max_examples=100, deadline=None)
@given(lines_st, usage_st, st.randoms(use_true_random=False))
def test_allocation_is_deterministic_whatever_the_input_order(
    lines: list[CostLine], usage: list[UsageRecord], rnd: random.Random
) -> None:
    first = allocate_period(NOV, lines, usage, TENANT, DictCatalogue())
    lines2, usage2 = list(lines), list(usage)
    rnd.shuffle(lines2)
    rnd.shuffle(usage2)
    again = allocate_period(NOV, lines2, usage2, TENANT, DictCatalogue())
    key = lambda a: (a.date, a.deployment_id, a.meter_id, a.charge_type.value, a.cost)  # noqa: E731
    assert sorted(first.allocated, key=key) == sorted(again.allocated, key=key)
    assert sorted(u.cost for u in first.unallocated) == sorted(u.cost for u in again.unallocated)


def test_bill_rows_of_one_identity_are_allocated_as_one_line_once_merged() -> None:
    rows = [line(GPT4O_IN.meter_id, "1.25"), line(GPT4O_IN.meter_id, "0.75", account=ACC.lower())]
    with pytest.raises(InvalidInput, match="merge them first"):  # as stored, never in parts
        allocate_period(NOV, rows, [use("chat-prod", 1)], SNAP, DictCatalogue())
    merged = merge_cost_lines(rows)
    result = allocate_period(NOV, merged, [use("chat-prod", 1)], SNAP, DictCatalogue())
    assert [(a.deployment_id.rsplit("/", 1)[-1], a.cost) for a in result.allocated] == [
        ("chat-prod", Decimal("2.00"))
    ]


def test_unallocated_totals_sum_an_account_across_casings_and_keep_it_as_billed() -> None:
    upper = ACC.replace("resourceGroups", "RESOURCEGROUPS")
    lines = [
        line("unknown-1", "2.00"),
        line("unknown-1", "1.00", day=date(2026, 11, 4), account=upper),
    ]
    result = allocate_period(NOV, lines, [], SNAP, DictCatalogue())
    (total,) = unallocated_totals(result)
    assert total.cost == Decimal("3.00")
    assert total.account_id == ACC  # as first billed, not lower-cased
