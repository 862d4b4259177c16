"""The read side: the views of published allocations that the API and the CLI both serve.

One place decides what a reader gets: a period never allocated, a deployment not in the period
and a period never reconciled are `NotFound` naming the field; a period whose allocation found
no cost lines is `NotFound` with its reason (the store answers `Unpublished`,
docs/publication.md), never a $0 view. What is found is rounded once
(shared/core/views.py) and the period's status is computed with the clock given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from shared.core.deployment_filter import matching_deployments
from shared.core.list_filter import ListFilter
from shared.core.reports import PeriodDays, PeriodReport, Unpublished
from shared.core.views import (
    DeploymentUnitCostsView,
    PeriodQuery,
    PeriodUnitCostsView,
    ReconciliationView,
    reconciliation_view,
    unit_costs_view,
)
from shared.errors import NotFound
from shared.services.ports import PublishedDailyRows, PublishedResults, UseCaseStore


def utc_today() -> date:
    """The clock readers see the periods' status by: today, UTC (billing days are UTC days)."""
    return datetime.now(UTC).date()


class ViewService:
    """The views of the allocations `results` publishes, with the status as of `today()`;
    `use_cases` (the stored definitions) serve the lists' `useCase` and `owner` filters (None:
    no use case is defined, so those filters keep nothing)."""

    def __init__(
        self,
        results: PublishedResults,
        today: Callable[[], date] = utc_today,
        use_cases: UseCaseStore | None = None,
    ) -> None:
        self._results = results
        self._today = today
        self._use_cases = use_cases
        # The last view built per period and basis, with the report and day it was built from:
        # the store hands back the same report object while the generation is live.
        self._views: dict[tuple[str, str], tuple[PeriodReport, date, PeriodUnitCostsView]] = {}

    def unit_costs(
        self, query: PeriodQuery, wanted: ListFilter | None = None
    ) -> PeriodUnitCostsView:
        """The period's unit costs, its deployments those `wanted` keeps (its totals and
        unallocated lines the whole period's); NotFound when it has not been allocated."""
        report = self._results.report(query.period, query.cost_type)
        if report is None or isinstance(report, Unpublished):
            raise not_allocated(query, report)
        view = self._view(report)
        if wanted is None or wanted.empty:
            return view
        defined = self._use_cases.all() if wanted.needs_use_cases and self._use_cases else []
        return matching_deployments(view, wanted, defined)

    def _view(self, report: PeriodReport) -> PeriodUnitCostsView:
        today, at = self._today(), (str(report.period), report.cost_type.value)
        built = self._views.get(at)
        if built is not None and built[0] is report and built[1] == today:
            return built[2]
        view = unit_costs_view(report, today)
        self._views[at] = (report, today, view)
        return view

    def deployment(self, key: str, query: PeriodQuery) -> DeploymentUnitCostsView:
        """One deployment's unit costs, rounded as in the period's list (the whole period is
        rounded); NotFound naming the period or the deployment."""
        found = self.unit_costs(query).deployment(key)
        if found is None:
            raise NotFound("deployment", key)
        return found

    def reconciliation(self, query: PeriodQuery) -> ReconciliationView:
        """The period's reconciliation; NotFound when it has not been reconciled."""
        report = self._results.reconciliation(query.period, query.cost_type)
        if isinstance(report, Unpublished):
            raise not_allocated(query, report)
        if report is None:
            # The price basis as the store names it (ActualCost), as this message always did.
            raise NotFound(
                "period", f"{query.period} ({query.cost_type.value}) has not been reconciled"
            )
        return reconciliation_view(report, self._today())


def live_days(results: PublishedDailyRows, query: PeriodQuery) -> PeriodDays:
    """The live allocation's daily rows of the period; NotFound when it has none."""
    found = results.days(query.period, query.cost_type)
    if found is None or isinstance(found, Unpublished):
        raise not_allocated(query, found)
    return found


def not_allocated(query: PeriodQuery, unpublished: Unpublished | None) -> NotFound:
    """The period's NotFound: never allocated (None), or allocated with nothing to publish."""
    if unpublished is not None:
        return NotFound("period", f"{query.period} ({query.cost_type_name}): {unpublished.reason}")
    return NotFound(
        "period",
        f"{query.period} ({query.cost_type_name}) has not been allocated: no cost lines "
        "have been collected and allocated for it yet",
    )
