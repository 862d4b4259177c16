"""The `reconciliation` table on Azurite: exact round trip, idempotent re-save, one partition."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from azure.data.tables import TableServiceClient

from shared.adapters.storage.reconciliation_table import TABLE, ReconciliationTable
from shared.adapters.storage.table_gateway import AzureTableGateway
from shared.core.allocation import allocate_period
from shared.core.costs import CostType
from shared.core.inventory import InventorySnapshot
from shared.core.reconciliation import Reconciliation, reconcile
from tests.builders import D1, NOV, dep, line, use
from tests.unit.catalogue_double import GPT4O_CACHED, GPT4O_IN, GPT4O_OUT, DictCatalogue

CATALOGUE = DictCatalogue()


def sample(cached_quantity: str = "400.5") -> Reconciliation:
    """A report with a doubled cached-input meter, an output meter and an unknown meter."""
    lines = [
        line(meter, cost, quantity=qty)
        for meter, qty, cost in [
            (GPT4O_IN.meter_id, "800", "2.000000012"),
            (GPT4O_CACHED.meter_id, cached_quantity, "0.25"),
            (GPT4O_OUT.meter_id, "150", "1.5"),
            ("content-safety", "3", "1.125"),
            ("no-resource-meter", "1", "7"),
        ]
    ]
    lines.append(line("ptu-reservation", "9", account=""))
    usage = [use("chat", 1_000_000, 150_000, 10)]
    snap = [InventorySnapshot.on(D1, (dep("chat"),))]
    allocation = allocate_period(NOV, lines, usage, snap, CATALOGUE)
    return reconcile(allocation, lines, usage, CATALOGUE)


@pytest.fixture
def service(storage_env: dict[str, str]) -> TableServiceClient:
    return TableServiceClient.from_connection_string(storage_env["AzureWebJobsStorage"])


@pytest.fixture
def table(service: TableServiceClient) -> ReconciliationTable:
    gateway = AzureTableGateway(service)
    gateway.ensure([TABLE])
    return ReconciliationTable(gateway)


def timestamps(service: TableServiceClient) -> dict[tuple[str, str], object]:
    client = service.get_table_client(TABLE)
    return {(e["PartitionKey"], e["RowKey"]): e.metadata["timestamp"]
            for e in client.list_entities()}  # fmt: skip


def test_a_saved_report_reads_back_exactly(table: ReconciliationTable) -> None:
    report = sample()
    assert report.flagged_rows == 2 and len(report.rows) == 6
    assert table.save(report)
    assert table.reconciliation(NOV, CostType.ACTUAL) == report


def test_saving_the_same_report_again_writes_nothing(
    table: ReconciliationTable, service: TableServiceClient
) -> None:
    table.save(sample())
    before = timestamps(service)
    assert len(before) == 7  # the head and six rows
    assert not table.save(sample())
    assert timestamps(service) == before


def test_a_new_report_replaces_the_old_rows_of_its_partition_only(
    table: ReconciliationTable,
) -> None:
    table.save(sample())
    amortized = replace(sample(), cost_type=CostType.AMORTIZED)
    table.save(amortized)
    corrected = sample(cached_quantity="200")
    fewer = replace(corrected, rows=corrected.rows[:2])
    assert table.save(fewer)
    assert table.reconciliation(NOV, CostType.ACTUAL) == fewer
    assert fewer.flagged_rows == 0
    assert table.reconciliation(NOV, CostType.AMORTIZED) == amortized


def test_a_period_never_reconciled_is_none_and_an_empty_one_is_not(
    table: ReconciliationTable,
) -> None:
    assert table.reconciliation(NOV, CostType.ACTUAL) is None
    empty = Reconciliation(NOV, CostType.ACTUAL, "EUR", Decimal("0.05"), ())
    table.save(empty)
    assert table.reconciliation(NOV, CostType.ACTUAL) == empty
