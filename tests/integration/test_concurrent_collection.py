"""Concurrent collection against the HTTPS Azure double: the calls of a source overlap up to the
bound (counted as calls open at once at the double, never by a clock), and a whole live
collection with 30% of its Resource Graph and metrics calls refused (429/503) stores exactly the
tables a clean run stores, on Azurite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from azure.core.credentials import TokenCredential
from azure.data.tables import TableServiceClient

from shared.adapters.azure.arm_inventory import ArmInventorySource
from shared.adapters.azure.cost_management import CostManagementSource
from shared.adapters.azure.monitor_metrics import MonitorUsageSource
from shared.adapters.storage.input_versions_table import TABLE as INPUTS
from shared.adapters.storage.run_records_table import TABLE as RUNS
from shared.bootstrap import EVERY_TABLE, build_stores, live_collection
from shared.core.costs import CostLine, CostType
from shared.core.inventory import Deployment
from shared.core.period import DateWindow
from shared.core.run_records import RunStatus
from shared.core.usage import UsageRecord
from shared.settings import Settings
from tests.doubles import AzureDouble
from tests.doubles.fixtures import RunningDouble
from tests.storage import clear_storage, without_stamp

ACCOUNTS = "providers/Microsoft.CognitiveServices/accounts"
SUBS = [f"6f1c2a3b-0000-4000-8000-00000000e{n:03d}" for n in range(4)]
WINDOW = DateWindow(date(2026, 11, 1), date(2026, 11, 8))
AT = datetime(2026, 11, 7, 6, tzinfo=UTC)
INPUT = ("e44b94b3-934f-5f67-bf3a-c9a64d3a83d5", "gpt 4o 1120 Inp glbl Tokens")
LATENCY = 0.3  # seconds each Azure call is held open at the double

Serve = Callable[[AzureDouble], RunningDouble]
Credential = Callable[[RunningDouble], TokenCredential]


def account(sub: str, n: int) -> str:
    return f"/subscriptions/{sub}/resourceGroups/rg/{ACCOUNTS}/a{n:02d}"


def deployments(accounts_per_sub: int, per_account: int = 2) -> list[Deployment]:
    return [
        Deployment(
            account(sub, n),
            f"chat-{d}",
            "gpt-4o",
            "2024-11-20",
            "GlobalStandard",
            100,
            "OpenAI",
            "eastus2",
        )
        for sub in SUBS
        for n in range(accounts_per_sub)
        for d in range(per_account)
    ]


def usage(made: list[Deployment]) -> list[UsageRecord]:
    return [
        UsageRecord(day, d.account_id, d.name, 1000 + i, 100 + i, 10 + i)
        for i, d in enumerate(made)
        for day in WINDOW.days()
    ]


def bill(made: list[Deployment]) -> list[CostLine]:
    accounts = sorted({d.account_id for d in made})
    return [
        CostLine(
            day,
            a,
            INPUT[0],
            INPUT[1],
            Decimal(1000),
            Decimal("1.25") + i,
            "USD",
            cost_type=basis,
            unit_of_measure="1K",
        )
        for i, a in enumerate(accounts)
        for day in WINDOW.days()
        for basis in CostType
    ]


def test_the_arm_listing_keeps_the_bound_of_calls_open_at_once(
    serve_azure: Serve, credential_for: Credential
) -> None:
    made = [d for d in deployments(12) if d.account_id.startswith(f"/subscriptions/{SUBS[0]}")]
    azure = serve_azure(AzureDouble(deployments=made, latency_seconds=LATENCY))
    credential = credential_for(azure)

    found = ArmInventorySource(credential, [SUBS[0]], azure.arm_endpoint, concurrency=4).fetch()
    overlapped = azure.double.max_open_calls["arm"]
    azure.double.max_open_calls.clear()
    serial = ArmInventorySource(credential, [SUBS[0]], azure.arm_endpoint).fetch()

    assert found == serial and len(found) == 24
    assert overlapped == 4  # 12 accounts' listings, 4 at a time: never more, and overlapping
    assert azure.double.max_open_calls["arm"] == 1


def test_metrics_batches_and_cost_queries_overlap_up_to_the_bound(
    serve_azure: Serve, credential_for: Credential
) -> None:
    made = deployments(1)
    azure = serve_azure(
        AzureDouble(costs=bill(made), deployments=made, usage=usage(made), latency_seconds=LATENCY)
    )
    credential = credential_for(azure)
    accounts = sorted({(d.account_id, d.account_location) for d in made})

    records = MonitorUsageSource(credential, azure.metrics_endpoint, concurrency=4).fetch(
        WINDOW, accounts
    )
    scopes = [f"/subscriptions/{s}" for s in SUBS]
    lines = CostManagementSource(credential, scopes, azure.arm_endpoint, concurrency=3).fetch(
        WINDOW
    )

    assert len(records) == len(made) * len(list(WINDOW.days()))
    assert len(lines) == 4 * len(list(WINDOW.days()))
    # One batch per subscription (4), two calls each; the 4 cost scopes of one month, 3 at once.
    assert len(azure.double.metrics_batches()) == 8
    assert azure.double.max_open_calls["metrics"] == 4
    assert azure.double.max_open_calls["cost"] == 3


def stored(conn: str) -> dict[str, dict[tuple[str, str], str]]:
    """Every entity's properties of the collected tables (no ETags: two runs write them apart);
    the collection stamps of `inputs` and the run records' times left out."""
    service = TableServiceClient.from_connection_string(conn)
    out: dict[str, dict[tuple[str, str], str]] = {}
    for name in EVERY_TABLE:
        rows = list(service.get_table_client(name).list_entities())
        if name == RUNS:
            out[name] = {
                (r["PartitionKey"], r["RowKey"]): f"{r['Status']} {r['Counts']}" for r in rows
            }
            continue
        out[name] = {
            (r["PartitionKey"], r["RowKey"]): repr(sorted(without_stamp(name, r).items()))
            for r in rows
        }
    return out


