"""Allocation is independent per account: a period allocated shard by shard (each shard's lines,
usage and inventory only) is the period allocated whole, line for line, with the same unit costs
and reconciliation, on generated tenants with every meter family."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.core.allocation import allocate_period
from shared.core.costs import CostLine, CostType
from shared.core.inventory import InventorySnapshot
from shared.core.money import money_context
from shared.core.reconciliation import merged, reconcile
from shared.core.shards import inventory_keys, shard_plan, shard_snapshots
from shared.core.unit_costs import unallocated_totals, unit_costs
from shared.core.usage import UsageRecord
from tests.unit.test_allocation_properties import CATALOGUE, OCT, bill, snapshots, usage


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots(), usage(), bill(), st.sampled_from(list(CostType)))
def test_the_shards_of_a_period_allocate_what_the_whole_period_does(
    snaps: list[InventorySnapshot],
    used: list[UsageRecord],
    lines: list[CostLine],
    basis: CostType,
) -> None:
    whole = allocate_period(OCT, lines, used, snaps, CATALOGUE, basis)
    plan = shard_plan(inventory_keys(snaps) | {"west~0", "b"}, 1)  # keys the bill may not have
    assert len(plan) > 1
    parts, reports, units, totals = [], [], [], []
    for shard in plan:
        own = [ln for ln in lines if shard.holds_account(ln.account_id)]
        own_usage = [u for u in used if shard.holds_account(u.account_id)]
        own_snaps = shard_snapshots(snaps, shard)
        part = allocate_period(OCT, own, own_usage, own_snaps, CATALOGUE, basis)
        parts.append(part)
        reports.append(reconcile(part, own, own_usage, CATALOGUE))
        units.extend(unit_costs(part, own_usage))
        totals.extend(unallocated_totals(part))

    assert Counter(whole.allocated) == Counter(a for p in parts for a in p.allocated)
    assert Counter(whole.unallocated) == Counter(u for p in parts for u in p.unallocated)
    with money_context():
        assert whole.billed == sum((p.billed for p in parts), whole.billed * 0)
    assert {d.key for d in whole.deployments} == {d.key for p in parts for d in p.deployments}
    assert sorted(units, key=lambda u: u.deployment.key) == sorted(
        unit_costs(whole, used), key=lambda u: u.deployment.key
    )
    assert Counter(totals) == Counter(unallocated_totals(whole))
    # A shard without lines has no currency of its own: the report takes the period's.
    assert merged(reports, whole.currency) == reconcile(whole, lines, used, CATALOGUE)
