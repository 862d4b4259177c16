"""Evaluate every target of a period after its allocation, record each change of state with its
CloudEvent in one atomic write, and send what the outbox holds (docs/targets.md).

- A target is evaluated from the live allocation of its price basis (one whole generation), the
  stored usage, caller telemetry and outcomes, against the previous period's allocation (drivers)
  and its own previous evaluation of the period.
- An evaluation that finds the same state and the same numbers writes nothing and sends nothing:
  re-running an allocation is silent.
- A change of state is recorded with its transition and (for at-risk, breached, recovered) its
  event in one conditional write; an evaluation that lost a race reads again and re-evaluates, so
  each change is recorded, and sent, once.
- The outbox is sent after every evaluation run; a failed send leaves the events pending for the
  next run (never lost), and an accepted one is marked sent (never sent again). With no Event
  Grid endpoint configured nothing is sent and the events stay pending.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from shared.core.callers import CallerUsage
from shared.core.clock import utc_now
from shared.core.costs import CostType
from shared.core.forecast import totals_for
from shared.core.period import BillingPeriod
from shared.core.reports import PeriodDays, Unpublished
from shared.core.scope_series import scope_series
from shared.core.target_evaluation import evaluate, event_of, event_type, transition
from shared.core.target_records import (
    Evaluation,
    OutboxEvent,
    ScopeKind,
    ScopeSeries,
    ScopeTotals,
    Target,
    Transition,
)
from shared.core.target_views import evaluation_json, event_data
from shared.core.usage import UsageRecord
from shared.errors import PartlyAccepted, SourceError
from shared.services.ports import (
    CallerUsageStore,
    EventPublisher,
    OutcomeStore,
    PublishedDailyRows,
    TargetStatusStore,
    TargetStore,
    UsageStore,
    UseCaseStore,
)

log = logging.getLogger(__name__)
RECORD_ATTEMPTS = 3
PAGE = 100  # pending events sent per request batch (the publisher splits by size too)
MAX_PAGES = 50  # per run: 5,000 events; the rest go with the next run
EVIDENCE_PATH = "/api/targets/{id}/status"


@dataclass(frozen=True)
class EvaluationRun:
    """What one evaluation run did."""

    evaluations: tuple[Evaluation, ...]
    transitions: tuple[Transition, ...]
    sent: int
    pending: int
    send_error: str | None = None


class TargetEvaluationService:
    def __init__(
        self,
        targets: TargetStore,
        status: TargetStatusStore,
        results: PublishedDailyRows,
        usage: UsageStore,
        callers: CallerUsageStore,
        outcomes: OutcomeStore,
        use_cases: UseCaseStore,
        publisher: EventPublisher | None,
        api_base: str = "",
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._targets = targets
        self._status = status
        self._results = results
        self._usage = usage
        self._callers = callers
        self._outcomes = outcomes
        self._use_cases = use_cases
        self._publisher = publisher
        self._api_base = api_base.rstrip("/")
        self._now = now

    def evaluate_period(self, period: BillingPeriod) -> EvaluationRun:
        """Evaluate every target for `period` (those whose basis is allocated), then send."""
        inputs = _Inputs(
            self._results, self._usage, self._callers, self._outcomes, self._use_cases,
            self._now().date(),
        )  # fmt: skip
        evaluations: list[Evaluation] = []
        transitions: list[Transition] = []
        for target in self._targets.all():
            days = inputs.days(period, target.cost_type)
            if days is None:
                continue  # the basis is not allocated: nothing to evaluate yet
            found, changed = self._evaluate(target, period, days, inputs)
            evaluations.append(found)
            if changed is not None:
                transitions.append(changed)
        sent, pending, error = self.flush()
        return EvaluationRun(tuple(evaluations), tuple(transitions), sent, pending, error)

    def flush(self) -> tuple[int, int, str | None]:
        """Send the pending events, a page at a time until none is left or a send fails:
        (sent, still pending, the send error if any)."""
        sent = 0
        for _ in range(MAX_PAGES):
            pending = self._status.pending(PAGE)
            if not pending or self._publisher is None:
                return sent, self._left(pending), None
            try:
                self._publisher.send(pending)
            except SourceError as exc:  # kept pending: the next run sends them again
                ids = set(exc.accepted_ids) if isinstance(exc, PartlyAccepted) else set()
                accepted = [e for e in pending if e.id in ids]  # batches accepted before it
                if accepted:
                    self._status.sent(accepted)
                left = self._left(self._status.pending(PAGE))
                log.warning("target events not sent (%d pending): %s", left, exc)
                return sent + len(accepted), left, str(exc)
            self._status.sent(pending)
            sent += len(pending)
        return sent, self._left(self._status.pending(PAGE)), None

    def _left(self, page: list[OutboxEvent]) -> int:
        """How many events are pending, from a first page (counted whole only when full)."""
        if len(page) < PAGE:
            return len(page)
        return len(self._status.pending(PAGE * MAX_PAGES))

    def _evaluate(
        self, target: Target, period: BillingPeriod, days: PeriodDays, inputs: _Inputs
    ) -> tuple[Evaluation, Transition | None]:
        series = inputs.series(target, days)
        previous = inputs.previous_totals(target, period)
        for _ in range(RECORD_ATTEMPTS):
            stored = self._status.latest(target.id, period)
            last = stored.evaluation if stored else None
            found = evaluate(target, series, previous, last)
            if last is not None and _same(found, last):
                return last, None  # the same numbers: nothing written, nothing sent
            at = self._now()
            changed = transition(last.state if last else None, found, at)
            event = self._event(changed) if changed else None
            if self._status.record(found, changed, event, stored):
                return found, changed
        raise SourceError(f"target {target.id} {period}: kept changing while being evaluated")

    def _event(self, changed: Transition) -> OutboxEvent | None:
        if event_type(changed) is None:
            return None
        link = f"{self._api_base}{EVIDENCE_PATH.format(id=changed.target_id)}"
        return event_of(changed, json.dumps(event_data(changed, link), sort_keys=True))


def _same(a: Evaluation, b: Evaluation) -> bool:
    """Whether two evaluations say the same (state, numbers and drivers as presented)."""
    return evaluation_json(a) == evaluation_json(b) and a.target == b.target


class _Inputs:
    """What one run reads, each once: the published days per period and basis, and the usage,
    caller usage and use-case outcomes of a period."""

    def __init__(
        self,
        results: PublishedDailyRows,
        usage: UsageStore,
        callers: CallerUsageStore,
        outcomes: OutcomeStore,
        use_cases: UseCaseStore,
        today: date,
    ) -> None:
        self._results = results
        self._usage_store = usage
        self._callers_store = callers
        self._outcomes = outcomes
        self._use_cases = use_cases
        self._today = today
        self._days: dict[tuple[BillingPeriod, CostType], PeriodDays | None] = {}
        self._usage: dict[BillingPeriod, list[UsageRecord]] = {}
        self._callers: dict[BillingPeriod, list[CallerUsage]] = {}

    def days(self, period: BillingPeriod, cost_type: CostType) -> PeriodDays | None:
        key = (period, cost_type)
        if key not in self._days:
            found = self._results.days(period, cost_type)
            self._days[key] = None if found is None or isinstance(found, Unpublished) else found
        return self._days[key]

    def series(self, target: Target, days: PeriodDays) -> ScopeSeries:
        period = days.period
        if period not in self._usage:
            self._usage[period] = self._usage_store.records_for(period)
            self._callers[period] = self._callers_store.usage_for(period)
        use_case = None
        outcomes: dict[date, int] = {}
        if target.scope.kind is ScopeKind.USE_CASE:
            use_case = self._use_cases.get(target.scope.value)
            outcomes = self._outcomes.daily(target.scope.value, period)
        return scope_series(
            target.scope,
            days,
            self._usage[period],
            self._callers[period],
            use_case,
            outcomes,
            self._today,
        )

    def previous_totals(self, target: Target, period: BillingPeriod) -> ScopeTotals | None:
        days = self.days(period.previous(), target.cost_type)
        if days is None:
            return None
        return totals_for(target.metric, self.series(target, days).days)
