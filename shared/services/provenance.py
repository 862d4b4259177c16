"""The provenance of a period's figures (shared/core/provenance.py), from the published summary
and the input versions' collection stamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shared.core.provenance import ProvenanceView, provenance_view
from shared.core.views import PeriodQuery
from shared.services.ports import CollectionTimes, PublishedSummary
from shared.services.views import utc_today


class ProvenanceService:
    def __init__(
        self,
        summaries: PublishedSummary,
        times: CollectionTimes,
        today: Callable[[], date] = utc_today,
    ) -> None:
        self._summaries = summaries
        self._times = times
        self._today = today

    def provenance(self, query: PeriodQuery) -> ProvenanceView | None:
        """None when the period and basis have no published allocation (two point reads and
        the period's input rows otherwise)."""
        found = self._summaries.summary(query.period, query.cost_type)
        if found is None:
            return None
        return provenance_view(found, self._times.last_collected(query.period), self._today())
