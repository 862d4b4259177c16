"""The interfaces services need from sources and stores; adapters implement them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol, TextIO

from shared.core.callers import CallerKind, CallerUsage, LoggedCalls, TelemetrySource
from shared.core.catalogue import RetailPriceItem
from shared.core.costs import CostLine, CostType
from shared.core.export_runs import ExportContents, ExportManifest, RunStamp, StampKey
from shared.core.focus_rows import Cell
from shared.core.inputs import InputScope, InputVersion
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.meters import MeterCatalogue
from shared.core.outcomes import DailyOutcomes, OutcomeEvent, PushReport
from shared.core.period import BillingPeriod, DateWindow
from shared.core.reconciliation import Reconciliation
from shared.core.reports import (
    PeriodDays,
    PeriodReport,
    PeriodSummary,
    Publication,
    PublishStatus,
    Unpublished,
)
from shared.core.requests import AllocationRequest, PoisonedMessage, QueuedMessage
from shared.core.run_records import RunRecord
from shared.core.shards import AccountShard
from shared.core.target_records import Evaluation, OutboxEvent, StoredEvaluation, Target, Transition
from shared.core.usage import UsageRecord
from shared.core.use_cases import UseCase


class CostSource(Protocol):
    """Cost lines of one price basis for a whole window, complete or an exception; one line per
    identity (`CostLine.identity`: the source merges what it read, `merge_cost_lines`)."""

    @property
    def cost_type(self) -> CostType: ...

    def fetch(self, window: DateWindow) -> list[CostLine]: ...


class UsageSource(Protocol):
    """Daily usage per deployment of the given (account id, region) pairs."""

    def fetch(
        self, window: DateWindow, accounts: Sequence[tuple[str, str]]
    ) -> list[UsageRecord]: ...


class InventorySource(Protocol):
    """Every deployment as it is now."""

    def fetch(self) -> list[Deployment]: ...


class AllocationQueue(Protocol):
    """Where collectors ask for a period to be (re)allocated."""

    def enqueue(self, periods: Iterable[BillingPeriod]) -> None: ...


class PendingWrite(Protocol):
    """Writes a store planned (reads done, nothing written yet); false when nothing changes."""

    def __bool__(self) -> bool: ...

    def apply(self) -> object: ...


class CostStore(Protocol):
    """Stored cost lines, one per identity: the store merges what it is given to write."""

    def plan_window(
        self, window: DateWindow, cost_type: CostType, lines: Sequence[CostLine]
    ) -> Mapping[BillingPeriod, PendingWrite]: ...

    def replace_window(
        self, window: DateWindow, cost_type: CostType, lines: Sequence[CostLine]
    ) -> set[BillingPeriod]: ...

    def lines_for(
        self, period: BillingPeriod, cost_type: CostType, shard: AccountShard | None = None
    ) -> list[CostLine]:
        """The period's lines (of the shard's accounts only)."""
        ...

    def count_window(self, window: DateWindow, cost_type: CostType) -> int:
        """How many lines of the window are stored."""
        ...

    def has_lines(self, period: BillingPeriod, cost_type: CostType) -> bool: ...


class UsageStore(Protocol):
    def plan_window(
        self, window: DateWindow, account_ids: Iterable[str], records: Sequence[UsageRecord]
    ) -> Mapping[BillingPeriod, PendingWrite]: ...

    def replace_window(
        self, window: DateWindow, account_ids: Iterable[str], records: Sequence[UsageRecord]
    ) -> set[BillingPeriod]: ...

    def records_for(
        self, period: BillingPeriod, shard: AccountShard | None = None
    ) -> list[UsageRecord]:
        """The period's records (of the shard's accounts only)."""
        ...

    def count_window(self, window: DateWindow, account_ids: Iterable[str]) -> int:
        """How many records of the window are stored for the accounts."""
        ...


class InventoryStore(Protocol):
    def plan_save(self, snapshot: InventorySnapshot) -> PendingWrite: ...

    def save(self, snapshot: InventorySnapshot) -> bool: ...

    def snapshots_for(self, period: BillingPeriod) -> list[InventorySnapshot]: ...

    def latest(self) -> InventorySnapshot | None: ...


class CatalogueSource(Protocol):
    """The meter catalogue in force now (it may follow refreshes between calls)."""

    def current(self) -> MeterCatalogue: ...


class InputVersions(Protocol):
    """Sequences of the stored inputs and marks of collections writing them (core/inputs.py)."""

    def begin(self, scopes: Iterable[InputScope]) -> None: ...

    def end(
        self, scopes: Iterable[InputScope], changed: Collection[InputScope]
    ) -> set[InputScope]: ...

    def version(self, period: BillingPeriod) -> InputVersion: ...

    def stalled(self, scopes: Iterable[InputScope]) -> set[InputScope]:
        """The scopes whose writer stopped half-way (a mark older than the writer lease)."""
        ...

    def collected(self, scopes: Iterable[InputScope]) -> None:
        """Record that a collection read these scopes whole now (changed or not)."""
        ...


class CollectionTimes(Protocol):
    """When each stored input was last collected whole (InputVersions.collected)."""

    def collection_stamps(self) -> Mapping[InputScope, datetime]:
        """Every scope's stamp, of every period and the shared ones, in one read; a scope never
        collected is absent."""
        ...


class AllocationDeferral(Protocol):
    """Puts an allocation request back on the queue, visible again after `delay`."""

    def defer(self, period: BillingPeriod, delay: timedelta) -> None: ...


class ShardRequests(Protocol):
    """Sends shard allocation requests (the allocation queue), visible after `delay`."""

    def send(self, requests: Sequence[AllocationRequest], delay: timedelta = ...) -> None: ...


class ResultPublisher(Protocol):
    """Publishes allocations atomically (allocation_tables.py, docs/publication.md)."""

    def publish(self, publication: Publication) -> PublishStatus: ...

    def publish_part(self, shard: AccountShard, publication: Publication) -> PublishStatus:
        """Store a shard's part of a period; publish the period once every part is stored."""
        ...

    def publish_no_data(
        self, period: BillingPeriod, cost_type: CostType, reason: str, input_sequence: int
    ) -> PublishStatus: ...


