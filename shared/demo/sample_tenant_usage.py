"""The sample tenant's usage: true tokens per deployment, day and meter, and what metrics show."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.core.meters import TokenKind
from shared.core.period import BillingPeriod
from shared.core.usage import UsageRecord
from shared.demo.sample_tenant_catalogue import (
    CONTENT_SAFETY_WEEKDAY_RECORDS,
    DEPLOYMENTS,
    SampleDeployment,
)


@dataclass(frozen=True)
class TokenCount:
    """Tokens one deployment put on one meter on one day, as billed.

    INPUT excludes the cached part: the prompt tokens of the metrics are INPUT + CACHED_INPUT.
    """

    date: date
    account_id: str
    deployment: str
    kind: TokenKind
    meter_id: str
    tokens: int


@dataclass(frozen=True)
class SimulatedUsage:
    """True token counts, observed usage (what the metrics report) and content-safety records."""

    token_counts: tuple[TokenCount, ...]
    usage: tuple[UsageRecord, ...]
    text_records: tuple[tuple[date, int], ...]


def simulate(period: BillingPeriod, seed: int) -> SimulatedUsage:
    """Deterministic usage of every deployment on every day of `period`."""
    rng = random.Random(seed)
    counts: list[TokenCount] = []
    usage: list[UsageRecord] = []
    records: list[tuple[date, int]] = []
    for index, day in enumerate(period.window.days()):
        for dep in DEPLOYMENTS:
            prompt, cached, output, requests = _day_usage(dep, day, index, rng)
            counts.extend(_counts(dep, day, prompt, cached, output))
            gap = day.day == dep.metrics_gap_day
            usage.append(
                UsageRecord(
                    date=day,
                    account_id=dep.account.id,
                    deployment=dep.name,
                    input_tokens=0 if gap else prompt,
                    output_tokens=0 if gap else output,
                    requests=0 if gap else requests,
                    ptu_utilization=_utilization(dep, day),
                )
            )
        low, high = CONTENT_SAFETY_WEEKDAY_RECORDS
        drawn = rng.randint(low, high)
        if day.weekday() < 5:
            records.append((day, drawn))
    return SimulatedUsage(tuple(counts), tuple(usage), tuple(records))


def _day_usage(
    dep: SampleDeployment, day: date, index: int, rng: random.Random
) -> tuple[int, int, int, int]:
    """(prompt tokens incl. cached, cached tokens, output tokens, requests) of one day.

    Always draws the same number of random values, so one deployment's shape never shifts another's.
    """
    noise, cache_jitter, output_jitter = rng.uniform(0.85, 1.15), rng.random(), rng.random()
    first, last = dep.days
    if not first <= day.day <= last:
        return 0, 0, 0, 0
    shape = 1.0 if day.weekday() < 5 else dep.weekend_factor
    trend = 1.0 + 0.006 * index
    prompt = round(dep.weekday_input * shape * trend * noise)
    if prompt == 0:
        return 0, 0, 0, 0
    cached = round(prompt * dep.cached_share * (0.9 + 0.2 * cache_jitter))
    output = round(prompt * dep.output_ratio * (0.9 + 0.2 * output_jitter))
    requests = max(1, round((prompt + output) / dep.tokens_per_request))
    return prompt, cached, output, requests


def _utilization(dep: SampleDeployment, day: date) -> Decimal | None:
    """A provisioned deployment's average utilization %: busier on weekdays, none before it ran."""
    if not dep.is_provisioned or dep.hours_on(day.day) == 0:
        return None
    swing = (day.day * 7) % 23 if day.weekday() < 5 else -20
    return Decimal(str(round(dep.utilization + swing, 2)))


def _counts(
    dep: SampleDeployment, day: date, prompt: int, cached: int, output: int
) -> list[TokenCount]:
    """What the deployment put on its meters; a provisioned one bills capacity x hours."""
    if dep.is_provisioned:
        ptu_hours = dep.capacity * dep.hours_on(day.day)
        return [
            TokenCount(day, dep.account.id, dep.name, kind, meter_id, ptu_hours)
            for kind, meter_id in dep.meters
            if ptu_hours > 0
        ]
    by_kind = {
        TokenKind.INPUT: prompt - cached,
        TokenKind.CACHED_INPUT: cached,
        TokenKind.OUTPUT: output,
    }
    return [
        TokenCount(day, dep.account.id, dep.name, kind, meter_id, by_kind[kind])
        for kind, meter_id in dep.meters
        if by_kind[kind] > 0
    ]
