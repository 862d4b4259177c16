"""Cost Management export runs as Azure writes them, built from export files (the sample
tenant's): the rows split into partitions (`part_<n>_0001.csv[.gz]` or `.snappy.parquet`, each
with the header), a run folder `<root>/<export>/<YYYYMMDD-YYYYMMDD>/<export-time>/<run-guid>/`,
and its `manifest.json` (api-version 2023-07-01-preview shape, with per-blob `byteCount` and
`dataRowCount` and the top-level counts)."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path

from shared.core.costs import ChargeType, CostLine, CostType, PricingModel


class Packing(Enum):
    CSV = "csv"
    CSV_GZ = "csv.gz"
    PARQUET = "snappy.parquet"


@dataclass(frozen=True)
class ExportRun:
    """One run's blobs (name -> bytes), the manifest last."""

    manifest_name: str
    partitions: dict[str, bytes]
    manifest: dict[str, object]
    run_id: str

    @property
    def blobs(self) -> dict[str, bytes]:
        """Every blob, partitions first and the manifest last (as Azure writes them)."""
        return {**self.partitions, self.manifest_name: json.dumps(self.manifest).encode()}


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the records of an export CSV (BOM stripped)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle))
    return records[0], records[1:]


def build_run(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    dataset: str = "ActualCost",
    first: date,
    last: date,
    submitted: datetime,
    export_name: str = "aoai-actual",
    root: str = "exports",
    partitions: int = 3,
    packing: Packing = Packing.CSV_GZ,
    run_id: str | None = None,
    data_version: str = "2024-08-01",
) -> ExportRun:
    """The run of `rows` cut into `partitions` files of about equal size."""
    run_id = run_id or str(uuid.uuid4())
    stamp = submitted.astimezone(UTC).strftime("%Y%m%d%H%M")
    folder = f"{root}/{export_name}/{first:%Y%m%d}-{last:%Y%m%d}/{stamp}/{run_id}"
    size = max(1, -(-len(rows) // partitions))
    files: dict[str, bytes] = {}
    entries: list[dict[str, object]] = []
    for index in range(partitions):
        chunk = rows[index * size : (index + 1) * size]
        name = f"{folder}/part_{index}_0001.{packing.value}"
        body = _pack(header, chunk, packing)
        files[name] = body
        entries.append({"blobName": name, "byteCount": len(body), "dataRowCount": len(chunk)})
    manifest: dict[str, object] = {
        "manifestVersion": "2024-04-01",
        "byteCount": sum(len(b) for b in files.values()),
        "blobCount": len(files),
        "dataRowCount": len(rows),
        "exportConfig": {
            "exportName": export_name,
            "resourceId": "/providers/Microsoft.Billing/billingAccounts/87654321/providers/"
            f"Microsoft.CostManagement/exports/{export_name}",
            "dataVersion": data_version,
            "apiVersion": "2023-07-01-preview",
            "type": dataset,
            "timeFrame": "MonthToDate",
            "granularity": "Daily",
        },
        "deliveryConfig": {
            "partitionData": True,
            "dataOverwriteBehavior": "CreateNewReport",
            "fileFormat": "Parquet" if packing is Packing.PARQUET else "Csv",
            "containerUri": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
            "rg/providers/Microsoft.Storage/storageAccounts/exports",
            "rootFolderPath": root,
        },
        "runInfo": {
            "executionType": "Scheduled",
            "submittedTime": submitted.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "4Z",
            "runId": run_id,
            "startDate": f"{first:%Y-%m-%d}T00:00:00",
            "endDate": f"{last:%Y-%m-%d}T00:00:00",
        },
        "blobs": entries,
    }
    return ExportRun(f"{folder}/manifest.json", files, manifest, run_id)


def _pack(header: Sequence[str], rows: Sequence[Sequence[str]], packing: Packing) -> bytes:
    if packing is Packing.PARQUET:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
        table = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
        out = io.BytesIO()
        pq.write_table(table, out, compression="snappy")
        return out.getvalue()
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    body = text.getvalue().encode("utf-8")
    return gzip.compress(body, mtime=0) if packing is Packing.CSV_GZ else body


def upload(connection_string: str, container: str, blobs: Mapping[str, bytes]) -> None:
    """Write the blobs into the container (created if missing), in order."""
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobServiceClient

    client = BlobServiceClient.from_connection_string(connection_string)
    target = client.get_container_client(container)
    with contextlib.suppress(ResourceExistsError):
        target.create_container()
    for name, body in blobs.items():
        target.upload_blob(name, body, overwrite=True)


FOCUS_COLUMNS = (
    "ChargePeriodStart", "ChargePeriodEnd", "BilledCost", "EffectiveCost", "BillingCurrency",
    "ResourceId", "x_SkuMeterId", "x_SkuMeterName", "PricingQuantity", "ChargeCategory",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "PricingCategory", "ServiceName",
    "x_SkuMeterCategory", "x_SkuMeterSubcategory", "x_PricingUnitDescription",
)  # fmt: skip


def focus_rows(actual: Sequence[CostLine], amortized: Sequence[CostLine]) -> list[list[str]]:
    """FOCUS 1.0 rows of a bill given as its two bases: one row per bill line, BilledCost and
    EffectiveCost side by side (0 where a basis has no such line, as Azure writes them)."""
    by_key: dict[tuple[object, ...], dict[CostType, CostLine]] = {}
    for line in (*actual, *amortized):
        by_key.setdefault(line.identity[1:], {})[line.cost_type] = line
    rows = []
    for bases in by_key.values():
        line = next(iter(bases.values()))
        unused = line.charge_type is ChargeType.UNUSED_RESERVATION
        category = "Purchase" if line.charge_type is ChargeType.PURCHASE else "Usage"
        committed = line.pricing_model is PricingModel.RESERVATION
        billed, effective = (
            str(bases[b].cost) if b in bases else "0" for b in (CostType.ACTUAL, CostType.AMORTIZED)
        )
        end = line.date + timedelta(days=1)
        rows.append([
            f"{line.date:%Y-%m-%d}T00:00:00Z", f"{end:%Y-%m-%d}T00:00:00Z", billed, effective,
            line.currency, line.account_id, line.meter_id, line.meter_name, str(line.quantity),
            category, "Unused" if unused else ("Used" if committed else ""),
            "Reservation" if committed else "", "Committed" if committed else "Standard",
            "Foundry Models", line.meter_category, line.meter_subcategory, line.unit_of_measure,
        ])  # fmt: skip
    return rows
