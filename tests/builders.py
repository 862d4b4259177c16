"""Builders of domain records for tests: one home for the account, deployments, lines and usage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.costs_table import CostsTable
from shared.adapters.storage.input_versions_table import InputVersionsTable
from shared.adapters.storage.inventory_table import InventoryTable
from shared.adapters.storage.table_gateway import TableGateway
from shared.adapters.storage.usage_table import UsageTable
from shared.core.allocation import allocate_period
from shared.core.catalogue import RetailItemType, RetailPriceItem
from shared.core.costs import CostLine, CostType
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.period import BillingPeriod, DateWindow
from shared.core.publication import publication_of
from shared.core.reports import Publication
from shared.core.usage import UsageRecord
from tests.unit.catalogue_double import GPT4O_IN, GPT4O_OUT, DictCatalogue

ACC = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/acc"
OTHER = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/other"
NOV = BillingPeriod(2026, 11)
D1 = date(2026, 11, 3)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def dep(name: str, model: str = "gpt-4o", version: str = "2024-11-20", sku: str = "GlobalStandard",
        capacity: int = 10, account: str = ACC, *, model_format: str = "OpenAI",
        location: str = "eastus2", created: datetime | None = None,
        modified: datetime | None = None) -> Deployment:  # fmt: skip
    return Deployment(account, name, model, version, sku, capacity, model_format, location,
                      created, modified)  # fmt: skip


def line(meter_id: str, cost: str | Decimal, day: date = D1, account: str = ACC, *,
         quantity: str | Decimal = "1", currency: str = "USD",
         **kw: object) -> CostLine:  # fmt: skip
    """A bill line named `meter {meter_id}`; `kw` sets the other CostLine fields (charge_type,
    pricing_model, cost_type, ...)."""
    return CostLine(day, account, meter_id, f"meter {meter_id}", Decimal(quantity), Decimal(cost),
                    currency, **kw)  # type: ignore[arg-type]  # fmt: skip


def use(name: str, inp: int = 0, out: int = 0, reqs: int = 0, day: date = D1, account: str = ACC,
        *, utilization: str | None = None) -> UsageRecord:  # fmt: skip
    util = None if utilization is None else Decimal(utilization)
    return UsageRecord(day, account, name, inp, out, reqs, util)


def price_item(meter_id: str, price: str = "0.0025", region: str = "eastus2") -> RetailPriceItem:
    """A Retail Prices item of gpt-4o 1120 input tokens (global standard) per 1K tokens, in USD."""
    return RetailPriceItem(
        meter_id=meter_id, meter_name="gpt 4o 1120 Inp glbl Tokens", product_name="Azure OpenAI",
        sku_name="gpt 4o 1120 Inp glbl", service_name="Foundry Models", unit_of_measure="1K",
        arm_region_name=region, arm_sku_name="gpt 4o 1120 Inp glbl", retail_price=Decimal(price),
        currency="USD", type=RetailItemType.CONSUMPTION, effective_start=date(2024, 12, 1),
    )  # fmt: skip


DEPLOYMENTS = (dep("chat-prod"), dep("chat-test"))
SNAPSHOT = InventorySnapshot.on(date(2026, 10, 1), DEPLOYMENTS)


def days(period: BillingPeriod, count: int) -> list[date]:
    return [period.start + timedelta(days=i) for i in range(count)]


def month_of_lines(
    period: BillingPeriod = NOV, count: int = 5, cost: str = "10.00",
    cost_type: CostType = CostType.ACTUAL,
) -> list[CostLine]:  # fmt: skip
    """Input and output lines of gpt-4o on `count` days of the period."""
    return [
        line(meter.meter_id, cost, day, cost_type=cost_type)
        for day in days(period, count)
        for meter in (GPT4O_IN, GPT4O_OUT)
    ]


def month_of_usage(period: BillingPeriod = NOV, count: int = 5) -> list[UsageRecord]:
    return [
        use(name, 750 * (i + 1), 100 * (i + 1), 10, day)
        for day in days(period, count)
        for i, name in enumerate(("chat-prod", "chat-test"))
    ]


def publication(
    lines: Sequence[CostLine], usage: Sequence[UsageRecord], sequence: int,
    snapshots: Sequence[InventorySnapshot] = (SNAPSHOT,), period: BillingPeriod = NOV,
    cost_type: CostType = CostType.ACTUAL,
) -> Publication:  # fmt: skip
    """What the allocation service publishes for these inputs (the test catalogue)."""
    catalogue = DictCatalogue()
    allocation = allocate_period(period, lines, usage, snapshots, catalogue, cost_type)
    return publication_of(allocation, lines, usage, catalogue, sequence)


@dataclass
class FixedCosts:
    """A cost source answering fixed lines (or raising)."""

    lines: list[CostLine] | Exception
    cost_type: CostType = CostType.ACTUAL

    def fetch(self, window: DateWindow) -> list[CostLine]:
        if isinstance(self.lines, Exception):
            raise self.lines
        return [ln for ln in self.lines if ln.date in window]


@dataclass
class FixedUsage:
    records: list[UsageRecord] | Exception

    def fetch(self, window: DateWindow, accounts: Sequence[tuple[str, str]]) -> list[UsageRecord]:
        if isinstance(self.records, Exception):
            raise self.records
        wanted = {a.lower() for a, _ in accounts}
        return [r for r in self.records if r.date in window and r.account_id.lower() in wanted]


@dataclass
class FixedInventory:
    deployments: list[Deployment] | Exception

    def fetch(self) -> list[Deployment]:
        if isinstance(self.deployments, Exception):
            raise self.deployments
        return list(self.deployments)


class TableStores:
    """The real table adapters over one gateway (in memory or Azurite), on one clock."""

    def __init__(self, gateway: TableGateway, clock: Callable[[], datetime] = lambda: NOW) -> None:
        self.gateway = gateway
        self.costs = CostsTable(gateway)
        self.usage = UsageTable(gateway)
        self.inventory = InventoryTable(gateway)
        self.versions = InputVersionsTable(gateway, clock=clock)
        self.results = AllocationTables(gateway, clock=clock)


GUID = "00000000-0000-4000-8000-000000000001"
OUTCOME_QUERY = "AppEvents | summarize outcomes = count() by day = bin(TimeGenerated, 1d)"


def use_case_body(
    name: str, *deployments: dict[str, object], **fields: object
) -> dict[str, object]:
    """A valid use case in the file's shape over `deployments` (entries such as
    `{"deployment": id}`); `fields` replaces or adds top-level fields."""
    body: dict[str, object] = {
        "name": name,
        "owner": "support-platform",
        "costCenter": "CC-1042",
        "description": "Customer support assistant",
        "outcome": {
            "unit": "resolved query",
            "source": {"type": "logAnalytics", "workspaceId": GUID, "query": OUTCOME_QUERY},
        },
        "deployments": list(deployments),
    }
    return {**body, **fields}


# Savings findings (tests/unit/test_findings*.py): crafted catalogue items, traffic and facts.
from shared.core.findings import DeploymentFacts  # noqa: E402
from shared.core.unit_costs import UnitCost  # noqa: E402
from shared.core.what_if import DailyTraffic  # noqa: E402

OCT = BillingPeriod(2026, 10)


def retail(meter_id: str, name: str, price: str, unit: str = "1K", *, term: str = "",
           region: str = "eastus2") -> RetailPriceItem:  # fmt: skip
    """A Retail Prices item (a reservation when `term` is given) in USD, in force since
    2024-12-01."""
    kind = RetailItemType.RESERVATION if term else RetailItemType.CONSUMPTION
    return RetailPriceItem(
        meter_id=meter_id, meter_name=name, product_name="Azure OpenAI", sku_name=name,
        service_name="Foundry Models", unit_of_measure=unit, arm_region_name=region,
        arm_sku_name=name, retail_price=Decimal(price), currency="USD", type=kind,
        effective_start=date(2024, 12, 1), reservation_term=term,
    )  # fmt: skip


def daily(count: int, inp: int = 1_000_000, out: int = 100_000, *, cached: int = 0,
          requests: int = 100, peak: int | None = None,
          start: date = date(2026, 10, 1)) -> tuple[DailyTraffic, ...]:  # fmt: skip
    """`count` consecutive days of the same traffic from `start`."""
    return tuple(
        DailyTraffic(start + timedelta(days=d), inp, cached, out, requests, peak)
        for d in range(count)
    )


def facts_of(deployment: Deployment, cost: str, traffic: tuple[DailyTraffic, ...], *,
             provisioned: str = "0", idle: str | None = None, period: BillingPeriod = OCT,
             region: str = "eastus2", **fields: object) -> DeploymentFacts:  # fmt: skip
    """A deployment's facts over `period`: its allocated cost, the traffic's totals; `fields`
    sets the other DeploymentFacts fields (history, hosting_cost, held_capacities, use_case)."""
    unit = UnitCost(
        period=period, deployment=deployment, cost=Decimal(cost), input_cost=Decimal(0),
        output_cost=Decimal(0), input_tokens=sum(t.input_tokens for t in traffic),
        output_tokens=sum(t.output_tokens for t in traffic),
        requests=sum(t.requests for t in traffic), provisioned_cost=Decimal(provisioned),
        idle_cost=None if idle is None else Decimal(idle),
    )  # fmt: skip
    return DeploymentFacts(unit, traffic, region, **fields)  # type: ignore[arg-type]
