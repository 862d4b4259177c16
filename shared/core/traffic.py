"""A deployment's daily traffic of a period, as the what-if and the findings price it.

- tokens and requests: its Azure Monitor usage per UTC day (input tokens include the cached
  ones), with the day's peak tokens per minute when collected;
- cached input tokens of a day: its allocated cached-input cost of that day / the tenant's
  effective price per token of that meter that day (the price book of the period's cost lines:
  exact), at most the day's input tokens; a meter without an effective price leaves its tokens
  counted as uncached input, said in the notes.

Pure: no I/O; Decimal money (the money context).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.core.costs import CostType
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.money import ZERO, in_money_context
from shared.core.price_book import PriceBook
from shared.core.reports import DailyCost
from shared.core.resource_id import id_key
from shared.core.usage import UsageRecord, merge_usage
from shared.core.what_if import DailyTraffic

CACHED_FROM_COST = (
    "cached input tokens: the allocated cached-input cost of each day / the tenant's effective "
    "price per token of its meter that day"
)


@dataclass(frozen=True)
class Traffic:
    """One deployment's days of traffic, and how its cached tokens were found."""

    days: tuple[DailyTraffic, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class TrafficIndex:
    """The period's usage and allocated rows indexed by deployment (any case), read once."""

    usage: dict[str, list[UsageRecord]]
    rows: dict[str, list[DailyCost]]

    @classmethod
    def build(cls, usage: Iterable[UsageRecord], rows: Iterable[DailyCost]) -> TrafficIndex:
        by_deployment: dict[str, list[UsageRecord]] = defaultdict(list)
        for record in merge_usage(usage):
            by_deployment[id_key(record.deployment_id)].append(record)
        by_key: dict[str, list[DailyCost]] = defaultdict(list)
        for row in rows:
            if row.deployment_key:
                by_key[id_key(row.deployment_key)].append(row)
        return cls(dict(by_deployment), dict(by_key))

    def rows_of(self, deployment: Deployment) -> list[DailyCost]:
        return self.rows.get(id_key(deployment.key), [])

    @in_money_context
    def traffic(self, deployment: Deployment, book: PriceBook, cost_type: CostType) -> Traffic:
        """The deployment's traffic (module docstring), one record per day with usage."""
        cached_cost: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
        for row in self.rows_of(deployment):
            if row.kind is TokenKind.CACHED_INPUT:
                cached_cost[(row.date, row.meter_id)] += row.cost
        cached: dict[date, Decimal] = defaultdict(lambda: ZERO)
        notes: list[str] = []
        for (day, meter_id), cost in sorted(cached_cost.items()):
            price = book.effective(meter_id, day, cost_type)
            if price is None or price.amount <= 0:
                notes.append(
                    f"cached input tokens of {day} unknown (no effective price of meter "
                    f"{meter_id}): counted as uncached input"
                )
                continue
            cached[day] += cost / price.amount
        usage = sorted(self.usage.get(id_key(deployment.deployment_id), []), key=_day)
        days = tuple(_daily(record, cached[record.date]) for record in usage)
        if cached:
            notes.append(CACHED_FROM_COST)
        return Traffic(days, tuple(notes))


def _day(record: UsageRecord) -> date:
    return record.date


def _daily(record: UsageRecord, cached: Decimal) -> DailyTraffic:
    return DailyTraffic(
        date=record.date,
        input_tokens=record.input_tokens,
        cached_input_tokens=min(record.input_tokens, int(cached.to_integral_value())),
        output_tokens=record.output_tokens,
        requests=record.requests,
        peak_tpm=record.peak_tpm,
    )
