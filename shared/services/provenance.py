"""The provenance of a period's figures (shared/core/provenance.py), from the published summary
and the input versions' collection stamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shared.core.provenance import ProvenanceView, provenance_view, stamps_of
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
        """None when the period and basis have no published allocation (a point read, then one
        read of the collection stamps)."""
        found = self._summaries.summary(query.period, query.cost_type)
        if found is None:
            return None
        stamps = stamps_of(self._times.collection_stamps(), query.period)
        return provenance_view(found, stamps, self._today())
