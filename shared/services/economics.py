"""Use-case economics, a deployment's callers and the showback, computed on every read from the
live allocation (one whole generation of its daily rows, docs/publication.md), the stored usage,
caller telemetry and outcomes, and the use-case definitions.

Computing on read keeps no derived copy that could go stale: a new allocation, a pushed outcome
or a changed definition shows at the next read. What is not found is `NotFound` naming the
field (`useCase`, `period`, `deployment`), never a $0 view.

A planned use case (docs/use-cases.md#planned-use-cases) has no deployments, so no cost and no
outcomes yet: its unit costs are a Conflict naming `useCase` (pointing at its plan), never a $0
view, and the showback leaves it out (it has no group of 0.00).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shared.core.caller_split import caller_totals, default_kind, split_deployment
from shared.core.callers import CallerKind
from shared.core.economics_views import (
    DeploymentCallersView,
    ShowbackView,
    UseCaseUnitCostsView,
    callers_view,
    showback_view,
    use_case_view,
)
from shared.core.list_filter import ListFilter
from shared.core.resource_id import same_id
from shared.core.showback import ShowbackBy, showback
from shared.core.showback_filter import matching_groups
from shared.core.use_case_economics import economics
from shared.core.use_cases import SLUG
from shared.core.views import PeriodQuery, StatusView
from shared.errors import Conflict, InvalidInput, NotFound
from shared.services.ports import (
    CallerUsageStore,
    OutcomeStore,
    PublishedDailyRows,
    UsageStore,
    UseCaseStore,
)
from shared.services.views import live_days, utc_today

BY_NAMES = ", ".join(b.value for b in ShowbackBy)
KIND_NAMES = ", ".join(k.value for k in CallerKind)


class EconomicsService:
    def __init__(
        self,
        results: PublishedDailyRows,
        usage: UsageStore,
        callers: CallerUsageStore,
        outcomes: OutcomeStore,
        use_cases: UseCaseStore,
        today: Callable[[], date] = utc_today,
    ) -> None:
        self._results = results
        self._usage = usage
        self._callers = callers
        self._outcomes = outcomes
        self._use_cases = use_cases
        self._today = today

    def use_case(self, name: str, query: PeriodQuery) -> UseCaseUnitCostsView:
        """A use case's cost, outcomes and unit costs of a period, per member and per day."""
        found = self._use_cases.get(name) if SLUG.fullmatch(name) else None
        if found is None:
            raise NotFound("useCase", name)
        if found.planned:
            raise Conflict(
                "useCase",
                f"use case {name!r} is planned: it has no deployments, so no cost or outcomes "
                f"yet; its plan: GET /api/use-cases/{name}/plan (CLI: plan --use-case {name})",
            )
        days = live_days(self._results, query)
        computed = economics(
            found,
            days,
            self._usage.records_for(query.period),
            self._callers.usage_for(query.period),
            self._outcomes.daily(found.name, query.period),
        )
        return use_case_view(computed, days, self._status(query))

    def callers(self, key: str, query: PeriodQuery, by: str | None = None) -> DeploymentCallersView:
        """A deployment's cost split between its callers of one kind (`by`; default: the kind
        use cases slice it by, else the first kind the telemetry has) and the unattributed."""
        kind = _kind(by)
        days = live_days(self._results, query)
        deployment = next((d for d in days.deployments if same_id(d.key, key)), None)
        if deployment is None:
            raise NotFound("deployment", key)
        usage = self._usage.records_for(query.period)
        calls = self._callers.usage_for(query.period)
        dep_id = deployment.deployment_id
        kind = kind or default_kind(dep_id, self._use_cases.all(), calls)
        shares = split_deployment(dep_id, days.rows, usage, calls, kind) if kind else []
        return callers_view(
            deployment.key, dep_id, days, caller_totals(shares), kind, self._status(query)
        )

    def showback(
        self, query: PeriodQuery, by: str | None, wanted: ListFilter | None = None
    ) -> ShowbackView:
        """The period's bill by owner, cost center or use case, and the unassigned rest; its
        groups those `wanted` keeps (`owner`, and `useCase` by use case: the groups' use cases;
        billedCost and the unassigned rest stay the period's)."""
        if by is None or by not in tuple(ShowbackBy):
            detail = "required" if not by else f"expected one of {BY_NAMES}, got {by!r}"
            raise InvalidInput("by", detail)
        wanted = wanted or ListFilter()
        _showback_filters(wanted, ShowbackBy(by))
        days = live_days(self._results, query)
        live = [u for u in self._use_cases.all() if not u.planned]  # planned: nothing to show
        found = showback(
            days,
            live,
            self._usage.records_for(query.period),
            self._callers.usage_for(query.period),
            ShowbackBy(by),
        )
        return matching_groups(showback_view(found, days, self._status(query)), wanted, live)

    def _status(self, query: PeriodQuery) -> StatusView:
        return StatusView.of(query.period, self._today())


def _showback_filters(wanted: ListFilter, by: ShowbackBy) -> None:
    """InvalidInput naming a filter the showback does not take (by `by`)."""
    for field, value in (("account", wanted.account), ("model", wanted.model),
                         ("sku", wanted.sku)):  # fmt: skip
        if value is not None:
            raise InvalidInput(field, "not a filter of the showback (it takes owner and useCase)")
    if wanted.use_case is not None and by is not ShowbackBy.USE_CASE:
        raise InvalidInput("useCase", "a filter of the showback by useCase only (by=useCase)")


def _kind(by: str | None) -> CallerKind | None:
    if by is None:
        return None
    if by not in tuple(CallerKind):
        raise InvalidInput("by", f"expected one of {KIND_NAMES}, got {by!r}")
    return CallerKind(by)
