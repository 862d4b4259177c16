"""The sample tenant's caller telemetry and outcomes, derived from its truth (`SampleTenant`).

The shared chat deployment (`SHARED_CHAT`, `chat-prod`: the tenant's busiest chat deployment) is
called through an API Management AI gateway by three APIM subscriptions (`SUBSCRIPTIONS`):
`support-bot` (product `support`), `summarizer` (product `content`) and `playground` (product
`internal`). `generate_telemetry(tenant)` returns what the gateway's Log Analytics workspace
(`WORKSPACE_ID`) holds for it, as raw rows of `shared.demo.log_analytics_workspace`:

- each day, the deployment's Azure Monitor prompt tokens, completion tokens and requests (the
  tenant's `usage`) are split between the subscriptions with a weekly shape (the support bot
  carries the weekends, the summarizer's batches and the playground are weekday work), each
  subscription's share exactly (`CallerBudget`); about `MISSING_GATEWAY_SHARE` of each share comes
  from requests whose gateway row is missing (not ingested), so those tokens are logged without a
  caller and must end up unattributed: the callers' logged tokens are less than Azure Monitor's;
- per request: one `ApiManagementGatewayLlmLog` token row (SequenceNumber 0, DeploymentName set),
  plus the two message rows (SequenceNumber 1 and 2, no DeploymentName) on the playground's API,
  the only one whose diagnostic logs LLM messages; and one `ApiManagementGatewayLogs` row
  (CorrelationId, ApimSubscriptionId, ProductId, ApiId, BackendUrl `https://<account>.openai.azure
  .com/openai/deployments/chat-prod/chat/completions?api-version=...`) unless it is missing.

A month is about 350,000 requests (800,000 rows): the rows are generated budget by budget on
each pass (`ChunkedRows`, a `Sequence`), the same rows every time, instead of being held.

Outcomes:

- the support bot's resolved queries are `AppEvents` rows (`AppEventRow`, Name `QueryResolved`,
  beside `QueryEscalated` ones the query must leave out) in the support bot's own workspace
  (`SUPPORT_WORKSPACE_ID`, workspace-based Application Insights); `RESOLVED_QUERY` is the KQL the
  use case names, registered with that workspace's `outcome_queries`, answered from the rows;
- the summarizer's summaries are pushed: events per batch (`OutcomeEvent`, ids
  `summaries-<day>-<n>`) written as `outcomes/summarizer.csv` (id,date,count) in the tenant folder.

Deterministic (seeded); `SampleTelemetry` is the truth too (per day and subscription tokens, the
unattributed rest, resolved queries and summaries per day), so tests compute expectations alone.
"""

from __future__ import annotations

import csv
import random
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path
from typing import TypeVar, overload

from shared.core.arm_ids import deployment_id
from shared.core.outcomes import EventBatch, OutcomeEvent
from shared.core.period import BillingPeriod
from shared.demo.log_analytics_workspace import (
    GatewayLogRow,
    LlmLogRow,
    LogAnalyticsWorkspace,
    OutcomeRows,
)
from shared.demo.sample_tenant import SampleTenant
from shared.demo.sample_tenant_catalogue import DEPLOYMENTS, SampleDeployment

SHARED_CHAT = "chat-prod"  # the shared chat deployment the gateway fronts
SUMMARIZER_DEPLOYMENT = "docs-summarizer"  # the summarizer's own deployment (long documents)
WORKSPACE_ID = "3f6b2c1d-8e4a-4b7c-9d2e-5a1f0c6e7b89"  # the APIM AI gateway's workspace
SUPPORT_WORKSPACE_ID = "9a4e7c2b-1d3f-4e8a-b6c5-0f2d8e1a7b34"  # the support bot's App Insights
API_VERSION = "2024-10-21"
MISSING_GATEWAY_SHARE = 0.05  # of each caller's requests (and tokens): no gateway row
RESOLVED = "QueryResolved"
ESCALATED = "QueryEscalated"
SUPPORT_ROLE = "support-bot"  # the support bot's cloud role name in Application Insights
RESOLVED_QUERY = f"""AppEvents
| where Name == "{RESOLVED}" and AppRoleName == "{SUPPORT_ROLE}"
| summarize outcomes = sum(ItemCount) by day = bin(TimeGenerated, 1d)"""
OUTCOMES_FILE = Path("outcomes") / "summarizer.csv"
TELEMETRY_SEED_OFFSET = 7_000

T = TypeVar("T")


