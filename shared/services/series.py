"""Daily series of the live allocation: the tenant's, a deployment's (with the stored usage) and
a use case's (its economics' days, shared/services/economics.py). A period never allocated, or
allocated with nothing to publish, and an unknown deployment or use case are `NotFound` naming
the field, never an empty series of zeros."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shared.core.economics_views import UseCaseUnitCostsView
from shared.core.resource_id import same_id
from shared.core.series_views import (
    DeploymentDailyView,
    TenantDailyView,
    deployment_daily,
    tenant_daily,
)
from shared.core.views import PeriodQuery, StatusView
from shared.errors import NotFound
from shared.services.economics import EconomicsService
from shared.services.ports import PublishedDailyRows, UsageStore
from shared.services.views import live_days, utc_today


class SeriesService:
    def __init__(
        self,
        results: PublishedDailyRows,
        usage: UsageStore,
        economics: EconomicsService,
        today: Callable[[], date] = utc_today,
    ) -> None:
        self._results = results
        self._usage = usage
        self._economics = economics
        self._today = today

    def tenant(self, query: PeriodQuery) -> TenantDailyView:
        """The period's billed, allocated and unallocated cost per day."""
        return tenant_daily(live_days(self._results, query), self._status(query))

    def deployment(self, key: str, query: PeriodQuery) -> DeploymentDailyView:
        """One deployment's cost, usage and unit costs per day (its key in any case)."""
        days = live_days(self._results, query)
        found = next((d for d in days.deployments if same_id(d.key, key)), None)
        if found is None:
            raise NotFound("deployment", key)
        usage = self._usage.records_for(query.period)
        return deployment_daily(days, found, usage, self._status(query))

    def use_case(self, name: str, query: PeriodQuery) -> UseCaseUnitCostsView:
        """A use case's economics, whose `daily` is its cost, outcomes and cost per outcome per
        day (a planned use case: Conflict, as its unit costs)."""
        return self._economics.use_case(name, query)

    def _status(self, query: PeriodQuery) -> StatusView:
        return StatusView.of(query.period, self._today())
