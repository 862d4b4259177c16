"""The sample tenant's usage: true tokens per deployment, day and meter, and what metrics show.

Per minute, a day's tokens (`TokenTransaction`, input + output) follow a deterministic diurnal
profile in the account region's local time (standard time; DST is ignored): working days busy
from 08:00 to 18:00 with a lunch dip, weekends flatter, provisioned deployments (PTU is bought
for a steady load) and embedding ones (indexing runs around the clock) steady, none before a
deployment was created; each minute is nudged by a fixed jitter. Every peak stays within the
deployment's capacity: 1,000 TPM per unit on Standard SKUs, the input TPM per PTU (ptu_facts) on
provisioned ones, which holds even with gpt-4o's output weighing 4 input tokens (the table's
weight of gpt-4.1; gpt-4o's is not given), as 40 % of its prompt tokens are cached (deducted).
`minute_tokens` spreads a record's tokens exactly (the minutes add up to the day's total);
`UsageRecord.peak_tpm` is their maximum, and the metrics double serves them (tests/doubles).
The demo's saved Metrics-List files are daily (P1D); its saved PT1M getBatch files carry
the minutes (shared/demo/sample_tenant_files.py).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate

from shared.core.meters import TokenKind
from shared.core.period import BillingPeriod
from shared.core.usage import UsageRecord
from shared.demo.sample_tenant_catalogue import (
    CONTENT_SAFETY_WEEKDAY_RECORDS,
    DEPLOYMENTS,
    SampleDeployment,
)

MINUTES_PER_DAY = 1440
# Relative load per local hour, 00:00 to 23:00.
# fmt: off
_WORKING_DAY = (2, 2, 2, 2, 2, 3, 5, 9, 15, 19, 20, 19, 15, 18, 20, 19, 16, 11, 7, 5, 4, 3, 3, 2)
_WEEKEND = (4, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8, 8, 7, 7, 6, 6, 5, 5, 5, 4)
_STEADY = (7, 7, 7, 7, 7, 7, 8, 9, 10, 11, 12, 12, 11, 12, 12, 12, 11, 10, 9, 9, 8, 8, 8, 7)
# fmt: on
_UTC_OFFSET_HOURS = {"eastus2": -5, "swedencentral": 1}  # standard time
_JITTER = 9  # a minute weighs (16 + 0..8) / 20 of its hour's load


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
            observed = UsageRecord(
                date=day,
                account_id=dep.account.id,
                deployment=dep.name,
                input_tokens=0 if gap else prompt,
                output_tokens=0 if gap else output,
                requests=0 if gap else requests,
                ptu_utilization=_utilization(dep, day),
            )
            peak = max(minute_tokens(observed)) if observed.total_tokens else None
            usage.append(replace(observed, peak_tpm=peak))
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


def minute_tokens(record: UsageRecord, location: str = "") -> tuple[int, ...]:
    """The record's tokens per minute of its UTC day (1,440, adding up to `total_tokens`), as the
    sample tenant's metrics report them; a record of no sample deployment follows the working-day
    profile in `location`'s local time."""
    return spread(record.total_tokens, minute_weights(record, location))


def minute_weights(record: UsageRecord, location: str = "") -> tuple[int, ...]:
    """The relative load of each minute of the record's UTC day (see the module docstring)."""
    dep = _sample_deployment(record.account_id, record.deployment)
    if dep is None:
        return _weights(record.date, location.replace(" ", "").lower(), False, 0)
    missing_hours = 24 - dep.hours_on(record.date.day)
    steady = dep.is_provisioned or dep.output_ratio == 0
    return _weights(record.date, dep.account.location, steady, 60 * missing_hours)


def spread(total: int, weights: Sequence[int]) -> tuple[int, ...]:
    """`total` split by `weights`, each share rounded down at its running sum: exact, in order
    (all zero when no weight is positive)."""
    cumulative = list(accumulate(weights))
    whole = cumulative[-1] if cumulative else 0
    if whole <= 0:
        return tuple(0 for _ in weights)
    shares, before = [], 0
    for running in cumulative:
        upto = total * running // whole
        shares.append(upto - before)
        before = upto
    return tuple(shares)


@lru_cache(maxsize=512)
def _weights(day: date, location: str, steady: bool, from_minute: int) -> tuple[int, ...]:
    profile = _STEADY if steady else _WORKING_DAY if day.weekday() < 5 else _WEEKEND
    offset = 60 * _UTC_OFFSET_HOURS.get(location, 0)
    seed = day.toordinal() * 7919
    return tuple(
        0
        if minute < from_minute
        else profile[(minute + offset) // 60 % 24] * (16 + _jitter(seed + minute))
        for minute in range(MINUTES_PER_DAY)
    )


def _jitter(n: int) -> int:
    """A fixed pseudo-random 0 .. _JITTER - 1 (a multiplicative hash)."""
    return ((n * 2_654_435_761) % 2**32 >> 16) % _JITTER


@lru_cache(maxsize=64)
def _sample_deployment(account_id: str, name: str) -> SampleDeployment | None:
    for dep in DEPLOYMENTS:
        if dep.account.id.lower() == account_id.lower() and dep.name.lower() == name.lower():
            return dep
    return None