@dataclass(frozen=True)
class GatewaySubscription:
    """One APIM subscription calling the shared deployment, and how it uses it: its share of the
    day's prompt tokens on weekdays and weekends (weights), completion tokens per prompt token and
    prompt tokens per request relative to the deployment's average, its busy UTC hours (weights
    per hour), the APIM API it calls and whether that API logs LLM messages."""

    name: str
    product: str
    api: str
    weekday_share: float
    weekend_share: float
    completion_factor: float
    prompt_per_request_factor: float
    hours: tuple[int, ...]
    logs_messages: bool = False


_OFFICE = (1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 10, 9, 10, 10, 9, 8, 6, 4, 3, 2, 2, 1, 1)
_ROUND_THE_CLOCK = (3, 2, 2, 2, 2, 3, 4, 6, 8, 9, 9, 9, 9, 9, 9, 9, 8, 8, 7, 6, 6, 5, 4, 3)
_BATCHES = (6, 8, 8, 6, 2, 1, 1, 2, 4, 5, 5, 5, 5, 5, 5, 5, 4, 3, 2, 2, 2, 2, 3, 4)

SUBSCRIPTIONS: tuple[GatewaySubscription, ...] = (
    GatewaySubscription("support-bot", "support", "chat-support", 0.52, 0.80, 1.05, 0.8,
                        _ROUND_THE_CLOCK),
    GatewaySubscription("summarizer", "content", "chat-content", 0.33, 0.17, 0.45, 2.2, _BATCHES),
    GatewaySubscription("playground", "internal", "chat-playground", 0.15, 0.03, 1.6, 0.7,
                        _OFFICE, logs_messages=True),
)  # fmt: skip


@dataclass(frozen=True)
class CallerBudget:
    """What one subscription sent to the shared deployment on one day through requests whose
    gateway row was (`gateway_logged`) or was not logged: exact sums of its requests' rows."""

    date: date
    subscription: str
    product: str
    api: str
    prompt_tokens: int
    completion_tokens: int
    requests: int
    gateway_logged: bool
    logs_messages: bool

    @property
    def llm_rows(self) -> int:
        """Rows in ApiManagementGatewayLlmLog: a token row per request, and two message rows
        per request where the API logs messages."""
        return self.requests * (3 if self.logs_messages else 1)

    @property
    def gateway_rows(self) -> int:
        return self.requests if self.gateway_logged else 0


@dataclass(frozen=True)
class AppEventRow:
    """One row of `AppEvents` (workspace-based Application Insights custom events)."""

    time_generated: datetime
    name: str
    app_role_name: str
    item_count: int = 1
    properties: Mapping[str, str] = field(default_factory=dict)


class ChunkedRows(Sequence[T]):
    """A sequence whose items are generated chunk by chunk (`make(chunk)`, deterministic), on
    each pass: what a month of request rows would otherwise hold in memory. `sizes` are the
    chunks' lengths, known without generating them."""

    def __init__(
        self,
        chunks: Sequence[CallerBudget],
        sizes: Sequence[int],
        make: Callable[[CallerBudget], Sequence[T]],
    ) -> None:
        self._chunks = tuple(chunks)
        self._ends = tuple(accumulate(sizes))
        self._make = make
        self._last: tuple[int, Sequence[T]] | None = None

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __iter__(self) -> Iterator[T]:
        for chunk, size in zip(self._chunks, self._sizes(), strict=True):
            if size:
                yield from self._make(chunk)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        chunk = bisect_right(self._ends, position)
        start = self._ends[chunk - 1] if chunk else 0
        last = self._last
        if last is None or last[0] != chunk:
            last = (chunk, self._make(self._chunks[chunk]))
            self._last = last
        return last[1][position - start]

    def _sizes(self) -> Iterator[int]:
        previous = 0
        for end in self._ends:
            yield end - previous
            previous = end


