"""The interfaces services need from sources and stores; adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from shared.core.costs import CostLine, CostType
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.meters import MeterCatalogue
from shared.core.period import BillingPeriod, DateWindow
from shared.core.usage import UsageRecord


class CostSource(Protocol):
    """Cost lines of one price basis for a whole window, complete or an exception."""

    @property
    def cost_type(self) -> CostType: ...

    def fetch(self, window: DateWindow) -> list[CostLine]: ...


class UsageSource(Protocol):
    """Daily usage per deployment of the given (account id, region) pairs."""

    def fetch(
        self, window: DateWindow, accounts: Sequence[tuple[str, str]]
    ) -> list[UsageRecord]: ...


class InventorySource(Protocol):
    """Every deployment as it is now."""

    def fetch(self) -> list[Deployment]: ...


class AllocationQueue(Protocol):
    """Where collectors ask for a period to be (re)allocated."""

    def enqueue(self, periods: Iterable[BillingPeriod]) -> None: ...


class CostStore(Protocol):
    def replace_window(
        self, window: DateWindow, cost_type: CostType, lines: Sequence[CostLine]
    ) -> set[BillingPeriod]: ...

    def lines_for(self, period: BillingPeriod, cost_type: CostType) -> list[CostLine]: ...


class UsageStore(Protocol):
    def replace_window(
        self, window: DateWindow, account_ids: Iterable[str], records: Sequence[UsageRecord]
    ) -> set[BillingPeriod]: ...

    def records_for(self, period: BillingPeriod) -> list[UsageRecord]: ...


class InventoryStore(Protocol):
    def save(self, snapshot: InventorySnapshot) -> bool: ...

    def snapshots_for(self, period: BillingPeriod) -> list[InventorySnapshot]: ...

    def latest(self) -> InventorySnapshot | None: ...


class CatalogueSource(Protocol):
    """The meter catalogue in force now (it may follow refreshes between calls)."""

    def current(self) -> MeterCatalogue: ...
