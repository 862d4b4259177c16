"""Allocate one billing period from one whole state of its inputs, and publish it (queue trigger).

A period whose inventory has more accounts than one shard holds (`accounts_per_shard`,
ALLOCATION_SHARD_ACCOUNTS) is allocated by shards of accounts (shared/core/shards.py): the
request fans out into one request per shard (on the queue, or run here one after another when
there is no queue), each shard reads only its accounts' inputs and stores its part, and the part
that completes its plan folds them into the period's summary (allocation_tables.py).

The inputs' version is read before and after the inputs (shared/core/inputs.py): a read that saw
a collection at work, or a version that moved, is not trusted. It is read again a few times, then
the request is deferred (put back on the queue with a delay), so a period is never allocated from
a half-written state and never forgotten. Each price basis is then published by one conditional
commit (adapters/allocation_tables.py): readers see the previous allocation or this one, and a
slower allocation of older inputs loses without leaving anything behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from shared.core.allocation import PeriodAllocation, allocate_period
from shared.core.clock import utc_now
from shared.core.costs import CostLine, CostType
from shared.core.inputs import WRITER_LEASE, InputVersion
from shared.core.inventory import InventorySnapshot
from shared.core.meters import MeterCatalogue
from shared.core.period import BillingPeriod
from shared.core.publication import publication_of
from shared.core.reports import PublishStatus
from shared.core.requests import AllocationRequest
from shared.core.shards import AccountShard, inventory_keys, shard_plan, shard_snapshots
from shared.core.usage import UsageRecord
from shared.services.ports import (
    AllocationDeferral,
    CatalogueSource,
    CostStore,
    InputVersions,
    InventoryStore,
    ResultPublisher,
    ShardRequests,
    UsageStore,
)

log = logging.getLogger(__name__)
READ_ATTEMPTS = 3
DEFAULT_ACCOUNTS_PER_SHARD = 100
RETRY_DELAY = timedelta(minutes=1)


class AllocationStatus(Enum):
    ALLOCATED = "allocated"  # every price basis published, unchanged, or beaten by newer inputs
    NO_DATA = "no-data"  # no ActualCost lines collected: nothing published, readers get 404
    DEFERRED = "deferred"  # inputs were being written: the request is back on the queue
    SHARDED = "sharded"  # fanned out: one request per shard is on the queue
    PART = "part"  # this shard's part is stored; the last shard's to finish publishes the period

    @property
    def settled(self) -> bool:
        """Whether the period's publication is what this allocation leaves (not still coming)."""
        return self in (AllocationStatus.ALLOCATED, AllocationStatus.NO_DATA)


@dataclass(frozen=True)
class BasisResult:
    """`shards`: the basis was published from that many shards (their allocations not kept)."""

    cost_type: CostType
    status: PublishStatus
    allocation: PeriodAllocation | None = None
    shards: int = 0

    def __str__(self) -> str:
        a = self.allocation
        if self.shards:
            return f"{self.cost_type.value}: {self.status.value} from {self.shards} shards"
        if a is None:
            return f"{self.cost_type.value}: no cost lines ({self.status.value})"
        return (
            f"{a.cost_type.value}: billed {a.billed} = allocated {a.allocated_cost} + "
            f"unallocated {a.unallocated_cost} {a.currency} ({self.status.value})"
        )


@dataclass(frozen=True)
class AllocationOutcome:
    """What one allocation request did, for logs, the CLI and the queue consumer."""

    period: BillingPeriod
    status: AllocationStatus
    results: tuple[BasisResult, ...] = ()
    detail: str = ""
    shard: AccountShard | None = None

    def __str__(self) -> str:
        parts = [str(r) for r in self.results] or [self.detail]
        if self.shard is None:
            return f"{self.period} {self.status.value}: " + "; ".join(parts)
        return f"{self.period} {self.shard} {self.status.value}: its part " + "; ".join(parts)


@dataclass(frozen=True)
class _Inputs:
    version: InputVersion
    catalogue: MeterCatalogue
    usage: list[UsageRecord]
    snapshots: list[InventorySnapshot]
    lines: dict[CostType, list[CostLine]]


