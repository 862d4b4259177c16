"""Restatements on Azurite: every run re-reads the trailing window and replaces what it stored.

The live composition (`live_collection`: Cost Management for both price bases, ARM, Azure Monitor,
through the real SDK clients) reads the HTTPS Azure double; the test changes what the double
serves between runs, as Azure restates its data, and compares every table before and after.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest
from azure.core.credentials import TokenCredential
from azure.data.tables import TableServiceClient
from fastapi import FastAPI

from shared.adapters.storage.input_versions_table import TABLE as INPUTS
from shared.bootstrap import (
    ALL_TABLES,
    Stores,
    build_allocation,
    build_stores,
    live_collection,
)
from shared.core.costs import CostLine, CostType
from shared.core.inputs import InputSource
from shared.core.inventory import Deployment
from shared.core.period import BillingPeriod, DateWindow
from shared.core.period_status import PeriodStatus, collection_window, period_status
from shared.core.reports import PeriodReport
from shared.core.usage import UsageRecord
from shared.entrypoints.http.app import create_app
from shared.errors import CurrencyMismatch, SourceError
from shared.services.allocation import AllocationService
from shared.services.allocation_requests import AllocationRequestService
from shared.services.collection import CollectionService
from shared.settings import MIN_LOOKBACK_DAYS, Settings
from tests.doubles import AzureDouble
from tests.doubles.arm import DoubleAccount
from tests.doubles.fixtures import RunningDouble
from tests.storage import without_stamp

SUB = "6f1c2a3b-0000-4000-8000-00000000b001"
ACCOUNT = (
    f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices"
    "/accounts/aoai-prod"
)
OCT, NOV = BillingPeriod(2026, 10), BillingPeriod(2026, 11)
TODAY = date(2026, 11, 20)  # October closed on 6 November; November is open
WINDOW = collection_window(TODAY, MIN_LOOKBACK_DAYS)  # 17 October to 20 November
RESTATED_DAY = date(2026, 10, 20)  # a day of the closed October, inside the window
INPUT = ("e44b94b3-934f-5f67-bf3a-c9a64d3a83d5", "gpt 4o 1120 Inp glbl Tokens")
OUTPUT = ("39ae1495-1ea6-51c4-b153-3b303891275b", "gpt 4o 1120 Outp glbl Tokens")
CACHED = ("e8a1d52f-14fa-5436-8399-0ceedfe47bef", "gpt 4o 1120 cached Inp glbl Tokens")
DEPLOYMENTS = [
    Deployment(ACCOUNT, name, "gpt-4o", "2024-11-20", "GlobalStandard", 100, "OpenAI", "eastus2")
    for name in ("chat-prod", "chat-test")
]
Rows = dict[tuple[str, str], tuple[str, str]]  # (PartitionKey, RowKey) -> (properties, ETag)


def days() -> Iterator[date]:
    return DateWindow.inclusive(OCT.start, TODAY).days()


def bill_line(day: date, meter: tuple[str, str], cost: str, basis: CostType) -> CostLine:
    return CostLine(day, ACCOUNT, meter[0], meter[1], Decimal(1000), Decimal(cost), "USD",
                    cost_type=basis, unit_of_measure="1K")  # fmt: skip


def bill() -> list[CostLine]:
    """Both price bases, every day; the amortized costs differ so the two cannot be confused."""
    lines = []
    for day in days():
        for basis, extra in ((CostType.ACTUAL, "0"), (CostType.AMORTIZED, "0.001")):
            lines.append(bill_line(day, INPUT, str(Decimal("2.5") + Decimal(extra)), basis))
            lines.append(bill_line(day, OUTPUT, str(Decimal(day.day) + Decimal(extra)), basis))
    return lines


def usage() -> list[UsageRecord]:
    return [
        UsageRecord(day, ACCOUNT, dep.name, 300_000 + 1_000 * i, 50_000 + i, 40 + i)
        for day in days()
        for i, dep in enumerate(DEPLOYMENTS, start=day.day)
    ]


def snapshot(conn: str) -> dict[str, Rows]:
    """Every entity of every table, with its ETag (a rewrite shows even if nothing changed);
    the collection stamps of `inputs` left out (every collection rewrites them)."""
    service = TableServiceClient.from_connection_string(conn)
    out: dict[str, Rows] = {}
    for name in ALL_TABLES:
        rows = service.get_table_client(name).list_entities()
        out[name] = {  # `inputs`: the rows less their collection stamp (and so their ETag)
            (r["PartitionKey"], r["RowKey"]): (
                repr(sorted(without_stamp(name, r).items())),
                "" if name == INPUTS else str(r.metadata["etag"]),
            )
            for r in rows
        }
    return out


def of_period(tables: dict[str, Rows], period: BillingPeriod) -> dict[str, Rows]:
    """The rows that belong to one period (its partitions; its row of `periods`)."""
    mine = f"{period}|"
    return {
        name: {
            key: row
            for key, row in rows.items()
            if key[0].startswith(mine) or (name == "periods" and key[1] == str(period))
        }
        for name, rows in tables.items()
    }


def changed_keys(
    before: dict[str, Rows], after: dict[str, Rows]
) -> set[tuple[str, tuple[str, str]]]:
    """(table, key) of every row added, removed or rewritten."""
    out = set()
    for name in set(before) | set(after):
        old, new = before.get(name, {}), after.get(name, {})
        out |= {(name, key) for key in set(old) | set(new) if old.get(key) != new.get(key)}
    return out


def of_basis(table: str, key: tuple[str, str], period: BillingPeriod, basis: CostType) -> bool:
    """Whether a row belongs to one period's price basis (partition, or its `periods` row)."""
    if table == "periods":
        return key == (basis.value, str(period))
    if table == "inputs":  # the version of that period's costs of that basis moved on
        return key == (str(period), InputSource.of_costs(basis).value)
    return key[0] == f"{period}|{basis.value}" or key[0].startswith(f"{period}|{basis.value}|")