class PublishedResults(Protocol):
    """Reads what is published: one whole allocation, `Unpublished` with the reason when its
    allocation found nothing to publish, None when the period was never allocated."""

    def report(
        self, period: BillingPeriod, cost_type: CostType
    ) -> PeriodReport | Unpublished | None: ...

    def reconciliation(
        self, period: BillingPeriod, cost_type: CostType
    ) -> Reconciliation | Unpublished | None: ...


class PublishedDailyRows(Protocol):
    """Reads a published allocation's daily rows (`Unpublished`, None: as `PublishedResults`)."""

    def days(self, period: BillingPeriod, cost_type: CostType) -> PeriodDays | Unpublished | None:
        """The daily rows with the allocation's totals and deployments, read as one whole."""
        ...


class PublishedPeriods(Protocol):
    """Lists what is published: every period and price basis whose allocation has totals."""

    def periods(self) -> list[PeriodSummary]:
        """Each published summary (any order); periods with nothing to publish left out."""
        ...


class PublishedSummary(Protocol):
    """One published summary, read without its rows."""

    def summary(self, period: BillingPeriod, cost_type: CostType) -> PeriodSummary | None:
        """None when the period was never allocated or had nothing to publish."""
        ...


class PublishedToken(Protocol):
    """What identifies a period's live publication, read without its rows (one point read)."""

    def live_token(self, period: BillingPeriod, cost_type: CostType) -> str | None:
        """Changes whenever anything a reader of the publication sees changes; None if the
        period was never allocated."""
        ...


