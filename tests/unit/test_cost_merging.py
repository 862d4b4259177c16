"""Who merges cost lines (shared/core/costs.py `merge_cost_lines`): what reads them from outside,
once, and the costs store; nothing downstream merges again."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from shared.adapters.formats.file_sources import FileCostSource
from shared.adapters.storage.costs_table import CostsTable
from shared.core.allocation import allocate_period
from shared.core.costs import CostType, ensure_merged, merge_cost_lines
from shared.core.reconciliation import reconcile
from shared.errors import InvalidInput
from tests.builders import ACC, NOV, SNAPSHOT, line, use
from tests.fakes import MemoryTableGateway
from tests.unit.catalogue_double import GPT4O_IN, GPT4O_OUT, DictCatalogue
from tests.unit.test_export_csv import GPT4O_IN as EXPORT_GPT4O_IN
from tests.unit.test_export_csv import ea_row
from tests.unit.test_file_sources import OCT, export

# One bill line in two parts (Azure splits a meter-day by tag), the second with the id lower-cased.
SNAP = [SNAPSHOT]  # chat-prod and chat-test
PARTS = [
    line(GPT4O_IN.meter_id, "1.25", quantity="500"),
    line(GPT4O_IN.meter_id, "0.75", quantity="300", account=ACC.lower()),
    line(GPT4O_OUT.meter_id, "1.50", quantity="150"),
]


def test_a_file_source_answers_one_line_per_identity_across_its_files(tmp_path: Path) -> None:
    export(tmp_path, "a.csv", [ea_row(EXPORT_GPT4O_IN, "1", "0.25")])
    export(tmp_path, "b.csv", [ea_row(EXPORT_GPT4O_IN, "2", "0.5")])  # same bill line, other cells
    (found,) = FileCostSource(tmp_path).fetch(OCT)
    assert (found.quantity, found.cost) == (Decimal(3), Decimal("0.75"))


def test_the_costs_store_keeps_one_row_per_identity_whoever_writes() -> None:
    store = CostsTable(MemoryTableGateway())
    store.replace_window(NOV.window, CostType.ACTUAL, PARTS)
    stored = sorted(store.lines_for(NOV, CostType.ACTUAL), key=lambda ln: ln.meter_id)
    assert stored == sorted(merge_cost_lines(PARTS), key=lambda ln: ln.meter_id)
    assert [(ln.meter_id, ln.account_id, ln.cost) for ln in stored] == [
        (GPT4O_IN.meter_id, ACC, Decimal("2.00")),  # the first part's spelling of the id
        (GPT4O_OUT.meter_id, ACC, Decimal("1.50")),
    ]
    ensure_merged(stored)  # what the allocator reads needs no merging


def test_the_allocator_takes_the_stores_lines_and_refuses_parts() -> None:
    with pytest.raises(InvalidInput, match="merge them first"):
        allocate_period(NOV, PARTS, [use("chat-prod", 1, 1)], SNAP, DictCatalogue())
    store = CostsTable(MemoryTableGateway())
    store.replace_window(NOV.window, CostType.ACTUAL, PARTS)
    result = allocate_period(
        NOV, store.lines_for(NOV, CostType.ACTUAL), [use("chat-prod", 1, 1)], SNAP, DictCatalogue()
    )
    assert result.allocated_cost == result.billed == Decimal("3.50")


def test_reconciliation_sums_per_meter_whether_or_not_the_lines_were_merged() -> None:
    merged = merge_cost_lines(PARTS)
    usage = [use("chat-prod", 800, 150)]
    allocation = allocate_period(NOV, merged, usage, SNAP, DictCatalogue())
    once = reconcile(allocation, merged, usage, DictCatalogue())
    assert reconcile(allocation, PARTS, usage, DictCatalogue()) == once
    assert [(r.meter_id, r.cost, r.billed_quantity) for r in once.rows] == [
        (GPT4O_IN.meter_id, Decimal("2.00"), Decimal(800)),
        (GPT4O_OUT.meter_id, Decimal("1.50"), Decimal(150)),
    ]
