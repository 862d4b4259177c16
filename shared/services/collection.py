"""Collect costs, usage and the inventory; enqueue the periods whose inputs changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.core.costs import ensure_one_currency_per_month
from shared.core.inventory import InventorySnapshot
from shared.core.period import BillingPeriod, DateWindow
from shared.services.ports import (
    AllocationQueue,
    CostSource,
    CostStore,
    InventorySource,
    InventoryStore,
    UsageSource,
    UsageStore,
)


@dataclass(frozen=True)
class CollectionReport:
    """What one collection run stored."""

    cost_lines: int = 0
    usage_records: int = 0
    deployments: int = 0
    changed_periods: frozenset[BillingPeriod] = field(default_factory=frozenset)


@dataclass
class CollectionService:
    costs: CostStore
    usage: UsageStore
    inventory: InventoryStore
    queue: AllocationQueue
    cost_sources: Sequence[CostSource]
    usage_source: UsageSource
    inventory_source: InventorySource

    def collect_costs(self, window: DateWindow) -> CollectionReport:
        """Fetch every price basis for the whole window, check currencies, then replace rows."""
        fetched = [(src.cost_type, src.fetch(window)) for src in self.cost_sources]
        ensure_one_currency_per_month(line for _, lines in fetched for line in lines)
        changed: set[BillingPeriod] = set()
        for cost_type, lines in fetched:
            changed |= self.costs.replace_window(window, cost_type, lines)
        self.queue.enqueue(changed)
        total = sum(len(lines) for _, lines in fetched)
        return CollectionReport(cost_lines=total, changed_periods=frozenset(changed))

    def collect_inventory(self, at: datetime) -> CollectionReport:
        """Store the inventory as a snapshot taken `at` (only if it changed)."""
        deployments = tuple(self.inventory_source.fetch())
        changed = self.inventory.save(InventorySnapshot(at, deployments))
        periods = frozenset({BillingPeriod.of(at.date())}) if changed else frozenset()
        self.queue.enqueue(periods)
        return CollectionReport(deployments=len(deployments), changed_periods=periods)

    def collect_usage(self, window: DateWindow) -> CollectionReport:
        """Fetch usage of the accounts in the latest inventory and replace the stored days."""
        latest = self.inventory.latest()
        deployments = latest.deployments if latest else ()
        accounts = sorted({(d.account_id, d.account_location) for d in deployments})
        records = self.usage_source.fetch(window, accounts) if accounts else []
        changed = self.usage.replace_window(window, [a for a, _ in accounts], records)
        self.queue.enqueue(changed)
        return CollectionReport(usage_records=len(records), changed_periods=frozenset(changed))

    def collect_all(self, window: DateWindow, at: datetime) -> CollectionReport:
        """Inventory, then costs, then usage (usage needs the accounts the inventory found)."""
        parts = [
            self.collect_inventory(at),
            self.collect_costs(window),
            self.collect_usage(window),
        ]
        return CollectionReport(
            cost_lines=sum(p.cost_lines for p in parts),
            usage_records=sum(p.usage_records for p in parts),
            deployments=sum(p.deployments for p in parts),
            changed_periods=frozenset().union(*(p.changed_periods for p in parts)),
        )