@dataclass(frozen=True)
class SampleTelemetry:
    """The telemetry of the sample tenant's shared chat deployment and its use cases' outcomes.

    `budgets` are the truth of the caller split: per day and subscription, the tokens and
    requests of requests with a gateway row (attributable) and without one (unattributed).
    """

    period: BillingPeriod
    seed: int
    account_name: str
    deployment: str
    deployment_id: str
    backend_url: str
    budgets: tuple[CallerBudget, ...]
    llm_logs: ChunkedRows[LlmLogRow]
    gateway_logs: ChunkedRows[GatewayLogRow]
    app_events: tuple[AppEventRow, ...]
    summary_events: tuple[OutcomeEvent, ...]
    outcomes_file: Path
    workspace_id: str = WORKSPACE_ID
    support_workspace_id: str = SUPPORT_WORKSPACE_ID
    resolved_query: str = RESOLVED_QUERY

    def logged(self, day: date, subscription: str) -> tuple[int, int, int]:
        """(prompt tokens, completion tokens, requests) of `subscription` with gateway rows."""
        found = [
            b
            for b in self.budgets
            if b.date == day and b.subscription == subscription and b.gateway_logged
        ]
        return _sums(found)

    def unattributed(self, day: date) -> tuple[int, int, int]:
        """(prompt tokens, completion tokens, requests) of the requests without a gateway row."""
        return _sums([b for b in self.budgets if b.date == day and not b.gateway_logged])

    @property
    def resolved_queries(self) -> dict[date, int]:
        """Resolved queries per day, as the support bot's events count them."""
        days: dict[date, int] = {}
        for event in self.app_events:
            if event.name == RESOLVED and event.app_role_name == SUPPORT_ROLE:
                day = event.time_generated.date()
                days[day] = days.get(day, 0) + event.item_count
        return days

    @property
    def summaries(self) -> dict[date, int]:
        """Summaries per day, as the summarizer's pushed events count them."""
        days: dict[date, int] = {}
        for event in self.summary_events:
            days[event.date] = days.get(event.date, 0) + event.count
        return days

    def workspaces(self) -> dict[str, LogAnalyticsWorkspace]:
        """The simulated workspaces: the gateway's, and the support bot's with its outcome query."""
        events = self.app_events

        def resolved(start: datetime | None, end: datetime | None) -> OutcomeRows:
            days: dict[date, int] = {}
            for event in events:
                at = event.time_generated
                if event.name != RESOLVED or event.app_role_name != SUPPORT_ROLE:
                    continue
                if (start is None or at >= start) and (end is None or at < end):
                    days[at.date()] = days.get(at.date(), 0) + event.item_count
            return sorted(days.items())

        return {
            self.workspace_id: LogAnalyticsWorkspace(
                llm_logs=self.llm_logs, gateway_logs=self.gateway_logs
            ),
            self.support_workspace_id: LogAnalyticsWorkspace(
                outcome_queries={self.resolved_query: resolved}
            ),
        }


def generate_telemetry(tenant: SampleTenant, seed: int | None = None) -> SampleTelemetry:
    """The telemetry of `tenant` (module docstring); writes `outcomes/summarizer.csv` into the
    tenant's folder. Same tenant and seed, same rows and bytes."""
    seed = tenant.seed + TELEMETRY_SEED_OFFSET if seed is None else seed
    shared = _deployment(SHARED_CHAT)
    rng = random.Random(seed)
    usage = {u.date: u for u in tenant.usage if u.deployment == SHARED_CHAT}
    budgets: list[CallerBudget] = []
    for day in tenant.period.window.days():
        used = usage.get(day)
        if used is not None:
            budgets += _day_budgets(day, used.input_tokens, used.output_tokens, used.requests, rng)
    backend = (
        f"https://{shared.account.name}.openai.azure.com/openai/deployments/{shared.name}"
        f"/chat/completions?api-version={API_VERSION}"
    )
    make = _RequestRows(seed, shared.model, shared.name, backend)
    llm_logs = ChunkedRows(budgets, [b.llm_rows for b in budgets], make.llm_rows)
    gateway_logs = ChunkedRows(budgets, [b.gateway_rows for b in budgets], make.gateway_rows)
    app_events = _support_events(budgets, rng)
    summaries = _summary_events(tenant, budgets, rng)
    outcomes_file = tenant.out_dir / OUTCOMES_FILE
    write_outcomes_csv(outcomes_file, summaries)
    return SampleTelemetry(
        period=tenant.period,
        seed=seed,
        account_name=shared.account.name,
        deployment=shared.name,
        deployment_id=deployment_id(shared.account.id, shared.name),
        backend_url=backend,
        budgets=tuple(budgets),
        llm_logs=llm_logs,
        gateway_logs=gateway_logs,
        app_events=app_events,
        summary_events=summaries,
        outcomes_file=outcomes_file,
    )


