"""The composition root: builds stores, sources and services from settings, lazily.

Nothing here runs at import; triggers and the CLI call these builders on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path

from azure.core.credentials import TokenCredential
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest, HttpResponse
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient

from shared.adapters.azure.credentials import make_credential
from shared.adapters.storage.allocation_queue import StorageAllocationQueue, poison_queue_name
from shared.adapters.storage.allocation_tables import TABLES as RESULT_TABLES
from shared.adapters.storage.allocation_tables import AllocationTables
from shared.adapters.storage.backfill_table import TABLE as BACKFILL
from shared.adapters.storage.backfill_table import BackfillTable
from shared.adapters.storage.callers_table import TABLE as CALLERS
from shared.adapters.storage.callers_table import CallerUsageTable
from shared.adapters.storage.catalogue_source import StoredCatalogue
from shared.adapters.storage.costs_table import TABLE as COSTS
from shared.adapters.storage.costs_table import CostsTable
from shared.adapters.storage.export_runs_table import TABLE as EXPORT_RUNS
from shared.adapters.storage.export_runs_table import ExportRunsTable
from shared.adapters.storage.input_versions_table import TABLE as INPUTS
from shared.adapters.storage.input_versions_table import InputVersionsTable
from shared.adapters.storage.inventory_table import TABLE as INVENTORY
from shared.adapters.storage.inventory_table import InventoryTable
from shared.adapters.storage.outcomes_table import TABLE as OUTCOMES
from shared.adapters.storage.outcomes_table import OutcomeTable
from shared.adapters.storage.price_table import TABLE as PRICES
from shared.adapters.storage.price_table import PriceTable
from shared.adapters.storage.reconciliation_table import TABLE as RECONCILIATION
from shared.adapters.storage.retail_items import StoredRetailItems
from shared.adapters.storage.run_records_table import TABLE as RUNS
from shared.adapters.storage.run_records_table import RunRecordsTable
from shared.adapters.storage.table_gateway import AzureTableGateway
from shared.adapters.storage.target_status_table import TABLE as TARGET_STATUS
from shared.adapters.storage.target_status_table import TargetStatusTable
from shared.adapters.storage.targets_table import TABLE as TARGETS
from shared.adapters.storage.targets_table import TargetTable
from shared.adapters.storage.transport import TableService, shared_transport
from shared.adapters.storage.usage_table import TABLE as USAGE
from shared.adapters.storage.usage_table import UsageTable
from shared.adapters.storage.use_cases_table import TABLE as USE_CASES
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.callers import TelemetrySource
from shared.core.costs import CostType
from shared.core.resource_id import id_key
from shared.errors import ConfigurationError
from shared.services.allocation import AllocationService
from shared.services.allocation_requests import AllocationRequestService, Allocator
from shared.services.backfill import BackfillService, Collect
from shared.services.collection import CollectionService
from shared.services.collectors import (
    CallerCollector,
    Collector,
    CostCollector,
    InventoryCollector,
    OutcomeCollector,
    UsageCollector,
)
from shared.services.economics import EconomicsService
from shared.services.export_ingestion import ExportIngestionService
from shared.services.exports import ExportService
from shared.services.health import HealthService
from shared.services.insights import InsightsService
from shared.services.outcomes import OutcomeService
from shared.services.periods import PeriodService
from shared.services.plans import PlanService
from shared.services.ports import CostSource, InventorySource, UsageSource
from shared.services.price_refresh import PriceRefreshService
from shared.services.provenance import ProvenanceService
from shared.services.series import SeriesService
from shared.services.target_evaluation import TargetEvaluationService
from shared.services.targets import TargetService
from shared.services.use_cases import UseCaseService
from shared.services.views import ViewService
from shared.services.what_if import WhatIfService
from shared.settings import (
    DEFAULT_SHARD_ACCOUNTS,
    InventorySourceKind,
    Settings,
    StorageConnection,
)

ALL_TABLES = (COSTS, USAGE, INVENTORY, PRICES, INPUTS, *RESULT_TABLES, RECONCILIATION, USE_CASES,
              CALLERS, OUTCOMES, TARGETS, TARGET_STATUS, BACKFILL, EXPORT_RUNS)  # fmt: skip
# Rewritten by every run, changed or not (each collection task's latest run, GET /api/health):
# not an input or a result, so not among ALL_TABLES, which a run that changes nothing leaves as
# it was. Every table the app uses, and Bicep creates, is EVERY_TABLE.
LOG_TABLES = (RUNS,)
EVERY_TABLE = (*ALL_TABLES, *LOG_TABLES)


@dataclass
class Stores:
    costs: CostsTable
    usage: UsageTable
    inventory: InventoryTable
    results: AllocationTables
    queue: StorageAllocationQueue
    prices: PriceTable
    versions: InputVersionsTable
    use_cases: UseCaseTable
    callers: CallerUsageTable
    outcomes: OutcomeTable
    targets: TargetTable
    target_status: TargetStatusTable
    backfill: BackfillTable
    export_runs: ExportRunsTable
    runs: RunRecordsTable


def queue_client(
    storage: StorageConnection, name: str, credential: TokenCredential | None
) -> QueueClient:
    """A plain queue client: StorageAllocationQueue does the Functions extension's Base64.
    Every storage client shares one pooled transport (shared/adapters/storage/transport.py)."""
    transport = shared_transport()
    if storage.connection_string:
        return QueueClient.from_connection_string(
            storage.connection_string, name, transport=transport
        )
    assert storage.queue_service_uri
    return QueueClient(storage.queue_service_uri, name, credential=credential, transport=transport)


def table_service(
    storage: StorageConnection, credential: TokenCredential | None
) -> TableServiceClient:
    transport = shared_transport()
    if storage.connection_string:
        return TableService.from_connection_string(storage.connection_string, transport=transport)
    assert storage.table_service_uri
    return TableService(storage.table_service_uri, credential=credential, transport=transport)


def build_stores(
    settings: Settings, *, credential: TokenCredential | None = None, ensure: bool = True
) -> Stores:
    """Tables, the queue and its poison queue; an identity-based connection uses `credential`
    (made if None)."""
    if settings.storage.uses_identity and credential is None:
        credential = make_credential()
    gateway = AzureTableGateway(table_service(settings.storage, credential))
    name = settings.allocation_queue
    queue = StorageAllocationQueue(
        queue_client(settings.storage, name, credential),
        queue_client(settings.storage, poison_queue_name(name), credential),
    )
    if ensure:
        gateway.ensure(EVERY_TABLE)
        queue.ensure()
    return Stores(
        costs=CostsTable(gateway),
        usage=UsageTable(gateway),
        inventory=InventoryTable(gateway),
        results=AllocationTables(gateway),
        queue=queue,
        prices=PriceTable(gateway),
        versions=InputVersionsTable(gateway),
        use_cases=UseCaseTable(gateway),
        callers=CallerUsageTable(gateway),
        outcomes=OutcomeTable(gateway),
        targets=TargetTable(gateway),
        target_status=TargetStatusTable(gateway),
        backfill=BackfillTable(gateway),
        export_runs=ExportRunsTable(gateway),
        runs=RunRecordsTable(gateway),
    )


def build_allocation(
    stores: Stores, shard_accounts: int = DEFAULT_SHARD_ACCOUNTS, fan_out: bool = False
) -> AllocationService:
    """Allocation with the refreshed meter catalogue (bundled snapshot as fallback); a sharded
    period's shards go on the queue with `fan_out`, else they run in the caller (the CLI)."""
    return AllocationService(
        costs=stores.costs,
        usage=stores.usage,
        inventory=stores.inventory,
        results=stores.results,
        # The marker is checked on every allocation (one point read), so an allocation never
        # pairs a refreshed prices version with a catalogue cached from before the refresh.
        catalogue=StoredCatalogue(stores.prices, recheck_seconds=0),
        versions=stores.versions,
        deferral=stores.queue,
        accounts_per_shard=shard_accounts,
        shard_queue=stores.queue if fan_out else None,
    )


