"""The big-tenant path end to end on Azurite: Cost Management export runs written to a blob
container as Azure writes them (partitions, then manifest.json), ingested by the Event Grid
trigger or `ingest`, then allocated; the same totals as the same bill collected with
`collect --from-files`; a run missing a partition refused with the stored tables untouched; a
newer run restating the period and an older one ignored; a replayed event a no-op."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import azure.functions as func
import pytest
from azure.data.tables import TableServiceClient

from functions import composition
from shared import cli
from shared.bootstrap import ALL_TABLES, Container, build_allocation_requests, build_stores
from shared.core.costs import CostType
from shared.core.period import BillingPeriod, midnight_utc
from shared.core.reports import PeriodReport
from shared.demo.sample_tenant import SampleTenant, generate
from shared.services.collectors import CollectorKind
from shared.settings import Settings
from tests.export_runs import (
    FOCUS_COLUMNS,
    ExportRun,
    Packing,
    build_run,
    focus_rows,
    read_rows,
    upload,
)
from tests.functions.test_functions import registered  # the app indexed once per session
from tests.storage import clear_storage

pytestmark = pytest.mark.azurite
T1 = datetime(2026, 11, 2, 3, 12, tzinfo=UTC)
T2 = datetime(2026, 11, 3, 3, 12, tzinfo=UTC)
T0 = datetime(2026, 11, 1, 3, 12, tzinfo=UTC)
Tables = dict[str, dict[tuple[str, str], tuple[str, str | None]]]


def run_of(
    tenant: SampleTenant,
    basis: CostType,
    submitted: datetime,
    packing: Packing = Packing.CSV_GZ,
    rows: list[list[str]] | None = None,
) -> ExportRun:
    export = tenant.cost_export if basis is CostType.ACTUAL else tenant.amortized_export
    header, all_rows = read_rows(export)
    period = tenant.period
    return build_run(
        header, all_rows if rows is None else rows, dataset=basis.value, first=period.start,
        last=date(period.year, period.month, 31), submitted=submitted, packing=packing,
        export_name=f"aoai-{basis.value.lower()}", partitions=3,
    )  # fmt: skip


def tables(conn: str) -> Tables:
    """Every entity of every table with its ETag: a rewrite shows even if nothing changed."""
    service = TableServiceClient.from_connection_string(conn)
    return {
        name: {
            (r["PartitionKey"], r["RowKey"]): (repr(sorted(r.items())), r.metadata["etag"])
            for r in service.get_table_client(name).list_entities()
        }
        for name in ALL_TABLES
    }


def allocate(conn: str) -> None:
    stores = build_stores(Settings.from_env({"AzureWebJobsStorage": conn}))
    assert not build_allocation_requests(stores).drain().poisoned


def totals(conn: str, period: BillingPeriod) -> dict[CostType, tuple[object, ...]]:
    """Per basis: billed, allocated, unallocated and every deployment's cost and tokens."""
    results = build_stores(Settings.from_env({"AzureWebJobsStorage": conn})).results
    found: dict[CostType, tuple[object, ...]] = {}
    for basis in CostType:
        report = results.report(period, basis)
        assert isinstance(report, PeriodReport), f"{period} {basis.value} not published"
        rows = sorted(
            (u.deployment.name, u.deployment.account_id, u.cost, u.input_tokens, u.output_tokens)
            for u in report.unit_costs
        )
        found[basis] = (report.billed, report.allocated, report.unallocated, tuple(rows))
    return found


def usage_and_inventory_from_files(tenant: SampleTenant) -> None:
    """What the exports do not carry: the inventory and usage, from the tenant's files."""
    container = Container(Settings.from_env())
    window = tenant.period.window
    container.file_collection(tenant.out_dir).collect(
        window, midnight_utc(window.start), {CollectorKind.INVENTORY, CollectorKind.USAGE}
    )


def ingest(container: str, manifest: str) -> int:
    return cli.main(["ingest", "--container", container, "--manifest", manifest])


def blob_created(container: str, blob: str) -> func.EventGridEvent:
    """The event the export account's system topic delivers (Event Grid schema)."""
    return func.EventGridEvent(
        id=str(uuid.uuid4()),
        data={"api": "PutBlob", "url": f"https://exports.blob.core.windows.net/{container}/{blob}",
              "contentType": "application/json", "blobType": "BlockBlob"},
        topic="/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/exp",
        subject=f"/blobServices/default/containers/{container}/blobs/{blob}",
        event_type="Microsoft.Storage.BlobCreated",
        event_time=datetime.now(UTC),
        data_version="",
    )  # fmt: skip


@pytest.fixture
def tenant(tmp_path: Path) -> SampleTenant:
    return generate(tmp_path / "tenant")


@pytest.fixture
def container_name() -> str:
    return f"exports-{uuid.uuid4().hex[:12]}"