def write_outcomes_csv(path: Path, events: Sequence[OutcomeEvent]) -> None:
    """Events as the `outcomes` command reads them: a header `id,date,count`, one row each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("id", "date", "count"))
        writer.writerows((e.id, e.date.isoformat(), e.count) for e in events)


def _deployment(name: str) -> SampleDeployment:
    return next(d for d in DEPLOYMENTS if d.name == name and d.listed)


def _day_budgets(
    day: date, prompt: int, completion: int, requests: int, rng: random.Random
) -> list[CallerBudget]:
    """The day's Azure Monitor counts split exactly between the subscriptions, then each share
    into requests with and without a gateway row. Draws the same number of values every day."""
    weekend = day.weekday() >= 5
    noise = [rng.uniform(0.88, 1.12) for _ in SUBSCRIPTIONS]
    missing = [MISSING_GATEWAY_SHARE * rng.uniform(0.6, 1.4) for _ in SUBSCRIPTIONS]
    shares = [
        (s.weekend_share if weekend else s.weekday_share) * n
        for s, n in zip(SUBSCRIPTIONS, noise, strict=True)
    ]
    prompts = apportion(prompt, shares)
    completions = apportion(
        completion, [w * s.completion_factor for w, s in zip(shares, SUBSCRIPTIONS, strict=True)]
    )
    counts = apportion(
        requests,
        [w / s.prompt_per_request_factor for w, s in zip(shares, SUBSCRIPTIONS, strict=True)],
    )
    for i, count in enumerate(counts):
        if count == 0 and (prompts[i] or completions[i]):  # tokens need a request to carry them
            counts[counts.index(max(counts))] -= 1
            counts[i] = 1
    budgets = []
    for sub, p, c, r, lost in zip(
        SUBSCRIPTIONS, prompts, completions, counts, missing, strict=True
    ):
        if r == 0:
            continue  # no request, hence no tokens, of this caller today
        lost_r = min(r - 1, round(r * lost))
        lost_p, lost_c = (p * lost_r // r, c * lost_r // r) if lost_r else (0, 0)
        parts = ((p - lost_p, c - lost_c, r - lost_r, True), (lost_p, lost_c, lost_r, False))
        for part_p, part_c, part_r, logged in parts:
            if part_r:
                budgets.append(
                    CallerBudget(
                        day,
                        sub.name,
                        sub.product,
                        sub.api,
                        part_p,
                        part_c,
                        part_r,
                        logged,
                        sub.logs_messages,
                    )
                )
    return budgets


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split by `weights` into whole parts that sum to it exactly (largest remainder,
    the lower index first on a tie), in integer arithmetic."""
    units = [round(w * 1e9) for w in weights]
    scale = sum(units)
    if total == 0 or scale <= 0:
        return [0] * len(weights)
    parts = [total * u // scale for u in units]
    order = sorted(range(len(units)), key=lambda i: (-(total * units[i] % scale), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _split(total: int, weights: Sequence[int]) -> list[int]:
    """`total` split by integer `weights` exactly (cumulative floors: parts never negative)."""
    whole = sum(weights)
    cuts = [total * c // whole for c in accumulate(weights)]
    return [b - a for a, b in zip([0, *cuts], cuts, strict=False)]


class _RequestRows:
    """The rows of a budget's requests, drawn from a generator seeded by the budget alone."""

    def __init__(self, seed: int, model: str, deployment: str, backend: str) -> None:
        self._seed = seed
        self._model = model
        self._deployment = deployment
        self._backend = backend

    def llm_rows(self, budget: CallerBudget) -> list[LlmLogRow]:
        rows = []
        for moment, correlation, prompt, completion in self._requests(budget):
            rows.append(
                LlmLogRow(
                    moment,
                    correlation,
                    self._deployment,
                    self._model,
                    prompt,
                    completion,
                    prompt + completion,
                    0,
                )
            )
            if budget.logs_messages:
                rows.append(LlmLogRow(moment, correlation, sequence_number=1))
                rows.append(LlmLogRow(moment, correlation, sequence_number=2))
        return rows

    def gateway_rows(self, budget: CallerBudget) -> list[GatewayLogRow]:
        if not budget.gateway_logged:
            return []
        return [
            GatewayLogRow(
                correlation, budget.subscription, budget.product, budget.api, self._backend, moment
            )
            for moment, correlation, _, _ in self._requests(budget)
        ]

    def _requests(self, budget: CallerBudget) -> list[tuple[datetime, str, int, int]]:
        """(TimeGenerated, CorrelationId, prompt tokens, completion tokens) of each request."""
        key = f"{self._seed}/{budget.date}/{budget.subscription}/{budget.gateway_logged}"
        rng = random.Random(key)
        n = budget.requests
        prompts = _split(budget.prompt_tokens, [_weight(rng) for _ in range(n)])
        completions = _split(budget.completion_tokens, [_weight(rng) for _ in range(n)])
        hours = _hours(budget.subscription)
        midnight = datetime.combine(budget.date, time(0), UTC)
        picked = rng.choices(range(24), cum_weights=hours, k=n)
        out = []
        for hour, prompt, completion in zip(picked, prompts, completions, strict=True):
            # seconds into the hour, before 59:00 so the response stays on the same UTC day
            moment = midnight + timedelta(hours=hour, seconds=rng.uniform(0, 3540))
            correlation = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            out.append((moment, correlation, prompt, completion))
        return out


def _weight(rng: random.Random) -> int:
    return 1 + int(1000 * rng.lognormvariate(0.0, 0.45))


def _hours(subscription: str) -> list[int]:
    sub = next(s for s in SUBSCRIPTIONS if s.name == subscription)
    return list(accumulate(sub.hours))


def _support_events(budgets: Sequence[CallerBudget], rng: random.Random) -> tuple[AppEventRow, ...]:
    """The support bot's conversation outcomes: about one conversation per 3.2 requests, about
    73 % resolved, about 11 % escalated to a human (the rest abandoned: no event)."""
    requests: dict[date, int] = {}
    for b in budgets:
        if b.subscription == SUPPORT_ROLE:
            requests[b.date] = requests.get(b.date, 0) + b.requests
    hours = _hours(SUPPORT_ROLE)
    events: list[AppEventRow] = []
    for day in sorted(requests):
        conversations = round(requests[day] / rng.uniform(2.9, 3.5))
        resolved = round(conversations * rng.uniform(0.68, 0.78))
        escalated = round(conversations * rng.uniform(0.08, 0.14))
        midnight = datetime.combine(day, time(0), UTC)
        names = [RESOLVED] * resolved + [ESCALATED] * escalated
        for number, name in enumerate(names):
            hour = rng.choices(range(24), cum_weights=hours)[0]
            moment = midnight + timedelta(hours=hour, seconds=rng.uniform(0, 3599))
            conversation = f"conv-{day:%Y%m%d}-{number:05d}"
            events.append(
                AppEventRow(moment, name, SUPPORT_ROLE, properties={"conversationId": conversation})
            )
    return tuple(sorted(events, key=lambda e: e.time_generated))


def _summary_events(
    tenant: SampleTenant, budgets: Sequence[CallerBudget], rng: random.Random
) -> tuple[OutcomeEvent, ...]:
    """The summarizer's summaries, pushed per batch: one summary per document, each a long call
    to its own deployment (a few are retries) and a short one to the shared chat deployment."""
    documents = {u.date: u.requests for u in tenant.usage if u.deployment == SUMMARIZER_DEPLOYMENT}
    events: list[OutcomeEvent] = []
    for day in tenant.period.window.days():
        summaries = round(documents.get(day, 0) * rng.uniform(0.92, 0.98))
        batches = 6 if day.weekday() < 5 else 2
        counts = apportion(summaries, [rng.uniform(0.7, 1.3) for _ in range(batches)])
        for number, count in enumerate(counts, start=1):
            if count:
                events.append(OutcomeEvent(f"summaries-{day:%Y%m%d}-{number:02d}", day, count))
    return tuple(events)


def _sums(budgets: Sequence[CallerBudget]) -> tuple[int, int, int]:
    return (
        sum(b.prompt_tokens for b in budgets),
        sum(b.completion_tokens for b in budgets),
        sum(b.requests for b in budgets),
    )


__all__ = [
    "MISSING_GATEWAY_SHARE",
    "RESOLVED_QUERY",
    "SHARED_CHAT",
    "SUBSCRIPTIONS",
    "SUPPORT_WORKSPACE_ID",
    "WORKSPACE_ID",
    "AppEventRow",
    "CallerBudget",
    "ChunkedRows",
    "GatewaySubscription",
    "SampleTelemetry",
    "generate_telemetry",
    "write_outcomes_csv",
]


LATE_SHARE = 3  # of every 10 summary events, this many arrive after the allocation


def split_late(batch: EventBatch) -> tuple[EventBatch, EventBatch]:
    """The summarizer's events as the demo pushes them: most on time (before the allocation),
    3 of every 10 late (after it: the period's targets are evaluated again)."""
    on_time = [i for i in range(len(batch.events)) if i % 10 >= LATE_SHARE]
    late = [i for i in range(len(batch.events)) if i % 10 < LATE_SHARE]

    def part(indexes: list[int]) -> EventBatch:
        return EventBatch(
            tuple(batch.events[i] for i in indexes),
            tuple(batch.names[i] for i in indexes),
            batch.problems,
        )

    return part(on_time), part(late)
