"""The inventory's index: readers read the index and the snapshots they need, not every snapshot;
a table stored before the index existed is scanned once and indexed by its next save."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from shared.adapters.storage.inventory_table import INDEX, TABLE, InventoryTable
from shared.adapters.storage.table_gateway import Entity
from shared.core.inventory import InventorySnapshot
from shared.core.period import BillingPeriod
from tests.builders import dep
from tests.fakes import MemoryTableGateway


class Counting(MemoryTableGateway):
    """Counts the entities each query returns."""

    def __init__(self) -> None:
        super().__init__()
        self.returned = 0

    def query(self, table: str, pk_from: str, pk_to: str) -> list[Entity]:
        rows = super().query(table, pk_from, pk_to)
        self.returned += len(rows)
        return rows


def hourly(table: InventoryTable, start: datetime, hours: int) -> list[InventorySnapshot]:
    """A snapshot every hour, each a different capacity (so each is stored)."""
    snaps = [
        InventorySnapshot(start + timedelta(hours=h), (dep("chat", capacity=10 + h),))
        for h in range(hours)
    ]
    for snap in snaps:
        assert table.save(snap)
    return snaps


def test_a_period_reads_its_own_snapshots_and_the_one_in_force_at_its_start() -> None:
    gateway = Counting()
    table = InventoryTable(gateway)
    october = hourly(table, datetime(2026, 10, 1, tzinfo=UTC), 48)
    november = hourly(table, datetime(2026, 11, 1, 1, tzinfo=UTC), 3)
    gateway.returned = 0
    found = table.snapshots_for(BillingPeriod(2026, 11))
    assert found == [october[-1], *november]
    index_rows = 2  # one per month
    assert gateway.returned == index_rows + 2 * len(found)  # marker + deployment per snapshot
    gateway.returned = 0
    assert table.latest() == november[-1]
    assert gateway.returned == index_rows + 2


def test_a_table_without_index_is_read_by_a_scan_and_indexed_by_the_next_save() -> None:
    gateway = MemoryTableGateway()
    table = InventoryTable(gateway)
    snaps = hourly(table, datetime(2026, 10, 30, tzinfo=UTC), 3)
    for key in [k for k in gateway.tables[TABLE] if k[0] == INDEX]:
        del gateway.tables[TABLE][key]  # as stored by a version before the index
    assert table.latest() == snaps[-1]
    assert table.snapshots_for(BillingPeriod(2026, 10)) == snaps
    newer = InventorySnapshot.on(date(2026, 11, 2), (dep("chat", capacity=99),))
    assert table.save(newer)
    months = sorted(rk for pk, rk in gateway.tables[TABLE] if pk == INDEX)
    assert months == ["2026-10", "2026-11"]
    assert table.snapshots_for(BillingPeriod(2026, 11)) == [snaps[-1], newer]


def test_an_unchanged_inventory_writes_nothing_not_even_the_index() -> None:
    gateway = MemoryTableGateway()
    table = InventoryTable(gateway)
    hourly(table, datetime(2026, 10, 30, tzinfo=UTC), 2)
    writes = gateway.writes
    same = InventorySnapshot(datetime(2026, 10, 31, tzinfo=UTC), (dep("chat", capacity=11),))
    assert not table.save(same)
    assert gateway.writes == writes