def test_exports_ingested_and_allocated_match_the_same_bill_collected_from_files(
    storage_env: dict[str, str], tenant: SampleTenant, container_name: str
) -> None:
    conn = storage_env["AzureWebJobsStorage"]
    actual = run_of(tenant, CostType.ACTUAL, T1, Packing.CSV_GZ)
    amortized = run_of(tenant, CostType.AMORTIZED, T1, Packing.PARQUET)
    upload(conn, container_name, {**actual.blobs, **amortized.blobs})
    usage_and_inventory_from_files(tenant)
    assert ingest(container_name, actual.manifest_name) == 0
    assert ingest(container_name, amortized.manifest_name) == 0
    allocate(conn)
    from_exports = totals(conn, tenant.period)
    assert from_exports[CostType.ACTUAL][0] == tenant.total_billed

    clear_storage(conn)
    last = date(tenant.period.year, tenant.period.month, 31)
    args = ["--since", str(tenant.period.start), "--until", str(last)]
    assert cli.main(["collect", *args, "--from-files", str(tenant.out_dir)]) == 0
    allocate(conn)
    assert totals(conn, tenant.period) == from_exports


def test_a_run_missing_a_partition_is_refused_naming_it_and_nothing_stored_changes(
    storage_env: dict[str, str],
    tenant: SampleTenant,
    container_name: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    conn = storage_env["AzureWebJobsStorage"]
    first = run_of(tenant, CostType.ACTUAL, T1)
    upload(conn, container_name, first.blobs)
    assert ingest(container_name, first.manifest_name) == 0
    before = tables(conn)
    newer = run_of(tenant, CostType.ACTUAL, T2)
    lost = sorted(newer.partitions)[1]
    upload(conn, container_name, {k: v for k, v in newer.blobs.items() if k != lost})
    capsys.readouterr()
    assert ingest(container_name, newer.manifest_name) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and lost in err[0] and "missing from the container" in err[0]
    assert tables(conn) == before


def test_a_newer_run_restates_the_period_and_an_older_one_is_then_ignored(
    storage_env: dict[str, str], tenant: SampleTenant, container_name: str
) -> None:
    conn = storage_env["AzureWebJobsStorage"]
    usage_and_inventory_from_files(tenant)
    first = run_of(tenant, CostType.ACTUAL, T1)
    header, rows = read_rows(tenant.cost_export)
    cost = header.index("CostInBillingCurrency")
    restated = [list(r) for r in rows]
    target = next(i for i, r in enumerate(restated) if Decimal(r[cost]) > 0)
    restated[target][cost] = str(Decimal(restated[target][cost]) + Decimal("12.5"))
    newer = run_of(tenant, CostType.ACTUAL, T2, rows=restated)
    older = run_of(tenant, CostType.ACTUAL, T0)
    upload(conn, container_name, {**first.blobs, **newer.blobs, **older.blobs})

    assert ingest(container_name, first.manifest_name) == 0
    assert ingest(container_name, newer.manifest_name) == 0
    allocate(conn)
    report = build_stores(Settings.from_env()).results.report(tenant.period, CostType.ACTUAL)
    assert isinstance(report, PeriodReport)
    assert report.billed == tenant.total_billed + Decimal("12.5")
    assert report.allocated + report.unallocated == report.billed

    before = tables(conn)
    assert ingest(container_name, older.manifest_name) == 0  # older than the stored run
    assert tables(conn) == before


def test_the_event_grid_trigger_ingests_a_run_once_and_a_replayed_event_changes_nothing(
    storage_env: dict[str, str], tenant: SampleTenant, container_name: str
) -> None:
    conn = storage_env["AzureWebJobsStorage"]
    run = run_of(tenant, CostType.ACTUAL, T1)
    upload(conn, container_name, run.blobs)
    trigger = registered("ingest_export").get_user_function()
    composition.reset()
    try:
        stores = build_stores(Settings.from_env())
        trigger(blob_created(container_name, sorted(run.partitions)[0]))  # not a manifest
        assert not stores.costs.has_lines(tenant.period, CostType.ACTUAL)
        trigger(blob_created(container_name, run.manifest_name))
        stored = stores.costs.lines_for(tenant.period, CostType.ACTUAL)
        assert sum((ln.cost for ln in stored), Decimal(0)) == tenant.total_billed
        queue = stores.queue
        # Received once and kept invisible: any message of the replay would be a new one.
        assert len(queue.receive(max_messages=32, visibility_timeout=600)) == 1
        before = tables(conn)
        trigger(blob_created(container_name, run.manifest_name))  # Event Grid delivers again
        assert tables(conn) == before
        assert len(queue.receive(max_messages=32, visibility_timeout=1)) == 0
    finally:
        composition.reset()


def test_the_trigger_is_an_event_grid_trigger() -> None:
    trigger = registered("ingest_export").get_trigger()
    assert trigger is not None and trigger.get_dict_repr()["type"] == "eventGridTrigger"


def test_a_focus_run_stores_both_price_bases_with_the_bills_totals(
    storage_env: dict[str, str], tenant: SampleTenant, container_name: str
) -> None:
    conn = storage_env["AzureWebJobsStorage"]
    period = tenant.period
    rows = focus_rows(tenant.cost_lines, tenant.amortized_lines)
    run = build_run(
        FOCUS_COLUMNS, rows, dataset="FocusCost", data_version="1.0r2", first=period.start,
        last=date(period.year, period.month, 31), submitted=T1, export_name="aoai-focus",
        partitions=4, packing=Packing.CSV_GZ,
    )  # fmt: skip
    upload(conn, container_name, run.blobs)
    assert ingest(container_name, run.manifest_name) == 0
    costs = build_stores(Settings.from_env()).costs
    for basis in CostType:
        stored = sum((ln.cost for ln in costs.lines_for(period, basis)), Decimal(0))
        assert stored == tenant.billed(basis), basis
