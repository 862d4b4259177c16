"""Backfill past billing periods, one at a time, resumably (the CLI's `backfill`).

For each period of the range the service decides from its record (shared/core/backfill.py):
collect the period's window from every source, allocate it and evaluate its targets as the queue
trigger does, then record it; or allocate it again; or skip it. A period is recorded only once
all of that succeeded, so an interrupted backfill (Ctrl-C, a source that fails) resumes where it
stopped: the periods it finished are skipped. A project error stops the run at its period (the
report names it); anything else, KeyboardInterrupt included, propagates with every finished
period recorded. A run that got to its end allocates again the periods whose inputs a later
period's collection changed (the inventory is every period's input), so it leaves them all done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.core.backfill import (
    BackfillRecord,
    BackfillResult,
    Decision,
    Step,
    backfill_periods,
    backfill_window,
    decide,
)
from shared.core.clock import utc_now
from shared.core.inputs import InputVersion
from shared.core.period import BillingPeriod, DateWindow
from shared.errors import FinOpsError, one_line
from shared.services.allocation import AllocationOutcome, AllocationStatus
from shared.services.allocation_requests import PeriodAllocator
from shared.services.collection import CollectionReport
from shared.services.target_evaluation import EvaluationRun


class BackfillStore(Protocol):
    """The periods a backfill finished (the `backfill` table)."""

    def records(self) -> dict[BillingPeriod, BackfillRecord]: ...

    def save(self, record: BackfillRecord) -> None: ...


class VersionReader(Protocol):
    """The version of a period's inputs (the InputVersions port, read side)."""

    def version(self, period: BillingPeriod) -> InputVersion: ...


class BackfillProgress(Protocol):
    """Told what the run does, as it does it (the CLI's progress bar or lines)."""

    def begin(self, decisions: Sequence[Decision]) -> None: ...

    def extend(self, decisions: Sequence[Decision]) -> None:
        """More steps after those begun: periods done earlier whose shared inputs a later
        period's collection changed."""
        ...

    def working(self, period: BillingPeriod, step: Step) -> None: ...

    def done(self, result: PeriodResult) -> None: ...


SETTLE_REASON = (
    "its inputs changed during this run: a later period's collection stored an inventory "
    "every period shares"
)

# Collects one period's window from every source (the CLI picks the live sources or files).
Collect = Callable[[BillingPeriod, DateWindow], CollectionReport]


@dataclass(frozen=True)
class PeriodResult:
    """What the run did with one period; `error` set: it stopped there, the period unrecorded."""

    decision: Decision
    collected: CollectionReport | None = None
    allocated: AllocationOutcome | None = None
    evaluated: EvaluationRun | None = None
    error: str | None = None

    @property
    def period(self) -> BillingPeriod:
        return self.decision.period


@dataclass(frozen=True)
class BackfillReport:
    """The run: each period it got to, in order; `stopped` when it stopped before the end."""

    decisions: tuple[Decision, ...]
    results: tuple[PeriodResult, ...]
    stopped: bool = False  # asked to stop between periods

    @property
    def failed(self) -> PeriodResult | None:
        last = self.results[-1] if self.results else None
        return last if last is not None and last.error else None

    def count(self, step: Step) -> int:
        """Periods finished with that step."""
        return sum(1 for r in self.results if r.decision.step is step and not r.error)

    @property
    def remaining(self) -> tuple[BillingPeriod, ...]:
        """The periods not finished (never reached, or whose last step failed): where a rerun
        resumes."""
        last = {r.period: r for r in self.results}
        periods = dict.fromkeys(d.period for d in self.decisions)
        return tuple(p for p in periods if p not in last or last[p].error)