def build_allocation_requests(
    stores: Stores, allocation: Allocator | None = None
) -> AllocationRequestService:
    """The consumer of the allocation queue (the queue trigger, the demo's drain)."""
    return AllocationRequestService(allocation or build_allocation(stores), stores.queue)


def build_price_refresh(
    settings: Settings, stores: Stores, endpoint: str | None = None
) -> PriceRefreshService:
    """The catalogue refresh from the Retail Prices API at `endpoint` (default: the setting)."""
    from shared.adapters.azure.retail_prices import RetailPricesSource

    source = RetailPricesSource(endpoint or settings.retail_prices_endpoint)
    return PriceRefreshService(
        source=source, prices=stores.prices, queue=stores.queue, versions=stores.versions
    )


def build_collection(
    stores: Stores,
    cost_sources: Sequence[CostSource],
    usage_source: UsageSource,
    inventory_source: InventorySource,
    telemetry: Sequence[Collector] = (),
) -> CollectionService:
    """The collection of these sources into the stores; collectors read in this order (the
    telemetry last: it resolves callers against the inventory)."""
    collectors = [
        InventoryCollector(inventory_source, stores.inventory),
        CostCollector(cost_sources, stores.costs),
        UsageCollector(usage_source, stores.usage, stores.inventory),
        *telemetry,
    ]
    return CollectionService(
        collectors=collectors, costs=stores.costs, queue=stores.queue, versions=stores.versions,
        runs=stores.runs,
    )  # fmt: skip


