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

Each run is recorded per task (the collectors' kinds it runs: `costs`, `usage`, `inventory`,
`telemetry`) through the `RunRecordStore` port, when one is given: `running` when it starts (the
task's last success kept), then `succeeded` with what it counted or `failed` with the error's
one line, so `GET /api/health` names the sources not collected whole for too long. Recording
never changes what is read or stored: a failure is raised as it was, even if it cannot be
recorded. The reading itself fans out inside the live sources (per scope, month, account and
metrics batch, `COLLECTION_CONCURRENCY` calls at a time, shared/adapters/azure/fan_out.py), each
of which answers whole or raises, so a run still reads every source before it stores anything.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared.core.clock import utc_now
from shared.core.costs import CostType
from shared.core.period import BillingPeriod, DateWindow
from shared.core.run_records import RunRecord, failed, started, succeeded
from shared.services.collectors import (
    Batch,
    Collected,
    CollectionRun,
    Collector,
    CollectorKind,
    PlannedInput,
)
from shared.services.ports import AllocationQueue, CostStore, InputVersions, RunRecordStore

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
    runs: RunRecordStore | None = None  # each task's latest run and last success (health)
    clock: Callable[[], datetime] = utc_now

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
        """Read the chosen collectors, check every batch, then store what changes; each task's
        run recorded (module docstring)."""
        runs = self._begin(kinds)
        try:
            report, by_kind = self._collect(window, at, kinds, allow_shrink)
        except Exception as error:
            self._fail(runs, error)
            raise
        if self.runs is not None:
            now = self.clock()
            for run in runs:
                counts = {c.value: n for c, n in by_kind.get(CollectorKind(run.task), {}).items()}
                self.runs.save(succeeded(run, now, counts))
        return report

    def _collect(
        self,
        window: DateWindow | None,
        at: datetime | None,
        kinds: Collection[CollectorKind],
        allow_shrink: bool,
    ) -> tuple[CollectionReport, dict[CollectorKind, dict[Collected, int]]]:
        run = CollectionRun(window, at)
        batches: list[tuple[CollectorKind, Batch]] = []
        for collector in self.collectors:
            if collector.kind not in kinds:
                continue
            for batch in collector.read(run):
                batches.append((collector.kind, batch))
                if batch.deployments is not None:
                    run = replace(run, deployments=batch.deployments)
        for _, batch in batches:
            batch.check(allow_shrink)
        periods = self._store([p for _, b in batches for p in b.planned])
        counts: dict[Collected, int] = {}
        by_kind: dict[CollectorKind, dict[Collected, int]] = {}
        for kind, batch in batches:
            counts[batch.counted] = counts.get(batch.counted, 0) + batch.rows
            mine = by_kind.setdefault(kind, {})
            mine[batch.counted] = mine.get(batch.counted, 0) + batch.rows
        notes = tuple(n for _, b in batches for n in b.notes)
        failures = tuple(b.failure for _, b in batches if b.failure)
        return CollectionReport(counts, frozenset(periods), notes, failures), by_kind

    def _begin(self, kinds: Collection[CollectorKind]) -> list[RunRecord]:
        """A `running` record for each task of the run that has a collector here."""
        if self.runs is None:
            return []
        tasks = sorted({c.kind.value for c in self.collectors if c.kind in kinds})
        now = self.clock()
        before = {r.task: r for r in self.runs.all()} if tasks else {}  # one read
        runs = [started(task, now, before.get(task)) for task in tasks]
        for run in runs:
            self.runs.save(run)
        return runs

    def _fail(self, runs: list[RunRecord], error: Exception) -> None:
        """Record the failure of every task of the run; the error is raised as it was even if
        this fails (the caller re-raises it)."""
        if self.runs is None:
            return
        now = self.clock()
        text = f"{type(error).__name__}: {error}"
        try:
            for run in runs:
                self.runs.save(failed(run, now, text))
        except Exception as unrecorded:  # the storage failing too: the first error matters
            error.add_note(f"the run record could not be written: {unrecorded}")

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
