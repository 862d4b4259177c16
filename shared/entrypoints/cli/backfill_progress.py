"""How `backfill` shows its progress: a rich progress bar on a terminal, with each period's line
printed above it; elsewhere (a pipe, a log, a test) the same lines alone, one per period, flushed
as each period ends. Both keep the periods they were told of, for the line Ctrl-C ends with.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from shared.core.backfill import Decision, Step
from shared.core.period import BillingPeriod
from shared.entrypoints.cli.backfill_text import extend_line, notes, plan_line, result_line
from shared.services.backfill import PeriodResult

WORKING = {Step.COLLECT: "collecting", Step.ALLOCATE: "allocating"}


class LineProgress:
    """One line per period on `out` (the BackfillProgress port, shared/services/backfill.py)."""

    def __init__(self, out: IO[str], source: str) -> None:
        self._out = out
        self._source = source
        self.decisions: tuple[Decision, ...] = ()
        self.finished: list[PeriodResult] = []

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        del kind, error, trace

    def begin(self, decisions: Sequence[Decision]) -> None:
        self.decisions = tuple(decisions)
        self.say(plan_line(decisions, self._source))

    def extend(self, decisions: Sequence[Decision]) -> None:
        self.decisions += tuple(decisions)
        self.say(extend_line(decisions))

    def working(self, period: BillingPeriod, step: Step) -> None:
        del period, step  # a line says a period once, when it is done

    def done(self, result: PeriodResult) -> None:
        self.finished.append(result)
        self.say(result_line(result, len(self.finished), len(self.decisions)))
        for line in notes(result):
            self.say(line)

    def say(self, line: str) -> None:
        print(line, file=self._out, flush=True)


class BarProgress(LineProgress):
    """The same lines above a live progress bar naming the period at work."""

    def __init__(self, console: Console, source: str) -> None:
        super().__init__(console.file, source)
        self._console = console
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> BarProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def begin(self, decisions: Sequence[Decision]) -> None:
        super().begin(decisions)
        self._task = self._bar.add_task("backfill", total=len(decisions))

    def extend(self, decisions: Sequence[Decision]) -> None:
        super().extend(decisions)
        if self._task is not None:
            self._bar.update(self._task, total=len(self.decisions))

    def working(self, period: BillingPeriod, step: Step) -> None:
        if self._task is not None:
            self._bar.update(self._task, description=f"{period}: {WORKING[step]}")

    def done(self, result: PeriodResult) -> None:
        super().done(result)
        if self._task is not None:
            self._bar.update(self._task, advance=1, description=f"{result.period}: done")

    def say(self, line: str) -> None:
        self._console.print(line, markup=False, highlight=False, soft_wrap=True)
