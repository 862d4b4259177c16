"""The collectors: each joins one source port to its store port, for the collection service.

A collector reads its source for a run, and returns a `Batch`: what it read, the shrink check
against what is stored, and the writes it plans (reads only). Adding a source is one adapter
behind a source port, one collector here (or a reused one), and one registration in
shared/bootstrap.py; the collection service does not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum

from shared.core.callers import LoggedCalls, resolve_calls
from shared.core.costs import CostLine, CostType, ensure_one_currency_per_month
from shared.core.inputs import InputScope, InputSource
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.period import BillingPeriod, DateWindow
from shared.core.usage import merge_usage
from shared.core.use_cases import SourceType
from shared.errors import CollectionRefused, SourceError
from shared.services.ports import (
    CallerUsageSource,
    CallerUsageStore,
    CostSource,
    CostStore,
    InventorySource,
    InventoryStore,
    KnownDeployments,
    OutcomeQuerySource,
    OutcomeStore,
    PendingWrite,
    UsageSource,
    UsageStore,
    UseCaseStore,
)

# A source answering fewer rows than this share of what is stored for the same window is refused.
SHRINK_LIMIT = Decimal("0.5")
ALLOW_HINT = "nothing was stored; if the source is right, collect again with --allow-shrink"


class Collected(Enum):
    """What a batch counts, for the run's report."""

    COST_LINES = "cost lines"
    USAGE_RECORDS = "usage records"
    DEPLOYMENTS = "deployments"
    CALLER_RECORDS = "caller records"  # caller usage per day, deployment and caller
    OUTCOME_DAYS = "outcome days"  # days with a collected outcome count


class CollectorKind(Enum):
    """Which timer runs a collector (the CLI's `collect` runs them all)."""

    COSTS = "costs"
    USAGE = "usage"
    INVENTORY = "inventory"
    TELEMETRY = "telemetry"  # caller telemetry and use-case outcome queries (Log Analytics)


@dataclass(frozen=True)
class CollectionRun:
    """One run: its window (None for the inventory alone), when, and what was read before."""

    window: DateWindow | None
    at: datetime | None
    deployments: tuple[Deployment, ...] | None = None  # the inventory read earlier in this run


@dataclass(frozen=True)
class PlannedInput:
    """A planned write of one input scope; the periods to allocate again if it changes.

    `needs_costs`: enqueue those periods only when they have collected costs (usage or an
    inventory change alone never makes a month without a bill an allocation)."""

    scope: InputScope
    write: PendingWrite
    periods: frozenset[BillingPeriod]
    needs_costs: bool = True


@dataclass(frozen=True)
class Batch:
    """What one collector read in a run, checked against the store and planned."""

    counted: Collected
    rows: int
    planned: tuple[PlannedInput, ...]
    refusal: str | None = None  # why storing it would lose data (the shrink check)
    deployments: tuple[Deployment, ...] | None = None
    notes: tuple[str, ...] = ()  # what the run should say but that stops nothing
    failure: str | None = None  # a source of this batch failed: nothing of it is stored

    def check(self, allow_shrink: bool) -> None:
        if self.refusal and not allow_shrink:
            raise CollectionRefused(self.refusal)


class Collector:
    """A source and its store; `read` fetches and plans, nothing is written."""

    kind: CollectorKind

    def read(self, run: CollectionRun) -> list[Batch]:
        raise NotImplementedError


@dataclass
class InventoryCollector(Collector):
    source: InventorySource
    store: InventoryStore
    kind: CollectorKind = field(default=CollectorKind.INVENTORY, init=False)

    def read(self, run: CollectionRun) -> list[Batch]:
        if run.at is None:
            return []
        snapshot = InventorySnapshot(run.at, tuple(self.source.fetch()))
        latest = self.store.latest()
        before = len(latest.deployments) if latest else 0
        found = len(snapshot.deployments)
        # A snapshot weighs on the period it was taken in, and in a backfill on the window's.
        periods = {BillingPeriod.of(run.at.date()), *(run.window.periods() if run.window else ())}
        planned = PlannedInput(
            InputScope.of(InputSource.INVENTORY),
            self.store.plan_save(snapshot),
            frozenset(periods),
        )
        return [
            Batch(
                Collected.DEPLOYMENTS,
                found,
                (planned,),
                _shrunk("the inventory", found, before, "now", "deployments"),
                deployments=snapshot.deployments,
            )
        ]


@dataclass
class CostCollector(Collector):
    """Every price basis of the window; one billing currency per month across them. A source
    answers one line per identity (shared/services/ports.py), so its lines are counted and
    stored as answered, not merged again."""

    sources: Sequence[CostSource]
    store: CostStore
    kind: CollectorKind = field(default=CollectorKind.COSTS, init=False)

    def read(self, run: CollectionRun) -> list[Batch]:
        window = run.window
        if window is None:
            return []
        fetched: list[tuple[CostType, list[CostLine]]] = [
            (src.cost_type, [ln for ln in src.fetch(window) if ln.date in window])
            for src in self.sources
        ]
        ensure_one_currency_per_month(line for _, lines in fetched for line in lines)
        batches = []
        for cost_type, lines in fetched:
            source = InputSource.of_costs(cost_type)
            stored = self.store.count_window(window, cost_type)
            planned = tuple(
                PlannedInput(InputScope.of(source, p), w, frozenset({p}), needs_costs=False)
                for p, w in self.store.plan_window(window, cost_type, lines).items()
            )
            refusal = _shrunk(f"costs ({cost_type.value})", len(lines), stored, _days(window))
            batches.append(Batch(Collected.COST_LINES, len(lines), planned, refusal))
        return batches


