"""Allocations of different inputs interleaved and crashed at random points, on Azurite: what the
API serves always conserves money and is always one whole allocation, never a mix."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from azure.data.tables import TableServiceClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.adapters.storage.allocation_tables import (
    ALLOCATIONS,
    UNITCOSTS,
    AllocationTables,
)
from shared.adapters.storage.reconciliation_table import TABLE as RECONCILIATION
from shared.adapters.storage.table_gateway import AzureTableGateway, Entity, TableGateway, Versioned
from shared.bootstrap import ALL_TABLES
from shared.core.costs import CostLine
from shared.core.period import BillingPeriod
from shared.core.reports import PeriodReport, Publication
from shared.entrypoints.http.app import create_app
from tests.builders import SNAPSHOT, month_of_lines, month_of_usage, publication
from tests.doubles.forwarding_gateway import ForwardingGateway
from tests.fakes import MemoryTableGateway
from tests.storage import cost_of
from tests.unit.catalogue_double import GPT4O_IN, GPT4O_OUT

pytestmark = pytest.mark.azurite
PERIODS = (BillingPeriod(2027 + i // 12, i % 12 + 1) for i in itertools.count())
START = datetime(2027, 1, 1, tzinfo=UTC)


class Crash(Exception):
    """The allocating process dies here."""


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Hooked(ForwardingGateway):
    """A gateway that calls `before(n)` ahead of its n-th operation."""

    before: Callable[[int], None] = lambda _n: None
    count: int = 0

    def _tick(self) -> None:
        self.count += 1
        self.before(self.count)

    def get(self, table: str, pk: str, rk: str) -> Versioned | None:
        self._tick()
        return self.inner.get(table, pk, rk)

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        self._tick()
        return self.inner.put_if(table, entity, etag)

    def exists(self, table: str, pk_from: str, pk_to: str) -> bool:
        self._tick()
        return self.inner.exists(table, pk_from, pk_to)

    def query(self, table: str, pk_from: str, pk_to: str) -> list[Entity]:
        self._tick()
        return self.inner.query(table, pk_from, pk_to)

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        self._tick()
        self.inner.write(table, upserts, deletes)


def bill(period: BillingPeriod, variant: int) -> list[CostLine]:
    """Variant 0 is the month as first collected; others restate one day's lines."""
    lines = month_of_lines(period=period, count=4)
    if variant == 0:
        return lines
    day = lines[2 * variant % len(lines)].date
    return [
        replace(ln, cost=ln.cost + Decimal(variant) * Decimal("7.13"))
        if ln.date == day and ln.meter_id in (GPT4O_IN.meter_id, GPT4O_OUT.meter_id)
        else ln
        for ln in lines
    ]


def served(app: object, period: BillingPeriod) -> tuple[int, dict[str, object]]:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await client.get(
                "/api/unit-costs", params={"period": str(period), "costType": "actual"}
            )

    response = asyncio.run(send())
    return response.status_code, response.json()


def comparable(body: dict[str, object]) -> tuple[object, ...]:
    deployments = body["deployments"]
    assert isinstance(deployments, list)
    return (
        body["billedCost"],
        body["allocatedCost"],
        body["unallocatedCost"],
        tuple(sorted((d["key"], d["cost"]) for d in deployments)),
    )


def conserves(body: dict[str, object]) -> bool:
    deployments = body["deployments"]
    unallocated = body["unallocated"]
    assert isinstance(deployments, list) and isinstance(unallocated, list)
    cents = [Decimal(str(d["cost"])) for d in deployments]
    left = [Decimal(str(u["cost"])) for u in unallocated]
    billed = Decimal(str(body["billedCost"]))
    allocated = Decimal(str(body["allocatedCost"]))
    return sum(cents, Decimal(0)) == allocated and allocated + sum(left, Decimal(0)) == billed


@dataclass
class World:
    gateway: AzureTableGateway
    service: TableServiceClient
    clock: Clock = field(default_factory=Clock)

    def tables(self, gateway: TableGateway | None = None) -> AllocationTables:
        return AllocationTables(gateway or self.gateway, clock=self.clock)

    def rows(self, table: str, period: BillingPeriod) -> list[dict[str, object]]:
        client = self.service.get_table_client(table)
        return [
            dict(r) for r in client.list_entities() if r["PartitionKey"].startswith(f"{period}|")
        ]


