"""A period allocated by shards, end to end: a tenant of 40 accounts x 6 deployments over four
subscriptions collected through the real SDK clients from the HTTPS doubles into Azurite, then
allocated from the real `allocation-requests` queue at ALLOCATION_SHARD_ACCOUNTS=8 (five shards,
each its own message), serves exactly what the same inputs allocated whole serve: every HTTP
answer (unit costs, a deployment's, daily series, reconciliation, periods) and every read model,
line for line. Money is conserved exactly per price basis, and a second allocation writes
nothing.

The last test is a bug of the shard publication (strict xfail until it is fixed): allocated whole
after it was allocated by shards, a period's unchanged re-allocations write on every run."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient

from bench.tenant import Tenant
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.adapters.storage.allocation_queue import poison_queue_name
from shared.bootstrap import ALL_TABLES, Container, build_stores
from shared.core.allocation import allocate_period
from shared.core.costs import CostType
from shared.core.period import DateWindow
from shared.core.publication import publication_of
from shared.core.reconciliation import Reconciliation
from shared.core.reports import PeriodDays, PeriodReport, Publication, PublishStatus
from shared.core.shards import (
    AccountShard,
    account_shard_key,
    inventory_keys,
    shard_plan,
    shard_snapshots,
)
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import from_container
from shared.services.allocation import AllocationStatus
from shared.services.allocation_requests import DrainReport
from shared.settings import Settings
from tests.asgi import money, read
from tests.doubles.azure import AzureDouble
from tests.doubles.fixtures import RunningDouble
from tests.doubles.tenant import RETIRED, GeneratedTenant, account_id, generate

pytestmark = pytest.mark.azurite

ACCOUNTS, PER_ACCOUNT, SUBSCRIPTIONS = 40, 6, 4
SHARD_ACCOUNTS = 8  # 40 listed accounts: five shards
WHOLE = 1_000  # accounts per shard of the unsharded allocation: one shard holds the period
WINDOW = DateWindow(date(2026, 11, 1), date(2026, 11, 3))
AT = datetime(2026, 11, 1, 6, tzinfo=UTC)
API_BASES = {CostType.ACTUAL: "actual", CostType.AMORTIZED: "amortized"}

Serve = Callable[[AzureDouble], RunningDouble]


def snapshot(conn: str) -> dict[str, list[tuple[str, str, str, str, str]]]:
    """Every entity of every table with the service's own Timestamp and ETag: what a run that
    writes nothing leaves exactly as it was."""
    service = TableServiceClient.from_connection_string(conn)
    return {
        name: sorted(
            (
                r["PartitionKey"],
                r["RowKey"],
                repr(sorted(r.items())),
                str(r.metadata["timestamp"]),
                str(r.metadata["etag"]),
            )
            for r in service.get_table_client(name).list_entities()
        )
        for name in ALL_TABLES
    }


def queued(conn: str, name: str) -> int:
    """Messages visible on a queue (peeked: nothing is received)."""
    client = QueueClient.from_connection_string(conn, name)
    return len(client.peek_messages(max_messages=32))


def without_publication_time(body: Any) -> Any:
    """An API body without its `publishedAt` times (the provenance's, the periods'): when the
    summary was committed, the one thing two allocations of the same inputs answer apart."""
    if isinstance(body, dict):
        return {k: without_publication_time(v) for k, v in body.items() if k != "publishedAt"}
    if isinstance(body, list):
        return [without_publication_time(v) for v in body]
    return body


def answers(container: Container, period: str, keys: list[str]) -> dict[str, Any]:
    """What the HTTP API answers for the period, both bases: its unit costs (one page of all),
    some deployments' unit costs and days, the tenant's days, the reconciliation; and the
    periods list."""
    app = create_api(from_container(lambda: container))
    paths = ["/api/periods"]
    for basis in API_BASES.values():
        q = f"period={period}&costType={basis}"
        paths += [f"/api/unit-costs?{q}&limit=1000", f"/api/daily?{q}", f"/api/reconciliation?{q}"]
        for key in keys:
            paths += [f"/api/deployments/{key}/unit-costs?{q}", f"/api/deployments/{key}/daily?{q}"]
    return {path: without_publication_time(read(app, path)) for path in paths}


def read_models(container: Container, tenant: GeneratedTenant) -> dict[CostType, Any]:
    """Every read model of both bases as the read services return them (exact Decimals)."""
    results = container.stores.results
    out: dict[CostType, Any] = {}
    for basis in CostType:
        report = results.report(tenant.period, basis)
        days = results.days(tenant.period, basis)
        reconciliation = results.reconciliation(tenant.period, basis)
        assert isinstance(report, PeriodReport) and isinstance(days, PeriodDays)
        assert isinstance(reconciliation, Reconciliation)
        out[basis] = (  # in the order they are served, but the daily rows (a set of lines)
            (report.billed, report.allocated, report.unallocated, report.currency),
            report.unit_costs,
            report.unallocated_totals,
            Counter(days.rows),
            reconciliation.rows,
        )
    return out


def shards_of(drained: DrainReport) -> list[tuple[int, AllocationStatus]]:
    return sorted(
        (a.outcome.shard.index, a.outcome.status)
        for a in drained.allocated
        if a.outcome.shard is not None
    )


@pytest.fixture
def collected(
    serve_azure: Serve,
    storage_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[GeneratedTenant, Container]]:
    """The tenant collected live (ARM inventory, both cost bases, metrics) into Azurite, with
    ALLOCATION_SHARD_ACCOUNTS=8."""
    tenant = generate(ACCOUNTS, PER_ACCOUNT, SUBSCRIPTIONS, WINDOW)
    running = serve_azure(
        AzureDouble(
            costs=tenant.costs,
            deployments=tenant.deployments,
            usage=tenant.usage,
            accounts=tenant.accounts,
            page_size=200,  # the bill in several pages per scope
        )
    )
    monkeypatch.setenv("COST_SCOPES", ",".join(tenant.scopes))
    monkeypatch.setenv("ARM_ENDPOINT", running.arm_endpoint)
    monkeypatch.setenv("METRICS_ENDPOINT", running.metrics_endpoint)
    monkeypatch.setenv("ALLOCATION_SHARD_ACCOUNTS", str(SHARD_ACCOUNTS))
    container = Container(Settings.from_env())  # its credential: the double's Entra
    report = container.live_collection.collect_all(WINDOW, AT)
    assert report.changed_periods == {tenant.period}
    assert report.deployments == len(tenant.deployments) == ACCOUNTS * PER_ACCOUNT
    yield tenant, container


def test_a_period_allocated_by_shards_from_the_queue_serves_what_it_serves_whole(
    collected: tuple[GeneratedTenant, Container],
    storage_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant, sharded = collected
    conn, queue = storage_env["AzureWebJobsStorage"], storage_env["ALLOCATION_QUEUE"]
    period = str(tenant.period)
    account_keys = {account_shard_key(a.account_id) for a in tenant.accounts}
    plan = shard_plan(account_keys, SHARD_ACCOUNTS)
    assert len(plan) == 5
    retired = sorted(account_shard_key(account_id(tenant.subscriptions[0], n)) for n in RETIRED)
    assert plan[0].holds(retired[0]) and plan[-1].holds(retired[-1])  # billed, never listed

    drained = sharded.allocation_requests.drain()

    # The collection's request, fanned out on the queue, then one message per shard from it.
    assert not drained.poisoned
    assert len(drained.allocated) == 1 + len(plan)  # messages received off the queue
    coordinator = [a.outcome for a in drained.allocated if a.outcome.shard is None]
    assert [o.status for o in coordinator] == [AllocationStatus.SHARDED]
    statuses = shards_of(drained)
    assert [index for index, _ in statuses] == list(range(len(plan)))
    assert Counter(s for _, s in statuses) == Counter(
        {AllocationStatus.PART: len(plan) - 1, AllocationStatus.ALLOCATED: 1}
    )
    assert queued(conn, queue) == 0 and queued(conn, poison_queue_name(queue)) == 0

    # Conservation, exact, per basis: the bill = what was collected = allocated + unallocated,
    # and every account-day's daily rows add up to its bill.
    stores = sharded.stores
    for basis in CostType:
        lines = stores.costs.lines_for(tenant.period, basis)
        assert len(lines) == len(tenant.lines(basis))  # every row of every page, none twice
        collected_total = sum((line.cost for line in lines), Decimal(0))
        assert collected_total == tenant.billed(basis) > 0
        report = stores.results.report(tenant.period, basis)
        assert isinstance(report, PeriodReport)
        assert report.billed == collected_total
        assert report.allocated + report.unallocated == report.billed
        assert sum((u.cost for u in report.unit_costs), Decimal(0)) == report.allocated
        assert sum((t.cost for t in report.unallocated_totals), Decimal(0)) == report.unallocated
        assert report.allocated > 0 and report.unallocated > 0  # both kinds of line exist
        assert len(report.unit_costs) == len(tenant.deployments)
        keys = sorted(u.deployment.key for u in report.unit_costs)
        days = stores.results.days(tenant.period, basis)
        assert isinstance(days, PeriodDays)
        billed: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
        for line in lines:
            billed[(line.account_id.lower(), line.date)] += line.cost
        carried: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
        for row in days.rows:
            carried[(row.account_id.lower(), row.date)] += row.cost
        assert carried == billed
    probe = [keys[0], keys[len(keys) // 2], keys[-1]]  # of the first, a middle, the last shard
    served_sharded = answers(sharded, period, probe)
    models_sharded = read_models(sharded, tenant)
    for basis, name in API_BASES.items():
        body = served_sharded[f"/api/unit-costs?period={period}&costType={name}&limit=1000"]
        assert money(body["allocatedCost"]) + money(body["unallocatedCost"]) == money(
            body["billedCost"]
        )
        assert money(body["billedCost"]) == tenant.billed(basis).quantize(Decimal("0.01"))
        assert len(body["deployments"]) == len(tenant.deployments)

    # A second allocation of the same inputs (the period again on the queue) writes nothing.
    before = snapshot(conn)
    stores.queue.enqueue([tenant.period])
    again = sharded.allocation_requests.drain()
    assert not again.poisoned and [i for i, _ in shards_of(again)] == list(range(len(plan)))
    assert snapshot(conn) == before

    # The same inputs allocated whole (one shard holds every account), from the queue too.
    monkeypatch.setenv("ALLOCATION_SHARD_ACCOUNTS", str(WHOLE))
    whole = Container(Settings.from_env())
    whole.stores.queue.enqueue([tenant.period])
    unsharded = whole.allocation_requests.drain()
    assert [(a.outcome.status, a.outcome.shard) for a in unsharded.allocated] == [
        (AllocationStatus.ALLOCATED, None)
    ]
    assert read_models(whole, tenant) == models_sharded
    assert answers(whole, period, probe) == served_sharded


@pytest.mark.xfail(
    strict=True,
    reason=(
        "allocation_tables._collect spares the rows of every part record whose input version "
        "is not older than the live summary's, even when the live summary is no fold of them "
        "(the period allocated whole after it was allocated by shards, inputs unchanged): the "
        "parts' rows are never deleted, Clean stays False, and every unchanged re-allocation "
        "sweeps again and rewrites the summary"
    ),
)
def test_a_whole_reallocation_after_a_sharded_one_of_the_same_inputs_then_writes_nothing(
    storage_env: dict[str, str],
) -> None:
    catalogue = load_bundled_catalogue()
    t = Tenant.generate(30, days=2)  # three accounts
    plan = shard_plan(inventory_keys(t.snapshots), 1)
    results = build_stores(Settings.from_env()).results

    def publication(shard: AccountShard | None) -> Publication:
        def mine(account: str) -> bool:
            return shard is None or shard.holds_account(account)

        own = [line for line in t.lines if mine(line.account_id)]
        used = [u for u in t.usage if mine(u.account_id)]
        snaps = shard_snapshots(t.snapshots, shard) if shard else t.snapshots
        allocation = allocate_period(t.period, own, used, snaps, catalogue, CostType.ACTUAL)
        return publication_of(allocation, own, used, catalogue, 1)

    statuses = [results.publish_part(shard, publication(shard)) for shard in plan]
    assert statuses[-1] is PublishStatus.PUBLISHED  # folded by the last part
    assert results.publish(publication(None)) is PublishStatus.PUBLISHED  # then allocated whole
    before = snapshot(storage_env["AzureWebJobsStorage"])
    assert results.publish(publication(None)) is PublishStatus.UNCHANGED
    assert snapshot(storage_env["AzureWebJobsStorage"]) == before
