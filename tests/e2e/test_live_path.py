"""The live path: collect -> allocate -> serve, real SDK clients against the HTTPS doubles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from shared.adapters.storage.allocation_tables import stored_lines
from shared.adapters.storage.input_versions_table import TABLE as INPUTS
from shared.bootstrap import ALL_TABLES, build_allocation_requests, build_stores
from shared.core.costs import CostType
from shared.core.reports import PeriodReport
from shared.core.views import unit_costs_view
from shared.demo.sample_tenant import SampleTenant
from shared.entrypoints.cli.main import main
from shared.entrypoints.http.presenter import unit_costs_json
from shared.settings import Settings
from tests.doubles.azure import AzureDouble
from tests.doubles.fixtures import RunningDouble
from tests.live_tenant import seen_at_subscription_scope, serve_tenant
from tests.storage import without_stamp


def snapshot(conn: str) -> dict[str, list[tuple[object, ...]]]:
    """Every entity of every table, with the service's own Timestamp and ETag; of the `inputs`
    rows, all but the collection stamp (`CollectedAt`, rewritten by every collection)."""
    service = TableServiceClient.from_connection_string(conn)
    tables: dict[str, list[tuple[object, ...]]] = {}
    for name in ALL_TABLES:
        rows = service.get_table_client(name).list_entities()
        if name == INPUTS:
            tables[name] = sorted(
                (r["PartitionKey"], r["RowKey"], repr(sorted(without_stamp(name, r).items())))
                for r in rows
            )
            continue
        tables[name] = sorted(
            (r["PartitionKey"], r["RowKey"], repr(sorted(r.items())), str(r.metadata["timestamp"]),
             r.metadata["etag"])
            for r in rows
        )  # fmt: skip
    return tables


def stamps(conn: str) -> dict[tuple[str, str], str]:
    rows = TableServiceClient.from_connection_string(conn).get_table_client(INPUTS).list_entities()
    return {
        (r["PartitionKey"], r["RowKey"]): r["CollectedAt"] for r in rows if r.get("CollectedAt")
    }


def collect_and_allocate(tenant: SampleTenant) -> None:
    since, until = tenant.period.start, date(tenant.period.year, tenant.period.month, 31)
    assert main(["collect", "--since", since.isoformat(), "--until", until.isoformat()]) == 0
    stores = build_stores(Settings.from_env())
    assert not build_allocation_requests(stores).drain().poisoned


def test_live_path_conserves_money_per_basis_account_and_day_and_reruns_change_nothing(
    tmp_path: Path,
    serve_azure: Callable[[AzureDouble], RunningDouble],
    monkeypatch: pytest.MonkeyPatch,
    storage_env: dict[str, str],
) -> None:
    tenant, running = serve_tenant(tmp_path, serve_azure, monkeypatch, page_size=150)
    collect_and_allocate(tenant)

    stores = build_stores(Settings.from_env())
    allocations = (
        TableServiceClient.from_connection_string(storage_env["AzureWebJobsStorage"])
        .get_table_client("allocations")
        .list_entities()
    )
    carried: dict[tuple[str, str, date], Decimal] = defaultdict(Decimal)
    for row in allocations:  # each a deployment-day (its meters packed) or a day's unallocated
        basis = row["PartitionKey"].split("|")[1]
        for share in stored_lines(row):
            carried[(basis, share.account_id.lower(), share.date)] += share.cost
    for basis in CostType:  # both price bases, each collected and allocated on its own
        billed: dict[tuple[str, str, date], Decimal] = defaultdict(Decimal)
        for line in stores.costs.lines_for(tenant.period, basis):
            billed[(basis.value, line.account_id.lower(), line.date)] += line.cost
        expected: dict[tuple[str, str, date], Decimal] = defaultdict(Decimal)
        for line in seen_at_subscription_scope(tenant, basis):
            expected[(basis.value, line.account_id.lower(), line.date)] += line.cost
        assert expected, f"the sample tenant has no {basis.value} lines"
        assert billed == expected  # every row of every page, both ServiceNames, made it
        assert {k for k in carried if k[0] == basis.value} == set(billed)
        for key, amount in billed.items():
            assert carried[key] == amount, key  # exact, hence also to the cent

        report = stores.results.report(tenant.period, basis)
        assert isinstance(report, PeriodReport)
        body = unit_costs_json(
            unit_costs_view(report, tenant.period.end)
        )  # what the API serves (HTTP: tests/e2e/test_demo.py)
        served = {
            k: Decimal(str(body[k])) for k in ("billedCost", "allocatedCost", "unallocatedCost")
        }
        total = sum(expected.values(), Decimal(0))
        assert served["billedCost"] == total.quantize(Decimal("0.01"))
        assert served["allocatedCost"] + served["unallocatedCost"] == served["billedCost"]
    queried = {q.json()["type"] for q in running.double.cost_queries()}
    assert queried == {"ActualCost", "AmortizedCost"}
    batches = running.double.metrics_batches()
    assert batches and all(int(req.param("top") or 0) > 10 for req in batches)

    conn = storage_env["AzureWebJobsStorage"]
    before, stamped = snapshot(conn), stamps(conn)
    collect_and_allocate(tenant)
    assert snapshot(conn) == before  # the rerun wrote nothing but the collection stamps
    assert stamped and {k: v for k, v in stamps(conn).items() if k in stamped} != stamped
    assert all(stamps(conn)[k] >= v for k, v in stamped.items())
