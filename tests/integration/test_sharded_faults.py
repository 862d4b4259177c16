"""Faults everywhere, the same tables: a live collection whose every Azure source (Cost
Management, the ARM listing or Resource Graph, Azure Monitor metrics, Log Analytics) answers 30%
of its calls with a 429, a 503 or a dropped connection, then a sharded allocation whose requests
are all delivered twice while some of its storage writes fail transiently (before or after they
land) and are retried by the queue, stores exactly the rows a clean run stores, on Azurite: none
lost, none twice.

The last test is a bug of the shard publication this one found with two consumers (fixed): a
shard delivered twice whose first run lost the race to the fold of the second left rows no sweep
ever deleted.

What legitimately differs between two runs is normalised in `comparable` (each rule says why);
nothing else is: an orphan row, a different amount, a missing or extra entity all fail.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import TokenCredential
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient, QueueMessage

from bench.tenant import Tenant
from shared.adapters.azure.retail_prices import RetailPricesSource
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.adapters.storage import reconciliation_table
from shared.adapters.storage.allocation_queue import StorageAllocationQueue, decode
from shared.adapters.storage.allocation_tables import (
    ALLOCATIONS,
    PERIODS,
    UNALLOCATED,
    UNITCOSTS,
    AllocationTables,
)
from shared.adapters.storage.catalogue_source import StoredCatalogue
from shared.adapters.storage.input_versions_table import TABLE as INPUTS
from shared.adapters.storage.price_table import TABLE as PRICES
from shared.adapters.storage.run_records_table import TABLE as RUNS
from shared.adapters.storage.table_gateway import AzureTableGateway, Entity, TableGateway, Versioned
from shared.bootstrap import ALL_TABLES, Stores, build_stores, live_collection, table_service
from shared.core.allocation import allocate_period
from shared.core.costs import CostType
from shared.core.period import BillingPeriod, DateWindow
from shared.core.publication import publication_of
from shared.core.reports import PeriodDays, Publication, PublishStatus
from shared.core.requests import AllocationRequest
from shared.core.shards import AccountShard, inventory_keys, shard_plan, shard_snapshots
from shared.errors import SourceError, StorageUnavailable
from shared.services.allocation import AllocationService, AllocationStatus
from shared.services.allocation_requests import Allocated, AllocationRequestService
from shared.services.price_refresh import PriceRefreshService
from shared.settings import Settings
from tests.doubles.azure import AzureDouble
from tests.doubles.faults import FaultKind, Faults
from tests.doubles.fixtures import RunningDouble
from tests.doubles.forwarding_gateway import ForwardingGateway
from tests.doubles.retail_prices import RetailPricesDouble, RunningPrices, snapshot_items
from tests.doubles.tenant import WORKSPACE_ID, gateway_logs, generate
from tests.storage import clear_storage

pytestmark = pytest.mark.azurite

ACCOUNTS, PER_ACCOUNT, SUBSCRIPTIONS = 12, 4, 3
SHARD_ACCOUNTS = 4  # three shards
WINDOW = DateWindow(date(2026, 11, 1), date(2026, 11, 4))
AT = datetime(2026, 11, 1, 6, tzinfo=UTC)
RATE = 0.3
# 429, 503 and dropped connections in turn, but a dropped connection half as often: a dropped
# POST query fails the whole run (see `collect_until_stored`), and a run makes about 25 of them.
KINDS = (
    FaultKind.THROTTLED,
    FaultKind.UNAVAILABLE,
    FaultKind.DROPPED,
    FaultKind.THROTTLED,
    FaultKind.UNAVAILABLE,
)
COLLECTION_RUNS = 60  # the timer's retries of a failed collection, at most
HOST = json.loads((Path(__file__).resolve().parents[2] / "host.json").read_text())
MAX_DEQUEUE = int(HOST["extensions"]["queues"]["maxDequeueCount"])
# Function instances draining the queue at once (duplicates race each other and the fold).
CONSUMERS = 2
DEADLINE_SECONDS = 240.0
WRITE_FAILURES = (4, 9, 17, 26, 38)  # the storage writes of the allocation that fail, by number
GENERATION = re.compile(r"\d{8}T\d{6}-[0-9a-f]{8}")
TIMES = {"StoredAt", "PublishedAt", "SweptAt"}

Serve = Callable[[AzureDouble], RunningDouble]
Credential = Callable[[RunningDouble], TokenCredential]
Tables = dict[str, dict[tuple[str, str], str]]


# -- the allocation's faults ---------------------------------------------------------------------


@dataclass
class FlakyGateway(ForwardingGateway):
    """A TableGateway whose `WRITE_FAILURES`-th writes (`write` and `put_if`, counted together)
    raise the project's transient StorageUnavailable: in turn before the write reaches storage,
    and after it landed (the answer lost: what a timeout looks like to the writer)."""

    failing: frozenset[int] = frozenset(WRITE_FAILURES)
    writes: int = 0
    failed: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _count(self) -> tuple[bool, bool]:
        with self._lock:
            self.writes += 1
            fails = self.writes in self.failing
            after = fails and len(self.failed) % 2 == 1
            if fails:
                self.failed.append("after" if after else "before")
            return fails, after

    def _fault(self, what: str) -> StorageUnavailable:
        return StorageUnavailable("azurite", f"injected: {what} failed")

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        fails, after = self._count()
        if fails and not after:
            raise self._fault(f"put_if {table}")
        written = self.inner.put_if(table, entity, etag)
        if fails:
            raise self._fault(f"put_if {table} (landed)")
        return written

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        fails, after = self._count()
        if fails and not after:
            raise self._fault(f"write {table}")
        self.inner.write(table, upserts, deletes)
        if fails:
            raise self._fault(f"write {table} (landed)")


@dataclass
class TwiceDelivered:
    """The queue delivering every shard request twice (at-least-once delivery, made certain)."""

    inner: Stores

    def send(self, requests: Sequence[AllocationRequest], delay: timedelta = timedelta(0)) -> None:
        self.inner.queue.send([*requests, *requests], delay)

    def defer(self, period: BillingPeriod, delay: timedelta) -> None:
        self.inner.queue.defer(period, delay)


def consumer(
    stores: Stores, gateway: TableGateway, clock: Callable[[], datetime], twice: bool
) -> AllocationRequestService:
    """The queue trigger's service (Container.allocation_requests, without the targets: this
    tenant has none) over `gateway`; with `twice`, every shard request is sent twice."""
    results = AllocationTables(gateway, clock=clock)
    queue: TwiceDelivered | StorageAllocationQueue = (
        TwiceDelivered(stores) if twice else stores.queue
    )
    allocation = AllocationService(
        costs=stores.costs,
        usage=stores.usage,
        inventory=stores.inventory,
        results=results,
        catalogue=StoredCatalogue(stores.prices, recheck_seconds=0),
        versions=stores.versions,
        deferral=queue,
        accounts_per_shard=SHARD_ACCOUNTS,
        shard_queue=queue,
    )
    return AllocationRequestService(allocation, stores.queue)


@dataclass
class Host:
    """What the Functions host does with `allocate_period` (functions/allocate.py), host.json's
    settings: each instance receives one message at a time, calls the trigger's `handle`,
    deletes the message when it returns; when it raises, the message is visible again at once
    (the host's visibilityTimeout, 0 by default) and is retried, poisoned after
    maxDequeueCount deliveries (none may be here)."""

    conn: str
    queue: str
    service: AllocationRequestService
    handled: list[Allocated] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, instances: int = CONSUMERS) -> None:
        """Until the queue is empty (no message left, visible or not); bounded."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        threads = [
            threading.Thread(target=self._instance, args=(deadline,)) for _ in range(instances)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(DEADLINE_SECONDS + 30)
        assert not any(t.is_alive() for t in threads), "the queue was never drained"
        if self.errors:
            raise self.errors[0]

    def _instance(self, deadline: float) -> None:
        client = QueueClient.from_connection_string(self.conn, self.queue)
        try:
            while time.monotonic() < deadline and not self.errors:
                batch = list(
                    client.receive_messages(
                        messages_per_page=1, max_messages=1, visibility_timeout=120
                    )
                )
                if not batch:
                    if client.get_queue_properties().approximate_message_count == 0:
                        return
                    time.sleep(0.1)  # another instance holds the last ones
                    continue
                self._deliver(client, batch[0])
            if not self.errors:
                raise TimeoutError(f"queue not drained in {DEADLINE_SECONDS} s")
        except BaseException as error:  # reported to the test by `run`
            with self._lock:
                self.errors.append(error)

    def _deliver(self, client: QueueClient, message: QueueMessage) -> None:
        assert message.dequeue_count is not None and message.dequeue_count <= MAX_DEQUEUE, (
            f"{message.content} would be poisoned after {MAX_DEQUEUE} deliveries"
        )
        try:
            outcome = self.service.handle(
                decode(message.content), message.id, message.dequeue_count
            )
        except StorageUnavailable as error:  # transient: the host retries the message
            with self._lock:
                self.retried.append(str(error))
            client.update_message(message, visibility_timeout=0)
            return
        client.delete_message(message)
        assert isinstance(outcome, Allocated), outcome  # nothing poisoned
        with self._lock:
            self.handled.append(outcome)


# -- what is stored ------------------------------------------------------------------------------


def entities(conn: str) -> dict[str, list[dict[str, Any]]]:
    service = TableServiceClient.from_connection_string(conn)
    return {
        name: [dict(r) for r in service.get_table_client(name).list_entities()]
        for name in (*ALL_TABLES, RUNS)
    }


def joined(row: dict[str, Any], name: str) -> str:
    """A property the summary spills over `name`, `name2`, `name3`, ... (docs/sharding.md)."""
    pieces, n = [], 1
    while (piece := row.get(name if n == 1 else f"{name}{n}")) is not None:
        pieces.append(str(piece))
        n += 1
    return "".join(pieces)


def generations(rows: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Each generation the live summaries name, as what it is: `{basis}/part{i}`, the rows of
    shard i. Generation ids are a time and random digits, new on every allocation run."""
    names: dict[str, str] = {}
    for row in rows[PERIODS]:
        if "|" in str(row["PartitionKey"]) or row.get("State") != "published":
            continue  # a part record: named through its summary
        basis = str(row["PartitionKey"])
        for index, generation, *_ in json.loads(joined(row, "Parts") or "[]"):
            names[generation] = f"{basis}/part{index}"
        for day, (_, generation) in json.loads(joined(row, "Days")).items():
            shard = f"{basis}/part{day.split('#', 1)[1]}"
            assert names.setdefault(generation, shard) == shard, "one generation, two shards"
    return names


def comparable(rows: dict[str, list[dict[str, Any]]]) -> Tables:
    """Every table as {(PartitionKey, RowKey): properties}, with what two runs of the same
    inputs store apart made the same:

    - generation ids (in keys, `Days`, `Parts`, part records): random per run; each one a live
      summary names becomes the shard it is of (`generations`). An id no summary names (an
      orphan) is left as it is, so it differs;
    - a folded summary's `Generation` (`parts-` and its `Digest`) and `Digest`: a digest of
      those ids; what it covers is compared through `Days` and `Parts`;
    - `StoredAt`, `PublishedAt`, `SweptAt`: when a part, a summary and a sweep were written;
    - a part record's `Fresh`: which of the runs of a shard wrote the rows it names (empty when
      a retry kept them from the live summary); the rows themselves are compared by `Days`,
      `Generation` and the tables that hold them;
    - `inputs`' `CollectedAt`: when the collection ran;
    - `runs`: only each task's status and counts (its times, and the failures of the runs the
      faults failed, are what those runs record).
    """
    names = generations(rows)

    def named(text: str) -> str:
        return GENERATION.sub(lambda m: names.get(m.group(0), m.group(0)), text)

    out: Tables = {}
    for table, found in rows.items():
        kept: dict[tuple[str, str], str] = {}
        for row in found:
            key = (named(str(row["PartitionKey"])), named(str(row["RowKey"])))
            if table == RUNS:
                kept[key] = f"{row['Status']} {row['Counts']}"
                continue
            props = {}
            for name, value in row.items():
                if name in ("PartitionKey", "RowKey") or name in TIMES:
                    continue
                if table == INPUTS and name == "CollectedAt":
                    continue
                if table == PERIODS and name == "Fresh":
                    continue
                if (
                    table == PERIODS
                    and name in ("Digest", "Generation")
                    and str(row.get("Generation", "")).startswith("parts-")
                ):
                    continue
                props[name] = named(value) if isinstance(value, str) else value
            assert key not in kept, f"{table} {key} twice"
            kept[key] = repr(sorted(props.items()))
        out[table] = kept
    return out


def differences(got: Tables, want: Tables, limit: int = 3) -> str:
    """What differs, table by table (the first few entities of each side)."""
    out = []
    for table in sorted(set(got) | set(want)):
        a, b = got.get(table, {}), want.get(table, {})
        only_a = sorted(k for k in a if k not in b)
        only_b = sorted(k for k in b if k not in a)
        changed = sorted(k for k in a if k in b and a[k] != b[k])
        if only_a or only_b or changed:
            out.append(
                f"{table}: {len(only_a)} extra, {len(only_b)} missing, {len(changed)} "
                f"changed: extra {only_a[:limit]} missing {only_b[:limit]} "
                + "; ".join(f"{k}: {a[k]} != {b[k]}" for k in changed[:limit])
            )
    return "\n".join(out)


def lines_of(stores: Stores, period: BillingPeriod) -> dict[CostType, Counter[Any]]:
    out = {}
    for basis in CostType:
        days = stores.results.days(period, basis)
        assert isinstance(days, PeriodDays)
        out[basis] = Counter(days.rows)
    return out


# -- the runs ------------------------------------------------------------------------------------


@dataclass
class World:
    settings: Settings
    credential: TokenCredential
    conn: str
    queue: str


def collect_until_stored(world: World) -> list[str]:
    """The live collection, run again after each failure as the timers do (a run is all or
    nothing: a failed one stores nothing, checked); the failures' one lines."""
    failures: list[str] = []
    for _ in range(COLLECTION_RUNS):
        stores = build_stores(world.settings)  # the tables and queues, ensured
        before = comparable(entities(world.conn))
        try:
            live_collection(world.settings, stores, world.credential).collect_all(WINDOW, AT)
        except SourceError as error:  # a source failed past its retries (transient)
            failures.append(str(error))
            after = comparable(entities(world.conn))
            assert {t: r for t, r in after.items() if t != RUNS} == {
                t: r for t, r in before.items() if t != RUNS
            }, "a failed collection stored something"
            continue
        return failures
    raise AssertionError(f"no collection succeeded in {COLLECTION_RUNS} runs: {failures[-3:]}")


