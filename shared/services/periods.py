"""The allocated periods: every published period and price basis with its totals and status,
newest first (the summaries alone: no rows are read)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shared.core.period_views import PeriodView, period_views
from shared.services.ports import CollectionTimes, PublishedPeriods
from shared.services.views import utc_today


class PeriodService:
    """The periods `results` publishes, with their status as of `today()` and, given the
    collection `times`, their provenance."""

    def __init__(
        self,
        results: PublishedPeriods,
        today: Callable[[], date] = utc_today,
        times: CollectionTimes | None = None,
    ) -> None:
        self._results = results
        self._today = today
        self._times = times

    def list(self) -> tuple[PeriodView, ...]:
        """Every allocated period and price basis, newest first (none: an empty list): one
        read of the summaries, one of the collection stamps."""
        stamps = None if self._times is None else self._times.collection_stamps()
        return period_views(self._results.periods(), self._today(), stamps)
