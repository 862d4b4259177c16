"""Benchmark: a period of 10,000 deployments (1,000 accounts x 10, 31 days, `bench/tenant.py`,
both price bases) allocated and published by shards through the real queue, on Azurite.

1. Seeding: the tenant collected into Azurite's input tables through the project's stores (the
   collection service over fixed sources: inventory, both cost bases, usage, each diffed,
   written and its input version bumped), which enqueues the period's request.
2. Allocation and publication: a few drainer threads (like Function instances, host.json's
   batch of one) take the messages off the `allocation-requests` queue: the period's request
   fans out into one message per shard (ALLOCATION_SHARD_ACCOUNTS, default 100: 10 shards), each
   shard allocates its accounts and stores its part, the last part folds the period. Timed from
   the first receive to the fold, with each message's own time.
3. It prints the entities of every result table (daily rows per basis against the goal of at
   most deployments x days), checks that money is conserved exactly (per basis: billed = allocated
   + unallocated = the sum of the seeded lines, and the daily rows add up to it), then allocates
   the period again through the queue and checks that nothing is written (every write of the
   result tables is counted), and measures one shard's allocation under tracemalloc (the Python
   heap's peak while it reads its inputs, allocates and plans its rows; a re-run, so nothing is
   written; tracemalloc slows it down, so it is not part of the timings).

Bounded: the whole run is stopped after BENCH_SHARDED_TIMEOUT seconds (SIGALRM; default 3600).
For development: BENCH_SHARDED_DEPLOYMENTS (a multiple of 10; default 10,000), BENCH_SHARDED_DAYS
(default 31), BENCH_SHARDED_DRAINERS (default 3), ALLOCATION_SHARD_ACCOUNTS (default 100).
"""

from __future__ import annotations

import os
import resource
import signal
import statistics
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import FrameType

from azure.data.tables import TableServiceClient

from bench.tenant import PTU_GLOBAL, Tenant
from shared.adapters.storage import reconciliation_table
from shared.adapters.storage.allocation_tables import (
    ALLOCATIONS,
    PERIODS,
    UNALLOCATED,
    UNITCOSTS,
    AllocationTables,
)
from shared.adapters.storage.table_gateway import AzureTableGateway, Entity
from shared.bootstrap import (
    Stores,
    build_allocation,
    build_allocation_requests,
    build_collection,
    build_stores,
    table_service,
)
from shared.core.costs import CostLine, CostType, PricingModel
from shared.core.inventory import Deployment
from shared.core.money import money_context
from shared.core.period import DateWindow
from shared.core.reports import PeriodDays, PeriodReport
from shared.core.shards import inventory_keys, shard_plan
from shared.core.usage import UsageRecord
from shared.demo.azurite import running_azurite
from shared.services.allocation import AllocationStatus
from shared.services.allocation_requests import Allocated
from shared.settings import DEFAULT_SHARD_ACCOUNTS, Settings
from tests.doubles.forwarding_gateway import ForwardingGateway

DEPLOYMENTS = int(os.environ.get("BENCH_SHARDED_DEPLOYMENTS", "10000"))
DAYS = int(os.environ.get("BENCH_SHARDED_DAYS", "31"))
DRAINERS = int(os.environ.get("BENCH_SHARDED_DRAINERS", "3"))
SHARD_ACCOUNTS = int(os.environ.get("ALLOCATION_SHARD_ACCOUNTS", str(DEFAULT_SHARD_ACCOUNTS)))
TIMEOUT_SECONDS = int(os.environ.get("BENCH_SHARDED_TIMEOUT", "3600"))
# Azurite holds every entity in Node's heap: past 4 GB (Node's default limit here) it would die.
AZURITE_NODE_OPTIONS = "--max-old-space-size=12288"
VISIBILITY_SECONDS = 1800  # a message being allocated stays hidden this long (one shard's time)
RESULT_TABLES = (ALLOCATIONS, UNITCOSTS, UNALLOCATED, reconciliation_table.TABLE, PERIODS)
AMORTIZED_PTU = Decimal("0.7")  # a reserved PTU-hour amortizes at 70% of its pay-as-you-go price


