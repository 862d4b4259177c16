"""The table and queue adapters against Azurite: the same semantics as the in-memory double."""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient

from shared.adapters.storage.inventory_table import InventoryTable
from shared.adapters.storage.table_gateway import (
    AzureTableGateway,
    Entity,
    TableGateway,
    prefix_range,
    replace,
)
from shared.bootstrap import build_stores
from shared.core.costs import CostLine, CostType
from shared.core.inventory import InventorySnapshot
from shared.core.period import BillingPeriod, DateWindow
from shared.core.shards import account_shard_key, shard_plan
from shared.core.usage import UsageRecord
from shared.settings import Settings
from tests.builders import ACC, NOV, dep
from tests.fakes import MemoryTableGateway


@pytest.fixture
def gateways(storage_env: dict[str, str]) -> list[TableGateway]:
    service = TableServiceClient.from_connection_string(storage_env["AzureWebJobsStorage"])
    found: list[TableGateway] = [AzureTableGateway(service), MemoryTableGateway()]
    for gw in found:
        gw.ensure(["scratch"])
    return found


def test_replace_writes_in_transactions_of_one_partition_and_at_most_100(
    gateways: list[TableGateway],
) -> None:
    entities: list[Entity] = [
        {"PartitionKey": f"p{i % 3}", "RowKey": f"{i:04d}", "N": i, "Big": 2**40 + i}
        for i in range(450)
    ]
    for gw in gateways:
        change = replace(gw, "scratch", prefix_range("p"), entities)
        assert change.upserted == {"p0", "p1", "p2"}
        stored = gw.query("scratch", *prefix_range("p"))
        assert len(stored) == 450
        assert stored[0]["Big"] == 2**40 and isinstance(stored[0]["N"], int)


def test_replace_twice_with_the_same_rows_writes_nothing(gateways: list[TableGateway]) -> None:
    rows: list[Entity] = [{"PartitionKey": "p", "RowKey": str(i), "Cost": "1.10"} for i in range(5)]
    for gw in gateways:
        replace(gw, "scratch", prefix_range("p"), rows)
        before = [e for e in gw.query("scratch", *prefix_range("p"))]
        assert not replace(gw, "scratch", prefix_range("p"), rows)
        assert gw.query("scratch", *prefix_range("p")) == before


def test_replace_deletes_what_is_gone_but_only_in_scope(gateways: list[TableGateway]) -> None:
    rows: list[Entity] = [{"PartitionKey": "p", "RowKey": str(i), "Day": i} for i in range(6)]
    for gw in gateways:
        replace(gw, "scratch", prefix_range("p"), rows)
        change = replace(
            gw, "scratch", prefix_range("p"), rows[:2], in_scope=lambda e: int(e["Day"]) < 4
        )
        assert change.deleted == {"p"}
        assert [e["Day"] for e in gw.query("scratch", *prefix_range("p"))] == [0, 1, 4, 5]


def test_azure_and_memory_gateways_store_the_same_entities(
    gateways: list[TableGateway],
) -> None:
    rows: list[Entity] = [
        {"PartitionKey": "a|b", "RowKey": "2026-11-01|x", "S": "é", "B": True, "I": -3}
    ]
    results = []
    for gw in gateways:
        replace(gw, "scratch", prefix_range("a|"), rows)
        results.append(gw.query("scratch", *prefix_range("a|")))
    assert results[0] == results[1] == rows


def test_stores_round_trip_domain_records_on_azurite(storage_env: dict[str, str]) -> None:
    stores = build_stores(Settings.from_env(storage_env))
    window = NOV.window
    billed = CostLine(date(2026, 11, 2), ACC.lower(), "GUID-1", "gpt 4o 1120 Inp glbl Tokens",
                      Decimal("1.5"), Decimal("0.00375000"), "USD")  # fmt: skip
    assert stores.costs.replace_window(window, CostType.ACTUAL, [billed, billed]) == {NOV}
    (stored,) = stores.costs.lines_for(NOV, CostType.ACTUAL)
    assert stored.cost == Decimal("0.00750000") and stored.quantity == Decimal("3.0")
    assert stores.costs.replace_window(window, CostType.ACTUAL, [billed, billed]) == set()

    rec = UsageRecord(date(2026, 11, 2), ACC, "chat", 3_000_000_000, 7, 2)
    assert stores.usage.replace_window(window, [ACC], [rec]) == {NOV}
    assert stores.usage.records_for(NOV) == [rec]

    chat = dep("chat")
    assert stores.inventory.save(InventorySnapshot.on(date(2026, 11, 1), (chat,)))
    assert not stores.inventory.save(InventorySnapshot.on(date(2026, 11, 5), (chat,)))
    assert stores.inventory.snapshots_for(NOV) == [InventorySnapshot.on(date(2026, 11, 1), (chat,))]


