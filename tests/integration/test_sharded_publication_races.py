"""Shards of two input versions stored in any order, one of them crashing at any storage call, on
Azurite: what the API serves is always one whole allocation of one version (or the one before),
never a mix of shards of two; redelivered parts converge on the newest, and once orphans have aged
nothing is left but the live rows."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.tenant import Tenant
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.adapters.storage.allocation_tables import ALLOCATIONS, UNITCOSTS, AllocationTables
from shared.core.allocation import allocate_period
from shared.core.costs import CostLine, CostType
from shared.core.period import BillingPeriod
from shared.core.publication import publication_of
from shared.core.reports import Publication
from shared.core.shards import AccountShard, inventory_keys, shard_plan, shard_snapshots
from shared.entrypoints.http.app import create_app
from tests.fakes import MemoryTableGateway
from tests.integration.test_publication_races import (
    PERIODS,
    START,
    Crash,
    Hooked,
    World,
    comparable,
    conserves,
    served,
    world,
)

__all__ = ["world"]  # the module's Azurite fixture, shared
pytestmark = pytest.mark.azurite
CATALOGUE = load_bundled_catalogue()
ACTUAL = CostType.ACTUAL


def tenant(period: BillingPeriod) -> Tenant:
    made = Tenant.generate(30, days=3)  # three accounts: three shards
    shift = (period.year - made.period.year) * 12 + period.month - made.period.month
    moved = [dataclasses.replace(ln, date=_moved(ln.date, shift)) for ln in made.lines]
    usage = [dataclasses.replace(u, date=_moved(u.date, shift)) for u in made.usage]
    return dataclasses.replace(made, period=period, lines=moved, usage=usage)


def _moved(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day.day)


def bill(t: Tenant, version: int) -> list[CostLine]:
    """Version 1 as first collected; later ones restate the costs of one account."""
    account = sorted({ln.account_id for ln in t.lines})[version % 3]
    return [
        dataclasses.replace(ln, cost=ln.cost + Decimal(version) * Decimal("0.13"))
        if ln.account_id == account and version > 1
        else ln
        for ln in t.lines
    ]


def part(t: Tenant, shard: AccountShard, version: int) -> Publication:
    own = [ln for ln in bill(t, version) if shard.holds_account(ln.account_id)]
    usage = [u for u in t.usage if shard.holds_account(u.account_id)]
    snaps = shard_snapshots(t.snapshots, shard)
    allocation = allocate_period(t.period, own, usage, snaps, CATALOGUE, ACTUAL)
    return publication_of(allocation, own, usage, CATALOGUE, version)


def expected_of(t: Tenant, version: int) -> tuple[object, ...]:
    """What the API serves for this version published whole, alone (in memory)."""
    lines = bill(t, version)
    allocation = allocate_period(t.period, lines, t.usage, t.snapshots, CATALOGUE, ACTUAL)
    alone = AllocationTables(MemoryTableGateway(), clock=lambda: START)
    alone.publish(publication_of(allocation, lines, t.usage, CATALOGUE, version))
    status, body = served(create_app(lambda: alone), t.period)
    assert status == 200
    return comparable(body)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    order=st.permutations([(v, i) for v in (2, 3) for i in range(3)]),
    crash_at=st.one_of(st.none(), st.integers(1, 120)),
    reads=st.sets(st.integers(1, 120), max_size=5),
)
def test_readers_see_one_whole_version_whatever_order_and_crash_the_shards_had(
    world: World, order: list[tuple[int, int]], crash_at: int | None, reads: set[int]
) -> None:
    period = next(PERIODS)
    t = tenant(period)
    shards = shard_plan(inventory_keys(t.snapshots), 1)
    assert len(shards) == 3
    expected = {v: expected_of(t, v) for v in (1, 2, 3)}
    app = create_app(lambda: world.tables())
    seen: list[tuple[object, ...]] = []

    def check() -> None:
        status, body = served(app, period)
        assert status == 200, body
        assert conserves(body)
        assert comparable(body) in expected.values(), "a mix of two versions was served"
        seen.append(comparable(body))

    for shard in shards:
        world.tables().publish_part(shard, part(t, shard, 1))
    check()

    def before(n: int) -> None:
        if n in reads:
            check()
        if crash_at is not None and n == crash_at:
            raise Crash

    hooked = Hooked(world.gateway, before)
    for version, index in order:
        with contextlib.suppress(Crash):
            world.tables(hooked).publish_part(shards[index], part(t, shards[index], version))
    check()
    # Every part delivered again (the queue retries what crashed): the newest version wins.
    for version, index in order:
        world.tables().publish_part(shards[index], part(t, shards[index], version))
    status, body = served(app, period)
    assert status == 200 and comparable(body) == expected[3]

    # Once orphans have aged, only the live rows are left.
    world.clock.now += timedelta(hours=2)
    for shard in shards:
        world.tables().publish_part(shard, part(t, shard, 4))
    world.clock.now -= timedelta(hours=2)
    generations = {str(r["PartitionKey"]).rsplit("|", 1)[-1] for r in world.rows(UNITCOSTS, period)}
    assert len(generations) <= 3  # one per shard at most
    alone = MemoryTableGateway()
    tables = AllocationTables(alone, clock=lambda: START)
    for shard in shards:
        tables.publish_part(shard, part(t, shard, 4))
    assert len(world.rows(ALLOCATIONS, period)) == len(alone.tables[ALLOCATIONS])
    assert all(s in expected.values() for s in seen)