@dataclass
class Tenant:
    """The double as Azure, and the app's stores and services reading it."""

    running: RunningDouble
    stores: Stores
    collection: CollectionService
    allocation: AllocationService
    conn: str

    @property
    def served(self) -> list[CostLine]:
        return self.running.double.costs.costs  # type: ignore[return-value]

    def restate(self, lines: list[CostLine]) -> None:
        """What Azure serves from now on."""
        self.running.double.costs.costs = lines

    def recollect(self) -> frozenset[BillingPeriod]:
        """One run of the cost and usage timers on TODAY; returns the periods they enqueued."""
        costs = self.collection.collect_costs(WINDOW)
        used = self.collection.collect_usage(WINDOW)
        return costs.changed_periods | used.changed_periods

    def allocate_queued(self) -> list[BillingPeriod]:
        """The queue trigger's service on TODAY, draining the queue; nothing may be poisoned."""
        now = datetime(TODAY.year, TODAY.month, TODAY.day, 7, tzinfo=UTC)
        drained = AllocationRequestService(self.allocation, self.stores.queue, lambda: now).drain()
        assert not drained.poisoned
        return drained.periods

    def billed(self, period: BillingPeriod, basis: CostType) -> Decimal:
        report = self.stores.results.report(period, basis)
        assert isinstance(report, PeriodReport), f"{period} {basis.value} was never allocated"
        return report.billed

    def tables(self) -> dict[str, Rows]:
        return snapshot(self.conn)


