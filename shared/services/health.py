"""The health of the collection: each source's latest run and whether it is stale
(shared/core/run_records.py), read from the run records in one query."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.core.clock import utc_now
from shared.core.run_records import HealthReport, health
from shared.services.collectors import CollectorKind
from shared.services.ports import RunRecordStore

# Every task the timers run: one never recorded is stale (it never succeeded).
EXPECTED_TASKS: tuple[str, ...] = tuple(kind.value for kind in CollectorKind)


@dataclass
class HealthService:
    runs: RunRecordStore
    stale_after: timedelta
    expected: tuple[str, ...] = EXPECTED_TASKS
    clock: Callable[[], datetime] = field(default=utc_now)

    def report(self) -> HealthReport:
        """Every expected and recorded source, stale or not, as of now."""
        return health(self.runs.all(), self.expected, self.clock(), self.stale_after)