@dataclass
class AllocationService:
    """`shard_queue` None: a sharded period's shards run here, one after another (the CLI)."""

    costs: CostStore
    usage: UsageStore
    inventory: InventoryStore
    results: ResultPublisher
    catalogue: CatalogueSource
    versions: InputVersions
    deferral: AllocationDeferral
    accounts_per_shard: int = DEFAULT_ACCOUNTS_PER_SHARD
    shard_queue: ShardRequests | None = None

    def allocate(self, period: BillingPeriod, now: datetime | None = None) -> AllocationOutcome:
        """Allocate and publish every price basis of the period (or fan it out into shards when
        its inventory has more accounts than a shard holds); idempotent."""
        version = self.versions.version(period)
        if version.writers:
            return self._defer(period, version, now or utc_now())
        plan = shard_plan(
            inventory_keys(self.inventory.snapshots_for(period)), self.accounts_per_shard
        )
        if len(plan) > 1:
            return self._fan_out(period, plan, version.sequence, now)
        inputs = self._read(period)
        if isinstance(inputs, InputVersion):
            return self._defer(period, inputs, now or utc_now())
        sequence = inputs.version.sequence
        actual = inputs.lines[CostType.ACTUAL]
        if not actual:
            reason = "no ActualCost lines have been collected for this period"
            for cost_type in CostType:
                self.results.publish_no_data(period, cost_type, reason, sequence)
            log.warning("allocate %s: %s; nothing published", period, reason)
            return AllocationOutcome(period, AllocationStatus.NO_DATA, detail=reason)
        done = []
        for cost_type in CostType:
            lines = inputs.lines[cost_type]
            if not lines:
                reason = f"no {cost_type.value} lines have been collected for this period"
                status = self.results.publish_no_data(period, cost_type, reason, sequence)
                done.append(BasisResult(cost_type, status))
                continue
            allocation = allocate_period(
                period, lines, inputs.usage, inputs.snapshots, inputs.catalogue, cost_type
            )
            publication = publication_of(
                allocation, lines, inputs.usage, inputs.catalogue, sequence
            )
            done.append(BasisResult(cost_type, self.results.publish(publication), allocation))
        return AllocationOutcome(period, AllocationStatus.ALLOCATED, tuple(done))

    def allocate_shard(
        self, period: BillingPeriod, shard: AccountShard, now: datetime | None = None
    ) -> AllocationOutcome:
        """Allocate one shard's accounts and store its part of every price basis; the shard that
        completes its plan publishes the period (ALLOCATED), the others are a PART of it."""
        inputs = self._read(period, shard)
        if isinstance(inputs, InputVersion):
            return self._defer(period, inputs, now or utc_now(), shard)
        sequence = inputs.version.sequence
        done = []
        for cost_type in CostType:
            # A shard without lines of the basis is allocated too: its deployments' usage is
            # part of the period (at no cost), as when the period is allocated whole.
            lines = inputs.lines[cost_type]
            allocation = allocate_period(
                period, lines, inputs.usage, inputs.snapshots, inputs.catalogue, cost_type
            )
            publication = publication_of(
                allocation, lines, inputs.usage, inputs.catalogue, sequence
            )
            status = self.results.publish_part(shard, publication)
            done.append(BasisResult(cost_type, status, allocation))
        waiting = any(r.status is PublishStatus.WAITING for r in done)
        settled = AllocationStatus.PART if waiting else AllocationStatus.ALLOCATED
        return AllocationOutcome(period, settled, tuple(done), shard=shard)

    def _fan_out(
        self,
        period: BillingPeriod,
        plan: tuple[AccountShard, ...],
        sequence: int,
        now: datetime | None,
    ) -> AllocationOutcome:
        if not self.costs.has_lines(period, CostType.ACTUAL):
            reason = "no ActualCost lines have been collected for this period"
            for cost_type in CostType:
                self.results.publish_no_data(period, cost_type, reason, sequence)
            log.warning("allocate %s: %s; nothing published", period, reason)
            return AllocationOutcome(period, AllocationStatus.NO_DATA, detail=reason)
        detail = f"{len(plan)} shards of up to {self.accounts_per_shard} accounts"
        if self.shard_queue is not None:
            self.shard_queue.send([AllocationRequest(period, shard) for shard in plan])
            log.info("allocate %s: %s on the queue", period, detail)
            return AllocationOutcome(period, AllocationStatus.SHARDED, detail=detail)
        for shard in plan:
            outcome = self.allocate_shard(period, shard, now)
            if outcome.status is AllocationStatus.DEFERRED:  # the period again, later
                self.deferral.defer(period, RETRY_DELAY)
                return replace(outcome, shard=None, detail=f"{shard}: {outcome.detail}")
        results = tuple(
            BasisResult(r.cost_type, r.status, shards=len(plan)) for r in outcome.results
        )
        return AllocationOutcome(period, outcome.status, results, detail)

    def _read(
        self, period: BillingPeriod, shard: AccountShard | None = None
    ) -> _Inputs | InputVersion:
        """The inputs (of the shard's accounts) as one whole state, or the version that kept
        them from being one."""
        version = self.versions.version(period)
        for _ in range(READ_ATTEMPTS):
            if version.writers:
                return version
            snapshots = self.inventory.snapshots_for(period)
            inputs = _Inputs(
                version=version,
                catalogue=self.catalogue.current(),
                usage=self.usage.records_for(period, shard),
                snapshots=shard_snapshots(snapshots, shard) if shard else snapshots,
                lines={ct: self.costs.lines_for(period, ct, shard) for ct in CostType},
            )
            after = self.versions.version(period)
            if version.consistent_with(after):
                return inputs
            log.info("allocate %s: inputs changed while read (%s); reading again", period, after)
            version = after
        return version

    def _defer(
        self,
        period: BillingPeriod,
        version: InputVersion,
        now: datetime,
        shard: AccountShard | None = None,
    ) -> AllocationOutcome:
        stalled = [w for w in version.writers if w.stale(now)]
        delay = WRITER_LEASE if stalled else RETRY_DELAY
        if stalled:
            detail = (
                "inputs left half-written by a collection that stopped: "
                + ", ".join(map(str, stalled))
                + "; the next collection of them repairs it"
            )
            log.warning("allocate %s: %s; trying again in %s", period, detail, delay)
        elif version.writers:
            detail = "inputs being written: " + ", ".join(map(str, version.writers))
        else:
            detail = "inputs kept changing while read"
        if shard is not None and self.shard_queue is not None:
            self.shard_queue.send([AllocationRequest(period, shard)], delay)
        elif shard is None:
            self.deferral.defer(period, delay)
        # Inline shards: the caller defers the whole period (see _fan_out).
        return AllocationOutcome(period, AllocationStatus.DEFERRED, detail=detail, shard=shard)