@pytest.fixture
def tenant(
    serve_azure: Callable[[AzureDouble], RunningDouble],
    credential_for: Callable[[RunningDouble], TokenCredential],
    storage_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Tenant:
    """October and November collected and allocated, as on TODAY after a backfill."""
    double = AzureDouble(
        costs=bill(),
        deployments=DEPLOYMENTS,
        usage=usage(),
        accounts=[DoubleAccount(ACCOUNT, "OpenAI", "eastus2")],
        page_size=40,
    )
    running = serve_azure(double)
    monkeypatch.setenv("COST_SCOPES", f"/subscriptions/{SUB}")
    monkeypatch.setenv("ARM_ENDPOINT", running.arm_endpoint)
    monkeypatch.setenv("METRICS_ENDPOINT", running.metrics_endpoint)
    settings = Settings.from_env()
    stores = build_stores(settings)
    collection = live_collection(settings, stores, credential_for(running))
    made = Tenant(running, stores, collection, build_allocation(stores),
                  storage_env["AzureWebJobsStorage"])  # fmt: skip
    taken_at = datetime(TODAY.year, TODAY.month, TODAY.day, 6, tzinfo=UTC)
    report = collection.collect_all(DateWindow.inclusive(OCT.start, TODAY), taken_at)
    assert report.changed_periods == {OCT, NOV}
    assert set(made.allocate_queued()) == {OCT, NOV}
    for period in (OCT, NOV):
        for basis in CostType:
            stored = made.stores.results.report(period, basis)
            served = [ln for ln in bill() if ln.cost_type is basis and ln.date in period.window]
            assert isinstance(stored, PeriodReport)
            assert stored.billed == sum(ln.cost for ln in served)
    return made


def test_the_trailing_window_re_reads_part_of_the_closed_october() -> None:
    assert period_status(OCT, TODAY) is PeriodStatus.CLOSED
    assert period_status(NOV, TODAY) is PeriodStatus.OPEN
    assert WINDOW.start == date(2026, 10, 17) and RESTATED_DAY in WINDOW


def test_restating_one_day_of_a_closed_month_changes_exactly_that_month_and_only_once(
    tenant: Tenant,
) -> None:
    before = tenant.tables()
    billed_before = tenant.billed(OCT, CostType.ACTUAL)
    restated = [
        dataclasses.replace(ln, cost=ln.cost + Decimal("0.75"))
        if (ln.date, ln.meter_id, ln.cost_type) == (RESTATED_DAY, OUTPUT[0], CostType.ACTUAL)
        else ln
        for ln in tenant.served
    ]
    tenant.restate(restated)

    assert tenant.recollect() == {OCT}
    assert tenant.allocate_queued() == [OCT]
    after = tenant.tables()

    assert of_period(after, NOV) == of_period(before, NOV)  # not even rewritten: same ETags
    changed = changed_keys(before, after)
    # Only October's ActualCost rows moved (the amortized bill did not change)...
    assert all(of_basis(name, key, OCT, CostType.ACTUAL) for name, key in changed)
    # ...the restated cost row, that day's allocated lines, and the period's summaries.
    costs = [key for name, key in changed if name == "costs"]
    assert len(costs) == 1 and costs[0][1].startswith(f"{RESTATED_DAY.isoformat()}|")
    daily = {key[1].split("|")[0] for name, key in changed if name == "allocations"}
    assert daily == {RESTATED_DAY.isoformat()}
    assert ("periods", ("ActualCost", str(OCT))) in changed
    report = tenant.stores.results.report(OCT, CostType.ACTUAL)
    assert isinstance(report, PeriodReport) and report.billed == billed_before + Decimal("0.75")
    assert report.allocated + report.unallocated == report.billed

    # The same data again: nothing enqueued, nothing written, and a duplicate request is a no-op.
    assert tenant.recollect() == frozenset()
    assert tenant.allocate_queued() == []
    tenant.allocation.allocate(OCT)
    assert tenant.tables() == after


def test_rows_azure_no_longer_returns_in_the_window_are_removed_not_kept(tenant: Tenant) -> None:
    gone = next(
        ln
        for ln in tenant.served
        if (ln.date, ln.meter_id, ln.cost_type) == (date(2026, 11, 10), INPUT[0], CostType.ACTUAL)
    )
    before_window = date(2026, 10, 5)  # closed and outside the window: not re-read, kept
    tenant.restate([ln for ln in tenant.served if ln is not gone and ln.date != before_window])
    before = tenant.tables()
    billed_before = tenant.billed(NOV, CostType.ACTUAL)

    assert tenant.recollect() == {NOV}
    assert tenant.allocate_queued() == [NOV]

    stored = tenant.stores.costs.lines_for(NOV, CostType.ACTUAL)
    assert not any((ln.date, ln.meter_id) == (gone.date, gone.meter_id) for ln in stored)
    assert len(stored) == len([ln for ln in bill() if ln.cost_type is CostType.ACTUAL
                               and ln.date in NOV.window]) - 1  # fmt: skip
    report = tenant.stores.results.report(NOV, CostType.ACTUAL)
    assert isinstance(report, PeriodReport) and report.billed == billed_before - gone.cost
    october = tenant.stores.costs.lines_for(OCT, CostType.ACTUAL)
    assert sum(1 for ln in october if ln.date == before_window) == 2
    assert of_period(tenant.tables(), OCT) == of_period(before, OCT)


def test_two_billing_currencies_in_one_period_are_an_error_naming_both_and_store_nothing(
    tenant: Tenant,
) -> None:
    euros = dataclasses.replace(
        bill_line(date(2026, 11, 12), CACHED, "0.40", CostType.AMORTIZED), currency="EUR"
    )
    tenant.restate([*tenant.served, euros])
    before = tenant.tables()

    with pytest.raises(CurrencyMismatch) as err:
        tenant.recollect()

    assert err.value.currencies == {"USD", "EUR"}
    assert "EUR" in str(err.value) and "USD" in str(err.value)
    assert tenant.tables() == before
    assert tenant.allocate_queued() == []


def test_one_failing_price_basis_stores_nothing_of_either(tenant: Tenant) -> None:
    restated = [
        dataclasses.replace(ln, cost=ln.cost + 1) if ln.date == date(2026, 11, 3) else ln
        for ln in tenant.served
    ]
    tenant.restate(restated)
    tenant.running.double.costs.failing_cost_types = frozenset({CostType.AMORTIZED.value})
    before = tenant.tables()

    with pytest.raises(SourceError, match="cost query"):
        tenant.collection.collect_costs(WINDOW)

    assert tenant.tables() == before
    assert tenant.allocate_queued() == []
    queried = {q.json()["type"] for q in tenant.running.double.cost_queries()}
    assert queried == {"ActualCost", "AmortizedCost"}


def get(app: FastAPI, path: str, **params: str) -> httpx.Response:
    """One request to the ASGI app, in process."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await client.get(path, params=params)

    return asyncio.run(send())


def test_the_api_serves_amortized_by_default_with_each_period_status(tenant: Tenant) -> None:
    app = create_app(lambda: tenant.stores.results, today=lambda: TODAY)

    october = get(app, "/api/unit-costs", period=str(OCT)).json()
    amortized = sum((ln.cost for ln in bill()
                     if ln.cost_type is CostType.AMORTIZED and ln.date in OCT.window),
                    Decimal(0))  # fmt: skip
    assert october["costType"] == "amortized"
    assert Decimal(str(october["billedCost"])) == amortized.quantize(Decimal("0.01"))
    assert (october["status"], october["closesOn"]) == ("closed", "2026-11-06")

    november = get(app, "/api/unit-costs", period=str(NOV), costType="actual")
    assert november.json()["costType"] == "actual"
    assert (november.json()["status"], november.json()["closesOn"]) == ("open", "2026-12-06")

    key = october["deployments"][0]["key"]
    one = get(app, f"/api/deployments/{key}/unit-costs", period=str(OCT)).json()
    assert (one["status"], one["closesOn"], one["costType"]) == (
        "closed",
        "2026-11-06",
        "amortized",
    )

    bad = get(app, "/api/unit-costs", period=str(OCT), costType="blended")
    assert bad.status_code == 400 and bad.json()["field"] == "costType"

    early = create_app(lambda: tenant.stores.results, today=lambda: date(2026, 11, 5))
    assert get(early, "/api/unit-costs", period=str(OCT)).json()["status"] == "open"
