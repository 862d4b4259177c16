"""Export runs, pure parts: the manifest parser, the run planner, the partition reader (CSV, gzip,
Parquet) over the sample tenant's export cut into partitions as Azure writes them, and the
ingestion service over in-memory tables."""

from __future__ import annotations

import copy
import gzip
import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.formats.export_csv import read_cost_exports
from shared.adapters.formats.export_manifest import parse_manifest
from shared.adapters.formats.export_partitions import read_partitions
from shared.core.costs import CostLine, CostType
from shared.core.export_runs import (
    BlobCreated,
    ExportContents,
    ExportDataset,
    ExportManifest,
    FileFormat,
    ManifestBlob,
    RunStamp,
    StampKey,
    plan_run,
)
from shared.core.period import BillingPeriod, DateWindow
from shared.demo.sample_tenant import SampleTenant, generate
from shared.errors import CollectionRefused, InvalidInput
from shared.services.collection import CollectionService
from shared.services.collectors import CostCollector
from shared.services.export_ingestion import ExportIngestionService
from shared.services.ports import CostSource
from tests.builders import TableStores
from tests.export_runs import ExportRun, Packing, build_run, read_rows
from tests.fakes import ListQueue, MemoryTableGateway

OCT = BillingPeriod(2026, 10)
NOV = BillingPeriod(2026, 11)
T1 = datetime(2026, 11, 2, 3, 12, tzinfo=UTC)
T2 = datetime(2026, 11, 3, 3, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> SampleTenant:
    return generate(tmp_path_factory.mktemp("tenant"))


def run_of(
    tenant: SampleTenant,
    *,
    packing: Packing = Packing.CSV_GZ,
    submitted: datetime = T1,
    basis: CostType = CostType.ACTUAL,
    partitions: int = 3,
    run_id: str | None = None,
) -> ExportRun:
    export = tenant.cost_export if basis is CostType.ACTUAL else tenant.amortized_export
    header, rows = read_rows(export)
    return build_run(
        header, rows, dataset=basis.value, first=OCT.start, last=date(2026, 10, 31),
        submitted=submitted, partitions=partitions, packing=packing, run_id=run_id,
        export_name=f"aoai-{basis.value.lower()}",
    )  # fmt: skip


def manifest_of(run: ExportRun) -> ExportManifest:
    return parse_manifest(json.dumps(run.manifest).encode(), run.manifest_name)


def local_files(run: ExportRun, folder: Path) -> list[tuple[ManifestBlob, Path]]:
    manifest = manifest_of(run)
    files = []
    for i, blob in enumerate(manifest.blobs):
        path = folder / str(i) / blob.name.rsplit("/", 1)[-1]
        path.parent.mkdir(parents=True)
        path.write_bytes(run.partitions[blob.name])
        files.append((blob, path))
    return files


# --- the manifest ----------------------------------------------------------------------------


def test_a_manifest_is_read_with_its_run_its_days_and_every_partition(
    tenant: SampleTenant,
) -> None:
    run = run_of(tenant)
    manifest = manifest_of(run)
    assert manifest.dataset is ExportDataset.ACTUAL
    assert manifest.run_id == run.run_id and manifest.export_name == "aoai-actualcost"
    assert manifest.submitted == T1.replace(microsecond=0)  # 7 fraction digits read
    assert manifest.window == OCT.window
    assert [b.file_format for b in manifest.blobs] == [FileFormat.CSV] * 3
    assert sum(b.row_count or 0 for b in manifest.blobs) == manifest.row_count == 791
    assert manifest.blobs[0].name.endswith("/part_0_0001.csv.gz")


def test_manifest_field_names_are_matched_in_any_case(tenant: SampleTenant) -> None:
    run = run_of(tenant)
    body = json.loads(json.dumps(run.manifest).replace('"runInfo"', '"RunInfo"'))
    body["exportConfig"]["Type"] = body["exportConfig"].pop("type")
    assert parse_manifest(json.dumps(body), run.manifest_name).run_id == run.run_id


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda m: m.pop("runInfo"), "runInfo: missing"),
        (lambda m: m["runInfo"].pop("runId"), "runInfo.runId: missing"),
        (lambda m: m["runInfo"].update(endDate="2026-09-30T00:00:00"), "is before"),
        (lambda m: m["exportConfig"].update(type="PriceSheet"), "not a cost export"),
        (lambda m: m.update(blobs=[]), "lists no partition"),
        (lambda m: m["blobs"][1].update(blobName="x/part_1.json"), "blobs[1].blobName"),
        (lambda m: m["blobs"][0].update(dataRowCount=-1), "blobs[0].dataRowCount"),
        (lambda m: m["runInfo"].update(submittedTime="yesterday"), "submittedTime"),
    ],
)
def test_a_malformed_manifest_is_refused_naming_the_manifest_and_the_field(
    tenant: SampleTenant, change: Callable[[dict[str, Any]], object], named: str
) -> None:
    run = run_of(tenant)
    body = copy.deepcopy(run.manifest)
    change(body)
    with pytest.raises(InvalidInput) as caught:
        parse_manifest(json.dumps(body), run.manifest_name)
    assert caught.value.field == run.manifest_name
    assert named in str(caught.value)


