"""What readers are shown of the allocated periods: each published period and price basis with
its canonical rounded totals (the same cents as its unit costs, shared/core/views.py) and its
status, newest period first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from shared.core.costs import CostType
from shared.core.inputs import InputScope
from shared.core.period import BillingPeriod
from shared.core.provenance import ProvenanceView, provenance_view, stamps_of
from shared.core.reports import PeriodSummary
from shared.core.rounding import RoundedTotals
from shared.core.views import API_NAMES, StatusView


@dataclass(frozen=True)
class PeriodView:
    """One allocated period and price basis: its rounded totals and status."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    totals: RoundedTotals
    status: StatusView
    provenance: ProvenanceView | None = None  # None: read without the collection stamps

    @property
    def newest_first(self) -> str:
        """A unique key whose ascending order is the newest period first, then the price basis
        by name (`actual` before `amortized`): the key of the list's pages."""
        p = self.period
        return f"{9999 - p.year:04d}-{12 - p.month:02d}|{API_NAMES[self.cost_type]}"


def period_views(
    summaries: Iterable[PeriodSummary],
    today: date,
    stamps: Mapping[InputScope, datetime] | None = None,
) -> tuple[PeriodView, ...]:
    """The periods' views, newest first, their status as of `today`; each with its provenance
    when the collection `stamps` are given (from the summary read, no further read)."""
    views = (
        PeriodView(
            s.period,
            s.cost_type,
            s.currency,
            RoundedTotals.of(s.allocated, s.unallocated),
            StatusView.of(s.period, today),
            None if stamps is None else provenance_view(s, stamps_of(stamps, s.period), today),
        )
        for s in summaries
    )
    return tuple(sorted(views, key=lambda v: v.newest_first))
