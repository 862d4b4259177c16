"""The allocation service on a period of more accounts than a shard holds (in-memory tables): it
fans out one request per shard (or runs them here without a queue), each shard reads only its
accounts, the last one publishes the period as the whole allocation would, a shard whose inputs
are being written is sent again later, and the targets are evaluated once, after the fold."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bench.tenant import Tenant
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.core.costs import CostType
from shared.core.inputs import InputScope, InputSource
from shared.core.meters import MeterCatalogue
from shared.core.period import BillingPeriod
from shared.core.reports import PeriodReport, PublishStatus, Unpublished
from shared.services.allocation import AllocationService, AllocationStatus
from shared.services.allocation_requests import AllocationRequestService
from tests.builders import NOW, TableStores
from tests.fakes import ListQueue, MemoryAllocationQueue, MemoryTableGateway

CATALOGUE = load_bundled_catalogue()


class BundledCatalogue:
    def current(self) -> MeterCatalogue:
        return CATALOGUE


def stored(t: Tenant, amortized: bool = True) -> TableStores:
    stores = TableStores(MemoryTableGateway())
    stores.costs.replace_window(t.period.window, CostType.ACTUAL, t.lines)
    if amortized:
        lines = [dataclasses.replace(ln, cost_type=CostType.AMORTIZED) for ln in t.lines]
        stores.costs.replace_window(t.period.window, CostType.AMORTIZED, lines)
    accounts = sorted({d.account_id for d in t.deployments})
    stores.usage.replace_window(t.period.window, accounts, t.usage)
    for snapshot in t.snapshots:
        stores.inventory.save(snapshot)
    return stores


def service(
    stores: TableStores, size: int, queue: ListQueue | None = None, fan_out: bool = False
) -> AllocationService:
    deferral = queue or ListQueue()
    return AllocationService(
        costs=stores.costs,
        usage=stores.usage,
        inventory=stores.inventory,
        results=stores.results,
        catalogue=BundledCatalogue(),
        versions=stores.versions,
        deferral=deferral,
        accounts_per_shard=size,
        shard_queue=deferral if fan_out else None,
    )


def reports(stores: TableStores, period: BillingPeriod) -> list[object]:
    return [stores.results.report(period, cost_type) for cost_type in CostType]


TENANT = Tenant.generate(50, days=4)  # five accounts


def test_a_period_fans_out_one_request_per_shard_and_the_last_one_publishes_it() -> None:
    whole = stored(TENANT)
    assert service(whole, 100).allocate(TENANT.period).status is AllocationStatus.ALLOCATED
    stores, queue = stored(TENANT), ListQueue()
    sharding = service(stores, 2, queue, fan_out=True)

    fanned = sharding.allocate(TENANT.period)
    assert fanned.status is AllocationStatus.SHARDED and "3 shards" in fanned.detail
    requests = [request for request, _delay in queue.requests]
    assert [r.shard.index for r in requests if r.shard] == [0, 1, 2]
    assert stores.results.report(TENANT.period, CostType.ACTUAL) is None  # nothing yet
    outcomes = [sharding.allocate_shard(r.period, r.shard) for r in requests if r.shard]

    assert [o.status for o in outcomes] == [AllocationStatus.PART] * 2 + [
        AllocationStatus.ALLOCATED
    ]
    assert [r.status for r in outcomes[-1].results] == [PublishStatus.PUBLISHED] * 2
    assert str(outcomes[0]).startswith("2026-10 shard 1/3 part: its part ActualCost: billed")
    assert reports(stores, TENANT.period) == reports(whole, TENANT.period)
    assert all(isinstance(r, PeriodReport) for r in reports(stores, TENANT.period))


def test_without_a_queue_the_shards_run_one_after_another() -> None:
    whole, stores = stored(TENANT), stored(TENANT)
    service(whole, 100).allocate(TENANT.period)
    outcome = service(stores, 2).allocate(TENANT.period)
    assert outcome.status is AllocationStatus.ALLOCATED
    assert outcome.detail == "3 shards of up to 2 accounts"
    assert str(outcome) == (
        "2026-10 allocated: ActualCost: published from 3 shards; "
        "AmortizedCost: published from 3 shards"
    )
    assert reports(stores, TENANT.period) == reports(whole, TENANT.period)
    again = service(stores, 2).allocate(TENANT.period)
    assert [r.status for r in again.results] == [PublishStatus.UNCHANGED] * 2


def test_a_shard_whose_inputs_are_being_written_is_sent_again_later() -> None:
    stores, queue = stored(TENANT), ListQueue()
    sharding = service(stores, 2, queue, fan_out=True)
    sharding.allocate(TENANT.period)
    shard = queue.requests[1][0].shard
    assert shard is not None
    stores.versions.begin([InputScope.of(InputSource.USAGE, TENANT.period)])

    outcome = sharding.allocate_shard(TENANT.period, shard, now=NOW)
    assert outcome.status is AllocationStatus.DEFERRED and "being written" in outcome.detail
    resent, delay = queue.requests[-1]
    assert resent.shard == shard and delay == timedelta(minutes=1)
    assert queue.deferred == []  # the shard is sent again, not the whole period


def test_a_period_being_written_is_deferred_whole_before_it_fans_out() -> None:
    stores, queue = stored(TENANT), ListQueue()
    stores.versions.begin([InputScope.of(InputSource.USAGE, TENANT.period)])
    outcome = service(stores, 2, queue).allocate(TENANT.period, now=NOW)
    assert outcome.status is AllocationStatus.DEFERRED
    assert [period for period, _delay in queue.deferred] == [TENANT.period]


def test_a_sharded_period_without_actual_costs_is_no_data_without_fanning_out() -> None:
    stores, queue = stored(dataclasses.replace(TENANT, lines=[]), amortized=False), ListQueue()
    outcome = service(stores, 2, queue, fan_out=True).allocate(TENANT.period)
    assert outcome.status is AllocationStatus.NO_DATA and queue.requests == []
    assert all(isinstance(r, Unpublished) for r in reports(stores, TENANT.period))


def test_the_queue_consumer_allocates_shard_messages_and_evaluates_targets_once() -> None:
    stores, queue = stored(TENANT), MemoryAllocationQueue()
    evaluated: list[BillingPeriod] = []
    consumer = AllocationRequestService(
        service(stores, 2, queue, fan_out=True), queue, after=evaluated.append
    )
    queue.enqueue([TENANT.period])
    drained = consumer.drain()

    statuses = [done.outcome.status for done in drained.allocated]
    assert statuses == [AllocationStatus.SHARDED] + [AllocationStatus.PART] * 2 + [
        AllocationStatus.ALLOCATED
    ]
    assert evaluated == [TENANT.period] and drained.poisoned == ()
    assert isinstance(stores.results.report(TENANT.period, CostType.ACTUAL), PeriodReport)
