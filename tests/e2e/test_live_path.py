"""The live path: collect -> allocate -> serve, real SDK clients against the HTTPS doubles."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from azure.data.tables import TableServiceClient

from shared.api.presenter import present_period
from shared.cli import drain_allocation_queue, main
from shared.core.costs import CostType
from shared.services.bootstrap import ALL_TABLES, build_allocation, build_stores
from shared.settings import Settings
from tests.live_tenant import serve_tenant


def snapshot(conn: str) -> dict[str, list[tuple]]:
    """Every entity of every table, with the service's own Timestamp and ETag."""
    service = TableServiceClient.from_connection_string(conn)
    tables = {}
    for name in ALL_TABLES:
        rows = service.get_table_client(name).list_entities()
        tables[name] = sorted(
            (r["PartitionKey"], r["RowKey"], repr(sorted(r.items())), str(r.metadata["timestamp"]),
             r.metadata["etag"])
            for r in rows
        )  # fmt: skip
    return tables


def collect_and_allocate(tenant) -> None:
    since, until = tenant.period.start, date(tenant.period.year, tenant.period.month, 31)
    assert main(["collect", "--since", since.isoformat(), "--until", until.isoformat()]) == 0
    stores = build_stores(Settings.from_env())
    drain_allocation_queue(stores, build_allocation(stores))


def test_collect_allocate_serve_conserves_money_per_account_and_day_and_reruns_change_nothing(
    tmp_path, serve_azure, monkeypatch, storage_env
) -> None:
    tenant, running = serve_tenant(tmp_path, serve_azure, monkeypatch, page_size=150)
    collect_and_allocate(tenant)

    stores = build_stores(Settings.from_env())
    billed: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for line in stores.costs.lines_for(tenant.period, CostType.ACTUAL):
        billed[(line.account_id.lower(), line.date)] += line.cost
    expected: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for line in tenant.cost_lines:
        expected[(line.account_id.lower(), line.date)] += line.cost
    assert billed == expected  # every row of every page, both ServiceNames, made it

    carried: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    gateway_rows = (
        TableServiceClient.from_connection_string(storage_env["AzureWebJobsStorage"])
        .get_table_client("allocations")
        .list_entities()
    )
    for row in gateway_rows:
        carried[(row["AccountId"].lower(), date.fromisoformat(row["Date"]))] += Decimal(row["Cost"])
    assert set(carried) == set(billed)
    for key, amount in billed.items():
        assert carried[key] == amount, key  # exact, hence also to the cent

    report = stores.results.report(tenant.period, CostType.ACTUAL)
    assert report is not None
    body = present_period(report)  # what the API serves (HTTP itself: tests/e2e/test_demo.py)
    assert Decimal(str(body["billedCost"])) == tenant.total_billed.quantize(Decimal("0.01"))
    assert Decimal(str(body["allocatedCost"])) + Decimal(str(body["unallocatedCost"])) == Decimal(
        str(body["billedCost"])
    )
    batches = running.double.metrics_batches()
    assert batches and all(int(req.param("top") or 0) > 10 for req in batches)

    before = snapshot(storage_env["AzureWebJobsStorage"])
    collect_and_allocate(tenant)
    assert snapshot(storage_env["AzureWebJobsStorage"]) == before