class AllocationRequestQueue(Protocol):
    """The port of the allocation-request queue: what producers and the consumer need."""

    @property
    def name(self) -> str: ...

    def ensure(self) -> None:
        """Create the queue and its poison queue if missing."""
        ...

    def enqueue(self, periods: Iterable[BillingPeriod]) -> None: ...

    def defer(self, period: BillingPeriod, delay: timedelta) -> None:
        """Enqueue a request for `period` that becomes visible after `delay`."""
        ...

    def receive(self, max_messages: int = 32, visibility_timeout: int = 60) -> list[QueuedMessage]:
        """Up to `max_messages` messages, invisible to others for `visibility_timeout` seconds."""
        ...

    def complete(self, message: QueuedMessage) -> None:
        """Delete a received message: it was handled (allocated or poisoned)."""
        ...

    def poison(self, message: PoisonedMessage) -> None:
        """Send `message` to `{queue}-poison`."""
        ...


class PriceStore(Protocol):
    """The stored meter catalogue (retail price items)."""

    def replace_items(
        self, items: Sequence[RetailPriceItem], refreshed_at: datetime, source: str
    ) -> bool:
        """Make the stored items exactly `items`; True if anything changed."""
        ...


class RetailItemsSource(Protocol):
    """The retail price items in force now: the stored catalogue's (the bundled snapshot's
    where it has none)."""

    def items(self) -> list[RetailPriceItem]: ...


class KnownDeployments(Protocol):
    """Every deployment any inventory snapshot knows (what use cases may name)."""

    def known_deployments(self) -> list[Deployment]: ...


class UseCaseStore(Protocol):
    """The stored use-case definitions, one per name."""

    def all(self) -> list[UseCase]:
        """Every stored use case, sorted by name."""
        ...

    def get(self, name: str) -> UseCase | None: ...

    def replace_all(self, use_cases: Sequence[UseCase]) -> bool:
        """Make the stored set exactly `use_cases`; True if anything was written."""
        ...

    def put(self, use_case: UseCase) -> bool:
        """Store one use case (create or replace); True if anything was written."""
        ...

    def delete(self, name: str) -> bool:
        """Delete one use case; True if it was stored."""
        ...


class CallerUsageSource(Protocol):
    """Caller tokens per day, deployment and caller from one telemetry source (Log Analytics),
    for the whole window or an exception (a partial answer is an exception, never stored)."""

    @property
    def source(self) -> TelemetrySource: ...

    def fetch(self, window: DateWindow) -> list[LoggedCalls]: ...


class OutcomeQuerySource(Protocol):
    """Runs a use case's outcome query (Log Analytics) over a window: one count per day that
    has a row; a day without a row has no data."""

    def fetch(self, workspace_id: str, query: str, window: DateWindow) -> list[DailyOutcomes]: ...


class CallerUsageStore(Protocol):
    """Stored caller usage, per period; each telemetry source's rows replaced by window."""

    def plan_window(
        self, window: DateWindow, source: TelemetrySource, usage: Sequence[CallerUsage]
    ) -> Mapping[BillingPeriod, PendingWrite]: ...

    def count_window(self, window: DateWindow, source: TelemetrySource) -> int: ...

    def usage_for(
        self, period: BillingPeriod, kinds: Collection[CallerKind] | None = None
    ) -> list[CallerUsage]:
        """The period's caller usage (of these kinds; every kind when None)."""
        ...


class OutcomeStore(Protocol):
    """A use case's outcomes: counts its query collected per day, and events pushed by id."""

    def plan_collected(
        self, use_case: str, window: DateWindow, days: Sequence[DailyOutcomes]
    ) -> Mapping[BillingPeriod, PendingWrite]:
        """Make the collected counts of the window exactly `days` (planned, nothing written)."""
        ...

    def count_collected(self, use_case: str, window: DateWindow) -> int: ...

    def add_events(self, use_case: str, events: Sequence[OutcomeEvent]) -> PushReport:
        """Store the events not yet stored; an id stored with another date or count raises
        `Conflict` naming it, and then nothing of the batch is stored."""
        ...

    def daily(self, use_case: str, period: BillingPeriod) -> dict[date, int]:
        """The period's outcomes per day (collected counts and pushed events summed); a day
        absent from the result has no data."""
        ...