def telemetry_collectors(
    settings: Settings,
    stores: Stores,
    credential: TokenCredential,
    transport: HttpTransport[HttpRequest, HttpResponse] | None = None,
) -> list[Collector]:
    """Caller telemetry from the configured workspaces (APIM, Application Insights; none when
    neither is set) and the outcome queries of the `logAnalytics` use cases, at LOGS_ENDPOINT
    (through `transport` when given: the demo's, trusting its local workspace double)."""
    from shared.adapters.azure.calls import CallOptions
    from shared.adapters.azure.log_analytics import (
        RETRY,
        LogAnalyticsCallerSource,
        LogAnalyticsOutcomeSource,
    )

    options = CallOptions(RETRY, transport=transport) if transport else None

    workspaces = (
        (TelemetrySource.APIM, settings.apim_workspace_id),
        (TelemetrySource.APP_INSIGHTS, settings.appinsights_workspace_id),
    )
    callers = [
        LogAnalyticsCallerSource(credential, workspace, source, settings.logs_endpoint, options)
        for source, workspace in workspaces
        if workspace
    ]
    outcomes = LogAnalyticsOutcomeSource(credential, settings.logs_endpoint, options)
    return [
        CallerCollector(callers, stores.callers, stores.inventory),
        OutcomeCollector(outcomes, stores.outcomes, stores.use_cases),
    ]