@pytest.fixture(scope="module")
def world(azurite: object) -> Iterator[World]:
    conn = azurite.connection_string  # type: ignore[attr-defined]
    service = TableServiceClient.from_connection_string(conn)
    gateway = AzureTableGateway(service)
    gateway.ensure(ALL_TABLES)
    yield World(gateway, service)


def expected_of(pub: Publication) -> tuple[object, ...]:
    """What the API serves for this publication alone (in memory, same code)."""
    alone = AllocationTables(MemoryTableGateway(), clock=lambda: START)
    alone.publish(pub)
    status, body = served(create_app(lambda: alone), pub.allocation.period)
    assert status == 200
    return comparable(body)


@settings(
    max_examples=18,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    prior=st.booleans(),
    newer_is_slow=st.booleans(),
    interleave_at=st.integers(1, 30),
    crash_at=st.one_of(st.none(), st.integers(1, 40)),
    reads=st.sets(st.integers(1, 40), max_size=6),
)
def test_readers_always_see_one_whole_allocation_and_the_newest_inputs_win(
    world: World,
    prior: bool,
    newer_is_slow: bool,
    interleave_at: int,
    crash_at: int | None,
    reads: set[int],
) -> None:
    period = next(PERIODS)
    usage = month_of_usage(period=period, count=4)
    pubs = {
        seq: publication(bill(period, seq), usage, seq, snapshots=(SNAPSHOT,), period=period)
        for seq in (1, 2, 3)
    }
    expected = {seq: expected_of(pub) for seq, pub in pubs.items()}
    app = create_app(lambda: world.tables())
    seen: list[tuple[object, ...]] = []

    def check() -> None:
        status, body = served(app, period)
        if status == 404:
            assert not prior and not seen, "a published period may never disappear"
            return
        assert status == 200, body
        assert conserves(body)
        assert comparable(body) in expected.values(), "a mix of two allocations was served"
        seen.append(comparable(body))

    if prior:
        assert world.tables().publish(pubs[1]).value == "published"
    slow, fast = (pubs[3], pubs[2]) if newer_is_slow else (pubs[2], pubs[3])

    def before(n: int) -> None:
        if n in reads:
            check()
        if n == interleave_at:
            world.tables().publish(fast)
            check()
        if crash_at is not None and n == crash_at:
            raise Crash

    hooked = Hooked(world.gateway, before)
    with contextlib.suppress(Crash):
        world.tables(hooked).publish(slow)
    if hooked.count < interleave_at:  # the slow one finished first: the other runs after it
        world.tables().publish(fast)
    check()
    # Whatever happened, a re-run of every allocation that may have died converges on the newest.
    world.tables().publish(slow)
    world.tables().publish(fast)
    status, body = served(app, period)
    assert status == 200 and comparable(body) == expected[3]
    assert conserves(body)

    # No rows but the live generation's are left, once orphans have aged.
    world.clock.now += timedelta(hours=2)
    world.tables().publish(pubs[3])
    world.clock.now -= timedelta(hours=2)
    report = world.tables().report(period, pubs[3].allocation.cost_type)
    assert isinstance(report, PeriodReport) and report.billed == pubs[3].allocation.billed
    daily = world.rows(ALLOCATIONS, period)
    assert sum(cost_of(r) for r in daily) == pubs[3].allocation.billed
    generations = {str(r["PartitionKey"]).rsplit("|", 1)[-1] for r in world.rows(UNITCOSTS, period)}
    assert len(generations) == 1
    assert len({r["PartitionKey"] for r in world.rows(RECONCILIATION, period)}) == 1
    assert all(s in expected.values() for s in seen)


@pytest.mark.parametrize("publish_at", [1, 2, 3, 4])
def test_a_reader_overtaken_by_a_commit_and_its_cleanup_reads_one_whole_report(
    world: World, publish_at: int
) -> None:
    """The newer allocation commits and deletes the old rows while a reader is between reads."""
    period = next(PERIODS)
    usage = month_of_usage(period=period, count=4)
    old, new = (publication(bill(period, v), usage, v + 1, period=period) for v in (0, 1))
    world.tables().publish(old)

    def before(n: int) -> None:
        if n == publish_at:
            world.tables().publish(new)

    report = world.tables(Hooked(world.gateway, before)).report(period, old.allocation.cost_type)
    assert isinstance(report, PeriodReport)
    assert (report.billed, len(report.unit_costs)) in {
        (old.allocation.billed, len(old.unit_costs)),
        (new.allocation.billed, len(new.unit_costs)),
    }
    assert sum((u.cost for u in report.unit_costs), Decimal(0)) == report.allocated
    assert report.allocated + report.unallocated == report.billed
