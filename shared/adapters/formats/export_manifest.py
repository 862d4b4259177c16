"""A Cost Management export run's `manifest.json` read into an `ExportManifest`.

The fields read (api-version 2023-07-01-preview and later; `../shared/reference` §2.4):
`exportConfig.exportName`, `.resourceId`, `.type`, `.dataVersion`; `runInfo.runId`,
`.submittedTime`, `.startDate`, `.endDate` (the last day, included); `blobs[].blobName` with
`byteCount` and `dataRowCount` when given; the top-level `dataRowCount` when given. Field names
are matched case-insensitively (Azure has changed their case between api-versions). A legacy
manifest (`manifestVersion` without `exportConfig`/`runInfo`) or any missing or malformed field is
an InvalidInput naming the manifest and the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime

from shared.core.export_runs import ExportDataset, ExportManifest, FileFormat, ManifestBlob
from shared.errors import InvalidInput, excerpt

MANIFEST_NAME = "manifest.json"
_DATASETS = {d.value.lower(): d for d in ExportDataset}


def parse_manifest(raw: bytes | str, blob_name: str) -> ExportManifest:
    """The manifest at `blob_name` (its path in the container) from its bytes."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(blob_name, f"not JSON ({exc}); the run is refused") from None
    if not isinstance(body, dict):
        raise _bad(blob_name, "not a JSON object; the run is refused")
    config = _object(body, "exportConfig", blob_name)
    run = _object(body, "runInfo", blob_name)
    kind = _text(config, "type", blob_name, "exportConfig.")
    dataset = _DATASETS.get(kind.lower())
    if dataset is None:
        known = ", ".join(d.value for d in ExportDataset)
        raise _bad(
            blob_name, f"exportConfig.type {excerpt(kind)} is not a cost export (one of {known})"
        )
    first = _day(_text(run, "startDate", blob_name, "runInfo."), blob_name, "runInfo.startDate")
    last = _day(_text(run, "endDate", blob_name, "runInfo."), blob_name, "runInfo.endDate")
    if last < first:
        raise _bad(blob_name, f"runInfo.endDate {last} is before runInfo.startDate {first}")
    blobs = _get(body, "blobs")
    if not isinstance(blobs, list) or not blobs:
        raise _bad(blob_name, "blobs: the manifest lists no partition; the run is refused")
    return ExportManifest(
        blob_name=blob_name,
        export_name=_text(config, "exportName", blob_name, "exportConfig."),
        export_id=_optional_text(config, "resourceId"),
        dataset=dataset,
        data_version=_optional_text(config, "dataVersion"),
        run_id=_text(run, "runId", blob_name, "runInfo."),
        submitted=_moment(_text(run, "submittedTime", blob_name, "runInfo."), blob_name),
        first_day=first,
        last_day=last,
        blobs=tuple(_blob(item, i, blob_name) for i, item in enumerate(blobs)),
        row_count=_count(body, "dataRowCount", blob_name, "dataRowCount"),
    )


def is_manifest(blob_name: str) -> bool:
    """Whether a blob is a run's manifest (the file Azure writes last)."""
    return blob_name.rsplit("/", 1)[-1].lower() == MANIFEST_NAME


def _blob(item: object, index: int, manifest: str) -> ManifestBlob:
    where = f"blobs[{index}]"
    if not isinstance(item, dict):
        raise _bad(manifest, f"{where}: not an object")
    name = _text(item, "blobName", manifest, f"{where}.").lstrip("/")
    found = FileFormat.of(name)
    if found is None:
        raise _bad(
            manifest,
            f"{where}.blobName {excerpt(name)}: not a .csv, .csv.gz or .parquet partition",
        )
    return ManifestBlob(
        name=name,
        byte_count=_count(item, "byteCount", manifest, f"{where}.byteCount"),
        row_count=_count(item, "dataRowCount", manifest, f"{where}.dataRowCount"),
        file_format=found,
    )


def _get(body: Mapping[str, object], name: str) -> object:
    lowered = name.lower()
    for key, value in body.items():
        if key.lower() == lowered:
            return value
    return None


def _object(body: Mapping[str, object], name: str, manifest: str) -> Mapping[str, object]:
    value = _get(body, name)
    if not isinstance(value, dict):
        legacy = " (a legacy manifest: re-create the export, api-version 2023-07-01-preview or "
        hint = legacy + "later)" if _get(body, "manifestVersion") and value is None else ""
        raise _bad(manifest, f"{name}: missing or not an object{hint}; the run is refused")
    return value


def _text(body: Mapping[str, object], name: str, manifest: str, prefix: str = "") -> str:
    value = _get(body, name)
    if not isinstance(value, str) or not value.strip():
        raise _bad(manifest, f"{prefix}{name}: missing or empty; the run is refused")
    return value.strip()


def _optional_text(body: Mapping[str, object], name: str) -> str:
    value = _get(body, name)
    return value.strip() if isinstance(value, str) else ""


def _count(body: Mapping[str, object], name: str, manifest: str, label: str) -> int | None:
    value = _get(body, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(manifest, f"{label}: not a count: {excerpt(value)}")
    return value


def _day(text: str, manifest: str, label: str) -> date:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise _bad(manifest, f"{label}: not a date: {excerpt(text)}") from None


def _moment(text: str, manifest: str) -> datetime:
    """`submittedTime`, e.g. `2024-02-03T18:33:03.1032074Z` (7 fraction digits: cut to 6)."""
    raw = text.strip().replace("Z", "+00:00")
    head, dot, rest = raw.partition(".")
    if dot:
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        raw = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _bad(manifest, f"runInfo.submittedTime: not a time: {excerpt(text)}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _bad(manifest: str, problem: str) -> InvalidInput:
    return InvalidInput(manifest, problem)