@dataclass
class UsageCollector(Collector):
    """Usage of the accounts of this run's inventory, or of the latest stored one."""

    source: UsageSource
    store: UsageStore
    inventory: InventoryStore
    kind: CollectorKind = field(default=CollectorKind.USAGE, init=False)

    def read(self, run: CollectionRun) -> list[Batch]:
        window = run.window
        if window is None:
            return []
        deployments = run.deployments
        if deployments is None:
            latest = self.inventory.latest()
            deployments = latest.deployments if latest else ()
        accounts = sorted({(d.account_id, d.account_location) for d in deployments})
        records = self.source.fetch(window, accounts) if accounts else []
        usage = merge_usage(r for r in records if r.date in window)
        account_ids = [a for a, _ in accounts]
        stored = self.store.count_window(window, account_ids) if account_ids else 0
        planned = tuple(
            PlannedInput(InputScope.of(InputSource.USAGE, p), w, frozenset({p}))
            for p, w in self.store.plan_window(window, account_ids, usage).items()
        )
        refusal = _shrunk("usage", len(usage), stored, _days(window))
        return [Batch(Collected.USAGE_RECORDS, len(usage), planned, refusal)]


def _days(window: DateWindow) -> str:
    return f"{window.start}..{window.end - timedelta(days=1)}"


def _shrunk(source: str, fetched: int, stored: int, where: str, noun: str = "rows") -> str | None:
    """Why storing `fetched` rows where `stored` are would lose data, or None."""
    if stored and fetched < stored * SHRINK_LIMIT:
        return (
            f"{source} answered {fetched} {noun} for {where} where {stored} are stored; "
            + ALLOW_HINT
        )
    return None


@dataclass
class CallerCollector(Collector):
    """Caller tokens from each telemetry source (APIM, Application Insights), matched to the
    deployments any inventory snapshot knows; calls no deployment fits are counted in a note,
    never guessed. A period whose caller usage changed is enqueued (if it has costs): its
    allocation is then unchanged, and its targets are evaluated again."""

    sources: Sequence[CallerUsageSource]
    store: CallerUsageStore
    inventory: KnownDeployments
    kind: CollectorKind = field(default=CollectorKind.TELEMETRY, init=False)

    def read(self, run: CollectionRun) -> list[Batch]:
        window = run.window
        if window is None or not self.sources:
            return []
        deployments = self.inventory.known_deployments()
        batches = []
        for source in self.sources:
            resolved = resolve_calls(source.fetch(window), deployments)
            usage = [u for u in resolved.usage if u.date in window]
            stored = self.store.count_window(window, source.source)
            planned = tuple(
                PlannedInput(InputScope.of(InputSource.CALLERS, p), w, frozenset({p}))
                for p, w in self.store.plan_window(window, source.source, usage).items()
            )
            what = f"caller telemetry ({source.source.value})"
            notes = _unresolved_note(what, resolved.unresolved)
            refusal = _shrunk(what, len(usage), stored, _days(window))
            batches.append(
                Batch(Collected.CALLER_RECORDS, len(usage), planned, refusal, None, notes)
            )
        return batches


@dataclass
class OutcomeCollector(Collector):
    """Each `logAnalytics` use case's outcome query over the window. One use case's failing
    query (its own KQL, its own workspace) stops only that use case: its stored counts stay,
    the failure is a note of the run, and the others are stored."""

    source: OutcomeQuerySource
    store: OutcomeStore
    use_cases: UseCaseStore
    kind: CollectorKind = field(default=CollectorKind.TELEMETRY, init=False)

    def read(self, run: CollectionRun) -> list[Batch]:
        window = run.window
        if window is None:
            return []
        batches = []
        for use_case in self.use_cases.all():
            outcome = use_case.outcome.source
            if outcome.type is not SourceType.LOG_ANALYTICS:
                continue
            what = f"outcomes of use case {use_case.name!r}"
            try:
                days = self.source.fetch(outcome.workspace_id, outcome.query, window)
            except SourceError as exc:
                batches.append(Batch(Collected.OUTCOME_DAYS, 0, (), failure=f"{what}: {exc}"))
                continue
            days = [d for d in days if d.date in window]
            stored = self.store.count_collected(use_case.name, window)
            planned = tuple(
                PlannedInput(InputScope.of(InputSource.OUTCOMES, p), w, frozenset({p}))
                for p, w in self.store.plan_collected(use_case.name, window, days).items()
            )
            refusal = _shrunk(what, len(days), stored, _days(window), "days")
            batches.append(Batch(Collected.OUTCOME_DAYS, len(days), planned, refusal))
        return batches


def _unresolved_note(what: str, unresolved: Sequence[LoggedCalls]) -> tuple[str, ...]:
    if not unresolved:
        return ()
    tokens = sum(c.input_tokens + c.output_tokens for c in unresolved)
    names = sorted({f"{c.account or '?'}/{c.deployment}" for c in unresolved})
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (
        f"{what}: {tokens} tokens of {len(unresolved)} caller-day rows name no single known "
        f"deployment ({shown}); they stay unattributed",
    )
