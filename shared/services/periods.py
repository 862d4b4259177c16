"""The allocated periods: every published period and price basis with its totals and status,
newest first (the summaries alone: no rows are read)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shared.core.period_views import PeriodView, period_views
from shared.services.ports import PublishedPeriods
from shared.services.views import utc_today


class PeriodService:
    """The periods `results` publishes, with their status as of `today()`."""

    def __init__(self, results: PublishedPeriods, today: Callable[[], date] = utc_today) -> None:
        self._results = results
        self._today = today

    def list(self) -> tuple[PeriodView, ...]:
        """Every allocated period and price basis, newest first (none: an empty list)."""
        return period_views(self._results.periods(), self._today())
