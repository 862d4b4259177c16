"""The partitions of one export run (downloaded files) read into cost lines, each checked
against its manifest entry.

CSV partitions (plain or gzip) go through the `collect --from-files` parser
(shared/adapters/formats/export_csv.py: dialects, encodings, bounds, rows read once through one
`ExportLedger` for the whole run). A Parquet partition (snappy or not) is first written out as a
CSV of the same columns (pyarrow, imported only here, when a run has one), then read the same
way. Every partition's data rows are counted and must equal its `dataRowCount` when the manifest
gives it, and the run's total its top-level `dataRowCount`. Any problem is an InvalidInput naming
the blob: the run is refused whole.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from pathlib import Path

from shared.adapters.formats.export_csv import ExportLedger, read_cost_export
from shared.core.costs import CostLine, CostType, merge_cost_lines
from shared.core.export_runs import (
    ExportContents,
    ExportDataset,
    ExportManifest,
    FileFormat,
    ManifestBlob,
)
from shared.errors import InvalidInput

REFUSED = "the run is refused, nothing stored"
_GZIP_MAGIC = b"\x1f\x8b"


def read_partitions(
    manifest: ExportManifest, files: Sequence[tuple[ManifestBlob, Path]]
) -> ExportContents:
    """Every partition's cost lines (legacy exports in the manifest's basis, FOCUS both), merged
    to one line per identity; raises InvalidInput naming the first bad blob."""
    cost_type = None if manifest.dataset is ExportDataset.FOCUS else manifest.dataset.bases[0]
    ledger = ExportLedger()
    lines: list[CostLine] = []
    rows = 0
    for blob, path in files:
        csv_path = path
        if blob.file_format is FileFormat.PARQUET:
            csv_path = path.with_name(path.name + ".csv")
            found = parquet_to_csv(path, csv_path, blob.name)
        else:
            found = count_csv_rows(path, blob.name)
        if blob.row_count is not None and found != blob.row_count:
            raise InvalidInput(
                blob.name,
                f"holds {found} data rows where the manifest says {blob.row_count} "
                f"(a partial write); {REFUSED}",
            )
        rows += found
        lines.extend(_parse(csv_path, blob, cost_type, ledger))
    if manifest.row_count is not None and rows != manifest.row_count:
        raise InvalidInput(
            manifest.blob_name,
            f"the partitions hold {rows} data rows where the manifest says "
            f"{manifest.row_count}; {REFUSED}",
        )
    return ExportContents(tuple(merge_cost_lines(lines)), rows, tuple(ledger.warnings))


def _parse(
    path: Path, blob: ManifestBlob, cost_type: CostType | None, ledger: ExportLedger
) -> list[CostLine]:
    try:
        return read_cost_export(path, cost_type=cost_type, ledger=ledger)
    except InvalidInput as exc:
        raise InvalidInput(blob.name, f"{exc}; {REFUSED}") from None


def count_csv_rows(path: Path, name: str) -> int:
    """The data rows (records after the header, blank ones left out) of a CSV, plain or gzip."""
    try:
        with path.open("rb") as raw:
            gzipped = raw.read(2) == _GZIP_MAGIC
        opened = gzip.open(path, "rb") if gzipped else path.open("rb")  # noqa: SIM115
        with opened as binary, _text(binary) as text:
            first = text.readline()
            delimiter = "\t" if "\t" in first and "," not in first else ","
            reader = csv.reader(text, delimiter=delimiter)
            return sum(1 for cells in reader if any(c.strip() for c in cells))
    except (OSError, EOFError, csv.Error) as exc:
        raise InvalidInput(name, f"cannot be read: {exc}; {REFUSED}") from None


def _text(binary: io.BufferedIOBase | gzip.GzipFile) -> io.TextIOWrapper:
    head = binary.peek(2)[:2] if hasattr(binary, "peek") else b""
    encoding = "utf-16" if head in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    return io.TextIOWrapper(binary, encoding, errors="replace", newline="")  # type: ignore[arg-type]


def parquet_to_csv(source: Path, target: Path, name: str) -> int:
    """Write a Parquet partition as a CSV of its columns; returns its row count. pyarrow is
    imported here, on the first Parquet partition, never at import of the app."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(source)
        rows = 0
        with pa_csv.CSVWriter(str(target), parquet.schema_arrow) as writer:
            for batch in parquet.iter_batches(batch_size=65536):
                writer.write_batch(batch)
                rows += batch.num_rows
        if rows == 0:  # the header alone (CSVWriter writes it with the first batch)
            pa_csv.write_csv(parquet.schema_arrow.empty_table(), str(target))
        return rows
    except (OSError, pa.ArrowException) as exc:
        raise InvalidInput(name, f"not a readable Parquet file: {exc}; {REFUSED}") from None
