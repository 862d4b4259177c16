"""What a backfill of past billing periods decides, period by period, from what it recorded.

A backfill collects a period's window from every source, then allocates it and evaluates its
targets. It records each period it finishes (`BackfillRecord`): when the window was collected
whole and the version of the inputs it allocated. A period is done when both hold for the inputs
now stored, and its collection is final:

- never backfilled, or collected while Azure could still restate it (an open period,
  shared/core/period_status.py): collect it again, so an open period is never done for good;
- inputs left half-written, or being written: collect it again (the collection repairs them);
- collected whole and final, but the inputs moved since its allocation (a timer collected a
  restatement, the prices were refreshed): allocate it again, which costs no Cost Management query;
- otherwise: skip it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from shared.core.inputs import InputVersion
from shared.core.period import BillingPeriod, DateWindow
from shared.core.period_status import PeriodStatus, closes_on, period_status
from shared.errors import InvalidInput


class BackfillResult(Enum):
    """What the allocation of a backfilled period found."""

    ALLOCATED = "allocated"  # its cost lines allocated and published
    NO_COST = "no-cost"  # no ActualCost line was collected for it: nothing to allocate


class Step(Enum):
    """What a backfill does with one period."""

    COLLECT = "collect"  # collect its window, then allocate it and evaluate its targets
    ALLOCATE = "allocate"  # allocate it again and evaluate its targets (no source is read)
    SKIP = "skip"  # done for the inputs now stored


@dataclass(frozen=True)
class BackfillRecord:
    """A period a backfill finished: collected whole at `collected_at`, allocated at
    `allocated_at` from the inputs of version `input_sequence`."""

    period: BillingPeriod
    collected_at: datetime
    allocated_at: datetime
    input_sequence: int
    result: BackfillResult
    cost_lines: int = 0

    @property
    def final(self) -> bool:
        """Whether it was collected once Azure no longer restates the period (day 6 after)."""
        return self.collected_at.date() >= closes_on(self.period)


@dataclass(frozen=True)
class Decision:
    """The step for one period, and why (shown to the operator)."""

    period: BillingPeriod
    step: Step
    reason: str


def decide(
    period: BillingPeriod,
    record: BackfillRecord | None,
    version: InputVersion,
    today: date,
    *,
    force: bool = False,
) -> Decision:
    """The step for `period` given what the backfill recorded of it and its inputs' version now
    (module docstring)."""
    if force:
        return Decision(period, Step.COLLECT, "forced (--force)")
    if record is None:
        return Decision(period, Step.COLLECT, "not backfilled yet")
    if not record.final:
        still = period_status(period, today) is PeriodStatus.OPEN
        when = "is still open" if still else "was open then"
        return Decision(
            period,
            Step.COLLECT,
            f"collected {record.collected_at:%Y-%m-%d} while Azure could restate it (it {when}; "
            f"final from {closes_on(period)})",
        )
    if version.writers:
        writers = ", ".join(map(str, version.writers))
        return Decision(period, Step.COLLECT, f"inputs half-written: {writers}")
    if version.sequence != record.input_sequence:
        return Decision(
            period,
            Step.ALLOCATE,
            f"inputs changed since its allocation on {record.allocated_at:%Y-%m-%d} "
            "(a later collection or a price refresh)",
        )
    return Decision(
        period,
        Step.SKIP,
        f"done: collected {record.collected_at:%Y-%m-%d} (final), inputs unchanged since",
    )


def backfill_periods(
    first: BillingPeriod, last: BillingPeriod, today: date
) -> tuple[BillingPeriod, ...]:
    """Every period from `first` to `last`, both included, in order; InvalidInput naming `--to`
    when `last` is before `first` or later than the current month."""
    current = BillingPeriod.of(today)
    if last > current:
        raise InvalidInput("--to", f"{last} is later than {current}: not a billing month yet")
    if last < first:
        raise InvalidInput("--to", f"{last} is before --from {first}")
    periods = [first]
    while periods[-1] != last:
        periods.append(periods[-1].next())
    return tuple(periods)


def backfill_window(period: BillingPeriod, today: date) -> DateWindow:
    """The days of `period` a backfill collects: all of them, up to `today` in the current one."""
    return DateWindow(period.start, min(period.end, today + timedelta(days=1)))
