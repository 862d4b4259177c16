"""Run records of the collection service (in-memory fakes behind every port), the health they
give, the bounded fan-out the live sources use, and the shared QPU pacer under concurrency."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.azure.fan_out import fan_out
from shared.adapters.azure.qpu_pacing import REMAINING, QpuPacer
from shared.adapters.storage.run_records_table import RunRecordsTable
from shared.core.run_records import (
    MAX_FAILURE_CHARS,
    RunRecord,
    RunStatus,
    failed,
    health,
    started,
    succeeded,
)
from shared.errors import CollectionRefused, ConfigurationError, InvalidInput, SourceError
from shared.services.collection import CollectionService
from shared.services.collectors import Collector, CostCollector, InventoryCollector, UsageCollector
from shared.services.health import HealthService
from shared.services.ports import CostSource, InventorySource, RunRecordStore
from shared.settings import InventorySourceKind, Settings
from tests.builders import (
    DEPLOYMENTS,
    NOV,
    FixedCosts,
    FixedInventory,
    FixedUsage,
    TableStores,
    month_of_lines,
    month_of_usage,
)
from tests.fakes import ListQueue, MemoryTableGateway

T0 = datetime(2026, 11, 20, 6, tzinfo=UTC)


@dataclass
class MemoryRuns:
    """The RunRecordStore port in memory, with every save kept in order."""

    records: dict[str, RunRecord] = field(default_factory=dict)
    saved: list[RunRecord] = field(default_factory=list)
    broken: bool = False

    def get(self, task: str) -> RunRecord | None:
        return self.records.get(task)

    def save(self, record: RunRecord) -> None:
        if self.broken:
            raise SourceError("runs table unavailable")
        self.records[record.task] = record
        self.saved.append(record)

    def all(self) -> list[RunRecord]:
        return [self.records[t] for t in sorted(self.records)]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def service(
    runs: RunRecordStore,
    costs: CostSource,
    inventory: InventorySource | None = None,
    stores: TableStores | None = None,
    clock: Clock | None = None,
) -> CollectionService:
    stores = stores or TableStores(MemoryTableGateway())
    collectors: list[Collector] = [
        InventoryCollector(inventory or FixedInventory(list(DEPLOYMENTS)), stores.inventory),
        CostCollector([costs], stores.costs),
        UsageCollector(FixedUsage(month_of_usage()), stores.usage, stores.inventory),
    ]
    return CollectionService(
        collectors, stores.costs, ListQueue(), stores.versions, runs=runs, clock=clock or Clock()
    )


def test_each_task_of_a_run_is_recorded_running_then_succeeded_with_its_counts() -> None:
    runs = MemoryRuns()
    service(runs, FixedCosts(month_of_lines())).collect_all(NOV.window, T0)

    assert sorted(runs.records) == ["costs", "inventory", "usage"]  # no telemetry collector here
    assert [r.status for r in runs.saved[:3]] == [RunStatus.RUNNING] * 3
    costs = runs.records["costs"]
    assert costs.status is RunStatus.SUCCEEDED and costs.failure is None
    assert costs.counts == (("cost lines", 10),)
    assert runs.records["inventory"].counts == (("deployments", 2),)
    assert runs.records["usage"].counts == (("usage records", 10),)
    assert costs.finished_at is not None and costs.finished_at > costs.started_at
    assert costs.last_success == costs.finished_at


def test_a_failed_run_is_recorded_with_its_error_and_keeps_the_last_success() -> None:
    runs, stores = MemoryRuns(), TableStores(MemoryTableGateway())
    service(runs, FixedCosts(month_of_lines()), stores=stores).collect_costs(NOV.window)
    first = runs.records["costs"].last_success
    failing = FixedCosts(SourceError("cost query for /subscriptions/s failed: HTTP 503"))

    with pytest.raises(SourceError, match="HTTP 503"):
        service(runs, failing, stores=stores).collect_costs(NOV.window)

    record = runs.records["costs"]
    assert record.status is RunStatus.FAILED and record.last_success == first
    assert record.failure == "SourceError: cost query for /subscriptions/s failed: HTTP 503"
    assert set(runs.records) == {"costs"}  # the other tasks did not run


def test_a_refused_run_is_a_failure_of_every_task_it_ran() -> None:
    runs, stores = MemoryRuns(), TableStores(MemoryTableGateway())
    service(runs, FixedCosts(month_of_lines()), stores=stores).collect_all(NOV.window, T0)

    with pytest.raises(CollectionRefused):
        service(runs, FixedCosts([]), stores=stores).collect_all(NOV.window, T0)

    assert {r.status for r in runs.records.values()} == {RunStatus.FAILED}
    assert all("CollectionRefused" in (r.failure or "") for r in runs.records.values())


def test_a_run_record_that_cannot_be_written_never_hides_the_collections_error() -> None:
    runs, stores = MemoryRuns(), TableStores(MemoryTableGateway())
    collection = service(runs, FixedCosts(SourceError("the real failure")), stores=stores)
    runs.saved.clear()

    def broken_after_start(record: RunRecord) -> None:
        if record.status is not RunStatus.RUNNING:
            raise SourceError("runs table unavailable")
        runs.records[record.task] = record

    runs.save = broken_after_start  # type: ignore[method-assign]
    with pytest.raises(SourceError, match="the real failure") as raised:
        collection.collect_costs(NOV.window)
    assert any("run record could not be written" in n for n in raised.value.__notes__)


def test_the_health_names_never_succeeded_and_too_old_sources() -> None:
    now = T0
    ok = succeeded(started("costs", now - timedelta(hours=3), None), now - timedelta(hours=2), {})
    old = succeeded(
        started("usage", now - timedelta(hours=30), None), now - timedelta(hours=29), {}
    )
    broken = failed(started("inventory", now - timedelta(hours=1), old), now, "SourceError: x")
    report = health([ok, old, broken], ["costs", "usage", "inventory", "telemetry"], now,
                    timedelta(hours=24))  # fmt: skip

    assert report.stale == ("inventory", "telemetry", "usage")
    by = {s.task: s for s in report.sources}
    assert by["inventory"].last_success == old.last_success  # kept from the run before it
    assert by["inventory"].failure == "SourceError: x" and by["costs"].failure is None
    assert by["telemetry"].status is None and by["telemetry"].last_run is None
    assert not by["costs"].stale


def test_the_health_service_reads_the_stored_records_in_one_query() -> None:
    gateway = MemoryTableGateway()
    table = RunRecordsTable(gateway)
    table.save(succeeded(started("costs", T0, None), T0 + timedelta(minutes=1), {"cost lines": 3}))
    report = HealthService(table, timedelta(hours=24), clock=lambda: T0 + timedelta(hours=1))
    result = report.report()
    assert result.stale == ("inventory", "telemetry", "usage")
    assert table.get("costs") == table.all()[0]
    assert table.all()[0].counts == (("cost lines", 3),)


def test_run_records_refuse_what_cannot_be() -> None:
    with pytest.raises(InvalidInput, match="task"):
        RunRecord(" ", T0, RunStatus.RUNNING)
    with pytest.raises(InvalidInput, match="finished_at"):
        RunRecord("costs", T0, RunStatus.SUCCEEDED)  # finished but no time
    with pytest.raises(InvalidInput, match="aware"):
        RunRecord("costs", datetime(2026, 11, 1), RunStatus.RUNNING)
    with pytest.raises(InvalidInput, match="stale_after"):
        health([], ["costs"], T0, timedelta(0))
    long = failed(started("costs", T0, None), T0, "x\n" * 5000)
    assert long.failure is not None and len(long.failure) == MAX_FAILURE_CHARS
    assert "\n" not in long.failure


def test_fan_out_keeps_the_item_order_and_the_bound() -> None:
    lock, open_now, most = threading.Lock(), [0], [0]

    def call(n: int) -> int:
        with lock:
            open_now[0] += 1
            most[0] = max(most[0], open_now[0])
        time.sleep(0.02)
        with lock:
            open_now[0] -= 1
        return n * n

    assert fan_out(call, list(range(12)), 3) == [n * n for n in range(12)]
    assert most[0] == 3


def test_fan_out_raises_the_first_failure_and_starts_nothing_more() -> None:
    started_items: list[int] = []

    def call(n: int) -> int:
        started_items.append(n)
        if n in (1, 2):
            time.sleep(0.05 if n == 1 else 0)
            raise SourceError(f"item {n} failed")
        time.sleep(0.05)
        return n

    with pytest.raises(SourceError, match="item 1 failed"):  # the first in item order
        fan_out(call, list(range(40)), 2)
    assert len(started_items) < 40  # the calls not started when it failed were never made


def test_fan_out_refuses_a_bad_bound() -> None:
    with pytest.raises(ConfigurationError, match="concurrency"):
        fan_out(lambda n: n, [1, 2], 0)


def test_concurrent_queries_never_spend_more_qpu_than_the_answer_left() -> None:
    """Two left in the 10-second window: of four queries let through at once, the two beyond
    the budget wait for the window; a throttled answer holds the others, not its own thread."""
    waits: list[float] = []
    clock = [100.0]
    pacer = QpuPacer(waits.append, lambda: clock[0])
    pacer.observe({REMAINING: "QueriesPerHour:500,QueriesPerMin:50,QueriesPer10Sec:2"})

    assert [pacer.wait() for _ in range(2)] == [0.0, 0.0]
    assert pacer.wait() == 10.0  # the third: the window was spent by the two before it
    assert waits == [10.0]

    pacer.hold(4.0)  # this thread's own throttled answer: its retry policy waits it
    assert pacer.wait() == 0.0
    other: list[float] = []
    thread = threading.Thread(target=lambda: other.append(pacer.wait()))
    thread.start()
    thread.join()
    assert other == [4.0]  # every other query of the tenant waits as long


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("COLLECTION_CONCURRENCY", "0", "must be positive"),
        ("COLLECTION_CONCURRENCY", "65", "at most 64"),
        ("COLLECTION_CONCURRENCY", "four", "whole number"),
        ("INVENTORY_SOURCE", "graph", "arm or resource-graph"),
        ("STALE_AFTER_HOURS", "-3", "must be positive"),
    ],
)
def test_a_bad_collection_setting_fails_at_start_naming_it(
    name: str, raw: str, message: str
) -> None:
    env = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", name: raw}
    with pytest.raises(ConfigurationError, match=f"setting {name}: .*{message}"):
        Settings.from_env(env)


def test_the_collection_settings_default_to_four_calls_resource_graph_and_a_day() -> None:
    settings = Settings.from_env({"AzureWebJobsStorage": "UseDevelopmentStorage=true",
                                  "INVENTORY_SOURCE": " ARM "})  # fmt: skip
    assert settings.collection_concurrency == 4 and settings.stale_after_hours == 24
    assert settings.inventory_source is InventorySourceKind.ARM
    default = Settings.from_env({"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
    assert default.inventory_source is InventorySourceKind.ARM