# -- the seeded sources --------------------------------------------------------------------------


@dataclass(frozen=True)
class SeededCosts:
    lines: Sequence[CostLine]
    cost_type: CostType

    def fetch(self, window: DateWindow) -> list[CostLine]:
        return [line for line in self.lines if line.date in window]


@dataclass(frozen=True)
class SeededUsage:
    records: Sequence[UsageRecord]

    def fetch(self, window: DateWindow, accounts: Sequence[tuple[str, str]]) -> list[UsageRecord]:
        wanted = {a.lower() for a, _ in accounts}
        return [r for r in self.records if r.date in window and r.account_id.lower() in wanted]


@dataclass(frozen=True)
class SeededInventory:
    deployments: Sequence[Deployment]

    def fetch(self) -> list[Deployment]:
        return list(self.deployments)


def amortized(lines: Sequence[CostLine]) -> list[CostLine]:
    """The AmortizedCost bill of the same usage: PTU-hours at the reservation's rate, tokens as
    billed."""
    out = []
    for line in lines:
        if line.meter_id == PTU_GLOBAL:
            cost = (line.cost * AMORTIZED_PTU).quantize(Decimal("0.00001"))
            line = replace(line, cost=cost, pricing_model=PricingModel.RESERVATION)
        out.append(replace(line, cost_type=CostType.AMORTIZED))
    return out


# -- what is written -----------------------------------------------------------------------------


@dataclass
class CountingGateway(ForwardingGateway):
    """A TableGateway that counts the entities every write and conditional write sends."""

    written: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        with self._lock:
            self.written[table] += 1
        return self.inner.put_if(table, entity, etag)

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        with self._lock:
            self.written[table] += len(upserts) + len(deletes)
        self.inner.write(table, upserts, deletes)


def counted_stores(settings: Settings) -> tuple[Stores, CountingGateway]:
    """The stores of one drainer (its own clients, as a Function instance has), the result
    tables' writes counted."""
    stores = build_stores(settings, ensure=False)
    gateway = CountingGateway(AzureTableGateway(table_service(settings.storage, None)))
    return replace(stores, results=AllocationTables(gateway)), gateway


@dataclass
class Drained:
    handled: list[tuple[Allocated, float]] = field(default_factory=list)
    written: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def folded(self) -> bool:
        return any(
            a.outcome.shard is not None and a.outcome.status is AllocationStatus.ALLOCATED
            for a, _ in self.handled
        )