def live_collection(
    settings: Settings, stores: Stores, credential: TokenCredential | None = None
) -> CollectionService:
    """Collection from Cost Management (both price bases), ARM and Azure Monitor, as configured."""
    from shared.adapters.azure.arm_inventory import ArmInventorySource
    from shared.adapters.azure.cost_management import CostManagementSource
    from shared.adapters.azure.monitor_metrics import MonitorUsageSource
    from shared.adapters.azure.qpu_pacing import QpuPacer
    from shared.adapters.azure.resource_graph import ResourceGraphInventorySource

    if not settings.cost_scopes:
        raise ConfigurationError(
            "COST_SCOPES",
            "required for a live collection: comma-separated ARM scopes such as "
            "/subscriptions/<id> (or use collect --from-files DIR)",
        )
    credential = credential or make_credential()
    pacer = QpuPacer()  # one QPU budget per tenant, for both price bases
    fan = settings.collection_concurrency  # calls of one source open at once
    costs: list[CostSource] = [
        CostManagementSource(
            credential,
            settings.cost_scopes,
            settings.arm_endpoint,
            basis,
            pacer=pacer,
            concurrency=fan,
        )
        for basis in CostType  # ActualCost and AmortizedCost: one query per scope, month, basis
    ]
    subscriptions = sorted(
        {s.split("/")[2] for s in settings.cost_scopes if id_key(s).startswith("/subscriptions/")}
    )
    inventory: InventorySource
    if settings.inventory_source is InventorySourceKind.ARM:  # one call per account
        inventory = ArmInventorySource(
            credential, subscriptions, settings.arm_endpoint, concurrency=fan
        )
    else:  # two Resource Graph queries for the whole tenant
        inventory = ResourceGraphInventorySource(credential, subscriptions, settings.arm_endpoint)
    usage = MonitorUsageSource(credential, settings.metrics_endpoint, concurrency=fan)
    telemetry = telemetry_collectors(settings, stores, credential)
    return build_collection(stores, costs, usage, inventory, telemetry)


def cost_collection(stores: Stores, cost_sources: Sequence[CostSource]) -> CollectionService:
    """The collection of these cost sources alone (an export run's price bases)."""
    return CollectionService(
        collectors=[CostCollector(cost_sources, stores.costs)],
        costs=stores.costs,
        queue=stores.queue,
        versions=stores.versions,
    )


def export_ingestion(
    settings: Settings,
    stores: Stores,
    credential: TokenCredential | None = None,
    container: str | None = None,
) -> ExportIngestionService:
    """Cost Management export runs of `container` (default EXPORTS_CONTAINER) at
    EXPORTS_BLOB_SERVICE_URI with the identity, or, unset, in the storage connection string's
    account (Azurite), into the cost tables (docs/exports.md)."""
    from shared.adapters.storage.export_blobs import ExportBlobs, container_client

    name = container or settings.exports_container
    if settings.exports_blob_service_uri:
        client = container_client(
            container=name,
            blob_service_uri=settings.exports_blob_service_uri,
            credential=credential or make_credential(),
        )
    elif settings.storage.connection_string:
        client = container_client(
            container=name, connection_string=settings.storage.connection_string
        )
    else:
        raise ConfigurationError(
            "EXPORTS_BLOB_SERVICE_URI",
            "required with an identity-based storage connection: the blob service URI of the "
            "account the Cost Management exports land in",
        )
    return ExportIngestionService(
        files=ExportBlobs(client),
        runs=stores.export_runs,
        collection=lambda sources: cost_collection(stores, sources),
    )


def file_collection(stores: Stores, folder: Path) -> CollectionService:
    """Collection from a folder of export files (the demo, backfills from exports): ActualCost
    exports in `costs/`, AmortizedCost exports in `costs-amortized/` when present, daily metrics
    in `metrics/`, per-minute `TokenTransaction` (peak TPM) in `metrics-pt1m/` when present."""
    from shared.adapters.formats.file_sources import (
        FileCostSource,
        FileInventorySource,
        FileUsageSource,
    )

    amortized = folder / "costs-amortized"
    sources = [FileCostSource(folder / "costs", CostType.ACTUAL)]
    if amortized.is_dir():
        sources.append(FileCostSource(amortized, CostType.AMORTIZED))
    return build_collection(
        stores,
        sources,
        FileUsageSource(folder / "metrics", folder / "metrics-pt1m"),
        FileInventorySource(folder),
    )


