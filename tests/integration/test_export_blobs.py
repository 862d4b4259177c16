"""The export-run adapters on Azurite: runs as Azure writes them (partitioned, gzip or Parquet,
with their manifest) read from a blob container by `ExportBlobs`, and the `exportruns` table."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from shared.adapters.formats.export_csv import read_cost_exports
from shared.adapters.storage.export_blobs import ExportBlobs, container_client
from shared.adapters.storage.export_runs_table import ExportRunsTable
from shared.adapters.storage.table_gateway import AzureTableGateway
from shared.bootstrap import ALL_TABLES, table_service
from shared.core.costs import CostType
from shared.core.export_runs import RunStamp
from shared.core.period import BillingPeriod
from shared.demo.sample_tenant import SampleTenant, generate
from shared.errors import InvalidInput
from shared.settings import Settings
from tests.export_runs import ExportRun, Packing, build_run, read_rows, upload

pytestmark = pytest.mark.azurite
OCT = BillingPeriod(2026, 10)
AT = datetime(2026, 11, 2, 3, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> SampleTenant:
    return generate(tmp_path_factory.mktemp("tenant"))


def a_run(tenant: SampleTenant, packing: Packing = Packing.CSV_GZ) -> ExportRun:
    header, rows = read_rows(tenant.cost_export)
    return build_run(header, rows, first=OCT.start, last=date(2026, 10, 31), submitted=AT,
                     packing=packing, partitions=4)  # fmt: skip


def blobs_of(conn: str, run: ExportRun, *, skip: str | None = None) -> ExportBlobs:
    """A fresh container holding the run (but `skip`), read through the adapter."""
    name = f"exports-{uuid.uuid4().hex[:12]}"
    upload(conn, name, {k: v for k, v in run.blobs.items() if k != skip})
    return ExportBlobs(container_client(container=name, connection_string=conn))


@pytest.mark.parametrize("packing", [Packing.CSV_GZ, Packing.PARQUET])
def test_a_partitioned_run_reads_as_the_whole_export(
    azurite: object, tenant: SampleTenant, packing: Packing
) -> None:
    conn = azurite.connection_string  # type: ignore[attr-defined]
    run = a_run(tenant, packing)
    blobs = blobs_of(conn, run)
    manifest = blobs.manifest(run.manifest_name)
    assert len(manifest.blobs) == 4 and manifest.run_id == run.run_id
    contents = blobs.read(manifest)
    whole = read_cost_exports([tenant.cost_export], cost_type=CostType.ACTUAL)
    assert set(contents.lines) == set(whole.lines) and len(contents.lines) == len(whole.lines)
    assert contents.rows == 791


def test_a_missing_partition_is_refused_naming_the_blob(
    azurite: object, tenant: SampleTenant
) -> None:
    conn = azurite.connection_string  # type: ignore[attr-defined]
    run = a_run(tenant)
    missing = sorted(run.partitions)[2]
    blobs = blobs_of(conn, run, skip=missing)
    with pytest.raises(InvalidInput) as caught:
        blobs.read(blobs.manifest(run.manifest_name))
    assert caught.value.field == missing
    assert "missing from the container" in str(caught.value)


def test_a_partition_of_another_size_than_the_manifest_says_is_refused(
    azurite: object, tenant: SampleTenant
) -> None:
    conn = azurite.connection_string  # type: ignore[attr-defined]
    run = a_run(tenant)
    short = sorted(run.partitions)[0]
    blobs = blobs_of(conn, run)
    container = BlobServiceClient.from_connection_string(conn).get_container_client(
        blobs.container_name
    )
    container.upload_blob(short, run.partitions[short][:-10], overwrite=True)
    with pytest.raises(InvalidInput) as caught:
        blobs.read(blobs.manifest(run.manifest_name))
    assert caught.value.field == short and "where the manifest says" in str(caught.value)


def test_an_absent_manifest_or_a_blob_that_is_not_one_is_refused(
    azurite: object, tenant: SampleTenant
) -> None:
    conn = azurite.connection_string  # type: ignore[attr-defined]
    run = a_run(tenant)
    blobs = blobs_of(conn, run)
    with pytest.raises(InvalidInput, match="not in container"):
        blobs.manifest("exports/nowhere/manifest.json")
    with pytest.raises(InvalidInput, match="not a run's manifest"):
        blobs.manifest(sorted(run.partitions)[0])


def test_run_stamps_round_trip_on_azurite_and_recording_twice_is_the_same(
    storage_env: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings.from_env()
    gateway = AzureTableGateway(table_service(settings.storage, None))
    gateway.ensure(ALL_TABLES)
    table = ExportRunsTable(gateway)
    stamp = RunStamp(AT.replace(microsecond=103207), "run-1", "aoai", "x/manifest.json")
    keys = [(OCT, CostType.ACTUAL), (OCT, CostType.AMORTIZED)]
    assert table.stamps(keys) == {}
    table.record(keys, stamp)
    first = gateway.get("exportruns", "2026-10", "ActualCost")
    table.record(keys, stamp)
    assert table.stamps(keys) == dict.fromkeys(keys, stamp)
    second = gateway.get("exportruns", "2026-10", "ActualCost")
    assert first is not None and second is not None and first.entity == second.entity
