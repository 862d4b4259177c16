"""What `backfill` says: the plan, one line per period, the summary, and how to resume."""

from __future__ import annotations

from collections.abc import Sequence

from shared.core.backfill import Decision, Step
from shared.services.allocation import AllocationOutcome, AllocationStatus
from shared.services.backfill import BackfillReport, PeriodResult

RESUME = "run the same command again to resume: finished periods are skipped"


def plan_line(decisions: Sequence[Decision], source: str) -> str:
    """`backfill 2026-09..2026-10 from files in exports/: 2 periods, 1 to collect, ...`."""
    first, last = decisions[0].period, decisions[-1].period
    steps = {step: sum(1 for d in decisions if d.step is step) for step in Step}
    return (
        f"backfill {first}..{last} from {source}: {_periods(len(decisions))}, "
        f"{steps[Step.COLLECT]} to collect, {steps[Step.ALLOCATE]} to allocate again, "
        f"{steps[Step.SKIP]} done"
    )


def extend_line(decisions: Sequence[Decision]) -> str:
    """Periods done earlier in the run, to allocate again."""
    periods = ", ".join(str(d.period) for d in decisions)
    return f"{_periods(len(decisions))} to allocate again, done earlier in this run: {periods}"


def result_line(result: PeriodResult, index: int, total: int) -> str:
    """One period's line: `[1/2] 2026-09 collected and allocated (...): ...`."""
    d = result.decision
    head = f"[{index}/{total}] {d.period}"
    if result.error:
        return f"{head} failed ({d.reason})"
    if d.step is Step.SKIP:
        return f"{head} skipped: {d.reason}"
    parts = []
    if result.collected is not None:
        c = result.collected
        parts.append(
            f"{c.cost_lines:,} cost lines, {c.usage_records:,} usage records, "
            f"{c.deployments:,} deployments"
        )
    if result.allocated is not None:
        parts.append(_allocation(result.allocated))
    if result.evaluated is not None:
        e = result.evaluated
        parts.append(f"targets {len(e.evaluations)} evaluated, {len(e.transitions)} changed")
    done = "collected and allocated" if d.step is Step.COLLECT else "allocated again"
    return f"{head} {done} ({d.reason}): " + "; ".join(parts)


def summary_line(report: BackfillReport) -> str:
    """The run's last line on stdout."""
    counts = (
        f"{report.count(Step.COLLECT)} collected and allocated, "
        f"{report.count(Step.ALLOCATE)} allocated again, {report.count(Step.SKIP)} skipped"
    )
    left = report.remaining
    if not left:
        return f"backfill done: {counts}"
    return f"backfill stopped: {counts}; {_periods(len(left))} left from {left[0]}"


def failure_line(report: BackfillReport) -> str:
    """The one stderr line of a run that stopped at a failing period."""
    failed = report.failed
    assert failed is not None and failed.error
    kept = len(dict.fromkeys(d.period for d in report.decisions)) - len(report.remaining)
    return (
        f"error: {failed.period}: {failed.error}; {_periods(kept)} finished kept: fix this and "
        f"{RESUME}"
    )


def interrupted_line(decisions: Sequence[Decision], finished: Sequence[PeriodResult]) -> str:
    """The one stderr line of a run stopped by Ctrl-C."""
    periods = list(dict.fromkeys(d.period for d in decisions))
    last = {r.period: r for r in finished}
    left = [p for p in periods if p not in last or last[p].error]
    at = f" at {left[0]}" if left else ""
    done = len(periods) - len(left)
    return f"interrupted{at}: {_periods(done)} of {len(periods)} finished; {RESUME}"


def notes(result: PeriodResult) -> list[str]:
    """What the period's collection said without stopping anything."""
    return [f"  note: {n}" for n in (result.collected.notes if result.collected else ())]


def _allocation(outcome: AllocationOutcome) -> str:
    if outcome.status is AllocationStatus.NO_DATA:
        return "no ActualCost line collected: nothing to allocate"
    return ", ".join(f"{r.cost_type.value} {r.status.value}" for r in outcome.results)


def _periods(n: int) -> str:
    return f"{n} period" + ("" if n == 1 else "s")