class Container:
    """The one composition root: every store, source and service, each built once on first use.

    No I/O at construction. The Functions app holds one per worker (functions/composition.py),
    the CLI one per command, tests one per case. With an identity-based storage connection (in
    Azure) the Bicep has created every table and queue, so a cold start does not pay a create
    call for each; with a connection string (Azurite, a hand-made account) they are ensured.
    """

    def __init__(
        self,
        settings: Settings,
        credential: TokenCredential | None = None,
        logs_transport: HttpTransport[HttpRequest, HttpResponse] | None = None,
    ) -> None:
        self.settings = settings
        self._credential = credential
        self._logs_transport = logs_transport  # the demo's; None: azure-core's default

    @cached_property
    def credential(self) -> TokenCredential:
        """The one credential storage and sources share."""
        return self._credential or make_credential()

    @cached_property
    def stores(self) -> Stores:
        if self.settings.storage.uses_identity:
            return build_stores(self.settings, credential=self.credential, ensure=False)
        return build_stores(self.settings)

    @cached_property
    def views(self) -> ViewService:
        """The read side the HTTP API and the CLI serve (published allocations only)."""
        return ViewService(self.stores.results, use_cases=self.stores.use_cases)

    @cached_property
    def provenance(self) -> ProvenanceService:
        """Where a period's figures come from (published summary, collection stamps)."""
        return ProvenanceService(self.stores.results, self.stores.versions)

    @cached_property
    def use_cases(self) -> UseCaseService:
        """The use-case (and target) definitions (shared/services/use_cases.py), checked
        against the inventory."""
        s = self.stores
        return UseCaseService(s.use_cases, s.inventory, s.targets)

    @cached_property
    def targets(self) -> TargetService:
        """The unit-cost targets and their status."""
        s = self.stores
        return TargetService(s.targets, s.target_status, s.use_cases, s.inventory)

    @cached_property
    def target_evaluation(self) -> TargetEvaluationService:
        """Evaluates the targets after each allocation and sends their events (Event Grid at
        EVENTGRID_TOPIC_ENDPOINT; none configured: the events stay in the outbox)."""
        s = self.stores
        publisher = None
        if self.settings.eventgrid_topic_endpoint:
            from shared.adapters.azure.event_grid import EventGridPublisher

            publisher = EventGridPublisher(self.settings.eventgrid_topic_endpoint, self.credential)
        return TargetEvaluationService(
            s.targets, s.target_status, s.results, s.usage, s.callers, s.outcomes, s.use_cases,
            publisher, self.settings.api_base_url,
        )  # fmt: skip

    @cached_property
    def outcomes(self) -> OutcomeService:
        """Pushed outcomes (shared/services/outcomes.py); their periods are enqueued, so their
        targets are evaluated again."""
        s = self.stores
        return OutcomeService(s.outcomes, s.use_cases, s.queue)

    @cached_property
    def economics(self) -> EconomicsService:
        """Use-case economics, callers and showback, computed from the live allocation."""
        s = self.stores
        return EconomicsService(s.results, s.usage, s.callers, s.outcomes, s.use_cases)

    @cached_property
    def exports(self) -> ExportService:
        """The FOCUS 1.3 allocated export (docs/focus-export.md): the live allocation of both
        price bases, the stored cost lines and the use cases, written as CSV."""
        from shared.adapters.formats.focus_csv import FocusCsv

        s = self.stores
        writers = {"csv": FocusCsv()}
        return ExportService(s.results, s.costs, s.use_cases, writers, self.settings.cost_scopes)

    @cached_property
    def periods(self) -> PeriodService:
        """The allocated periods (the published summaries and the collection stamps)."""
        return PeriodService(self.stores.results, times=self.stores.versions)

    @cached_property
    def series(self) -> SeriesService:
        """Daily series of the live allocation: the tenant's, a deployment's, a use case's."""
        return SeriesService(self.stores.results, self.stores.usage, self.economics)

    @cached_property
    def what_if(self) -> WhatIfService:
        """A deployment's traffic re-priced under another configuration (the live allocation,
        the stored usage and cost lines, the stored catalogue with the bundled fallback)."""
        s = self.stores
        return WhatIfService(s.results, s.usage, s.costs, StoredRetailItems(s.prices))

    @cached_property
    def plans(self) -> PlanService:
        """Use cases' plans priced (the period's cost lines and the stored catalogue, as the
        what-if) and, when live, planned vs actual (their economics, as `economics`)."""
        s = self.stores
        return PlanService(
            s.use_cases, s.results, s.usage, s.callers, s.outcomes, s.costs,
            StoredRetailItems(s.prices),
        )  # fmt: skip

    @cached_property
    def insights(self) -> InsightsService:
        """A period's savings findings over the live allocation, priced like the what-if, with
        the thresholds of the settings."""
        s = self.stores
        return InsightsService(
            s.results, s.usage, s.costs, StoredRetailItems(s.prices), s.inventory, s.use_cases,
            self.settings.insights,
        )  # fmt: skip

    @cached_property
    def telemetry_collection(self) -> CollectionService:
        """The telemetry alone (the demo: its costs come from files, its logs from Azure)."""
        stores = self.stores
        return CollectionService(
            collectors=telemetry_collectors(
                self.settings, stores, self.credential, self._logs_transport
            ),
            costs=stores.costs,
            queue=stores.queue,
            versions=stores.versions,
            runs=stores.runs,
        )

    @cached_property
    def health(self) -> HealthService:
        """The collection's run records, stale after STALE_AFTER_HOURS (GET /api/health)."""
        hours = timedelta(hours=self.settings.stale_after_hours)
        return HealthService(self.stores.runs, hours)

    @cached_property
    def allocation(self) -> AllocationService:
        """Allocation in the caller: a sharded period's shards run one after another (CLI)."""
        return build_allocation(self.stores, self.settings.shard_accounts)

    @cached_property
    def queued_allocation(self) -> AllocationService:
        """The queue consumer's allocation: a sharded period's shards as messages of their own."""
        return build_allocation(self.stores, self.settings.shard_accounts, fan_out=True)

    @cached_property
    def allocation_requests(self) -> AllocationRequestService:
        """The queue's consumer: allocate, then evaluate the period's targets."""
        service = build_allocation_requests(self.stores, self.queued_allocation)
        service.after = self.target_evaluation.evaluate_period
        return service

    @cached_property
    def price_refresh(self) -> PriceRefreshService:
        return build_price_refresh(self.settings, self.stores)

    @cached_property
    def live_collection(self) -> CollectionService:
        return live_collection(self.settings, self.stores, self.credential)

    def built(self) -> frozenset[str]:
        """The parts built so far (a cold start should build only what it needs)."""
        parts = {"credential", "stores", "views", "allocation", "queued_allocation",
                 "allocation_requests",
                 "price_refresh", "live_collection", "use_cases", "outcomes", "economics",
                 "telemetry_collection", "targets", "target_evaluation", "what_if", "plans",
                 "insights", "periods", "series", "exports"}  # fmt: skip
        return frozenset(name for name in vars(self) if name in parts)

    def file_collection(self, folder: Path) -> CollectionService:
        return file_collection(self.stores, folder)

    def export_ingestion(self, container: str | None = None) -> ExportIngestionService:
        """The ingestion of Cost Management export runs (docs/exports.md)."""
        credential = self.credential if self.settings.exports_blob_service_uri else None
        return export_ingestion(self.settings, self.stores, credential, container)

    def backfill(self, collect: Collect) -> BackfillService:
        """The backfill of past periods: `collect` reads a period's window (live or from
        files), then the allocation and the targets' evaluation, as the queue trigger."""
        s = self.stores
        return BackfillService(
            collect, self.allocation, self.target_evaluation.evaluate_period, s.versions,
            s.backfill,
        )  # fmt: skip

    def price_refresh_from(self, endpoint: str) -> PriceRefreshService:
        return build_price_refresh(self.settings, self.stores, endpoint)