class TargetStore(Protocol):
    """The stored unit-cost targets, one per id."""

    def all(self) -> list[Target]:
        """Every stored target, sorted by id."""
        ...

    def get(self, target_id: str) -> Target | None: ...

    def replace_all(self, targets: Sequence[Target]) -> bool:
        """Make the stored set exactly `targets`; True if anything was written."""
        ...

    def put(self, target: Target) -> bool: ...

    def delete(self, target_id: str) -> bool: ...


class TargetStatusStore(Protocol):
    """Each target's latest evaluation per period, its transitions, and the outbox of the events
    they send. `record` is conditional and atomic: the evaluation, its transition and its event
    are stored together or not at all, and only over the evaluation `expected` was read as."""

    def latest(self, target_id: str, period: BillingPeriod) -> StoredEvaluation | None: ...

    def record(
        self,
        evaluation: Evaluation,
        transition: Transition | None,
        event: OutboxEvent | None,
        expected: StoredEvaluation | None,
    ) -> bool:
        """Store them; False (nothing stored) when the stored evaluation is no longer
        `expected` (another evaluation ran meanwhile: read again and re-evaluate)."""
        ...

    def history(self, target_id: str) -> list[Transition]:
        """Every transition of the target, oldest first."""
        ...

    def evaluations(self, target_id: str) -> list[StoredEvaluation]:
        """The latest evaluation of every period of the target, by period."""
        ...

    def pending(self, limit: int = 100) -> list[OutboxEvent]:
        """Events not yet accepted by Event Grid, oldest first."""
        ...

    def sent(self, events: Sequence[OutboxEvent]) -> None:
        """Mark events accepted: they are never sent again."""
        ...


class EventPublisher(Protocol):
    """Sends CloudEvents (Event Grid); raises SourceError when some were not accepted
    (`PartlyAccepted` naming those accepted before the failure)."""

    def send(self, events: Sequence[OutboxEvent]) -> None: ...


class FocusWriter(Protocol):
    """Writes FOCUS rows (shared/core/focus_rows.py) in one file format (the CSV writer of
    shared/adapters/formats/focus_csv.py); returns how many rows it wrote."""

    @property
    def media_type(self) -> str: ...

    @property
    def extension(self) -> str: ...

    def write(self, rows: Iterable[Mapping[str, Cell]], out: TextIO) -> int: ...


class ExportRunFiles(Protocol):
    """The runs Cost Management exports write to a storage container (docs/exports.md)."""

    def manifest(self, blob_name: str) -> ExportManifest:
        """The run's manifest.json at `blob_name`; InvalidInput naming it when it is absent or
        malformed."""
        ...

    def read(self, manifest: ExportManifest) -> ExportContents:
        """Every partition the manifest lists, checked (present, its byte and row counts) and
        parsed; InvalidInput naming the first blob that is missing or does not parse."""
        ...


class ExportRunStore(Protocol):
    """Which export run stored each (period, price basis) of the costs."""

    def stamps(self, keys: Iterable[StampKey]) -> Mapping[StampKey, RunStamp]:
        """The stored stamp of each key that has one."""
        ...

    def record(self, keys: Iterable[StampKey], stamp: RunStamp) -> None:
        """Store `stamp` for the keys (an idempotent upsert)."""
        ...


class RunRecordStore(Protocol):
    """Each collection task's latest run and last success (shared/core/run_records.py)."""

    def get(self, task: str) -> RunRecord | None: ...

    def save(self, record: RunRecord) -> None:
        """Store the task's record (replacing the one before it)."""
        ...

    def all(self) -> list[RunRecord]:
        """Every task's record, sorted by task (one read)."""
        ...