def test_a_shard_reads_the_lines_and_usage_of_its_own_accounts_only(
    storage_env: dict[str, str],
) -> None:
    stores = build_stores(Settings.from_env(storage_env))
    accounts = [ACC.replace("/accounts/", f"/accounts/{n}") for n in ("a", "m", "z")]
    day = date(2026, 11, 3)
    lines = [
        CostLine(day, account, "GUID-1", "meter", Decimal(1), Decimal(i + 1), "USD")
        for i, account in enumerate(["", *accounts])  # a row without a resource too
    ]
    stores.costs.replace_window(NOV.window, CostType.ACTUAL, lines)
    used = [UsageRecord(day, account, "chat", 10, 1, 1) for account in accounts]
    stores.usage.replace_window(NOV.window, accounts, used)

    plan = shard_plan([account_shard_key(a) for a in accounts], 1)
    read = [stores.costs.lines_for(NOV, CostType.ACTUAL, shard) for shard in plan]
    assert sorted(c.cost for part in read for c in part) == [1, 2, 3, 4]  # each line once
    for shard, part in zip(plan, read, strict=True):
        assert all(shard.holds_account(ln.account_id) for ln in part)
        records = stores.usage.records_for(NOV, shard)
        assert [r.account_id for r in records] == [a for a in accounts if shard.holds_account(a)]
    assert len(stores.costs.lines_for(NOV, CostType.ACTUAL)) == 4


def test_inventory_snapshots_keep_changes_and_empty_inventories() -> None:
    inventory = InventoryTable(MemoryTableGateway())
    inventory.save(InventorySnapshot.on(date(2026, 10, 20), (dep("chat"),)))
    inventory.save(InventorySnapshot.on(date(2026, 11, 10), ()))
    snaps = inventory.snapshots_for(NOV)
    got = [(s.as_of, len(s.deployments)) for s in snaps]
    assert got == [(date(2026, 10, 20), 1), (date(2026, 11, 10), 0)]


def test_the_queue_speaks_base64_json_as_the_functions_host_expects(
    storage_env: dict[str, str],
) -> None:
    stores = build_stores(Settings.from_env(storage_env))
    stores.queue.enqueue([NOV, NOV, BillingPeriod(2026, 10)])
    raw = QueueClient.from_connection_string(storage_env["AzureWebJobsStorage"],
                                             "allocation-requests")  # fmt: skip
    bodies = [
        json.loads(base64.b64decode(m.content)) for m in raw.receive_messages(max_messages=32)
    ]
    assert bodies == [{"period": "2026-10"}, {"period": "2026-11"}]


def test_a_collection_window_replaces_only_its_own_days(storage_env: dict[str, str]) -> None:
    stores = build_stores(Settings.from_env(storage_env))
    lines = [CostLine(date(2026, 11, d), ACC, "m", "m", Decimal(1), Decimal(d), "USD")
             for d in (1, 2, 3)]  # fmt: skip
    stores.costs.replace_window(NOV.window, CostType.ACTUAL, lines)
    restated = [CostLine(date(2026, 11, 2), ACC, "m", "m", Decimal(1), Decimal("2.5"), "USD")]
    window = DateWindow.inclusive(date(2026, 11, 2), date(2026, 11, 3))
    assert stores.costs.replace_window(window, CostType.ACTUAL, restated) == {NOV}
    got = {ln.date.day: ln.cost for ln in stores.costs.lines_for(NOV, CostType.ACTUAL)}
    assert got == {1: Decimal(1), 2: Decimal("2.5")}


def test_a_backfill_older_than_every_snapshot_uses_the_earliest_snapshot() -> None:
    inventory = InventoryTable(MemoryTableGateway())
    chat = dep("chat")
    inventory.save(InventorySnapshot.on(date(2026, 11, 29), (chat,)))
    inventory.save(InventorySnapshot.on(date(2026, 12, 5), ()))
    assert inventory.snapshots_for(BillingPeriod(2026, 10)) == [
        InventorySnapshot.on(date(2026, 11, 29), (chat,))
    ]
