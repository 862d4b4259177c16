"""The backfill: what it decides per period from its records, and the service carrying it out
resumably (in memory: the `backfill` table on the memory gateway, the input versions' fake)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from shared.adapters.storage.backfill_table import BackfillTable
from shared.core.backfill import (
    BackfillRecord,
    BackfillResult,
    Decision,
    Step,
    backfill_periods,
    backfill_window,
    decide,
)
from shared.core.inputs import InputScope, InputSource, InputVersion, Writer
from shared.core.period import BillingPeriod, DateWindow
from shared.errors import InvalidInput, SourceError
from shared.services.allocation import AllocationOutcome, AllocationStatus
from shared.services.backfill import BackfillService, PeriodResult
from shared.services.collection import CollectionReport
from shared.services.collectors import Collected
from shared.services.target_evaluation import EvaluationRun
from tests.fakes import FakeAllocator, MemoryInputVersions, MemoryTableGateway

SEP, OCT, NOV = BillingPeriod(2026, 9), BillingPeriod(2026, 10), BillingPeriod(2026, 11)
TODAY = date(2026, 12, 1)  # September and October closed, November open until 2026-12-06
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def record(period: BillingPeriod, collected: datetime = NOW, sequence: int = 3) -> BackfillRecord:
    return BackfillRecord(period, collected, collected, sequence, BackfillResult.ALLOCATED, 12)


# -- decisions -----------------------------------------------------------------------------------


def test_a_period_never_backfilled_is_collected() -> None:
    found = decide(SEP, None, InputVersion(0), TODAY)
    assert (found.step, found.reason) == (Step.COLLECT, "not backfilled yet")


def test_a_closed_period_collected_once_closed_with_the_same_inputs_is_skipped() -> None:
    found = decide(SEP, record(SEP), InputVersion(3), TODAY)
    assert found.step is Step.SKIP
    assert found.reason == "done: collected 2026-12-01 (final), inputs unchanged since"


def test_force_collects_a_period_that_is_done() -> None:
    assert decide(SEP, record(SEP), InputVersion(3), TODAY, force=True).step is Step.COLLECT


def test_an_open_period_is_never_done_for_good() -> None:
    found = decide(NOV, record(NOV), InputVersion(3), TODAY)
    assert found.step is Step.COLLECT
    assert "is still open; final from 2026-12-06" in found.reason


def test_a_period_collected_while_open_is_collected_again_once_closed() -> None:
    early = record(OCT, collected=datetime(2026, 11, 5, 23, 59, tzinfo=UTC))  # day 5: open
    found = decide(OCT, early, InputVersion(3), TODAY)
    assert found.step is Step.COLLECT
    assert "collected 2026-11-05 while Azure could restate it (it was open then" in found.reason
    on_day_six = record(OCT, collected=datetime(2026, 11, 6, tzinfo=UTC))
    assert on_day_six.final and decide(OCT, on_day_six, InputVersion(3), TODAY).step is Step.SKIP


def test_inputs_that_moved_since_the_allocation_are_allocated_again_without_collecting() -> None:
    found = decide(SEP, record(SEP, sequence=3), InputVersion(4), TODAY)
    assert found.step is Step.ALLOCATE
    assert "inputs changed since its allocation on 2026-12-01" in found.reason


def test_half_written_inputs_are_collected_again() -> None:
    writer = Writer(InputScope.of(InputSource.USAGE, SEP), NOW)
    found = decide(SEP, record(SEP), InputVersion(3, (writer,)), TODAY)
    assert found.step is Step.COLLECT and found.reason.startswith("inputs half-written: usage")


def test_the_periods_of_a_range_in_order_up_to_the_current_month() -> None:
    assert backfill_periods(BillingPeriod(2025, 11), BillingPeriod(2026, 2), TODAY) == (
        BillingPeriod(2025, 11), BillingPeriod(2025, 12), BillingPeriod(2026, 1),
        BillingPeriod(2026, 2),
    )  # fmt: skip
    assert backfill_periods(BillingPeriod(2026, 12), BillingPeriod(2026, 12), TODAY) == (
        BillingPeriod(2026, 12),
    )
    with pytest.raises(InvalidInput, match=r"--to: 2027-01 is later than 2026-12"):
        backfill_periods(SEP, BillingPeriod(2027, 1), TODAY)
    with pytest.raises(InvalidInput, match=r"--to: 2026-09 is before --from 2026-10"):
        backfill_periods(OCT, SEP, TODAY)


def test_the_window_is_the_whole_period_and_up_to_today_in_the_current_one() -> None:
    assert backfill_window(OCT, TODAY) == OCT.window
    december = BillingPeriod(2026, 12)
    assert backfill_window(december, TODAY) == DateWindow(date(2026, 12, 1), date(2026, 12, 2))


def test_a_record_is_stored_and_read_back_exactly() -> None:
    table = BackfillTable(MemoryTableGateway())
    first = BackfillRecord(
        SEP, datetime(2026, 11, 20, 8, 1, 2, 345678, tzinfo=UTC), NOW, 7, BackfillResult.NO_COST
    )
    table.save(first)
    table.save(record(OCT))
    assert table.records() == {SEP: first, OCT: record(OCT)}


# -- the service ---------------------------------------------------------------------------------


@dataclass
class Collections:
    """The Collect port by recording; `failing` raises for a period, `failures` reports a
    source that failed alone."""

    failing: dict[BillingPeriod, BaseException] = field(default_factory=dict)
    failures: dict[BillingPeriod, str] = field(default_factory=dict)
    windows: list[DateWindow] = field(default_factory=list)
    versions: MemoryInputVersions | None = None
    inventory_changes: bool = False  # each period's files list another inventory

    def __call__(self, period: BillingPeriod, window: DateWindow) -> CollectionReport:
        if period in self.failing:
            raise self.failing[period]
        self.windows.append(window)
        if self.versions is not None:  # a collection that changed the period's costs
            scopes = [InputScope.of(InputSource.ACTUAL_COSTS, period)]
            scopes += [InputScope.of(InputSource.INVENTORY)] if self.inventory_changes else []
            for scope in scopes:
                self.versions.sequences[scope] = self.versions.sequences.get(scope, 0) + 1
        fails = (self.failures[period],) if period in self.failures else ()
        return CollectionReport({Collected.COST_LINES: 40}, failures=fails)


@dataclass
class Lines:
    """The BackfillProgress port by recording."""

    begun: list[tuple[Decision, ...]] = field(default_factory=list)
    extended: list[tuple[Decision, ...]] = field(default_factory=list)
    steps: list[tuple[BillingPeriod, Step]] = field(default_factory=list)
    results: list[PeriodResult] = field(default_factory=list)

    def begin(self, decisions: Sequence[Decision]) -> None:
        self.begun.append(tuple(decisions))

    def extend(self, decisions: Sequence[Decision]) -> None:
        self.extended.append(tuple(decisions))

    def working(self, period: BillingPeriod, step: Step) -> None:
        self.steps.append((period, step))

    def done(self, result: PeriodResult) -> None:
        self.results.append(result)


@dataclass
class World:
    collect: Collections
    allocator: FakeAllocator
    versions: MemoryInputVersions
    table: BackfillTable
    evaluated: list[BillingPeriod]
    service: BackfillService


def world() -> World:
    versions = MemoryInputVersions()
    collect = Collections(versions=versions)
    allocator = FakeAllocator()
    evaluated: list[BillingPeriod] = []

    def evaluate(period: BillingPeriod) -> EvaluationRun:
        evaluated.append(period)
        return EvaluationRun((), (), 0, 0)

    table = BackfillTable(MemoryTableGateway())
    service = BackfillService(collect, allocator, evaluate, versions, table, now=lambda: NOW)
    return World(collect, allocator, versions, table, evaluated, service)


def test_each_period_is_collected_allocated_evaluated_and_recorded_in_order() -> None:
    w = world()
    lines = Lines()
    report = w.service.run(w.service.plan(SEP, OCT), lines)

    assert w.collect.windows == [SEP.window, OCT.window]
    assert w.allocator.done == [SEP, OCT] and w.evaluated == [SEP, OCT]
    assert lines.steps == [(SEP, Step.COLLECT), (SEP, Step.ALLOCATE),
                           (OCT, Step.COLLECT), (OCT, Step.ALLOCATE)]  # fmt: skip
    assert [r.period for r in lines.results] == [SEP, OCT]
    assert report.count(Step.COLLECT) == 2 and not report.remaining and not report.failed
    stored = w.table.records()
    assert stored[SEP] == BackfillRecord(SEP, NOW, NOW, 1, BackfillResult.ALLOCATED, 40)
    assert stored[OCT].input_sequence == 1  # the version of the inputs it allocated


def test_an_interrupted_backfill_resumes_where_it_stopped() -> None:
    w = world()
    w.collect.failing[OCT] = KeyboardInterrupt()  # Ctrl-C while October is collected
    lines = Lines()
    with pytest.raises(KeyboardInterrupt):
        w.service.run(w.service.plan(SEP, OCT), lines)
    assert set(w.table.records()) == {SEP}  # what finished is recorded, nothing else

    del w.collect.failing[OCT]
    again = w.service.plan(SEP, OCT)
    assert [(d.period, d.step) for d in again] == [(SEP, Step.SKIP), (OCT, Step.COLLECT)]
    report = w.service.run(again, Lines())
    assert w.collect.windows == [SEP.window, OCT.window]  # September was collected once
    assert (report.count(Step.SKIP), report.count(Step.COLLECT)) == (1, 1)
    assert set(w.table.records()) == {SEP, OCT}


def test_a_failing_source_stops_the_run_at_its_period_and_the_rerun_resumes_there() -> None:
    w = world()
    w.collect.failing[SEP] = SourceError("cost query failed: 500 InternalServerError")
    report = w.service.run(w.service.plan(SEP, OCT), Lines())

    failed = report.failed
    assert failed is not None and failed.period == SEP
    assert failed.error == "cost query failed: 500 InternalServerError"
    assert report.remaining == (SEP, OCT) and w.collect.windows == []  # October not started
    assert w.table.records() == {}

    del w.collect.failing[SEP]
    assert not w.service.run(w.service.plan(SEP, OCT), Lines()).remaining


def test_a_stop_request_ends_the_run_between_periods() -> None:
    w = world()
    report = w.service.run(w.service.plan(SEP, OCT), Lines(), stop=lambda: True)
    assert report.stopped and report.remaining == (OCT,)  # the period at work was finished
    assert set(w.table.records()) == {SEP}


def test_a_period_whose_inputs_moved_is_allocated_again_without_reading_a_source() -> None:
    w = world()
    w.service.run(w.service.plan(SEP, SEP), Lines())
    w.versions.sequences[InputScope.of(InputSource.PRICES)] = 1  # a price refresh since

    again = w.service.plan(SEP, SEP)
    assert again[0].step is Step.ALLOCATE
    w.service.run(again, Lines())
    assert w.collect.windows == [SEP.window]  # collected once
    assert w.allocator.done == [SEP, SEP]
    assert w.table.records()[SEP].input_sequence == 2  # now current: the next run skips it
    assert w.service.plan(SEP, SEP)[0].step is Step.SKIP


def test_a_source_that_failed_alone_leaves_the_period_allocated_but_not_done() -> None:
    w = world()
    w.collect.failures[SEP] = "outcomes of use case 'bot': query failed"
    report = w.service.run(w.service.plan(SEP, OCT), Lines())
    assert report.failed is not None and report.failed.error == (
        "outcomes of use case 'bot': query failed"
    )
    assert w.allocator.done == [SEP]  # what was stored is allocated
    assert w.table.records() == {} and report.remaining == (SEP, OCT)


def test_a_deferred_allocation_stops_the_run_unrecorded() -> None:
    w = world()

    class Deferring(FakeAllocator):
        def allocate(self, period: BillingPeriod) -> AllocationOutcome:
            return AllocationOutcome(
                period, AllocationStatus.DEFERRED, detail="inputs being written"
            )

    w.service.allocator = Deferring()
    report = w.service.run(w.service.plan(SEP, SEP), Lines())
    assert report.failed is not None
    assert report.failed.error == "inputs being written; it was put back on the allocation queue"
    assert w.evaluated == [] and w.table.records() == {}


def test_a_period_without_cost_lines_is_recorded_as_such() -> None:
    w = world()

    class NoCost(FakeAllocator):
        def allocate(self, period: BillingPeriod) -> AllocationOutcome:
            return AllocationOutcome(period, AllocationStatus.NO_DATA, detail="no lines")

    w.service.allocator = NoCost()
    w.service.run(w.service.plan(SEP, SEP), Lines())
    assert w.table.records()[SEP].result is BackfillResult.NO_COST
    assert w.service.plan(SEP, SEP)[0].step is Step.SKIP  # a month without a bill is done too


def test_periods_whose_shared_inputs_a_later_period_changed_are_allocated_again_in_the_run() -> (
    None
):
    w = world()
    w.collect.inventory_changes = True  # October's collection stores another inventory snapshot
    lines = Lines()
    report = w.service.run(w.service.plan(SEP, OCT), lines)

    [(settled,)] = lines.extended
    assert (settled.period, settled.step) == (SEP, Step.ALLOCATE)
    assert settled.reason.startswith("its inputs changed during this run")
    assert w.collect.windows == [SEP.window, OCT.window]  # nothing read again
    assert w.allocator.done == [SEP, OCT, SEP] and w.evaluated == [SEP, OCT, SEP]
    assert (report.count(Step.COLLECT), report.count(Step.ALLOCATE)) == (2, 1)
    assert not report.remaining
    assert [d.step for d in w.service.plan(SEP, OCT)] == [Step.SKIP, Step.SKIP]
