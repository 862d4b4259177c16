"""What an allocation publishes: the allocation with its unit costs, unallocated totals and
reconciliation, tagged with the input version it read and the catalogue that priced it."""

from __future__ import annotations

from collections.abc import Sequence

from shared.core.allocation import PeriodAllocation
from shared.core.costs import CostLine
from shared.core.meters import MeterCatalogue
from shared.core.reconciliation import reconcile
from shared.core.reports import Publication
from shared.core.unit_costs import unallocated_totals, unit_costs
from shared.core.usage import UsageRecord


def publication_of(
    allocation: PeriodAllocation,
    lines: Sequence[CostLine],
    usage: Sequence[UsageRecord],
    catalogue: MeterCatalogue,
    input_sequence: int,
) -> Publication:
    """The publication of `allocation`, made from `lines` and `usage` priced by `catalogue`."""
    return Publication(
        allocation=allocation,
        unit_costs=tuple(unit_costs(allocation, usage)),
        unallocated_totals=tuple(unallocated_totals(allocation)),
        reconciliation=reconcile(allocation, lines, usage, catalogue),
        input_sequence=input_sequence,
        catalogue_version=catalogue.version,
    )
