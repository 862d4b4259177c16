"""What an allocation reads, and how a reader knows that what it read was whole.

Every collector that changes the stored inputs of a period bumps that input's sequence number when
its writes are done, and marks the input as being written while it writes. An allocation reads the
version before and after reading its inputs: unchanged and not being written means it read one
whole state of them. The sum of the sequences orders allocations: each one only grows, so a later
whole read never has a smaller sum, and the allocation with the larger sum read newer inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from shared.core.costs import CostType
from shared.core.period import BillingPeriod

# A writer's mark older than this is taken for a writer that stopped half-way (the Functions
# timeout is 10 minutes, host.json): its input stays untrusted until a collection rewrites it.
WRITER_LEASE = timedelta(minutes=15)


class InputSource(Enum):
    """The stored inputs of an allocation; inventory and prices are shared by all periods."""

    ACTUAL_COSTS = "costs-actual"
    AMORTIZED_COSTS = "costs-amortized"
    USAGE = "usage"
    INVENTORY = "inventory"
    PRICES = "prices"
    CALLERS = "callers"  # caller telemetry: read by the use-case economics, not the allocation
    OUTCOMES = "outcomes"  # collected outcome counts: likewise

    @classmethod
    def of_costs(cls, cost_type: CostType) -> InputSource:
        return cls.ACTUAL_COSTS if cost_type is CostType.ACTUAL else cls.AMORTIZED_COSTS

    @property
    def is_shared(self) -> bool:
        return self in (InputSource.INVENTORY, InputSource.PRICES)

    @property
    def feeds_allocation(self) -> bool:
        """Whether an allocation reads it (so its version and writers are the allocation's)."""
        return self not in (InputSource.CALLERS, InputSource.OUTCOMES)


@dataclass(frozen=True)
class InputScope:
    """One source's inputs of one period (or of every period, for a shared source)."""

    source: InputSource
    period: BillingPeriod | None = None

    @classmethod
    def of(cls, source: InputSource, period: BillingPeriod | None = None) -> InputScope:
        return cls(source, None if source.is_shared else period)

    def __str__(self) -> str:
        return self.source.value if self.period is None else f"{self.source.value} {self.period}"


@dataclass(frozen=True)
class Writer:
    """A collection in the middle of writing one scope, since when."""

    scope: InputScope
    since: datetime

    def stale(self, now: datetime) -> bool:
        return now - self.since > WRITER_LEASE

    def __str__(self) -> str:
        return f"{self.scope} (since {self.since:%Y-%m-%dT%H:%M:%SZ})"


@dataclass(frozen=True)
class InputVersion:
    """The version of a period's inputs: the sum of its sources' sequences, and writers at work."""

    sequence: int
    writers: tuple[Writer, ...] = ()

    def consistent_with(self, later: InputVersion) -> bool:
        """Whether nothing was written between reading `self` and reading `later`."""
        return not self.writers and not later.writers and self.sequence == later.sequence