def allocate(
    world: World,
    gateway: TableGateway,
    clock: Callable[[], datetime],
    twice: bool = False,
    instances: int = 1,
) -> Host:
    stores = build_stores(world.settings)
    host = Host(world.conn, world.queue, consumer(stores, gateway, clock, twice))
    host.run(instances)
    return host


def plain(world: World) -> TableGateway:
    return AzureTableGateway(table_service(world.settings.storage, None))


@pytest.mark.parametrize("inventory", ["arm", "resource-graph"])
def test_faults_in_every_source_and_in_the_allocation_store_the_tables_of_a_clean_run(
    inventory: str,
    serve_azure: Serve,
    credential_for: Credential,
    storage_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = generate(ACCOUNTS, PER_ACCOUNT, SUBSCRIPTIONS, WINDOW)
    double = AzureDouble(
        costs=tenant.costs,
        deployments=tenant.deployments,
        usage=tenant.usage,
        accounts=tenant.accounts,
        logs=gateway_logs(tenant),
        graph_page_size=10,
        arm_page_size=5,
    )
    running = serve_azure(double)
    for name, value in {
        "COST_SCOPES": ",".join(tenant.scopes),
        "ARM_ENDPOINT": running.arm_endpoint,
        "METRICS_ENDPOINT": running.metrics_endpoint,
        "LOGS_ENDPOINT": running.base_url,
        "APIM_WORKSPACE_ID": WORKSPACE_ID,
        "INVENTORY_SOURCE": inventory,
        "COLLECTION_CONCURRENCY": "4",
        "ALLOCATION_SHARD_ACCOUNTS": str(SHARD_ACCOUNTS),
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    conn = storage_env["AzureWebJobsStorage"]
    world = World(settings, credential_for(running), conn, storage_env["ALLOCATION_QUEUE"])

    # The clean run: collected once, allocated from the queue by one consumer, no fault.
    assert collect_until_stored(world) == []
    clean_host = allocate(world, plain(world), lambda: datetime.now(UTC))
    clean = comparable(entities(conn))
    clean_lines = lines_of(build_stores(settings), tenant.period)
    called = {double.source_of(r) for r in double.azure_calls()}
    assert not clean_host.retried

    # The faulty run, from empty storage: every source faulted.
    clear_storage(conn)
    double.faults = Faults(rate=RATE, kinds=KINDS, first=True)
    failed_runs = collect_until_stored(world)
    faults = double.faults.by_endpoint()
    double.faults = Faults()
    flaky = FlakyGateway(plain(world))
    stores = build_stores(settings)
    stores.queue.enqueue([tenant.period])  # the period's request delivered twice too
    faulty_host = allocate(world, flaky, lambda: datetime.now(UTC), twice=True, instances=CONSUMERS)
    before_sweep = comparable(entities(conn))
    # An hour later (ORPHAN_AGE), the period allocated again sweeps what crashed attempts left.
    stores.queue.enqueue([tenant.period])
    later = datetime.now(UTC) + timedelta(hours=2)
    allocate(world, plain(world), lambda: later)
    faulty = comparable(entities(conn))

    print(
        f"faults injected ({inventory}): {faults}; failed collection runs: "
        f"{len(failed_runs)}; storage writes failed: {flaky.failed}; retried messages: "
        f"{len(faulty_host.retried)}"
    )
    # The faults happened, at every source the collection called, of every kind.
    assert called == {"cost", "metrics", "logs", "arm" if inventory == "arm" else "graph"}
    assert set(faults) == called and all(sum(k.values()) > 0 for k in faults.values())
    assert {kind for k in faults.values() for kind in k} == {k.value for k in FaultKind}
    assert len(flaky.failed) == len(WRITE_FAILURES) and set(flaky.failed) == {"before", "after"}
    assert len(faulty_host.retried) == len(WRITE_FAILURES)  # each one retried by the queue
    shard_messages = [a for a in faulty_host.handled if a.outcome.shard is not None]
    assert Counter(a.outcome.shard.index for a in shard_messages if a.outcome.shard) == Counter(
        {i: 4 for i in range(3)}
    )  # two period requests fanned out, each shard sent twice by each: 12 deliveries
    assert any(a.outcome.status is AllocationStatus.ALLOCATED for a in shard_messages)

    # The same tables as the clean run, and so the same lines: none lost, none twice.
    assert faulty == clean, differences(faulty, clean)
    for basis in CostType:
        assert len(stores.costs.lines_for(tenant.period, basis)) == len(tenant.lines(basis))
    assert len(stores.usage.records_for(tenant.period)) == len(tenant.usage)
    assert lines_of(build_stores(settings), tenant.period) == clean_lines
    for basis in CostType:
        assert sum(clean_lines[basis].values()) == len(clean_lines[basis])  # each line once
    # Before the sweep, what differed was only rows of attempts that never became live.
    extra = {t: set(before_sweep[t]) - set(clean[t]) for t in clean}
    missing = {t: set(clean[t]) - set(before_sweep[t]) for t in clean}
    assert not any(missing.values()) and any(extra.values())  # the sweep had rows to delete
    rows_of_runs = (ALLOCATIONS, UNITCOSTS, UNALLOCATED, reconciliation_table.TABLE)
    for table, keys in extra.items():
        assert table in rows_of_runs or not keys
        assert all(GENERATION.search(pk + rk) for pk, rk in keys)  # an id no summary names


def test_a_price_refresh_from_a_faulted_retail_prices_api_stores_the_clean_catalogue(
    serve_prices: Callable[[RetailPricesDouble], RunningPrices], storage_env: dict[str, str]
) -> None:
    """The meter catalogue the allocation prices with (its own timer, not the collection's)."""
    items = snapshot_items("*eastus2_consumption*.ndjson")
    running = serve_prices(RetailPricesDouble(items, page_size=50))
    conn = storage_env["AzureWebJobsStorage"]

    def refreshed() -> dict[tuple[str, str], str]:
        stores = build_stores(Settings.from_env())
        source = RetailPricesSource(running.endpoint, retry_backoff_seconds=0.01)
        assert PriceRefreshService(source, stores.prices, stores.queue, stores.versions).refresh()
        rows = entities(conn)[PRICES]
        # The marker's RefreshedAt and ChangedAt: when the refresh ran and stored a change.
        return {
            (r["PartitionKey"], r["RowKey"]): repr(
                sorted((k, v) for k, v in r.items() if k not in ("RefreshedAt", "ChangedAt"))
            )
            for r in rows
        }

    clean = refreshed()
    clean_pages = len(running.double.page_requests())
    clear_storage(conn)
    running.double.faults = Faults(rate=RATE, kinds=KINDS, first=True)

    assert refreshed() == clean
    faults = running.double.faults
    assert faults.count() > 0 and {k for _, k in faults.counts} == set(FaultKind)
    assert len(running.double.page_requests()) == 2 * clean_pages + faults.count()
    assert len(clean) > 1  # items and the marker


# -- a bug: a duplicate shard that loses the race to the fold leaks its read models --------------


@dataclass
class FoldsMeanwhile(ForwardingGateway):
    """A gateway on which `meanwhile` runs once, just before the second read of the period's
    summary (the re-read `publish_part` makes after storing its part record)."""

    meanwhile: Callable[[], object]
    reads: int = 0

    def get(self, table: str, pk: str, rk: str) -> Versioned | None:
        if table == PERIODS and "|" not in pk:
            self.reads += 1
            if self.reads == 2:
                self.meanwhile()
        return self.inner.get(table, pk, rk)


def test_a_duplicate_shard_that_loses_the_race_to_the_fold_leaves_nothing_behind(
    storage_env: dict[str, str],
) -> None:
    catalogue = load_bundled_catalogue()
    t = Tenant.generate(20, days=2)  # two accounts: two shards
    plan = shard_plan(inventory_keys(t.snapshots), 1)

    def part(shard: AccountShard) -> Publication:
        own = [line for line in t.lines if shard.holds_account(line.account_id)]
        used = [u for u in t.usage if shard.holds_account(u.account_id)]
        snaps = shard_snapshots(t.snapshots, shard)
        allocation = allocate_period(t.period, own, used, snaps, catalogue, CostType.ACTUAL)
        return publication_of(allocation, own, used, catalogue, 1)

    settings = Settings.from_env()
    gateway = AzureTableGateway(table_service(settings.storage, None))
    build_stores(settings)  # the tables
    now = datetime.now(UTC)
    tables = AllocationTables(gateway, clock=lambda: now)
    assert tables.publish_part(plan[0], part(plan[0])) is PublishStatus.WAITING
    # Shard 1 delivered twice: the second delivery runs whole (and folds) while the first is
    # between storing its part record and reading the summary again.
    duplicate = AllocationTables(gateway, clock=lambda: now)
    racing = FoldsMeanwhile(gateway, lambda: duplicate.publish_part(plan[1], part(plan[1])))
    first = AllocationTables(racing, clock=lambda: now)
    assert first.publish_part(plan[1], part(plan[1])) is PublishStatus.UNCHANGED
    assert racing.reads >= 2  # the fold did happen in between

    # Two hours later (past ORPHAN_AGE) both shards are allocated again: only live rows remain,
    # and the summary says so; then an unchanged run writes nothing.
    later = AllocationTables(gateway, clock=lambda: now + timedelta(hours=2))
    for shard in plan:
        assert later.publish_part(shard, part(shard)) is PublishStatus.UNCHANGED
    found = gateway.get(PERIODS, CostType.ACTUAL.value, str(t.period))
    assert found is not None
    live = {generation for _, generation, *_ in json.loads(str(found.entity["Parts"]))}
    stored = {str(r["PartitionKey"]).rsplit("|", 1)[1] for r in gateway.query(UNITCOSTS, "", "~")}
    assert stored == live, f"read models of generations no summary names: {stored - live}"
    assert found.entity["Clean"] is True
    for shard in plan:
        later.publish_part(shard, part(shard))
    again = gateway.get(PERIODS, CostType.ACTUAL.value, str(t.period))
    assert again is not None and again.etag == found.etag  # an unchanged re-run writes nothing
