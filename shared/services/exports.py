"""Exports of a period's allocation: the FOCUS 1.3 allocated export (docs/focus-export.md).

It reads the live allocation of both price bases (each one whole generation of its daily rows,
docs/publication.md), then the stored cost lines of both bases (the origin charges' dimensions)
and the use-case definitions, and joins them in the core (shared/core/focus_export.py), which
refuses a mix: when the stored lines are not the ones the allocation was published from (a
collection ran since, the re-allocation is pending) the export is a retryable
ConcurrentPublication (HTTP 503 with Retry-After), never a file that mixes two states. A period
not allocated in either basis is `NotFound` naming `period`; an unknown format InvalidInput
naming `format`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shared.core.costs import CostType
from shared.core.focus_export import FocusExport, focus_export
from shared.core.focus_rows import Cell, billing_scope, focus_rows
from shared.core.period import BillingPeriod
from shared.core.views import PeriodQuery
from shared.errors import InvalidInput
from shared.services.ports import CostStore, FocusWriter, PublishedDailyRows, UseCaseStore
from shared.services.views import live_days

DEFAULT_FORMAT = "csv"


@dataclass(frozen=True)
class FocusFile:
    """A period's FOCUS export in one format: the file's name, media type and text, the number
    of rows, and the export it was written from (its charges, for totals)."""

    export: FocusExport
    filename: str
    media_type: str
    text: str
    rows: int


class ExportService:
    """The FOCUS 1.3 allocated export of the allocations `results` publishes, in the formats of
    `writers` (by name: `csv`). `cost_scopes` are the scopes the costs are collected at
    (COST_SCOPES): a billing-account scope among them is the export's BillingAccountId."""

    def __init__(
        self,
        results: PublishedDailyRows,
        costs: CostStore,
        use_cases: UseCaseStore,
        writers: Mapping[str, FocusWriter],
        cost_scopes: Sequence[str] = (),
    ) -> None:
        self._results = results
        self._costs = costs
        self._use_cases = use_cases
        self._writers = dict(writers)
        self._billing = billing_scope(cost_scopes)

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(self._writers)

    def focus(self, period: BillingPeriod) -> tuple[FocusExport, list[dict[str, Cell]]]:
        """The period's allocated charges and their FOCUS rows; NotFound when a price basis is
        not allocated."""
        actual = live_days(self._results, PeriodQuery(period, CostType.ACTUAL))
        amortized = live_days(self._results, PeriodQuery(period, CostType.AMORTIZED))
        export = focus_export(
            actual,
            amortized,
            self._costs.lines_for(period, CostType.ACTUAL),
            self._costs.lines_for(period, CostType.AMORTIZED),
            [u for u in self._use_cases.all() if not u.planned],  # planned: no deployments
        )
        return export, focus_rows(export, self._billing)

    def focus_file(self, period: BillingPeriod, fmt: str = DEFAULT_FORMAT) -> FocusFile:
        """The period's export written in `fmt` (checked before anything is read)."""
        writer = self._writers.get(fmt)
        if writer is None:
            raise InvalidInput("format", f"expected one of {', '.join(self._writers)}, got {fmt!r}")
        export, rows = self.focus(period)
        buffer = io.StringIO()
        count = writer.write(rows, buffer)
        name = f"focus-1.3-allocated-{period}.{writer.extension}"
        return FocusFile(export, name, writer.media_type, buffer.getvalue(), count)
