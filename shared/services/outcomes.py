"""Pushed outcomes: an application tells how many outcomes (resolved queries, summaries) a use
case had, by event; each event counts once however often it is sent (shared/core/outcomes.py).

A use case takes its outcomes from one source: a push to a use case whose outcomes come from its
Log Analytics query is refused, so no day is counted from both. Outcomes of a closed period are
accepted: the economics are computed from the stored outcomes on every read, so they show at
once, and the periods of new outcomes are enqueued, so their targets are evaluated again.
"""

from __future__ import annotations

from shared.core.outcomes import EventBatch, PushReport, parse_body
from shared.core.period import BillingPeriod
from shared.core.use_cases import SLUG, SourceType, UseCase
from shared.errors import Conflict, InvalidDefinitions, InvalidInput, NotFound
from shared.services.ports import AllocationQueue, OutcomeStore, UseCaseStore


class OutcomeService:
    def __init__(
        self, store: OutcomeStore, use_cases: UseCaseStore, queue: AllocationQueue | None = None
    ) -> None:
        self._store = store
        self._use_cases = use_cases
        self._queue = queue  # the periods of new outcomes are evaluated again (their targets)

    def push(self, name: str, body: object) -> PushReport:
        """The API's push: `{"outcomes": [{"id", "date", "count"}]}`."""
        use_case = self._pushable(name)
        return self._add(use_case, parse_body(body))

    def push_batch(self, name: str, batch: EventBatch) -> PushReport:
        """Events read from a file (with what reading it found)."""
        return self._add(self._pushable(name), batch)

    def _pushable(self, name: str) -> UseCase:
        use_case = self._use_cases.get(name) if SLUG.fullmatch(name) else None
        if use_case is None:
            raise NotFound("useCase", name)
        if use_case.outcome.source.type is not SourceType.PUSH:
            raise InvalidInput(
                "outcomes",
                f"use case {name!r} counts its outcomes with its Log Analytics query; pushing "
                "is for a use case whose outcome.source.type is push",
            )
        return use_case

    def _add(self, use_case: UseCase, batch: EventBatch) -> PushReport:
        if batch.problems:
            raise InvalidDefinitions(batch.problems)
        try:
            report = self._store.add_events(use_case.name, batch.events)
        except Conflict as exc:  # named as the input names the event (`line 4`, `outcomes[2]`)
            if exc.index is None:
                raise
            raise Conflict(f"{batch.name_of(exc.index)}.id", exc.problem, exc.index) from None
        if self._queue is not None and report.accepted:
            new = set(report.accepted)
            self._queue.enqueue({BillingPeriod.of(e.date) for e in batch.events if e.id in new})
        return report
