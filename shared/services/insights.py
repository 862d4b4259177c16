"""A period's savings findings (shared/core/findings.py) over the live allocation.

- the deployments and their unit costs are the live allocation's (one generation, read whole
  with its daily rows); NotFound `period` when it has not been allocated;
- each deployment's traffic is shared/core/traffic.py's (its usage with the peak tokens per
  minute, cached input from the allocated cached-input cost), its history the usage of the
  `HISTORY_PERIODS` periods before, its hosting cost its allocated hosting-hour rows, the
  capacities it held those of the period's inventory snapshots, its use case the one that claims
  it whole;
- prices are the period's price book: the tenant's effective prices from the period's cost
  lines, the stored Retail Prices catalogue (the bundled one when none is stored) for the rest;
- retirements are compared with today (the clock given): a version still deployed matters now;
- the thresholds are the settings' (`INSIGHTS_THRESHOLDS`, docs/model-economics.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from datetime import date
from decimal import Decimal

from shared.core.finding_filter import matching_findings
from shared.core.findings import DeploymentFacts, FindingType, Thresholds, find_all
from shared.core.insight_views import InsightsView, insights_view
from shared.core.list_filter import ListFilter
from shared.core.meters import TokenKind
from shared.core.money import ZERO, in_money_context
from shared.core.period import BillingPeriod
from shared.core.price_book import PriceBook
from shared.core.reports import DailyCost
from shared.core.resource_id import id_key
from shared.core.traffic import Traffic, TrafficIndex
from shared.core.usage import UsageRecord
from shared.core.use_cases import UseCase
from shared.core.views import PeriodQuery
from shared.errors import InvalidInput
from shared.services.ports import (
    CostStore,
    InventoryStore,
    PublishedDailyRows,
    RetailItemsSource,
    UsageStore,
    UseCaseStore,
)
from shared.services.views import live_days, utc_today

HISTORY_PERIODS = 3  # the periods before whose usage is a deployment's own history
TYPES = {t.value: t for t in FindingType}


class InsightsService:
    def __init__(
        self,
        results: PublishedDailyRows,
        usage: UsageStore,
        costs: CostStore,
        items: RetailItemsSource,
        inventory: InventoryStore,
        use_cases: UseCaseStore,
        thresholds: Thresholds,
        today: Callable[[], date] = utc_today,
    ) -> None:
        self._results = results
        self._usage = usage
        self._inventory = inventory
        self._use_cases = use_cases
        self._costs = costs
        self._items = items
        self._thresholds = thresholds
        self._today = today

    def run(
        self,
        query: PeriodQuery,
        types: Collection[FindingType] = (),
        wanted: ListFilter | None = None,
    ) -> InsightsView:
        """The period's findings, largest saving first (module docstring); only those of
        `types` when given, and those `wanted` keeps (shared/core/finding_filter.py). Every
        deployment is examined either way; the ranks and the upper bound are of those kept."""
        days = live_days(self._results, query)
        lines = self._costs.lines_for(query.period, query.cost_type)
        book = PriceBook.build(lines, self._items.items())
        index = TrafficIndex.build(self._usage.records_for(query.period), days.rows)
        earlier = TrafficIndex.build(self._history(query.period), ())
        held = self._capacities(query.period)
        use_cases = self._use_cases.all()
        owners = _owners(use_cases)
        traffic: dict[str, Traffic] = {}
        facts = []
        for unit in days.unit_costs:
            deployment = unit.deployment
            found = index.traffic(deployment, book, query.cost_type)
            traffic[id_key(deployment.deployment_id)] = found
            facts.append(
                DeploymentFacts(
                    unit=unit,
                    traffic=found.days,
                    region=deployment.account_location,
                    history=earlier.traffic(deployment, book, query.cost_type).days,
                    hosting_cost=_hosting_cost(index.rows_of(deployment)),
                    held_capacities=tuple(sorted(held.get(id_key(deployment.deployment_id), ()))),
                    use_case=owners.get(id_key(deployment.deployment_id)),
                )
            )
        as_of = self._today()
        findings = find_all(facts, book, self._thresholds, as_of=as_of)
        if types:
            findings = [f for f in findings if f.type in types]
        deployments = [u.deployment for u in days.unit_costs]
        if wanted is not None:
            findings = matching_findings(findings, deployments, wanted, use_cases)
        return insights_view(
            findings,
            deployments,
            traffic,
            query.period,
            query.cost_type,
            days.currency,
            as_of,
        )

    def _history(self, period: BillingPeriod) -> list[UsageRecord]:
        records: list[UsageRecord] = []
        earlier = period
        for _ in range(HISTORY_PERIODS):
            earlier = earlier.previous()
            records.extend(self._usage.records_for(earlier))
        return records

    def _capacities(self, period: BillingPeriod) -> dict[str, set[int]]:
        """The capacities each deployment held in the period's inventory snapshots."""
        held: dict[str, set[int]] = defaultdict(set)
        for snapshot in self._inventory.snapshots_for(period):
            for deployment in snapshot.deployments:
                held[id_key(deployment.deployment_id)].add(deployment.capacity)
        return held


def _owners(use_cases: Iterable[UseCase]) -> dict[str, str]:
    """The use case that claims each deployment whole."""
    return {
        id_key(entry.deployment_id): use_case.name
        for use_case in use_cases
        for entry in use_case.deployments
        if entry.whole
    }


@in_money_context
def _hosting_cost(rows: Iterable[DailyCost]) -> Decimal:
    return sum((r.cost for r in rows if r.kind is TokenKind.HOSTING_HOUR), ZERO)


def parse_types(text: str | None) -> tuple[FindingType, ...]:
    """`type=a,b`: finding types by their names; InvalidInput `type` naming the known ones."""
    if text is None or not text.strip():
        return ()
    found = []
    for part in text.split(","):
        name = part.strip().lower()
        if name not in TYPES:
            known = ", ".join(sorted(TYPES))
            raise InvalidInput("type", f"unknown finding type {part.strip()!r}: one of {known}")
        found.append(TYPES[name])
    return tuple(dict.fromkeys(found))
