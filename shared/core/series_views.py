"""Daily series of one published allocation: the tenant's billed, allocated and unallocated cost
per day, and one deployment's cost, usage and unit costs per day.

Days run from the period's first day to its last allocated day (the last day with any published
row): later days have no cost allocated yet, so they are not shown as zero, and the usage of
those days is left out (as in shared/core/scope_series.py). A day within that range without a
row of its own cost nothing.

Money is rounded once, as every view of the period (shared/core/rounding.py): the tenant's days
toward the period's canonical totals (each day's allocated part toward the allocated total, its
unallocated part toward the unallocated total, billed their sum), a deployment's days toward its
cost as /api/unit-costs rounds it (its share of the allocated total, `listed_costs`). Unit costs
are computed from the exact amounts and rounded to 1e-8 on their own. A day without an Azure
Monitor record has no usage data: its tokens and requests are None and so are its unit costs,
never zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.core.costs import CostType
from shared.core.economics_views import listed_costs
from shared.core.inventory import Deployment
from shared.core.money import ZERO, in_money_context
from shared.core.period import BillingPeriod
from shared.core.reports import DailyCost, PeriodDays
from shared.core.resource_id import id_key
from shared.core.rounding import RoundedTotals, round_amount, round_to_total
from shared.core.unit_costs import THOUSAND, per_unit
from shared.core.usage import UsageIndex, UsageRecord
from shared.core.views import UNIT_QUANTUM, StatusView


@dataclass(frozen=True)
class TenantDayView:
    """One day of the tenant: its billed cost, split into allocated and unallocated."""

    date: date
    billed: Decimal
    allocated: Decimal
    unallocated: Decimal


@dataclass(frozen=True)
class TenantDailyView:
    """The tenant's days of one period and price basis, summing to its canonical totals."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    status: StatusView
    totals: RoundedTotals
    days: tuple[TenantDayView, ...]


@dataclass(frozen=True)
class DeploymentDayView:
    """One day of a deployment: its cost, and its usage (None: no Azure Monitor record)."""

    date: date
    cost: Decimal
    input_tokens: int | None
    output_tokens: int | None
    requests: int | None
    cost_per_1k_tokens: Decimal | None
    cost_per_request: Decimal | None


@dataclass(frozen=True)
class DeploymentDailyView:
    """A deployment's days of one period, summing to its cost as /api/unit-costs shows it."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    status: StatusView
    deployment: Deployment
    cost: Decimal
    days: tuple[DeploymentDayView, ...]


def allocated_days(days: PeriodDays) -> tuple[date, ...]:
    """The period's first day to its last day with a published row (none without rows)."""
    dated = [r.date for r in days.rows if r.date in days.period.window]
    if not dated:
        return ()
    first, last = days.period.start, max(dated)
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


@in_money_context
def tenant_daily(days: PeriodDays, status: StatusView) -> TenantDailyView:
    """The tenant's days (module docstring)."""
    totals = RoundedTotals.of(days.allocated, days.unallocated)
    dates = allocated_days(days)
    allocated = {d: ZERO for d in dates}
    unallocated = {d: ZERO for d in dates}
    for row in _in_window(days):
        side = unallocated if row.deployment_key is None else allocated
        side[row.date] += row.cost
    shown: tuple[TenantDayView, ...] = ()
    if dates:
        parts = round_to_total(list(allocated.values()), totals.allocated)
        rests = round_to_total(list(unallocated.values()), totals.unallocated)
        shown = tuple(
            TenantDayView(d, a + u, a, u) for d, a, u in zip(dates, parts, rests, strict=True)
        )
    return TenantDailyView(days.period, days.cost_type, days.currency, status, totals, shown)


@in_money_context
def deployment_daily(
    days: PeriodDays, deployment: Deployment, usage: Sequence[UsageRecord], status: StatusView
) -> DeploymentDailyView:
    """`deployment`'s days (module docstring): one of `days.deployments`, its usage in `usage`."""
    dep = id_key(deployment.deployment_id)
    dates = allocated_days(days)
    exact = {d: ZERO for d in dates}
    for row in _in_window(days):
        if row.deployment_key is not None and id_key(row.deployment_id) == dep:
            exact[row.date] += row.cost
    cost = listed_costs(days).get(dep, ZERO)
    rounded = round_to_total(list(exact.values()), cost) if dates else []
    index = UsageIndex.build(u for u in usage if u.date in days.period.window)
    shown = tuple(
        _day(d, exact[d], c, index.get(d, deployment.deployment_id))
        for d, c in zip(dates, rounded, strict=True)
    )
    return DeploymentDailyView(
        days.period, days.cost_type, days.currency, status, deployment, cost, shown
    )


def _in_window(days: PeriodDays) -> list[DailyCost]:
    return [r for r in days.rows if r.date in days.period.window]


def _day(day: date, exact: Decimal, cost: Decimal, used: UsageRecord | None) -> DeploymentDayView:
    if used is None:
        return DeploymentDayView(day, cost, None, None, None, None, None)
    return DeploymentDayView(
        day,
        cost,
        used.input_tokens,
        used.output_tokens,
        used.requests,
        _unit(per_unit(exact, used.total_tokens, THOUSAND)),
        _unit(per_unit(exact, used.requests)),
    )


def _unit(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_amount(value, UNIT_QUANTUM)
