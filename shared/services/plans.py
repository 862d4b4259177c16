"""A use case's plan priced for a period, and, when it is live, planned vs actual
(shared/core/planned_use_cases.py), read on every request:

- the use case is a stored one (NotFound `useCase`) with a plan (Conflict `plan` otherwise);
- the period is `period` (YYYY-MM), or the current UTC month when not given (said in the
  assumptions); the price basis `costType` (actual|amortized, default amortized);
- the price book is the period's cost lines (the tenant's effective prices) and the stored
  retail catalogue (list prices), as the what-if's (shared/services/what_if.py): a period
  without cost lines (a future month) is priced from list prices;
- a live use case's actuals are its economics over the live allocation of the period (as
  shared/services/economics.py computes them); a period not allocated, or a planned use case,
  has no planned vs actual, and the view says why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shared.core.period import BillingPeriod
from shared.core.plan_views import PERIOD_DEFAULTED, PlanView, plan_view
from shared.core.planned_use_cases import (
    PlannedVsActual,
    period_days,
    plan_traffic,
    planned_vs_actual,
    price_plan,
)
from shared.core.price_book import PriceBook
from shared.core.reports import Unpublished
from shared.core.resource_id import id_key
from shared.core.use_case_economics import economics
from shared.core.use_cases import SLUG
from shared.core.views import PeriodQuery
from shared.errors import Conflict, NotFound
from shared.services.ports import (
    CallerUsageStore,
    CostStore,
    OutcomeStore,
    PublishedDailyRows,
    RetailItemsSource,
    UsageStore,
    UseCaseStore,
)
from shared.services.views import not_allocated, utc_today

NOT_LIVE = "the use case is planned: it has no deployments, so no actual cost yet"
NO_DATA = "no cost, usage or outcome data of the use case in the period"


class PlanService:
    def __init__(
        self,
        use_cases: UseCaseStore,
        results: PublishedDailyRows,
        usage: UsageStore,
        callers: CallerUsageStore,
        outcomes: OutcomeStore,
        costs: CostStore,
        items: RetailItemsSource,
        today: Callable[[], date] = utc_today,
    ) -> None:
        self._use_cases = use_cases
        self._results = results
        self._usage = usage
        self._callers = callers
        self._outcomes = outcomes
        self._costs = costs
        self._items = items
        self._today = today

    def query(self, period: str | None, cost_type: str | None) -> tuple[PeriodQuery, bool]:
        """The period asked for (or the current UTC month: True) and the price basis;
        InvalidInput naming `period` or `costType`."""
        return plan_query(period, cost_type, self._today())

    def plan(self, name: str, period: str | None = None, cost_type: str | None = None) -> PlanView:
        """The use case's plan priced and ranked for the period, with planned vs actual when
        it is live and the period allocated (module docstring)."""
        query, defaulted = self.query(period, cost_type)
        use_case = self._use_cases.get(name) if SLUG.fullmatch(name) else None
        if use_case is None:
            raise NotFound("useCase", name)
        if use_case.plan is None:
            raise Conflict(
                "plan",
                f"use case {name!r} has no plan: give it one (`plan` in its definition, "
                "docs/use-cases.md#planned-use-cases)",
            )
        lines = self._costs.lines_for(query.period, query.cost_type)
        book = PriceBook.build(lines, self._items.items())
        days = plan_traffic(use_case.plan, period_days(query.period))
        pricing = price_plan(use_case.plan, days, book, query.cost_type)
        compared: PlannedVsActual | None = None
        reason: str | None = NOT_LIVE
        if not use_case.planned:
            found = self._results.days(query.period, query.cost_type)
            if found is None or isinstance(found, Unpublished):
                reason = str(not_allocated(query, found))
            else:
                actual = economics(
                    use_case,
                    found,
                    self._usage.records_for(query.period),
                    self._callers.usage_for(query.period),
                    self._outcomes.daily(use_case.name, query.period),
                )
                claimed = {id_key(e.deployment_id) for e in use_case.deployments}
                deployed = [d for d in found.deployments if id_key(d.deployment_id) in claimed]
                compared = planned_vs_actual(pricing, actual, book, deployed)
                reason = None if compared is not None else NO_DATA
        notes: tuple[str, ...] = (PERIOD_DEFAULTED,) if defaulted else ()
        if not lines:
            notes += (f"no cost lines collected for {query.period}: list prices only",)
        return plan_view(use_case, pricing, query.period, compared, reason, notes)


def plan_query(period: str | None, cost_type: str | None, today: date) -> tuple[PeriodQuery, bool]:
    """`PlanService.query` with the day it is (no storage: checked before any I/O)."""
    defaulted = not period
    text = str(BillingPeriod.of(today)) if defaulted else period
    return PeriodQuery.parse(text, cost_type), defaulted
