"""Run records of the collection tasks, and which sources they show stale.

Each collection task (`costs`, `usage`, `inventory`, `telemetry`: the collectors a timer runs,
shared/services/collectors.py `CollectorKind`) has one record: its latest run (started, finished,
status, what it counted, why it failed) and the last time a run of it succeeded. A run that
starts keeps the last success of the record before it, so a failing task still says since when
it has not been collected. A source is stale when it never succeeded, or its last success is
older than the threshold (`STALE_AFTER_HOURS`); `GET /api/health` names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum

from shared.errors import InvalidInput

MAX_FAILURE_CHARS = 1000  # a failure's text is one line, cut to this many characters


class RunStatus(Enum):
    """Where a task's latest run is."""

    RUNNING = "running"  # started, not finished (or stopped without a word: it stays so)
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class RunRecord:
    """A task's latest run and its last success."""

    task: str
    started_at: datetime
    status: RunStatus
    finished_at: datetime | None = None
    counts: tuple[tuple[str, int], ...] = ()  # what it read, by `Collected` value, sorted
    failure: str | None = None
    last_success: datetime | None = None

    def __post_init__(self) -> None:
        if not self.task.strip():
            raise InvalidInput("task", "a run record needs a task name")
        for name, moment in (
            ("started_at", self.started_at),
            ("finished_at", self.finished_at),
            ("last_success", self.last_success),
        ):
            if moment is not None and moment.tzinfo is None:
                raise InvalidInput(name, f"must be an aware time, got {moment.isoformat()}")
        if self.finished_at is not None and self.finished_at < self.started_at:
            raise InvalidInput("finished_at", "a run cannot finish before it started")
        if (self.status is RunStatus.RUNNING) != (self.finished_at is None):
            raise InvalidInput("finished_at", "set exactly when the run is no longer running")
        if any(count < 0 for _, count in self.counts):
            raise InvalidInput("counts", "counts are never negative")


def started(task: str, at: datetime, before: RunRecord | None) -> RunRecord:
    """The record of a run of `task` starting `at`, keeping the last success of `before`."""
    return RunRecord(
        task, at, RunStatus.RUNNING, last_success=before.last_success if before else None
    )


def succeeded(run: RunRecord, at: datetime, counts: Mapping[str, int]) -> RunRecord:
    """The run finished `at`, every source read and stored."""
    return replace(
        run,
        status=RunStatus.SUCCEEDED,
        finished_at=at,
        counts=tuple(sorted(counts.items())),
        failure=None,
        last_success=at,
    )


def failed(run: RunRecord, at: datetime, failure: str) -> RunRecord:
    """The run stopped `at` with `failure` (one line, cut); nothing of it was stored."""
    text = " ".join(failure.split()) or "failed without a message"
    if len(text) > MAX_FAILURE_CHARS:
        text = text[: MAX_FAILURE_CHARS - 1] + "…"
    return replace(run, status=RunStatus.FAILED, finished_at=at, failure=text)


@dataclass(frozen=True)
class SourceHealth:
    """One source (task) as `GET /api/health` shows it."""

    task: str
    stale: bool
    status: RunStatus | None  # of its latest run; None: never ran
    last_success: datetime | None
    last_run: datetime | None
    failure: str | None = None


@dataclass(frozen=True)
class HealthReport:
    """Every source's health, by task name, and the names of the stale ones."""

    sources: tuple[SourceHealth, ...] = field(default_factory=tuple)

    @property
    def stale(self) -> tuple[str, ...]:
        return tuple(s.task for s in self.sources if s.stale)


def health(
    records: Iterable[RunRecord],
    expected: Iterable[str],
    now: datetime,
    stale_after: timedelta,
) -> HealthReport:
    """Each expected task and each recorded one, by name: stale when it never succeeded or its
    last success is older than `stale_after` at `now`."""
    if stale_after <= timedelta(0):
        raise InvalidInput("stale_after", "must be a positive duration")
    by_task = {r.task: r for r in records}
    out = []
    for task in sorted({*expected, *by_task}):
        record = by_task.get(task)
        last = record.last_success if record else None
        out.append(
            SourceHealth(
                task=task,
                stale=last is None or now - last > stale_after,
                status=record.status if record else None,
                last_success=last,
                last_run=record.started_at if record else None,
                failure=record.failure if record and record.status is RunStatus.FAILED else None,
            )
        )
    return HealthReport(tuple(out))
