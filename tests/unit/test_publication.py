"""Publication of allocations by generation and one conditional commit (in-memory tables)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from shared.adapters.storage.allocation_tables import (
    ALLOCATIONS,
    PERIODS,
    UNALLOCATED,
    UNITCOSTS,
    AllocationTables,
)
from shared.adapters.storage.table_gateway import Entity, Versioned
from shared.core.costs import CostLine, CostType
from shared.core.reports import (
    DailyCost,
    PeriodDays,
    PeriodReport,
    Publication,
    PublishStatus,
    Unpublished,
)
from tests.builders import NOV, NOW, month_of_lines, month_of_usage, publication
from tests.fakes import MemoryTableGateway
from tests.storage import cost_of
from tests.unit.catalogue_double import GPT4O_IN

ACTUAL = CostType.ACTUAL
RESULT_TABLES = (ALLOCATIONS, UNITCOSTS, UNALLOCATED, "reconciliation", PERIODS)


def changed_day_lines(cost: str = "40.00") -> list[CostLine]:
    """The month with the input line of its second day restated."""
    lines = month_of_lines()
    day = lines[2].date
    return [
        dataclasses.replace(ln, cost=Decimal(cost))
        if ln.date == day and ln.meter_id == GPT4O_IN.meter_id
        else ln
        for ln in lines
    ]


def snapshot(gateway: MemoryTableGateway) -> dict[str, dict[tuple[str, str], Entity]]:
    return copy.deepcopy({t: gateway.tables.get(t, {}) for t in RESULT_TABLES})


def _rows(tables: AllocationTables) -> tuple[DailyCost, ...]:
    found = tables.days(NOV, ACTUAL)
    assert isinstance(found, PeriodDays)
    return found.rows


def live_daily_sum(tables: AllocationTables) -> Decimal:
    return sum((row.cost for row in _rows(tables)), Decimal(0))


def served(tables: AllocationTables) -> PeriodReport | Unpublished | None:
    return tables.report(NOV, ACTUAL)


def test_a_published_report_reads_back_whole_and_its_rows_sum_to_its_bill() -> None:
    tables = AllocationTables(MemoryTableGateway(), clock=lambda: NOW)
    pub = publication(month_of_lines(), month_of_usage(), sequence=1)
    assert tables.publish(pub) is PublishStatus.PUBLISHED
    report = served(tables)
    assert isinstance(report, PeriodReport)
    assert report.billed == pub.allocation.billed == Decimal("100.00")
    assert sum((u.cost for u in report.unit_costs), Decimal(0)) == report.allocated
    assert live_daily_sum(tables) == report.billed
    assert tables.reconciliation(NOV, ACTUAL) == pub.reconciliation


def test_republishing_the_same_allocation_writes_nothing() -> None:
    gateway = MemoryTableGateway()
    tables = AllocationTables(gateway, clock=lambda: NOW)
    tables.publish(publication(month_of_lines(), month_of_usage(), sequence=1))
    writes, before = gateway.writes, snapshot(gateway)
    again = publication(month_of_lines(), month_of_usage(), sequence=2)
    assert tables.publish(again) is PublishStatus.UNCHANGED
    assert gateway.writes == writes and snapshot(gateway) == before


def test_a_changed_day_writes_that_days_rows_and_leaves_no_old_rows_behind() -> None:
    gateway = MemoryTableGateway()
    clock = Clock()
    tables = AllocationTables(gateway, clock=clock)
    tables.publish(publication(month_of_lines(), month_of_usage(), sequence=1))
    first = {k: v for k, v in gateway.tables[ALLOCATIONS].items()}
    clock.advance(minutes=5)
    assert tables.publish(publication(changed_day_lines(), month_of_usage(), 2)) is (
        PublishStatus.PUBLISHED
    )
    now = gateway.tables[ALLOCATIONS]
    changed_day = changed_day_lines()[2].date.isoformat()
    assert {k for k in now if k not in first} == {k for k in now if k[1].startswith(changed_day)}, (
        "only the restated day's rows are new"
    )
    assert len(now) == len(first), "the superseded rows of that day are gone"
    report = served(tables)
    assert isinstance(report, PeriodReport) and report.billed == Decimal("130.00")
    assert live_daily_sum(tables) == report.billed
    # One generation of the read models remains.
    assert len({pk for pk, _ in gateway.tables[UNITCOSTS]}) == 1


def test_a_slower_allocation_of_older_inputs_loses_and_leaves_nothing() -> None:
    gateway = MemoryTableGateway()
    tables = AllocationTables(gateway, clock=lambda: NOW)
    newer = publication(changed_day_lines(), month_of_usage(), sequence=5)
    tables.publish(newer)
    before = snapshot(gateway)
    older = publication(month_of_lines(), month_of_usage(), sequence=4)
    assert tables.publish(older) is PublishStatus.STALE
    assert snapshot(gateway) == before


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Interleaving(MemoryTableGateway):
    """A gateway that runs `between` once, just before the first commit of the summary."""

    def __init__(self) -> None:
        super().__init__()
        self.between: Callable[[], object] | None = None

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        if table == PERIODS and self.between is not None:
            run, self.between = self.between, None
            run()
        return super().put_if(table, entity, etag)


def test_the_race_of_the_issue_two_allocations_the_newer_wins_whatever_the_order() -> None:
    """Allocation A read before a collection, B after; B commits while A is writing."""
    gateway = Interleaving()
    tables = AllocationTables(gateway, clock=lambda: NOW)
    a = publication(month_of_lines(), month_of_usage(), sequence=1)
    b = publication(changed_day_lines(), month_of_usage(), sequence=2)
    gateway.between = lambda: tables.publish(b)
    assert tables.publish(a) is PublishStatus.STALE
    report = served(tables)
    assert isinstance(report, PeriodReport) and report.billed == b.allocation.billed
    assert live_daily_sum(tables) == b.allocation.billed
    # Only B's rows exist: A deleted the rows it had written.
    assert sum(cost_of(e) for e in gateway.tables[ALLOCATIONS].values()) == (b.allocation.billed)
    assert len({pk for pk, _ in gateway.tables[UNITCOSTS]}) == 1


def test_an_older_allocation_committing_first_is_replaced_by_the_newer() -> None:
    gateway = Interleaving()
    clock = Clock()
    tables = AllocationTables(gateway, clock=clock)
    newer = publication(changed_day_lines(), month_of_usage(), sequence=2)
    older = publication(month_of_lines(), month_of_usage(), sequence=1)
    gateway.between = lambda: tables.publish(older)
    assert tables.publish(newer) is PublishStatus.PUBLISHED  # after one lost commit, retried
    report = served(tables)
    assert isinstance(report, PeriodReport) and report.billed == newer.allocation.billed
    assert live_daily_sum(tables) == newer.allocation.billed
    assert sum(cost_of(e) for e in gateway.tables[ALLOCATIONS].values()) == (
        newer.allocation.billed
    )


class Crashing(MemoryTableGateway):
    """A gateway whose process 'dies' (raises) at the n-th write of a run."""

    def __init__(self) -> None:
        super().__init__()
        self.crash_at: int | None = None
        self.seen = 0

    def _tick(self) -> None:
        if self.crash_at is None:
            return
        self.seen += 1
        if self.seen >= self.crash_at:
            self.crash_at = None
            raise SystemExit("crash")

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        self._tick()
        super().write(table, upserts, deletes)

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        self._tick()
        return super().put_if(table, entity, etag)


@pytest.mark.parametrize("crash_at", [1, 2, 3, 4, 5, 6])
def test_a_crash_between_writes_serves_the_previous_report_whole(crash_at: int) -> None:
    gateway = Crashing()
    clock = Clock()
    tables = AllocationTables(gateway, clock=clock)
    tables.publish(publication(month_of_lines(), month_of_usage(), sequence=1))
    previous = served(tables)
    gateway.crash_at, gateway.seen = crash_at, 0
    newer = publication(changed_day_lines(), month_of_usage(), sequence=2)
    with pytest.raises(SystemExit):
        tables.publish(newer)
    after = served(tables)
    assert after in (previous, _alone(newer))
    assert isinstance(after, PeriodReport) and live_daily_sum(tables) == after.billed
    # A re-run repairs it, and an hour later the orphaned rows of the crashed run are gone.
    clock.advance(hours=2)
    tables.publish(newer)
    assert served(tables) == _alone(newer)
    assert sum(cost_of(e) for e in gateway.tables[ALLOCATIONS].values()) == (
        newer.allocation.billed
    )
    assert len({pk for pk, _ in gateway.tables[UNITCOSTS]}) == 1


def _alone(pub: Publication) -> PeriodReport | Unpublished | None:
    tables = AllocationTables(MemoryTableGateway(), clock=lambda: NOW)
    tables.publish(pub)
    return served(tables)


def test_a_period_without_costs_is_not_published_and_says_why() -> None:
    tables = AllocationTables(MemoryTableGateway(), clock=lambda: NOW)
    reason = "no ActualCost lines have been collected for this period"
    assert tables.publish_no_data(NOV, ACTUAL, reason, 0) is PublishStatus.PUBLISHED
    assert tables.report(NOV, ACTUAL) == Unpublished(reason)
    assert tables.reconciliation(NOV, ACTUAL) == Unpublished(reason)
    assert tables.days(NOV, ACTUAL) == Unpublished(reason)
    assert tables.report(NOV, CostType.AMORTIZED) is None  # never allocated at all
    assert tables.publish_no_data(NOV, ACTUAL, reason, 0) is PublishStatus.UNCHANGED


def test_readers_read_again_when_the_generation_changed_under_them() -> None:
    """A reader that read the summary, then the rows of a generation just superseded."""
    gateway = MemoryTableGateway()
    tables = AllocationTables(gateway, clock=lambda: NOW)
    first = publication(month_of_lines(), month_of_usage(), sequence=1)
    second = publication(changed_day_lines(), month_of_usage(), sequence=2)
    tables.publish(first)
    real_get = gateway.get
    calls = {"n": 0}

    def racing_get(table: str, pk: str, rk: str) -> Versioned | None:
        calls["n"] += 1
        found = real_get(table, pk, rk)
        if table == PERIODS and calls["n"] == 1:
            tables.publish(second)  # committed between the reader's summary read and its rows
        return found

    gateway.get = racing_get  # type: ignore[method-assign]
    report = served(tables)
    assert isinstance(report, PeriodReport) and report.billed == second.allocation.billed
    assert len(report.unit_costs) == 2


def test_rows_of_the_layout_before_generations_are_read_then_replaced() -> None:
    """A summary stored before publication by generation is served until the next commit."""
    gateway = MemoryTableGateway()
    tables = AllocationTables(gateway, clock=lambda: NOW)
    tables.publish(publication(month_of_lines(), month_of_usage(), sequence=1))
    legacy = _to_legacy(gateway)
    report = served(tables)
    assert isinstance(report, PeriodReport) and report.billed == Decimal("100.00")
    tables.publish(publication(changed_day_lines(), month_of_usage(), sequence=2))
    assert not any(pk == legacy for pk, _ in gateway.tables[UNITCOSTS])
    assert live_daily_sum(tables) == Decimal("130.00")
    assert sum(cost_of(e) for e in gateway.tables[ALLOCATIONS].values()) == (Decimal("130.00"))


def _to_legacy(gateway: MemoryTableGateway) -> str:
    """Rewrite the stored rows as the layout before generations had them."""
    legacy = f"{NOV}|{ACTUAL.value}"
    for table in (UNITCOSTS, UNALLOCATED):
        rows = gateway.tables[table]
        gateway.tables[table] = {
            (legacy, rk): {**e, "PartitionKey": legacy} for (_, rk), e in rows.items()
        }
    daily = gateway.tables[ALLOCATIONS]
    gateway.tables[ALLOCATIONS] = {}
    for (pk, rk), e in daily.items():
        day, _gen, tail = rk.split("|", 2)
        gateway.tables[ALLOCATIONS][(pk, f"{day}|{tail}")] = {**e, "RowKey": f"{day}|{tail}"}
    head = gateway.tables[PERIODS][(ACTUAL.value, str(NOV))]
    for name in ("State", "InputSeq", "Generation", "Digest", "Days"):
        head.pop(name, None)
    return legacy


def test_an_orphan_generation_younger_than_the_orphan_age_is_left_alone() -> None:
    """Rows of a generation still being written by another run are never deleted."""
    gateway = MemoryTableGateway()
    clock = Clock()
    tables = AllocationTables(gateway, clock=clock)
    in_flight: dict[tuple[str, str], Entity] = {
        ("2026-11|ActualCost|20261120T115900-00000000", "x"): {
            "PartitionKey": "2026-11|ActualCost|20261120T115900-00000000",
            "RowKey": "x",
        }
    }
    gateway.tables[UNITCOSTS] = dict(in_flight)
    tables.publish(publication(month_of_lines(), month_of_usage(), sequence=1))
    assert set(in_flight) <= set(gateway.tables[UNITCOSTS])
    clock.advance(hours=2)
    tables.publish(publication(changed_day_lines(), month_of_usage(), sequence=2))
    assert not set(in_flight) & set(gateway.tables[UNITCOSTS])


class WritesLate(MemoryTableGateway):
    """The slow run's gateway: `first` runs at its first write (so the rows it writes land after
    it); once `dead`, its next read raises (the process dies)."""

    def __init__(self, shared: MemoryTableGateway, first: Callable[[], None]) -> None:
        super().__init__(tables=shared.tables, etags=shared.etags)
        self.first: Callable[[], None] | None = first
        self.dead = False

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        if self.first is not None:
            run, self.first = self.first, None
            run()
        super().write(table, upserts, deletes)

    def get(self, table: str, pk: str, rk: str) -> Versioned | None:
        if self.dead:
            raise SystemExit("the older run dies before it sees it lost")
        return super().get(table, pk, rk)


def test_orphans_of_a_run_that_crashed_after_the_live_commit_are_swept_an_hour_later() -> None:
    """An older run writes its rows after the newer one committed and found nothing to clean,
    then dies: the summary says clean, so only the hourly sweep of an unchanged re-allocation
    finds them."""
    gateway = MemoryTableGateway()
    clock = Clock()
    tables = AllocationTables(gateway, clock=clock)
    older = publication(month_of_lines(), month_of_usage(), sequence=1)
    newer = publication(changed_day_lines(), month_of_usage(), sequence=2)

    def newer_commits() -> None:
        assert tables.publish(newer) is PublishStatus.PUBLISHED  # and marks the summary clean
        slow_gateway.dead = True

    slow_gateway = WritesLate(gateway, newer_commits)
    with pytest.raises(SystemExit):
        AllocationTables(slow_gateway, clock=clock).publish(older)
    head = gateway.tables[PERIODS][(ACTUAL.value, str(NOV))]
    assert head["Clean"] is True
    orphaned = sum(cost_of(e) for e in gateway.tables[ALLOCATIONS].values())
    assert orphaned > newer.allocation.billed  # the dead run's rows are still there
    report = served(tables)
    assert isinstance(report, PeriodReport) and report.billed == newer.allocation.billed

    assert tables.publish(newer) is PublishStatus.UNCHANGED  # within the hour: nothing to do
    clock.advance(hours=2)
    writes = gateway.writes
    assert tables.publish(newer) is PublishStatus.UNCHANGED
    assert sum(cost_of(e) for e in gateway.tables[ALLOCATIONS].values()) == (
        newer.allocation.billed
    )
    assert len({pk for pk, _ in gateway.tables[UNITCOSTS]}) == 1
    swept = gateway.writes
    assert swept > writes
    assert tables.publish(newer) is PublishStatus.UNCHANGED
    assert gateway.writes == swept  # swept once: the next unchanged run writes nothing


class CountingReads(MemoryTableGateway):
    """Counts the point reads and queries readers make."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def query(self, table: str, pk_from: str, pk_to: str) -> list[Entity]:
        self.reads.append(f"query {table}")
        return super().query(table, pk_from, pk_to)

    def get(self, table: str, pk: str, rk: str) -> Versioned | None:
        self.reads.append(f"get {table}")
        return super().get(table, pk, rk)


def test_a_generation_read_once_is_served_again_after_one_point_read_until_restated() -> None:
    gateway = CountingReads()
    clock = Clock()
    tables = AllocationTables(gateway, clock=clock)
    tables.publish(publication(month_of_lines(), month_of_usage(), sequence=1))
    first, rows = served(tables), _rows(tables)
    gateway.reads.clear()
    assert served(tables) == first and _rows(tables) == rows
    assert gateway.reads == [f"get {PERIODS}", f"get {PERIODS}"], "one summary read each"

    clock.advance(minutes=5)  # restated: the summary names a new generation, read whole
    tables.publish(publication(changed_day_lines(), month_of_usage(), 2))
    gateway.reads.clear()
    report = served(tables)
    assert isinstance(report, PeriodReport) and report.billed == Decimal("130.00")
    assert f"query {UNITCOSTS}" in gateway.reads
    assert live_daily_sum(tables) == Decimal("130.00")
