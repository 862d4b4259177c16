"""Collect costs, usage and the inventory: read every source, check, then store and enqueue.

A collection is all-or-nothing per window. Every source of the run is read first; a source that
answers nothing, or less than `SHRINK_LIMIT` of what is stored for the same window, is refused
(`CollectionRefused`, naming the source and both counts) unless the operator allows it
(`allow_shrink`). Then every write is planned (a diff against what is stored), the inputs that
change are marked as being written (`InputVersions`, shared/core/inputs.py) so no allocation
trusts a half-written state, written, and bumped; only when everything was stored are the periods
whose inputs changed enqueued. A storage failure half-way leaves the marks, so allocations wait
for the next collection, which rewrites the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from shared.core.costs import CostLine, CostType, ensure_one_currency_per_month, merge_cost_lines
from shared.core.inputs import InputScope, InputSource
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.period import BillingPeriod, DateWindow
from shared.core.usage import UsageRecord, merge_usage
from shared.errors import CollectionRefused
from shared.services.ports import (
    AllocationQueue,
    CostSource,
    CostStore,
    InputVersions,
    InventorySource,
    InventoryStore,
    PendingWrite,
    UsageSource,
    UsageStore,
)

# A source answering fewer rows than this share of what is stored for the same window is refused.
SHRINK_LIMIT = Decimal("0.5")
ALLOW_HINT = "nothing was stored; if the source is right, collect again with --allow-shrink"


@dataclass(frozen=True)
class CollectionReport:
    """What one collection run stored."""

    cost_lines: int = 0
    usage_records: int = 0
    deployments: int = 0
    changed_periods: frozenset[BillingPeriod] = field(default_factory=frozenset)


@dataclass(frozen=True)
class _Fetched:
    """Everything one run read, before anything is stored."""

    window: DateWindow | None = None
    snapshot: InventorySnapshot | None = None
    costs: tuple[tuple[CostType, list[CostLine]], ...] = ()
    usage_accounts: tuple[str, ...] | None = None
    usage: tuple[UsageRecord, ...] = ()


@dataclass
class CollectionService:
    costs: CostStore
    usage: UsageStore
    inventory: InventoryStore
    queue: AllocationQueue
    versions: InputVersions
    cost_sources: Sequence[CostSource]
    usage_source: UsageSource
    inventory_source: InventorySource

    def collect_costs(self, window: DateWindow, *, allow_shrink: bool = False) -> CollectionReport:
        """Every price basis of the window, checked, then stored."""
        fetched = _Fetched(window=window, costs=self._fetch_costs(window))
        self._check(fetched, allow_shrink)
        return self._store(fetched, at=None)

    def collect_usage(self, window: DateWindow, *, allow_shrink: bool = False) -> CollectionReport:
        """Usage of the accounts in the latest stored inventory, checked, then stored."""
        latest = self.inventory.latest()
        accounts = _accounts(latest.deployments if latest else ())
        usage_accounts, usage = self._fetch_usage(window, accounts)
        fetched = _Fetched(window=window, usage_accounts=usage_accounts, usage=usage)
        self._check(fetched, allow_shrink)
        return self._store(fetched, at=None)

    def collect_inventory(self, at: datetime, *, allow_shrink: bool = False) -> CollectionReport:
        """The inventory as a snapshot taken `at` (stored only if it changed)."""
        fetched = _Fetched(snapshot=InventorySnapshot(at, tuple(self.inventory_source.fetch())))
        self._check(fetched, allow_shrink)
        return self._store(fetched, at=at)

    def collect_all(
        self, window: DateWindow, at: datetime, *, allow_shrink: bool = False
    ) -> CollectionReport:
        """Inventory, costs and usage (of the accounts the inventory found), all read first."""
        snapshot = InventorySnapshot(at, tuple(self.inventory_source.fetch()))
        costs = self._fetch_costs(window)
        usage_accounts, usage = self._fetch_usage(window, _accounts(snapshot.deployments))
        fetched = _Fetched(window, snapshot, costs, usage_accounts, usage)
        self._check(fetched, allow_shrink)
        return self._store(fetched, at=at)

    def _fetch_costs(self, window: DateWindow) -> tuple[tuple[CostType, list[CostLine]], ...]:
        fetched = tuple(
            (src.cost_type, merge_cost_lines(ln for ln in src.fetch(window) if ln.date in window))
            for src in self.cost_sources
        )
        ensure_one_currency_per_month(line for _, lines in fetched for line in lines)
        return fetched

    def _fetch_usage(
        self, window: DateWindow, accounts: list[tuple[str, str]]
    ) -> tuple[tuple[str, ...], tuple[UsageRecord, ...]]:
        """The accounts asked for and their usage records in the window."""
        records = self.usage_source.fetch(window, accounts) if accounts else []
        in_window = merge_usage(r for r in records if r.date in window)
        return tuple(a for a, _ in accounts), tuple(in_window)

    def _check(self, fetched: _Fetched, allow_shrink: bool) -> None:
        """Refuse a source that answers far less than is stored (before anything is written)."""
        if allow_shrink:
            return
        if fetched.snapshot is not None:
            latest = self.inventory.latest()
            before = len(latest.deployments) if latest else 0
            found = len(fetched.snapshot.deployments)
            _refuse_shrink("the inventory", found, before, "now", "deployments")
        window = fetched.window
        if window is None:
            return
        for cost_type, lines in fetched.costs:
            stored = self.costs.count_window(window, cost_type)
            _refuse_shrink(f"costs ({cost_type.value})", len(lines), stored, _days(window))
        if fetched.usage_accounts:
            stored = self.usage.count_window(window, fetched.usage_accounts)
            _refuse_shrink("usage", len(fetched.usage), stored, _days(window))

    def _store(self, fetched: _Fetched, at: datetime | None) -> CollectionReport:
        """Plan every write (reads only), mark the inputs that change, write them, bump their
        versions, then enqueue their periods. A run that changes nothing writes nothing."""
        plans = self._plan(fetched)
        changing = {scope for scope, plan in plans if plan}
        # A scope left marked by a writer that stopped half-way is taken over even if it now
        # reads as unchanged: its stored rows are whole again, so its version moves on.
        marked = changing | self.versions.stalled(scope for scope, _ in plans)
        self.versions.begin(marked)
        for _, plan in plans:
            if plan:
                plan.apply()
        bumped = self.versions.end(marked, changing)
        periods = self._to_allocate(bumped, fetched, at)
        self.queue.enqueue(periods)
        return CollectionReport(
            cost_lines=sum(len(lines) for _, lines in fetched.costs),
            usage_records=len(fetched.usage),
            deployments=len(fetched.snapshot.deployments) if fetched.snapshot else 0,
            changed_periods=frozenset(periods),
        )

    def _plan(self, fetched: _Fetched) -> list[tuple[InputScope, PendingWrite]]:
        plans: list[tuple[InputScope, PendingWrite]] = []
        if fetched.snapshot is not None:
            scope = InputScope.of(InputSource.INVENTORY)
            plans.append((scope, self.inventory.plan_save(fetched.snapshot)))
        window = fetched.window
        if window is None:
            return plans
        for cost_type, lines in fetched.costs:
            source = InputSource.of_costs(cost_type)
            for period, plan in self.costs.plan_window(window, cost_type, lines).items():
                plans.append((InputScope.of(source, period), plan))
        if fetched.usage_accounts is not None:
            usage = self.usage.plan_window(window, fetched.usage_accounts, fetched.usage)
            plans += [(InputScope.of(InputSource.USAGE, p), plan) for p, plan in usage.items()]
        return plans

    def _to_allocate(
        self, bumped: set[InputScope], fetched: _Fetched, at: datetime | None
    ) -> set[BillingPeriod]:
        """Periods whose costs changed, and those with stored costs whose other inputs changed.

        An inventory snapshot weighs on the period it was taken in (and, in a backfill, on the
        window's periods); a period without collected costs is never enqueued for it.
        """
        periods = {
            s.period for s in bumped if s.period is not None and s.source is not InputSource.USAGE
        }
        candidates = {s.period for s in bumped if s.source is InputSource.USAGE and s.period}
        if InputScope.of(InputSource.INVENTORY) in bumped:
            if at is not None:
                candidates.add(BillingPeriod.of(at.date()))
            if fetched.window is not None:
                candidates.update(fetched.window.periods())
        periods |= {p for p in candidates - periods if self.costs.has_lines(p, CostType.ACTUAL)}
        return periods


def _accounts(deployments: Sequence[Deployment]) -> list[tuple[str, str]]:
    return sorted({(d.account_id, d.account_location) for d in deployments})


def _days(window: DateWindow) -> str:
    return f"{window.start}..{window.end - timedelta(days=1)}"


def _refuse_shrink(source: str, fetched: int, stored: int, where: str, noun: str = "rows") -> None:
    if stored and fetched < stored * SHRINK_LIMIT:
        raise CollectionRefused(
            f"{source} answered {fetched} {noun} for {where} where {stored} are stored; "
            + ALLOW_HINT
        )