def test_a_legacy_manifest_says_to_recreate_the_export() -> None:
    with pytest.raises(InvalidInput, match="legacy manifest"):
        parse_manifest(b'{"manifestVersion": "2021-01-01", "blobs": []}', "a/manifest.json")


def test_not_json_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not JSON"):
        parse_manifest(b"\x00garbage", "a/manifest.json")


def test_the_blob_of_a_blob_created_subject() -> None:
    subject = "/blobServices/default/containers/cost-exports/blobs/exports/x/manifest.json"
    assert BlobCreated.of_subject(subject) == BlobCreated("cost-exports", "exports/x/manifest.json")
    assert BlobCreated.of_subject("/subscriptions/x/resourceGroups/y") is None
    assert BlobCreated.of_subject("/blobServices/default/containers/c") is None


# --- the planner -----------------------------------------------------------------------------


def _manifest(
    dataset: ExportDataset, first: date, last: date, at: datetime, run: str
) -> ExportManifest:
    return ExportManifest(
        blob_name=f"r/{run}/manifest.json", export_name="e", export_id="", dataset=dataset,
        data_version="", run_id=run, submitted=at, first_day=first, last_day=last, blobs=(),
    )  # fmt: skip


def test_a_run_with_nothing_stored_is_ingested_over_its_days() -> None:
    manifest = _manifest(ExportDataset.ACTUAL, OCT.start, date(2026, 10, 20), T1, "a")
    plan = plan_run(manifest, {})
    assert [(p.window, p.bases) for p in plan.parts] == [
        (DateWindow(OCT.start, date(2026, 10, 21)), (CostType.ACTUAL,))
    ]
    assert plan.fresh == ((OCT, CostType.ACTUAL),) and not plan.ignored


def test_the_same_run_again_or_an_older_run_is_ignored_and_a_newer_one_restates() -> None:
    stored = {(OCT, CostType.ACTUAL): RunStamp(T2, "b")}
    same = _manifest(ExportDataset.ACTUAL, OCT.start, date(2026, 10, 31), T2, "b")
    older = _manifest(ExportDataset.ACTUAL, OCT.start, date(2026, 10, 31), T1, "a")
    newer = _manifest(ExportDataset.ACTUAL, OCT.start, date(2026, 10, 31), T2, "c")
    assert not plan_run(same, stored).parts
    assert not plan_run(older, stored).parts
    assert plan_run(older, stored).ignored == (((OCT, CostType.ACTUAL), RunStamp(T2, "b")),)
    assert plan_run(newer, stored).fresh == ((OCT, CostType.ACTUAL),)  # same time: by run id


def test_a_focus_run_restates_only_the_bases_and_months_where_it_is_newer() -> None:
    stored = {(OCT, CostType.AMORTIZED): RunStamp(T2, "z")}
    focus = _manifest(ExportDataset.FOCUS, date(2026, 10, 15), date(2026, 11, 10), T1, "f")
    plan = plan_run(focus, stored)
    assert [(p.window, p.bases) for p in plan.parts] == [
        (DateWindow(date(2026, 10, 15), NOV.start), (CostType.ACTUAL,)),
        (DateWindow(NOV.start, date(2026, 11, 11)), (CostType.ACTUAL, CostType.AMORTIZED)),
    ]
    assert plan.ignored == (((OCT, CostType.AMORTIZED), RunStamp(T2, "z")),)


def test_contiguous_months_of_the_same_bases_are_one_window() -> None:
    both = _manifest(ExportDataset.AMORTIZED, date(2026, 9, 1), date(2026, 11, 30), T1, "m")
    (part,) = plan_run(both, {}).parts
    assert part.window == DateWindow(date(2026, 9, 1), date(2026, 12, 1))
    assert part.periods == (BillingPeriod(2026, 9), OCT, NOV)


# --- the partitions --------------------------------------------------------------------------


@pytest.mark.parametrize("packing", list(Packing))
def test_partitions_give_the_same_lines_as_the_whole_file(
    tenant: SampleTenant, tmp_path: Path, packing: Packing
) -> None:
    run = run_of(tenant, packing=packing)
    contents = read_partitions(manifest_of(run), local_files(run, tmp_path))
    whole = read_cost_exports([tenant.cost_export], cost_type=CostType.ACTUAL)
    assert sorted(contents.lines, key=_key) == sorted(whole.lines, key=_key)
    assert contents.rows == 791


