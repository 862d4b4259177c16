"""Cost Management export runs: what a run's `manifest.json` says, and which of its billing
periods it may restate (docs/exports.md).

A run is one execution of an export: Azure writes its partitions, then its manifest, into
`<root>/<export>/<YYYYMMDD-YYYYMMDD>/<export-time>/<run-guid>/`. The manifest names the export
(its dataset type: ActualCost, AmortizedCost or FocusCost), the run (`runId`, `submittedTime`),
the days it covers (`startDate`..`endDate`, both included) and every partition with its byte and
row counts.

Restatement: per billing period and price basis the newest run wins. A run is ingested for the
(period, basis) pairs where it is newer than the stored run (by `submittedTime`, then `runId`);
an older run, or the same run again (a replayed event), is ignored there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from shared.core.costs import CostLine, CostType
from shared.core.period import BillingPeriod, DateWindow


class ExportDataset(Enum):
    """The dataset types of a cost export (`exportConfig.type`) this project ingests."""

    ACTUAL = "ActualCost"
    AMORTIZED = "AmortizedCost"
    FOCUS = "FocusCost"
    USAGE = "Usage"  # the legacy "usage only" export: actual cost

    @property
    def bases(self) -> tuple[CostType, ...]:
        """The price bases a run of this dataset holds (FOCUS: both, BilledCost and
        EffectiveCost)."""
        if self is ExportDataset.FOCUS:
            return (CostType.ACTUAL, CostType.AMORTIZED)
        if self is ExportDataset.AMORTIZED:
            return (CostType.AMORTIZED,)
        return (CostType.ACTUAL,)


class FileFormat(Enum):
    """The file type of a partition, from its name."""

    CSV = "csv"  # plain or gzip-compressed (`.csv`, `.csv.gz`)
    PARQUET = "parquet"  # `.parquet`, `.snappy.parquet`

    @classmethod
    def of(cls, blob_name: str) -> FileFormat | None:
        name = blob_name.lower()
        if name.endswith(".parquet"):
            return cls.PARQUET
        if name.endswith((".csv", ".csv.gz")):
            return cls.CSV
        return None


@dataclass(frozen=True)
class ManifestBlob:
    """One partition of a run: its blob name (in the container) and what the manifest says of
    it (None where the manifest does not say)."""

    name: str
    byte_count: int | None
    row_count: int | None
    file_format: FileFormat


@dataclass(frozen=True, order=True)
class RunStamp:
    """Which run of which export stored a (period, basis): ordered by submission time, then
    run id."""

    submitted: datetime
    run_id: str
    export_name: str = ""
    manifest: str = ""  # the manifest's blob name

    def is_newer_than(self, other: RunStamp | None) -> bool:
        return other is None or (self.submitted, self.run_id) > (other.submitted, other.run_id)


@dataclass(frozen=True)
class ExportManifest:
    """A run's `manifest.json`, read."""

    blob_name: str  # where the manifest is, in the container
    export_name: str
    export_id: str  # exportConfig.resourceId (its scope)
    dataset: ExportDataset
    data_version: str
    run_id: str
    submitted: datetime
    first_day: date
    last_day: date  # included
    blobs: tuple[ManifestBlob, ...]
    row_count: int | None = None  # the top-level dataRowCount, when given

    @property
    def window(self) -> DateWindow:
        return DateWindow.inclusive(self.first_day, self.last_day)

    @property
    def stamp(self) -> RunStamp:
        return RunStamp(self.submitted, self.run_id, self.export_name, self.blob_name)


@dataclass(frozen=True)
class ExportContents:
    """What a run's partitions hold: the cost lines of its price bases (one per identity), the
    rows its partitions have in all, and the warnings about rows read once."""

    lines: tuple[CostLine, ...]
    rows: int
    warnings: tuple[str, ...] = ()


StampKey = tuple[BillingPeriod, CostType]


@dataclass(frozen=True)
class RunPart:
    """A window of the run to ingest, and the price bases to ingest over it."""

    window: DateWindow
    bases: tuple[CostType, ...]

    @property
    def periods(self) -> tuple[BillingPeriod, ...]:
        return tuple(self.window.periods())


@dataclass(frozen=True)
class RunPlan:
    """What of a run to ingest (`parts`, each one collection) and what it leaves (`ignored`:
    the pairs where a run at least as new is stored, with that run)."""

    parts: tuple[RunPart, ...]
    ignored: tuple[tuple[StampKey, RunStamp], ...]

    @property
    def fresh(self) -> tuple[StampKey, ...]:
        return tuple((p, b) for part in self.parts for p in part.periods for b in part.bases)


def plan_run(manifest: ExportManifest, stored: Mapping[StampKey, RunStamp]) -> RunPlan:
    """The (period, basis) pairs of the run newer than what is stored, as windows to collect:
    each period's days of the run, contiguous periods of the same bases in one window."""
    stamp = manifest.stamp
    window = manifest.window
    fresh: list[tuple[BillingPeriod, tuple[CostType, ...]]] = []
    ignored: list[tuple[StampKey, RunStamp]] = []
    for period in window.periods():
        bases = []
        for basis in manifest.dataset.bases:
            before = stored.get((period, basis))
            if stamp.is_newer_than(before):
                bases.append(basis)
            else:
                assert before is not None
                ignored.append(((period, basis), before))
        if bases:
            fresh.append((period, tuple(bases)))
    return RunPlan(_parts(window, fresh), tuple(ignored))


def _parts(
    window: DateWindow, fresh: Sequence[tuple[BillingPeriod, tuple[CostType, ...]]]
) -> tuple[RunPart, ...]:
    parts: list[RunPart] = []
    for period, bases in fresh:
        start, end = max(window.start, period.start), min(window.end, period.end)
        last = parts[-1] if parts else None
        if last is not None and last.bases == bases and last.window.end == start:
            parts[-1] = RunPart(DateWindow(last.window.start, end), bases)
        else:
            parts.append(RunPart(DateWindow(start, end), bases))
    return tuple(parts)


_BLOB_SUBJECT = "/blobServices/default/containers/"


@dataclass(frozen=True)
class BlobCreated:
    """A `Microsoft.Storage.BlobCreated` event's blob: its container and name."""

    container: str
    name: str

    @classmethod
    def of_subject(cls, subject: str) -> BlobCreated | None:
        """From the event's subject, `/blobServices/default/containers/<c>/blobs/<name>`; None
        when the subject is not a blob's."""
        if not subject.startswith(_BLOB_SUBJECT):
            return None
        container, sep, name = subject[len(_BLOB_SUBJECT) :].partition("/blobs/")
        if not sep or not container or not name:
            return None
        return cls(container, name)