@pytest.mark.azurite
def test_thirty_percent_throttling_stores_the_same_tables_as_a_clean_run(
    serve_azure: Serve,
    credential_for: Credential,
    storage_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = deployments(3)
    double = AzureDouble(costs=bill(made), deployments=made, usage=usage(made))
    running = serve_azure(double)
    monkeypatch.setenv("COST_SCOPES", ",".join(f"/subscriptions/{s}" for s in SUBS))
    monkeypatch.setenv("ARM_ENDPOINT", running.arm_endpoint)
    monkeypatch.setenv("METRICS_ENDPOINT", running.metrics_endpoint)
    monkeypatch.setenv("COLLECTION_CONCURRENCY", "4")
    monkeypatch.setenv("INVENTORY_SOURCE", "resource-graph")  # the faults go to the graph double
    settings = Settings.from_env()
    credential = credential_for(running)
    conn = storage_env["AzureWebJobsStorage"]

    clean = live_collection(settings, build_stores(settings), credential).collect_all(WINDOW, AT)
    expected = stored(conn)
    clean_calls = len(double.azure_calls())
    clear_storage(conn)
    double.graph.fault_rate = double.metrics.fault_rate = 0.3
    faulty = live_collection(settings, build_stores(settings), credential).collect_all(WINDOW, AT)

    assert stored(conn) == expected
    assert faulty.counts == clean.counts and clean.deployments == len(made)
    assert double.graph.faults >= 1 and double.metrics.faults >= 1
    assert len(double.azure_calls()) - clean_calls == clean_calls + double.graph.faults + (
        double.metrics.faults
    )
    assert {r.split()[0] for r in expected[RUNS].values()} == {RunStatus.SUCCEEDED.value}
    assert expected[INPUTS]  # the inputs' versions were written, and compared


@pytest.mark.azurite
@pytest.mark.parametrize("source", ["resource-graph", "arm"])
def test_the_live_inventory_comes_from_the_source_the_setting_names(
    source: str,
    serve_azure: Serve,
    credential_for: Credential,
    storage_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = deployments(2)
    double = AzureDouble(deployments=made)
    running = serve_azure(double)
    monkeypatch.setenv("COST_SCOPES", ",".join(f"/subscriptions/{s}" for s in SUBS))
    monkeypatch.setenv("ARM_ENDPOINT", running.arm_endpoint)
    monkeypatch.setenv("METRICS_ENDPOINT", running.metrics_endpoint)
    monkeypatch.setenv("INVENTORY_SOURCE", source)
    settings = Settings.from_env()
    stores = build_stores(settings)

    report = live_collection(settings, stores, credential_for(running)).collect_inventory(AT)

    assert report.deployments == len(made)
    graph, arm = len(double.graph_queries()), len(double.arm_listings())
    assert (graph, arm) == ((2, 0) if source == "resource-graph" else (0, 4 + 8))
    (record,) = stores.runs.all()
    assert (record.task, record.status, record.counts) == (
        "inventory",
        RunStatus.SUCCEEDED,
        (("deployments", len(made)),),
    )