def test_an_amortized_run_gives_amortized_lines(tenant: SampleTenant, tmp_path: Path) -> None:
    run = run_of(tenant, basis=CostType.AMORTIZED)
    contents = read_partitions(manifest_of(run), local_files(run, tmp_path))
    assert {ln.cost_type for ln in contents.lines} == {CostType.AMORTIZED}
    assert sum(ln.cost for ln in contents.lines) == tenant.billed(CostType.AMORTIZED)


def test_a_partition_with_fewer_rows_than_its_manifest_says_is_refused_naming_it(
    tenant: SampleTenant, tmp_path: Path
) -> None:
    run = run_of(tenant, packing=Packing.CSV)
    name = sorted(run.partitions)[1]
    body = run.partitions[name]
    run.partitions[name] = body[: body.rindex(b"\r\n", 0, len(body) - 2) + 2]  # last row lost
    with pytest.raises(InvalidInput) as caught:
        read_partitions(manifest_of(run), local_files(run, tmp_path))
    assert caught.value.field == name and "manifest says" in str(caught.value)


def test_a_corrupt_gzip_partition_is_refused_naming_it(
    tenant: SampleTenant, tmp_path: Path
) -> None:
    run = run_of(tenant)
    name = sorted(run.partitions)[2]
    run.partitions[name] = run.partitions[name][:-40]
    with pytest.raises(InvalidInput) as caught:
        read_partitions(manifest_of(run), local_files(run, tmp_path))
    assert caught.value.field == name and "refused" in str(caught.value)


