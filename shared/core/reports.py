"""Read models of a published allocation: what readers (API, CLI) are served."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shared.core.costs import CostType
from shared.core.period import BillingPeriod
from shared.core.unit_costs import UnallocatedTotal, UnitCost


@dataclass(frozen=True)
class PeriodReport:
    """One published allocation of a period and price basis: its summary and per-deployment rows."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    billed: Decimal
    allocated: Decimal
    unallocated: Decimal
    unit_costs: tuple[UnitCost, ...]
    unallocated_totals: tuple[UnallocatedTotal, ...]
