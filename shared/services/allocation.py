"""Allocate one billing period from one whole state of its inputs, and publish it (queue trigger).

The inputs' version is read before and after the inputs (shared/core/inputs.py): a read that saw
a collection at work, or a version that moved, is not trusted. It is read again a few times, then
the request is deferred (put back on the queue with a delay), so a period is never allocated from
a half-written state and never forgotten. Each price basis is then published by one conditional
commit (adapters/allocation_tables.py): readers see the previous allocation or this one, and a
slower allocation of older inputs loses without leaving anything behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from shared.core.allocation import PeriodAllocation, allocate_period
from shared.core.costs import CostLine, CostType
from shared.core.inputs import WRITER_LEASE, InputVersion
from shared.core.inventory import InventorySnapshot
from shared.core.meters import MeterCatalogue
from shared.core.period import BillingPeriod
from shared.core.publication import publication_of
from shared.core.reports import PublishStatus
from shared.core.usage import UsageRecord
from shared.services.ports import (
    AllocationDeferral,
    CatalogueSource,
    CostStore,
    InputVersions,
    InventoryStore,
    ResultPublisher,
    UsageStore,
)

log = logging.getLogger(__name__)
READ_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=1)


class AllocationStatus(Enum):
    ALLOCATED = "allocated"  # every price basis published, unchanged, or beaten by newer inputs
    NO_DATA = "no-data"  # no ActualCost lines collected: nothing published, readers get 404
    DEFERRED = "deferred"  # inputs were being written: the request is back on the queue


@dataclass(frozen=True)
class BasisResult:
    cost_type: CostType
    status: PublishStatus
    allocation: PeriodAllocation | None = None

    def __str__(self) -> str:
        a = self.allocation
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

    def __str__(self) -> str:
        parts = [str(r) for r in self.results] or [self.detail]
        return f"{self.period} {self.status.value}: " + "; ".join(parts)


@dataclass(frozen=True)
class _Inputs:
    version: InputVersion
    catalogue: MeterCatalogue
    usage: list[UsageRecord]
    snapshots: list[InventorySnapshot]
    lines: dict[CostType, list[CostLine]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AllocationService:
    costs: CostStore
    usage: UsageStore
    inventory: InventoryStore
    results: ResultPublisher
    catalogue: CatalogueSource
    versions: InputVersions
    deferral: AllocationDeferral

    def allocate(self, period: BillingPeriod, now: datetime | None = None) -> AllocationOutcome:
        """Allocate and publish every price basis of the period; idempotent."""
        inputs = self._read(period)
        if isinstance(inputs, InputVersion):
            return self._defer(period, inputs, now or _utc_now())
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

    def _read(self, period: BillingPeriod) -> _Inputs | InputVersion:
        """The inputs as one whole state, or the version that kept them from being one."""
        version = self.versions.version(period)
        for _ in range(READ_ATTEMPTS):
            if version.writers:
                return version
            inputs = _Inputs(
                version=version,
                catalogue=self.catalogue.current(),
                usage=self.usage.records_for(period),
                snapshots=self.inventory.snapshots_for(period),
                lines={ct: self.costs.lines_for(period, ct) for ct in CostType},
            )
            after = self.versions.version(period)
            if version.consistent_with(after):
                return inputs
            log.info("allocate %s: inputs changed while read (%s); reading again", period, after)
            version = after
        return version

    def _defer(
        self, period: BillingPeriod, version: InputVersion, now: datetime
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
        self.deferral.defer(period, delay)
        return AllocationOutcome(period, AllocationStatus.DEFERRED, detail=detail)