def test_a_typed_focus_parquet_partition_gives_both_bases(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    account = (
        "/subscriptions/5b8f0c1e-3a47-4d2b-9e61-2f7a8c4d9b10/resourceGroups/rg/providers/"
        "Microsoft.CognitiveServices/accounts/contoso-ai"
    )
    days = [datetime(2026, 10, d, tzinfo=UTC) for d in (1, 2)]
    table = pa.table({
        "ChargePeriodStart": pa.array(days, pa.timestamp("us", tz="UTC")),
        "BilledCost": pa.array([Decimal("1.25"), Decimal("2.5")], pa.decimal128(18, 10)),
        "EffectiveCost": pa.array([1.5, 3.0], pa.float64()),
        "BillingCurrency": ["USD", "USD"],
        "ResourceId": [account, account],
        "x_SkuMeterId": ["m-1", "m-1"],
        "x_SkuMeterName": ["gpt 4o 0513 Input global Tokens"] * 2,
        "PricingQuantity": pa.array([10.0, 20.0], pa.float64()),
        "ChargeCategory": ["Usage", "Usage"],
        "ServiceName": ["Foundry Models", "Foundry Models"],
        "x_PricingUnitDescription": ["1K", "1K"],
    })  # fmt: skip
    path = tmp_path / "part_0_0001.snappy.parquet"
    pq.write_table(table, path, compression="snappy")
    manifest = _manifest(ExportDataset.FOCUS, OCT.start, date(2026, 10, 2), T1, "p")
    blob = parse_manifest(
        json.dumps(_blob_manifest("x/part_0_0001.snappy.parquet", 2)), "x/manifest.json"
    ).blobs[0]
    contents = read_partitions(manifest, [(blob, path)])
    totals = {
        basis: sum((ln.cost for ln in contents.lines if ln.cost_type is basis), Decimal(0))
        for basis in CostType
    }
    assert totals == {CostType.ACTUAL: Decimal("3.75"), CostType.AMORTIZED: Decimal("4.5")}
    assert {ln.date for ln in contents.lines} == {date(2026, 10, 1), date(2026, 10, 2)}
    assert {ln.quantity for ln in contents.lines} == {Decimal(10), Decimal(20)}


def _blob_manifest(name: str, rows: int) -> dict[str, object]:
    return {
        "exportConfig": {"exportName": "f", "type": "FocusCost"},
        "runInfo": {
            "runId": "p", "submittedTime": "2026-11-02T03:12:00Z",
            "startDate": "2026-10-01T00:00:00", "endDate": "2026-10-02T00:00:00",
        },
        "blobs": [{"blobName": name, "dataRowCount": rows}],
    }  # fmt: skip


def _key(line: CostLine) -> tuple[str, ...]:
    return (*map(str, line.identity), str(line.cost), str(line.quantity))


# --- the service, on in-memory tables ----------------------------------------------------------


class MemoryRuns:
    def __init__(self) -> None:
        self.stored: dict[StampKey, RunStamp] = {}

    def stamps(self, keys: Iterable[StampKey]) -> dict[StampKey, RunStamp]:
        return {k: self.stored[k] for k in keys if k in self.stored}

    def record(self, keys: Iterable[StampKey], stamp: RunStamp) -> None:
        self.stored.update(dict.fromkeys(keys, stamp))


class MemoryFiles:
    """Runs in memory, read through the real parsers (temporary files)."""

    def __init__(self, folder: Path) -> None:
        self.runs: dict[str, ExportRun] = {}
        self.folder = folder
        self.reads = 0
        self.while_reading: dict[str, Callable[[], object]] = {}  # manifest -> what runs meanwhile

    def manifest(self, blob_name: str) -> ExportManifest:
        return manifest_of(self.runs[blob_name])

    def read(self, manifest: ExportManifest) -> ExportContents:
        self.reads += 1
        target = self.folder / f"read-{self.reads}"
        meanwhile = self.while_reading.pop(manifest.blob_name, None)
        if meanwhile is not None:
            meanwhile()
        files = local_files(self.runs[manifest.blob_name], target)
        return read_partitions(manifest, files)


def ingestion(
    folder: Path,
) -> tuple[ExportIngestionService, MemoryFiles, TableStores, ListQueue, MemoryRuns]:
    stores, queue = TableStores(MemoryTableGateway()), ListQueue()
    runs, files = MemoryRuns(), MemoryFiles(folder)

    def collection(sources: Sequence[CostSource]) -> CollectionService:
        return CollectionService([CostCollector(sources, stores.costs)], stores.costs, queue,
                                 stores.versions)  # fmt: skip

    return ExportIngestionService(files, runs, collection), files, stores, queue, runs


def stored_total(stores: TableStores, basis: CostType = CostType.ACTUAL) -> Decimal:
    return sum((ln.cost for ln in stores.costs.lines_for(OCT, basis)), Decimal(0))


def test_a_run_is_stored_enqueued_and_recorded_and_its_replay_reads_nothing(
    tenant: SampleTenant, tmp_path: Path
) -> None:
    service, files, stores, _queue, runs = ingestion(tmp_path)
    run = run_of(tenant)
    files.runs[run.manifest_name] = run
    report = service.ingest(run.manifest_name)
    assert stored_total(stores) == tenant.total_billed
    assert report.fresh == ((OCT, CostType.ACTUAL),) and report.changed_periods == {OCT}
    assert runs.stored[(OCT, CostType.ACTUAL)].run_id == run.run_id
    again = service.ingest(run.manifest_name)
    assert again.is_noop and again.ignored == (((OCT, CostType.ACTUAL), run.run_id),)
    assert files.reads == 1  # the replay did not even read the partitions


def test_an_empty_newer_run_is_refused_and_erases_nothing(
    tenant: SampleTenant, tmp_path: Path
) -> None:
    service, files, stores, _, runs = ingestion(tmp_path)
    first = run_of(tenant)
    files.runs[first.manifest_name] = first
    service.ingest(first.manifest_name)
    header, _rows = read_rows(tenant.cost_export)
    empty = build_run(header, [], first=OCT.start, last=date(2026, 10, 31), submitted=T2,
                      partitions=1)  # fmt: skip
    files.runs[empty.manifest_name] = empty
    with pytest.raises(CollectionRefused, match="allow-shrink"):
        service.ingest(empty.manifest_name)
    assert stored_total(stores) == tenant.total_billed
    assert runs.stored[(OCT, CostType.ACTUAL)].run_id == first.run_id


def test_gzip_partitions_are_gzip(tenant: SampleTenant) -> None:
    run = run_of(tenant)
    body = next(iter(run.partitions.values()))
    assert gzip.GzipFile(fileobj=io.BytesIO(body)).read(18) == b"InvoiceSectionName"


def test_an_older_run_storing_while_a_newer_one_lands_leaves_the_newer_run_stored(
    tenant: SampleTenant, tmp_path: Path
) -> None:
    service, files, stores, _, runs = ingestion(tmp_path)
    header, rows = read_rows(tenant.cost_export)
    cost = header.index("CostInBillingCurrency")
    restated = [list(r) for r in rows]
    restated[0][cost] = str(Decimal(restated[0][cost]) + Decimal("12.5"))
    older = run_of(tenant, submitted=T1)
    newer = build_run(header, restated, first=OCT.start, last=date(2026, 10, 31), submitted=T2)
    files.runs.update({older.manifest_name: older, newer.manifest_name: newer})
    # The older run has planned (nothing stored yet) when the newer one is ingested whole.
    files.while_reading[older.manifest_name] = lambda: service.ingest(newer.manifest_name)
    report = service.ingest(older.manifest_name)
    assert stored_total(stores) == tenant.total_billed + Decimal("12.5")
    assert runs.stored[(OCT, CostType.ACTUAL)].run_id == newer.run_id
    assert report.fresh == () and report.ignored == (((OCT, CostType.ACTUAL), newer.run_id),)
