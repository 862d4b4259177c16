"""What `backfill` prints: the plan, one plain line per period off a terminal, the summary, and
the one stderr line of a failure or an interruption (with how to resume)."""

from __future__ import annotations

import io

from shared.core.backfill import Decision, Step
from shared.core.costs import CostType
from shared.core.period import BillingPeriod
from shared.core.reports import PublishStatus
from shared.entrypoints.cli.backfill_progress import LineProgress
from shared.entrypoints.cli.backfill_text import (
    failure_line,
    interrupted_line,
    plan_line,
    result_line,
    summary_line,
)
from shared.services.allocation import AllocationOutcome, AllocationStatus, BasisResult
from shared.services.backfill import BackfillReport, PeriodResult
from shared.services.collection import CollectionReport
from shared.services.collectors import Collected
from shared.services.target_evaluation import EvaluationRun

SEP, OCT, NOV = BillingPeriod(2026, 9), BillingPeriod(2026, 10), BillingPeriod(2026, 11)
COLLECTED = CollectionReport(
    {Collected.COST_LINES: 1234, Collected.USAGE_RECORDS: 456, Collected.DEPLOYMENTS: 8},
    notes=("caller telemetry (apim): 10 tokens name no single known deployment",),
)
ALLOCATED = AllocationOutcome(
    SEP,
    AllocationStatus.ALLOCATED,
    (BasisResult(CostType.ACTUAL, PublishStatus.PUBLISHED),
     BasisResult(CostType.AMORTIZED, PublishStatus.UNCHANGED)),
)  # fmt: skip
EVALUATED = EvaluationRun((), (), 0, 0)
DECISIONS = (
    Decision(SEP, Step.COLLECT, "not backfilled yet"),
    Decision(OCT, Step.SKIP, "done: collected 2026-11-20 (final), inputs unchanged since"),
    Decision(NOV, Step.ALLOCATE, "inputs changed since its allocation on 2026-11-20"),
)


def test_the_plan_counts_each_step() -> None:
    assert plan_line(DECISIONS, "files in exports") == (
        "backfill 2026-09..2026-11 from files in exports: 3 periods, 1 to collect, "
        "1 to allocate again, 1 done"
    )


def test_a_period_line_says_what_was_done_and_why() -> None:
    done = PeriodResult(DECISIONS[0], COLLECTED, ALLOCATED, EVALUATED)
    assert result_line(done, 1, 3) == (
        "[1/3] 2026-09 collected and allocated (not backfilled yet): 1,234 cost lines, "
        "456 usage records, 8 deployments; ActualCost published, AmortizedCost unchanged; "
        "targets 0 evaluated, 0 changed"
    )
    assert result_line(PeriodResult(DECISIONS[1]), 2, 3) == (
        "[2/3] 2026-10 skipped: done: collected 2026-11-20 (final), inputs unchanged since"
    )
    again = PeriodResult(DECISIONS[2], None, ALLOCATED, EVALUATED)
    assert result_line(again, 3, 3).startswith(
        "[3/3] 2026-11 allocated again (inputs changed since its allocation on 2026-11-20): "
        "ActualCost published"
    )
    none = AllocationOutcome(SEP, AllocationStatus.NO_DATA, detail="none")
    assert "no ActualCost line collected: nothing to allocate" in result_line(
        PeriodResult(DECISIONS[0], COLLECTED, none, EVALUATED), 1, 3
    )


def test_off_a_terminal_each_period_is_one_flushed_line_with_its_notes() -> None:
    out = io.StringIO()
    with LineProgress(out, "files in exports") as progress:
        progress.begin(DECISIONS[:2])
        progress.working(SEP, Step.COLLECT)  # says nothing until the period is done
        assert out.getvalue().count("\n") == 1
        progress.done(PeriodResult(DECISIONS[0], COLLECTED, ALLOCATED, EVALUATED))
        progress.done(PeriodResult(DECISIONS[1]))
    lines = out.getvalue().splitlines()
    assert [line[:14] for line in lines] == [
        "backfill 2026-",
        "[1/2] 2026-09 ",
        "  note: caller",
        "[2/2] 2026-10 ",
    ]
    assert len(progress.finished) == 2


def test_a_failure_is_one_line_naming_the_period_the_error_and_how_to_resume() -> None:
    failed = PeriodResult(DECISIONS[2], error="cost query still throttled; retry after 60 s")
    report = BackfillReport(DECISIONS, (PeriodResult(DECISIONS[0]), PeriodResult(DECISIONS[1]),
                                        failed))  # fmt: skip
    assert failure_line(report) == (
        "error: 2026-11: cost query still throttled; retry after 60 s; 2 periods finished kept: "
        "fix this and run the same command again to resume: finished periods are skipped"
    )
    assert summary_line(report) == (
        "backfill stopped: 1 collected and allocated, 0 allocated again, 1 skipped; "
        "1 period left from 2026-11"
    )


def test_an_interruption_says_where_the_rerun_resumes() -> None:
    finished = [PeriodResult(DECISIONS[0])]
    assert interrupted_line(DECISIONS, finished) == (
        "interrupted at 2026-10: 1 period of 3 finished; run the same command again to resume: "
        "finished periods are skipped"
    )
    report = BackfillReport(DECISIONS, tuple(PeriodResult(d) for d in DECISIONS))
    assert summary_line(report) == (
        "backfill done: 1 collected and allocated, 1 allocated again, 1 skipped"
    )
