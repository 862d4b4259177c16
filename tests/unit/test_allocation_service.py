"""The allocation service with in-memory tables: whole reads, deferral, no data, fencing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from shared.core.costs import CostType
from shared.core.inputs import WRITER_LEASE, InputScope, InputSource, InputVersion
from shared.core.period import BillingPeriod
from shared.core.reports import PeriodReport, PublishStatus, Unpublished
from shared.services.allocation import AllocationService, AllocationStatus
from tests.builders import (
    NOV,
    NOW,
    SNAPSHOT,
    TableStores,
    month_of_lines,
    month_of_usage,
)
from tests.fakes import ListQueue, MemoryTableGateway
from tests.unit.catalogue_double import DictCatalogue


class FixedCatalogue:
    def current(self) -> DictCatalogue:
        return DictCatalogue()


def stored_tenant(amortized: bool = True) -> TableStores:
    stores = TableStores(MemoryTableGateway())
    stores.costs.replace_window(NOV.window, CostType.ACTUAL, month_of_lines())
    if amortized:
        lines = month_of_lines(cost="9.00", cost_type=CostType.AMORTIZED)
        stores.costs.replace_window(NOV.window, CostType.AMORTIZED, lines)
    stores.usage.replace_window(NOV.window, [SNAPSHOT.deployments[0].account_id], month_of_usage())
    stores.inventory.save(SNAPSHOT)
    return stores


def service(stores: TableStores, queue: ListQueue | None = None) -> AllocationService:
    return AllocationService(
        costs=stores.costs,
        usage=stores.usage,
        inventory=stores.inventory,
        results=stores.results,
        catalogue=FixedCatalogue(),
        versions=stores.versions,
        deferral=queue or ListQueue(),
    )


def test_both_price_bases_are_published_and_a_rerun_changes_nothing() -> None:
    stores = stored_tenant()
    first = service(stores).allocate(NOV)
    assert first.status is AllocationStatus.ALLOCATED
    assert [r.status for r in first.results] == [PublishStatus.PUBLISHED] * 2
    actual = stores.results.report(NOV, CostType.ACTUAL)
    amortized = stores.results.report(NOV, CostType.AMORTIZED)
    assert isinstance(actual, PeriodReport) and actual.billed == Decimal("100.00")
    assert isinstance(amortized, PeriodReport) and amortized.billed == Decimal("90.00")
    again = service(stores).allocate(NOV)
    assert [r.status for r in again.results] == [PublishStatus.UNCHANGED] * 2
    assert "billed 100.00 = allocated" in str(first)


def test_a_period_without_actual_costs_is_not_published_as_zero() -> None:
    stores = TableStores(MemoryTableGateway())
    outcome = service(stores).allocate(BillingPeriod(2026, 5))
    assert outcome.status is AllocationStatus.NO_DATA
    for cost_type in CostType:
        found = stores.results.report(BillingPeriod(2026, 5), cost_type)
        assert isinstance(found, Unpublished)
        assert found.reason == "no ActualCost lines have been collected for this period"


def test_a_missing_amortized_export_says_so_instead_of_serving_zero() -> None:
    stores = stored_tenant(amortized=False)
    service(stores).allocate(NOV)
    assert stores.results.report(NOV, CostType.ACTUAL) is not None
    found = stores.results.report(NOV, CostType.AMORTIZED)
    assert found == Unpublished("no AmortizedCost lines have been collected for this period")


def test_inputs_being_written_defer_the_request_instead_of_allocating_a_mix() -> None:
    stores, queue = stored_tenant(), ListQueue()
    stores.versions.begin([InputScope.of(InputSource.USAGE, NOV)])
    outcome = service(stores, queue).allocate(NOV, now=NOW)
    assert outcome.status is AllocationStatus.DEFERRED
    assert "usage 2026-11" in outcome.detail
    assert queue.deferred == [(NOV, timedelta(minutes=1))]
    assert stores.results.report(NOV, CostType.ACTUAL) is None


def test_a_writer_that_stopped_half_way_defers_for_a_lease_and_says_so() -> None:
    stores, queue = stored_tenant(), ListQueue()
    stores.versions.begin([InputScope.of(InputSource.INVENTORY)])
    later = NOW + WRITER_LEASE + timedelta(minutes=1)
    outcome = service(stores, queue).allocate(NOV, now=later)
    assert outcome.status is AllocationStatus.DEFERRED
    assert "stopped" in outcome.detail and "inventory" in outcome.detail
    assert queue.deferred == [(NOV, WRITER_LEASE)]


class Moving:
    """Input versions that move `moves` times between the reads before and after."""

    def __init__(self, stores: TableStores, moves: int) -> None:
        self.inner, self.moves, self.reads = stores.versions, moves, 0

    def version(self, period: BillingPeriod) -> InputVersion:
        self.reads += 1
        real = self.inner.version(period)
        if self.moves and self.reads % 2 == 0:
            self.moves -= 1
            return InputVersion(real.sequence + 100 + self.reads)
        return real

    def begin(self, scopes: object) -> None: ...

    def end(self, scopes: object, changed: object) -> set[InputScope]:
        return set()

    def stalled(self, scopes: Iterable[InputScope]) -> set[InputScope]:
        return self.inner.stalled(scopes)

    def collected(self, scopes: Iterable[InputScope]) -> None: ...


def test_a_read_that_raced_a_collection_is_read_again_and_then_deferred() -> None:
    stores, queue = stored_tenant(), ListQueue()
    once = service(stores, queue)
    once.versions = Moving(stores, moves=1)
    assert once.allocate(NOV).status is AllocationStatus.ALLOCATED
    always = service(stores, queue)
    always.versions = Moving(stores, moves=99)
    outcome = always.allocate(BillingPeriod(2026, 11))
    assert outcome.status is AllocationStatus.DEFERRED
    assert queue.deferred == [(NOV, timedelta(minutes=1))]


def test_a_slower_allocation_of_older_inputs_loses() -> None:
    stores = stored_tenant()
    service(stores).allocate(NOV)
    stores.costs.replace_window(NOV.window, CostType.ACTUAL, month_of_lines(cost="12.00"))
    scope = InputScope.of(InputSource.ACTUAL_COSTS, NOV)
    stores.versions.begin([scope])
    stores.versions.end([scope], {scope})
    newer = service(stores).allocate(NOV)
    assert newer.results[0].status is PublishStatus.PUBLISHED
    # An allocation that had read the inputs before the bump commits late.
    late = service(stores)
    late.versions = Frozen(InputVersion(stores.versions.version(NOV).sequence - 1))
    stores.costs.replace_window(NOV.window, CostType.ACTUAL, month_of_lines(cost="10.00"))
    outcome = late.allocate(NOV)
    assert outcome.results[0].status is PublishStatus.STALE
    report = stores.results.report(NOV, CostType.ACTUAL)
    assert isinstance(report, PeriodReport) and report.billed == Decimal("120.00")


class Frozen:
    def __init__(self, version: InputVersion) -> None:
        self.value = version

    def version(self, period: BillingPeriod) -> InputVersion:
        return self.value

    def begin(self, scopes: object) -> None: ...

    def end(self, scopes: object, changed: object) -> set[InputScope]:
        return set()

    def stalled(self, scopes: Iterable[InputScope]) -> set[InputScope]:
        return set()

    def collected(self, scopes: Iterable[InputScope]) -> None: ...
