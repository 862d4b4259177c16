"""The collection service against in-memory tables: all-or-nothing, sanity-checked, versioned."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from shared.adapters.storage.table_gateway import Entity
from shared.core.costs import CostType
from shared.core.inputs import InputScope, InputSource
from shared.core.period import BillingPeriod
from shared.errors import CollectionInProgress, CollectionRefused, SourceError
from shared.services.collection import CollectionService
from shared.services.collectors import Collector, CostCollector, InventoryCollector, UsageCollector
from shared.services.ports import CostSource, InventorySource, UsageSource
from tests.builders import (
    DEPLOYMENTS,
    NOV,
    FixedCosts,
    FixedInventory,
    FixedUsage,
    TableStores,
    dep,
    month_of_lines,
    month_of_usage,
)
from tests.fakes import ListQueue, MemoryTableGateway

AT = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW = NOV.window


def service(
    stores: TableStores,
    costs: CostSource,
    usage: UsageSource | None = None,
    inventory: InventorySource | None = None,
    queue: ListQueue | None = None,
) -> CollectionService:
    collectors: list[Collector] = [
        InventoryCollector(inventory or FixedInventory(list(DEPLOYMENTS)), stores.inventory),
        CostCollector([costs], stores.costs),
        UsageCollector(usage or FixedUsage(month_of_usage()), stores.usage, stores.inventory),
    ]
    return CollectionService(collectors, stores.costs, queue or ListQueue(), stores.versions)


@pytest.fixture
def stored() -> TableStores:
    """A month collected once: 10 cost lines, 10 usage records, 2 deployments."""
    stores = TableStores(MemoryTableGateway())
    service(stores, FixedCosts(month_of_lines())).collect_all(WINDOW, AT)
    return stores


def tables(stores: TableStores) -> dict[str, dict[tuple[str, str], Entity]]:
    gateway = stores.gateway
    assert isinstance(gateway, MemoryTableGateway)
    return copy.deepcopy(gateway.tables)


def test_a_collection_stores_everything_and_enqueues_the_changed_period() -> None:
    stores, queue = TableStores(MemoryTableGateway()), ListQueue()
    report = service(stores, FixedCosts(month_of_lines()), queue=queue).collect_all(WINDOW, AT)
    assert (report.cost_lines, report.usage_records, report.deployments) == (10, 10, 2)
    assert queue.sent == [NOV]
    assert stores.costs.count_window(WINDOW, CostType.ACTUAL) == 10
    version = stores.versions.version(NOV)
    assert version.writers == () and version.sequence == 3  # costs, usage and inventory bumped


@pytest.mark.parametrize(
    "fetched", [[], month_of_lines(count=2)], ids=["empty source", "far less than stored"]
)
def test_a_source_answering_far_less_than_is_stored_is_refused_and_nothing_changes(
    stored: TableStores, fetched: list[object]
) -> None:
    before, queue = tables(stored), ListQueue()
    version = stored.versions.version(NOV)
    with pytest.raises(CollectionRefused) as refused:
        service(stored, FixedCosts(fetched), queue=queue).collect_all(WINDOW, AT)  # type: ignore[arg-type]
    message = str(refused.value)
    assert "costs (ActualCost)" in message and "where 10 are stored" in message
    assert f"answered {len(fetched)} rows" in message and "--allow-shrink" in message
    assert tables(stored) == before
    assert queue.sent == []
    assert stored.versions.version(NOV) == version


def test_allow_shrink_is_the_operators_explicit_yes(stored: TableStores) -> None:
    queue = ListQueue()
    fewer = month_of_lines(count=2)
    service(stored, FixedCosts(fewer), queue=queue).collect_all(WINDOW, AT, allow_shrink=True)
    assert stored.costs.count_window(WINDOW, CostType.ACTUAL) == 4
    assert queue.sent == [NOV]


def test_an_empty_inventory_where_deployments_were_stored_is_refused(stored: TableStores) -> None:
    before = tables(stored)
    with pytest.raises(CollectionRefused, match="the inventory answered 0 deployments"):
        service(stored, FixedCosts(month_of_lines()), inventory=FixedInventory([])).collect_all(
            WINDOW, datetime(2026, 11, 5, tzinfo=UTC)
        )
    assert tables(stored) == before


def test_a_failing_source_stores_nothing_of_the_others(stored: TableStores) -> None:
    """The metrics API fails after the costs and the inventory were read: nothing is stored."""
    before, queue = tables(stored), ListQueue()
    changed_costs = month_of_lines(cost="99.00")
    failing = FixedUsage(SourceError("metrics: 503 until the retries ran out"))
    collection = service(stored, FixedCosts(changed_costs), usage=failing, queue=queue)
    with pytest.raises(SourceError):
        collection.collect_all(WINDOW, datetime(2026, 11, 6, tzinfo=UTC))
    assert tables(stored) == before
    assert queue.sent == []
    assert stored.versions.version(NOV).writers == ()


def test_a_second_identical_collection_writes_and_enqueues_nothing(stored: TableStores) -> None:
    before, queue = tables(stored), ListQueue()
    version = stored.versions.version(NOV)
    service(stored, FixedCosts(month_of_lines()), queue=queue).collect_all(WINDOW, AT)
    assert tables(stored) == before
    assert queue.sent == []
    assert stored.versions.version(NOV) == version


def test_an_inventory_change_alone_enqueues_only_periods_with_collected_costs(
    stored: TableStores,
) -> None:
    """A snapshot taken in December does not make December an allocation with no bill."""
    queue = ListQueue()
    grown = FixedInventory([*DEPLOYMENTS, dep("chat-new")])
    collection = service(stored, FixedCosts(month_of_lines()), inventory=grown, queue=queue)
    collection.collect_inventory(datetime(2026, 12, 2, tzinfo=UTC))
    assert queue.sent == []
    assert stored.inventory.latest() is not None  # the snapshot itself was stored
    collection.collect_inventory(datetime(2026, 11, 21, tzinfo=UTC))
    assert queue.sent == [NOV]  # November has costs, and the inventory it sees changed


def test_a_collection_running_beside_another_of_the_same_input_waits_its_turn(
    stored: TableStores,
) -> None:
    scope = InputScope.of(InputSource.ACTUAL_COSTS, NOV)
    stored.versions.begin([scope])
    before = tables(stored)
    with pytest.raises(CollectionInProgress, match="costs-actual 2026-11"):
        service(stored, FixedCosts(month_of_lines(cost="11.00"))).collect_costs(WINDOW)
    assert tables(stored) == before
    # The refused run left no mark of its own: only the first writer's remains.
    assert [str(w.scope) for w in stored.versions.version(NOV).writers] == ["costs-actual 2026-11"]


def test_a_stalled_writer_is_taken_over_and_its_period_enqueued_even_without_changes(
    stored: TableStores,
) -> None:
    """A collection that stopped half-way: the next one rewrites, bumps and enqueues."""
    queue = ListQueue()
    old = TableStores(stored.gateway, clock=lambda: datetime(2026, 11, 20, 11, 0, tzinfo=UTC))
    old.versions.begin([InputScope.of(InputSource.ACTUAL_COSTS, NOV)])  # and then it died
    sequence = stored.versions.version(NOV).sequence
    service(stored, FixedCosts(month_of_lines()), queue=queue).collect_costs(WINDOW)
    assert queue.sent == [NOV]
    after = stored.versions.version(NOV)
    assert after.writers == () and after.sequence == sequence + 1


def test_window_periods_outside_the_bill_are_never_enqueued_by_usage() -> None:
    stores, queue = TableStores(MemoryTableGateway()), ListQueue()
    service(stores, FixedCosts([]), queue=queue).collect_all(WINDOW, AT)
    assert queue.sent == []  # usage and inventory of a month without any collected cost
    assert stores.usage.count_window(WINDOW, [DEPLOYMENTS[0].account_id]) == 10
    assert BillingPeriod(2026, 11) not in queue.sent