def drain(settings: Settings, drainers: int) -> Drained:
    """The queue drained by `drainers` threads as the Functions host drains it (host.json: a
    batch of one): receive a message, call the trigger's `handle`, delete it; until the period
    is folded and nothing is left on the queue. Each message's time is kept."""
    done = Drained()
    lock = threading.Lock()
    errors: list[BaseException] = []

    def instance() -> None:
        stores, gateway = counted_stores(settings)
        consumer = build_allocation_requests(stores, build_allocation(stores, SHARD_ACCOUNTS, True))
        try:
            while not errors:
                batch = stores.queue.receive(1, VISIBILITY_SECONDS)
                if not batch:
                    with lock:
                        if done.folded:
                            return
                    time.sleep(0.2)  # the fan-out is still being sent, or others hold the rest
                    continue
                message = batch[0]
                began = time.perf_counter()
                outcome = consumer.handle(message.text, message.id, message.dequeue_count)
                took = time.perf_counter() - began
                if not isinstance(outcome, Allocated):
                    raise RuntimeError(f"poisoned: {outcome}")
                stores.queue.complete(message)
                with lock:
                    done.handled.append((outcome, took))
        except BaseException as error:
            errors.append(error)
        finally:
            with lock:
                done.written.update(gateway.written)

    began = time.perf_counter()
    threads = [threading.Thread(target=instance, daemon=True) for _ in range(drainers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.seconds = time.perf_counter() - began
    if errors:
        raise errors[0]
    return done


def entity_counts(conn: str) -> dict[str, int]:
    """Entities of every result table (the daily rows per basis), one PartitionKey-only scan."""
    service = TableServiceClient.from_connection_string(conn)
    counts: Counter[str] = Counter()
    for table in RESULT_TABLES:
        for row in service.get_table_client(table).list_entities(select=["PartitionKey"]):
            pk = str(row["PartitionKey"])
            if table == ALLOCATIONS:
                basis = pk.split("|")[1]
                counts[f"{table} {basis}"] += 1
                if pk.endswith("|_unallocated"):
                    counts[f"{table} {basis} unallocated"] += 1
            elif table == PERIODS:
                counts["periods (parts)" if "|parts|" in pk else "periods (summaries)"] += 1
            else:
                counts[table] += 1
    return dict(counts)


# -- the run -------------------------------------------------------------------------------------


@contextmanager
def node_options(options: str) -> Iterator[None]:
    """NODE_OPTIONS for the Node processes started in the block (Azurite), unless already set."""
    before = os.environ.get("NODE_OPTIONS")
    if before is None:
        os.environ["NODE_OPTIONS"] = options
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("NODE_OPTIONS", None)


@contextmanager
def bounded(seconds: int) -> Iterator[None]:
    """SIGALRM after `seconds`: the run stops with TimeoutError (Azurite is stopped on the way)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"sharded benchmark still running after {seconds} s: stopped")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def conserved(stores: Stores, tenant: Tenant, bills: dict[CostType, list[CostLine]]) -> list[str]:
    """Per basis: the seeded sum = billed = allocated + unallocated = the daily rows' sum, exact;
    an AssertionError otherwise."""
    out = []
    for basis, lines in bills.items():
        with money_context():
            seeded = sum((line.cost for line in lines), Decimal(0))
            report = stores.results.report(tenant.period, basis)
            days = stores.results.days(tenant.period, basis)
            assert isinstance(report, PeriodReport) and isinstance(days, PeriodDays)
            rows = sum((row.cost for row in days.rows), Decimal(0))
            assert report.billed == seeded, (basis, report.billed, seeded)
            assert report.allocated + report.unallocated == report.billed, basis
            assert rows == seeded, (basis, rows, seeded)
        out.append(
            f"{basis.value}: seeded {seeded} = billed {report.billed} = allocated "
            f"{report.allocated} + unallocated {report.unallocated} = daily rows {rows} "
            f"({report.currency}, exact)"
        )
    return out


def one_shard_peak(settings: Settings, tenant: Tenant) -> tuple[float, float, int]:
    """(peak MiB, seconds, entities written) of shard 1's allocation run again under
    tracemalloc."""
    stores, gateway = counted_stores(settings)
    service = build_allocation(stores, SHARD_ACCOUNTS)
    plan = shard_plan(inventory_keys(stores.inventory.snapshots_for(tenant.period)), SHARD_ACCOUNTS)
    tracemalloc.start()
    began = time.perf_counter()
    service.allocate_shard(tenant.period, plan[0])
    took = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, took, sum(gateway.written.values())


def peak_rss_mib(pid: int) -> float | None:
    """The peak resident memory of a process (Linux: VmHWM), or None where it cannot be read."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 1024 if line else None


def main() -> None:
    if DEPLOYMENTS % 10 or DEPLOYMENTS < 10:
        raise SystemExit("BENCH_SHARDED_DEPLOYMENTS must be a positive multiple of 10")
    tenant = Tenant.generate(DEPLOYMENTS, days=DAYS)
    bills = {CostType.ACTUAL: tenant.lines, CostType.AMORTIZED: amortized(tenant.lines)}
    accounts = len({d.account_id for d in tenant.deployments})
    print(
        f"sharded allocation through the queue: {DEPLOYMENTS:,} deployments ({accounts:,} "
        f"accounts) x {DAYS} days, {len(tenant.usage):,} usage records, "
        f"{sum(len(b) for b in bills.values()):,} cost lines (both bases); "
        f"ALLOCATION_SHARD_ACCOUNTS={SHARD_ACCOUNTS}, {DRAINERS} drainers; Azurite in memory "
        f"(NODE_OPTIONS {os.environ.get('NODE_OPTIONS', AZURITE_NODE_OPTIONS)}); stopped after "
        f"{TIMEOUT_SECONDS} s"
    )
    with bounded(TIMEOUT_SECONDS), node_options(AZURITE_NODE_OPTIONS), running_azurite() as azurite:
        conn = azurite.connection_string
        settings = Settings.from_env(
            {"AzureWebJobsStorage": conn, "ALLOCATION_SHARD_ACCOUNTS": str(SHARD_ACCOUNTS)}
        )
        stores = build_stores(settings)
        window = DateWindow(tenant.period.start, tenant.period.start + timedelta(days=DAYS))
        sources = [SeededCosts(lines, basis) for basis, lines in bills.items()]
        collection = build_collection(
            stores, sources, SeededUsage(tenant.usage), SeededInventory(tenant.deployments)
        )
        began = time.perf_counter()
        seeded = collection.collect_all(window, datetime(2026, 10, 1, tzinfo=UTC))
        seeding = time.perf_counter() - began
        assert seeded.changed_periods == {tenant.period}, seeded.changed_periods
        print(
            f"  seeding (collection into costs, usage, inventory; the period enqueued): "
            f"{seeding:.1f} s ({seeded.cost_lines:,} lines, {seeded.usage_records:,} records, "
            f"{seeded.deployments:,} deployments)"
        )

        first = drain(settings, DRAINERS)
        shards = [(a.outcome, s) for a, s in first.handled if a.outcome.shard is not None]
        fanned = [a.outcome for a, _ in first.handled if a.outcome.shard is None]
        assert [o.status for o in fanned] == [AllocationStatus.SHARDED], fanned
        assert first.folded
        times = [s for _, s in shards]
        print(
            f"  allocation + publication: {first.seconds:.1f} s wall, {len(shards)} shards "
            f"(one message each, {DRAINERS} drainers), a shard {min(times):.1f} / "
            f"{statistics.median(times):.1f} / {max(times):.1f} s (min / median / max)"
        )
        counts = entity_counts(conn)
        goal = DEPLOYMENTS * DAYS
        for basis in CostType:
            rows = counts.get(f"{ALLOCATIONS} {basis.value}", 0)
            unallocated = counts.get(f"{ALLOCATIONS} {basis.value} unallocated", 0)
            print(
                f"  {ALLOCATIONS} {basis.value}: {rows:,} entities ({rows - unallocated:,} "
                f"deployment-days, {unallocated:,} of unallocated lines); goal <= {goal:,}: "
                f"{'met' if rows <= goal else 'NOT met'}"
            )
        others = {k: v for k, v in counts.items() if not k.startswith(ALLOCATIONS)}
        print(f"  other result tables: {', '.join(f'{k} {v:,}' for k, v in others.items())}")
        print(f"  entities written by the allocation: {sum(first.written.values()):,}")
        for text in conserved(stores, tenant, bills):
            print(f"  conserved: {text}")

        stores.queue.enqueue([tenant.period])
        again = drain(settings, DRAINERS)
        rewritten = sum(again.written.values())
        print(
            f"  the same period again through the queue: {again.seconds:.1f} s, "
            f"{rewritten} entities written"
        )
        assert rewritten == 0, f"a second run wrote {dict(again.written)}"

        peak, took, written = one_shard_peak(settings, tenant)
        assert written == 0
        print(
            f"  one shard's allocation (shard 1 of {len(shards)}, run again): peak Python heap "
            f"{peak:.1f} MiB (tracemalloc; {took:.1f} s under it); process max RSS "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
            "(getrusage: the whole benchmark, the tenant included)"
        )
        azurite_peak = peak_rss_mib(azurite.process.pid)
        if azurite_peak is not None:
            print(f"  Azurite (in memory) peak RSS: {azurite_peak:.0f} MiB")


if __name__ == "__main__":
    main()
