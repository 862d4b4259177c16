"""Collect: read every source of a run, check, then store, bump and enqueue (the timers, the CLI).

A collection is all-or-nothing per run (one exception: a use case's own outcome query that fails
stops only that use case, shared/services/collectors.py `OutcomeCollector`). Every collector of the
run reads its source first (shared/services/collectors.py); a source that answers nothing, or less
than `SHRINK_LIMIT` of what is stored for the same window, is refused (`CollectionRefused`, naming
the source and both counts) unless the operator allows it (`allow_shrink`). Then every write is
planned (a diff against what is stored), the inputs that change are marked as being written
(`InputVersions`, shared/core/inputs.py) so no allocation trusts a half-written state, written, and
bumped; only when everything was stored are the periods whose inputs changed enqueued. A storage
failure half-way leaves the marks, so allocations wait for the next collection, which rewrites the
window.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared.core.costs import CostType
from shared.core.period import BillingPeriod, DateWindow
from shared.services.collectors import (
    Batch,
    Collected,
    CollectionRun,
    Collector,
    CollectorKind,
    PlannedInput,
)
from shared.services.ports import AllocationQueue, CostStore, InputVersions

ALL_KINDS = frozenset(CollectorKind)


@dataclass(frozen=True)
class CollectionReport:
    """What one collection run read, and the periods it enqueued."""

    counts: dict[Collected, int] = field(default_factory=dict)
    changed_periods: frozenset[BillingPeriod] = field(default_factory=frozenset)
    notes: tuple[str, ...] = ()  # said, stops nothing (telemetry naming no known deployment)
    failures: tuple[str, ...] = ()  # sources that failed alone (a use case's outcome query)

    @property
    def cost_lines(self) -> int:
        return self.counts.get(Collected.COST_LINES, 0)

    @property
    def usage_records(self) -> int:
        return self.counts.get(Collected.USAGE_RECORDS, 0)

    @property
    def deployments(self) -> int:
        return self.counts.get(Collected.DEPLOYMENTS, 0)

    @property
    def caller_records(self) -> int:
        return self.counts.get(Collected.CALLER_RECORDS, 0)

    @property
    def outcome_days(self) -> int:
        return self.counts.get(Collected.OUTCOME_DAYS, 0)


@dataclass
class CollectionService:
    collectors: Sequence[Collector]  # in reading order: the inventory before usage
    costs: CostStore  # which periods have a bill (an inventory or usage change alone needs one)
    queue: AllocationQueue
    versions: InputVersions

    def collect_costs(self, window: DateWindow, *, allow_shrink: bool = False) -> CollectionReport:
        """Every price basis of the window."""
        return self.collect(window, None, {CollectorKind.COSTS}, allow_shrink=allow_shrink)

    def collect_usage(self, window: DateWindow, *, allow_shrink: bool = False) -> CollectionReport:
        """Usage of the accounts in the latest stored inventory."""
        return self.collect(window, None, {CollectorKind.USAGE}, allow_shrink=allow_shrink)

    def collect_inventory(self, at: datetime, *, allow_shrink: bool = False) -> CollectionReport:
        """The inventory as a snapshot taken `at` (stored only if it changed)."""
        return self.collect(None, at, {CollectorKind.INVENTORY}, allow_shrink=allow_shrink)

    def collect_telemetry(
        self, window: DateWindow, *, allow_shrink: bool = False
    ) -> CollectionReport:
        """Caller telemetry and the use cases' outcome queries."""
        return self.collect(window, None, {CollectorKind.TELEMETRY}, allow_shrink=allow_shrink)

    def collect_all(
        self, window: DateWindow, at: datetime, *, allow_shrink: bool = False
    ) -> CollectionReport:
        """Inventory, costs, usage (of the accounts the inventory found) and telemetry, all read
        first."""
        return self.collect(window, at, ALL_KINDS, allow_shrink=allow_shrink)

    def collect(
        self,
        window: DateWindow | None,
        at: datetime | None,
        kinds: Collection[CollectorKind],
        *,
        allow_shrink: bool = False,
    ) -> CollectionReport:
        """Read the chosen collectors, check every batch, then store what changes."""
        run = CollectionRun(window, at)
        batches: list[Batch] = []
        for collector in self.collectors:
            if collector.kind not in kinds:
                continue
            for batch in collector.read(run):
                batches.append(batch)
                if batch.deployments is not None:
                    run = replace(run, deployments=batch.deployments)
        for batch in batches:
            batch.check(allow_shrink)
        periods = self._store([p for b in batches for p in b.planned])
        counts: dict[Collected, int] = {}
        for batch in batches:
            counts[batch.counted] = counts.get(batch.counted, 0) + batch.rows
        notes = tuple(n for b in batches for n in b.notes)
        failures = tuple(b.failure for b in batches if b.failure)
        return CollectionReport(counts, frozenset(periods), notes, failures)

    def _store(self, planned: list[PlannedInput]) -> set[BillingPeriod]:
        """Mark the inputs that change, write them, bump their versions, enqueue their periods.
        A run that changes nothing writes nothing."""
        changing = {p.scope for p in planned if p.write}
        # A scope left marked by a writer that stopped half-way is taken over even if it now
        # reads as unchanged: its stored rows are whole again, so its version moves on.
        marked = changing | self.versions.stalled(p.scope for p in planned)
        self.versions.begin(marked)
        for p in planned:
            if p.write:
                p.write.apply()
        bumped = self.versions.end(marked, changing)
        self.versions.collected(p.scope for p in planned)  # read whole, changed or not
        periods = self._to_allocate([p for p in planned if p.scope in bumped])
        self.queue.enqueue(periods)
        return periods

    def _to_allocate(self, planned: list[PlannedInput]) -> set[BillingPeriod]:
        periods = {period for p in planned if not p.needs_costs for period in p.periods}
        candidates = {period for p in planned if p.needs_costs for period in p.periods}
        periods |= {p for p in candidates - periods if self.costs.has_lines(p, CostType.ACTUAL)}
        return periods
