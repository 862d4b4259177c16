"""Allocate one billing period and store the read model (the queue trigger's service)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.adapters.allocation_tables import AllocationTables
from shared.adapters.reconciliation_table import ReconciliationTable
from shared.core.allocation import PeriodAllocation, allocate_period
from shared.core.costs import CostType
from shared.core.period import BillingPeriod
from shared.core.reconciliation import reconcile
from shared.core.unit_costs import unallocated_totals, unit_costs
from shared.services.ports import CatalogueSource, CostStore, InventoryStore, UsageStore


@dataclass
class AllocationService:
    costs: CostStore
    usage: UsageStore
    inventory: InventoryStore
    results: AllocationTables
    catalogue: CatalogueSource
    reconciliation: ReconciliationTable

    def allocate(self, period: BillingPeriod) -> list[PeriodAllocation]:
        """Allocate every price basis that has cost lines (ActualCost at least); idempotent."""
        catalogue = self.catalogue.current()  # one catalogue for the whole period
        usage = self.usage.records_for(period)
        snapshots = self.inventory.snapshots_for(period)
        done = []
        for cost_type in CostType:
            lines = self.costs.lines_for(period, cost_type)
            if not lines and cost_type is not CostType.ACTUAL:
                continue
            allocation = allocate_period(period, lines, usage, snapshots, catalogue, cost_type)
            self.results.save(
                allocation, unit_costs(allocation, usage), unallocated_totals(allocation)
            )
            self.reconciliation.save(reconcile(allocation, lines, usage, catalogue))
            done.append(allocation)
        return done
