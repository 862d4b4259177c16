"""The conservation check of allocation tests: billed == allocated + unallocated, per account and
day of one price basis."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from shared.core.allocated_lines import AllocatedLine
from shared.core.allocation import PeriodAllocation, UnallocatedLine
from shared.core.costs import CostLine
from shared.core.money import ZERO


def conservation_by_account_day(
    allocation: PeriodAllocation, lines: Sequence[CostLine]
) -> dict[tuple[str, date], tuple[Decimal, Decimal]]:
    """(billed, allocated + unallocated) for every account and day: the two must be equal."""
    billed: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.cost_type is allocation.cost_type:
            billed[(line.account_id.lower(), line.date)] += line.cost
    carried: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    parts: list[AllocatedLine | UnallocatedLine] = [*allocation.allocated, *allocation.unallocated]
    for part in parts:
        carried[(part.account_id.lower(), part.date)] += part.cost
    keys = set(billed) | set(carried)
    return {k: (billed.get(k, ZERO), carried.get(k, ZERO)) for k in keys}