@dataclass
class BackfillService:
    collect: Collect
    allocator: PeriodAllocator
    evaluate: Callable[[BillingPeriod], EvaluationRun]
    versions: VersionReader
    records: BackfillStore
    now: Callable[[], datetime] = utc_now

    def plan(
        self, first: BillingPeriod, last: BillingPeriod, *, force: bool = False
    ) -> tuple[Decision, ...]:
        """The step of every period from `first` to `last` (reads only)."""
        today = self.now().date()
        stored = self.records.records()
        return tuple(
            decide(p, stored.get(p), self.versions.version(p), today, force=force)
            for p in backfill_periods(first, last, today)
        )

    def run(
        self,
        decisions: Sequence[Decision],
        progress: BackfillProgress,
        stop: Callable[[], bool] = lambda: False,
    ) -> BackfillReport:
        """Carry out `decisions` in order; stops at the first period that fails, or before the
        next period once `stop()` says so. Then the periods done whose inputs a later period's
        collection changed (a new inventory snapshot is every period's input) are allocated
        again, so that a finished run leaves every period done."""
        progress.begin(decisions)
        results: list[PeriodResult] = []
        if not self._carry_out(decisions, results, progress, stop):
            return BackfillReport(tuple(decisions), tuple(results), stopped=True)
        settle = () if results and results[-1].error else self._stale(results)
        if settle:
            progress.extend(settle)
            decisions = (*decisions, *settle)
            if not self._carry_out(settle, results, progress, stop):
                return BackfillReport(tuple(decisions), tuple(results), stopped=True)
        return BackfillReport(tuple(decisions), tuple(results))

    def _carry_out(
        self,
        decisions: Sequence[Decision],
        results: list[PeriodResult],
        progress: BackfillProgress,
        stop: Callable[[], bool],
    ) -> bool:
        """Each decision in turn, appending to `results`; False when `stop()` asked to stop."""
        stored = self.records.records()
        for decision in decisions:
            if results and stop():
                return False
            result = self._period(decision, stored.get(decision.period), progress)
            results.append(result)
            progress.done(result)
            if result.error:
                break
        return True

    def _stale(self, results: Sequence[PeriodResult]) -> tuple[Decision, ...]:
        """The periods done in this run whose inputs moved since: allocate them again."""
        stored = self.records.records()
        stale = []
        for period in dict.fromkeys(r.period for r in results if not r.error):
            record, version = stored.get(period), self.versions.version(period)
            if record and not version.writers and version.sequence != record.input_sequence:
                stale.append(Decision(period, Step.ALLOCATE, SETTLE_REASON))
        return tuple(stale)

    def _period(
        self, decision: Decision, record: BackfillRecord | None, progress: BackfillProgress
    ) -> PeriodResult:
        period = decision.period
        if decision.step is Step.SKIP:
            return PeriodResult(decision)
        collected: CollectionReport | None = None
        try:
            if decision.step is Step.COLLECT:
                progress.working(period, Step.COLLECT)
                collected_at = self.now()
                collected = self.collect(period, backfill_window(period, collected_at.date()))
            else:
                assert record is not None  # only a recorded period is allocated again
                collected_at = record.collected_at
            progress.working(period, Step.ALLOCATE)
            version = self.versions.version(period)  # the allocation reads these inputs or newer
            allocated = self.allocator.allocate(period)
            if allocated.status is AllocationStatus.DEFERRED:
                raise _Stop(f"{allocated.detail}; it was put back on the allocation queue")
            evaluated = self.evaluate(period)
        except (FinOpsError, _Stop) as exc:
            return PeriodResult(decision, collected, error=one_line(str(exc)))
        if collected is not None and collected.failures:
            failures = "; ".join(collected.failures)  # the rest was stored and allocated
            return PeriodResult(decision, collected, allocated, evaluated, error=failures)
        lines = collected.cost_lines if collected else record.cost_lines if record else 0
        self.records.save(
            BackfillRecord(
                period=period,
                collected_at=collected_at,
                allocated_at=self.now(),
                input_sequence=version.sequence,
                result=_result(allocated),
                cost_lines=lines,
            )
        )
        return PeriodResult(decision, collected, allocated, evaluated)


class _Stop(Exception):
    """A period that cannot be finished now, for a reason the message gives."""


def _result(outcome: AllocationOutcome) -> BackfillResult:
    if outcome.status is AllocationStatus.NO_DATA:
        return BackfillResult.NO_COST
    return BackfillResult.ALLOCATED
