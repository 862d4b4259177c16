"""What readers are shown of use-case economics, a deployment's callers and the showback: the
views the API and the CLI both render, every amount rounded once (shared/core/rounding.py).

Money: a use case's cost is its exact cost rounded to the cent; its members' costs, its daily
costs and its coverage split (allocated + caller split) are each rounded toward it, so each
column sums exactly. A deployment's callers view starts from the deployment's cost as the
period's unit costs round it (its share of the period's allocated total), and its callers and
unattributed rest are rounded toward that. The showback starts from the period's canonical
totals: the unallocated lines are the canonical unallocated total, and the groups, the
deployments in no use case, the unclaimed callers and the unattributed rests are rounded toward
the canonical allocated total: groups + unassigned == billed, to the cent. Unit costs are
rounded to 1e-8 and percentages to four decimals on their own; what does not exist is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.core.caller_split import CallerTotals
from shared.core.callers import CallerKind
from shared.core.costs import CostType
from shared.core.money import ZERO, in_money_context
from shared.core.period import BillingPeriod
from shared.core.reports import PeriodDays
from shared.core.resource_id import id_key
from shared.core.rounding import RoundedTotals, round_amount, round_to_total
from shared.core.showback import Showback, ShowbackBy
from shared.core.use_case_economics import Attribution, UseCaseEconomics
from shared.core.use_cases import DeploymentEntry
from shared.core.views import HUNDRED, PCT_QUANTUM, UNIT_QUANTUM, StatusView

TOKEN_RATIO_QUANTUM = Decimal("0.01")


@dataclass(frozen=True)
class MemberView:
    """One deployment entry of a use case: whole (`callers` empty) or a caller slice."""

    entry: DeploymentEntry
    deployment_key: str
    attribution: Attribution
    cost: Decimal
    input_tokens: int
    output_tokens: int
    requests: int
    cost_per_1k_tokens: Decimal | None
    unattributed_cost: Decimal | None  # the sliced deployment's unattributed rest


@dataclass(frozen=True)
class DayView:
    date: date
    cost: Decimal
    input_tokens: int
    output_tokens: int
    requests: int
    outcomes: int | None
    cost_per_outcome: Decimal | None


@dataclass(frozen=True)
class CoverageView:
    """Where the use case's cost comes from, and how much of the period has outcome data.

    `allocated_cost` is from whole deployments (the allocation, anchored to the bill),
    `caller_split_cost` from caller slices (their shares by logged tokens); `unattributed_cost`
    is what the logs do not explain in the sliced deployments (not the use case's), and
    `unattributed_pct` its share of those deployments' cost."""

    allocated_cost: Decimal
    caller_split_cost: Decimal
    allocated_pct: Decimal | None
    caller_split_pct: Decimal | None
    unattributed_cost: Decimal | None
    unattributed_pct: Decimal | None
    days_with_cost: int
    days_with_outcomes: int
    outcome_days_pct: Decimal | None


@dataclass(frozen=True)
class UseCaseUnitCostsView:
    name: str
    period: BillingPeriod
    cost_type: CostType
    currency: str
    status: StatusView
    owner: str
    cost_center: str
    outcome_unit: str
    cost: Decimal
    outcomes: int | None
    cost_per_outcome: Decimal | None
    reason: str | None  # why cost per outcome is None
    cost_per_1k_tokens: Decimal | None
    cost_per_request: Decimal | None
    tokens_per_outcome: Decimal | None
    input_tokens: int
    output_tokens: int
    requests: int
    coverage: CoverageView
    members: tuple[MemberView, ...]
    daily: tuple[DayView, ...]


@dataclass(frozen=True)
class CallerView:
    kind: CallerKind | None  # None: the unattributed rest
    name: str | None
    cost: Decimal
    input_tokens: int
    output_tokens: int
    requests: int
    days: int


@dataclass(frozen=True)
class DeploymentCallersView:
    """A deployment's cost of a period split between its callers of one kind (`by`; None when
    no telemetry names a caller of it) and the unattributed rest."""

    key: str
    deployment_id: str
    period: BillingPeriod
    cost_type: CostType
    currency: str
    status: StatusView
    by: CallerKind | None
    cost: Decimal
    callers: tuple[CallerView, ...]
    unattributed: CallerView


@dataclass(frozen=True)
class ShowbackGroupView:
    name: str
    cost: Decimal
    use_cases: tuple[str, ...]


@dataclass(frozen=True)
class UnassignedView:
    cost: Decimal
    no_use_case: Decimal
    unclaimed_callers: Decimal
    unattributed: Decimal
    unallocated: Decimal


@dataclass(frozen=True)
class ShowbackView:
    period: BillingPeriod
    cost_type: CostType
    currency: str
    status: StatusView
    by: ShowbackBy
    totals: RoundedTotals
    groups: tuple[ShowbackGroupView, ...]
    unassigned: UnassignedView


@in_money_context
def use_case_view(
    found: UseCaseEconomics, days: PeriodDays, status: StatusView
) -> UseCaseUnitCostsView:
    """The use case's view; `days` are the rows its economics were computed from."""
    cost = round_amount(found.cost)
    member_costs = round_to_total([m.cost for m in found.members], cost)
    day_costs = round_to_total([d.cost for d in found.days], cost) if found.days else []
    whole, sliced = round_to_total([found.whole_cost, found.caller_cost], cost)
    unattributed = found.unattributed_cost
    sliced_ids = {
        id_key(m.entry.deployment_id) for m in found.members if m.attribution is Attribution.CALLERS
    }
    sliced_total = sum(
        (r.cost for r in days.rows if r.deployment_key and id_key(r.deployment_id) in sliced_ids),
        ZERO,
    )
    keys = {id_key(r.deployment_id): r.deployment_key for r in days.rows if r.deployment_key}
    keys.update({id_key(d.deployment_id): d.key for d in days.deployments})
    use_case = found.use_case
    return UseCaseUnitCostsView(
        name=use_case.name,
        period=found.period,
        cost_type=found.cost_type,
        currency=found.currency,
        status=status,
        owner=use_case.owner,
        cost_center=use_case.cost_center,
        outcome_unit=use_case.outcome.unit,
        cost=cost,
        outcomes=found.outcomes,
        cost_per_outcome=_unit(found.cost_per_outcome),
        reason=found.cost_per_outcome_reason,
        cost_per_1k_tokens=_unit(found.cost_per_1k_tokens),
        cost_per_request=_unit(found.cost_per_request),
        tokens_per_outcome=_ratio(found.tokens_per_outcome),
        input_tokens=found.input_tokens,
        output_tokens=found.output_tokens,
        requests=found.requests,
        coverage=CoverageView(
            allocated_cost=whole,
            caller_split_cost=sliced,
            allocated_pct=_pct(found.whole_cost, found.cost),
            caller_split_pct=_pct(found.caller_cost, found.cost),
            unattributed_cost=None if unattributed is None else round_amount(unattributed),
            unattributed_pct=_pct(unattributed, sliced_total),
            days_with_cost=found.days_with_cost,
            days_with_outcomes=found.days_with_outcomes,
            outcome_days_pct=_pct(Decimal(found.days_with_outcomes), Decimal(found.days_with_cost)),
        ),
        members=tuple(
            MemberView(
                entry=m.entry,
                deployment_key=keys.get(id_key(m.entry.deployment_id), ""),
                attribution=m.attribution,
                cost=c,
                input_tokens=m.input_tokens,
                output_tokens=m.output_tokens,
                requests=m.requests,
                cost_per_1k_tokens=_unit(m.cost_per_1k_tokens),
                unattributed_cost=(
                    None if m.unattributed_cost is None else round_amount(m.unattributed_cost)
                ),
            )
            for m, c in zip(found.members, member_costs, strict=True)
        ),
        daily=tuple(
            DayView(
                d.date,
                c,
                d.input_tokens,
                d.output_tokens,
                d.requests,
                d.outcomes,
                _unit(d.cost_per_outcome),
            )
            for d, c in zip(found.days, day_costs, strict=True)
        ),
    )


@in_money_context
def callers_view(
    key: str,
    deployment_id: str,
    days: PeriodDays,
    totals: Sequence[CallerTotals],
    by: CallerKind | None,
    status: StatusView,
) -> DeploymentCallersView:
    """The deployment's callers; its cost rounded as the period's unit costs round it."""
    exact = _deployment_costs(days)
    rounded = _rounded_deployment_costs(days, exact)
    dep = id_key(deployment_id)
    cost = rounded.get(dep, ZERO)
    found = [t for t in totals if t.caller is not None]
    rest = [t for t in totals if t.caller is None]
    parts = round_to_total([t.cost for t in found + rest], cost) if found or rest else []
    views = [
        CallerView(
            t.caller.kind if t.caller else None,
            t.caller.name if t.caller else None,
            c,
            t.input_tokens,
            t.output_tokens,
            t.requests,
            t.days,
        )
        for t, c in zip(found + rest, parts, strict=True)
    ]
    unattributed = views[len(found)] if rest else CallerView(None, None, cost, 0, 0, 0, 0)
    return DeploymentCallersView(
        key=key,
        deployment_id=deployment_id,
        period=days.period,
        cost_type=days.cost_type,
        currency=days.currency,
        status=status,
        by=by,
        cost=cost,
        callers=tuple(views[: len(found)]),
        unattributed=unattributed,
    )


@in_money_context
def showback_view(found: Showback, days: PeriodDays, status: StatusView) -> ShowbackView:
    """The showback, rounded toward the period's canonical totals."""
    totals = RoundedTotals.of(days.allocated, days.unallocated)
    u = found.unassigned
    assigned = [g.cost for g in found.groups]
    parts = round_to_total(
        [*assigned, u.no_use_case, u.unclaimed_callers, u.unattributed], totals.allocated
    )
    groups = parts[: len(assigned)]
    no_use_case, unclaimed, unattributed = parts[len(assigned) :]
    unallocated = totals.unallocated
    return ShowbackView(
        period=found.period,
        cost_type=found.cost_type,
        currency=found.currency,
        status=status,
        by=found.by,
        totals=totals,
        groups=tuple(
            ShowbackGroupView(g.name, c, g.use_cases)
            for g, c in zip(found.groups, groups, strict=True)
        ),
        unassigned=UnassignedView(
            cost=no_use_case + unclaimed + unattributed + unallocated,
            no_use_case=no_use_case,
            unclaimed_callers=unclaimed,
            unattributed=unattributed,
            unallocated=unallocated,
        ),
    )


@in_money_context
def listed_costs(days: PeriodDays) -> dict[str, Decimal]:
    """Each deployment's cost (keyed by `id_key` of its ARM id) as the period's unit costs
    round it."""
    return _rounded_deployment_costs(days, _deployment_costs(days))


def _deployment_costs(days: PeriodDays) -> dict[str, Decimal]:
    costs: dict[str, Decimal] = {}
    for row in days.rows:
        if row.deployment_key is not None:
            key = id_key(row.deployment_id)
            costs[key] = costs.get(key, ZERO) + row.cost
    return costs


def _rounded_deployment_costs(days: PeriodDays, exact: dict[str, Decimal]) -> dict[str, Decimal]:
    """Each deployment's cost as the period's unit costs show it (the same parts, the same
    order, toward the same canonical allocated total)."""
    totals = RoundedTotals.of(days.allocated, days.unallocated)
    ids = [id_key(d.deployment_id) for d in days.deployments]
    rounded = round_to_total([exact.get(i, ZERO) for i in ids], totals.allocated)
    return dict(zip(ids, rounded, strict=True))


def _unit(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_amount(value, UNIT_QUANTUM)


def _ratio(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_amount(value, TOKEN_RATIO_QUANTUM)


def _pct(part: Decimal | None, whole: Decimal) -> Decimal | None:
    """part / whole in percent, four decimals; None without a part or a whole."""
    if part is None or not whole:
        return None
    return round_amount(part * HUNDRED / whole, PCT_QUANTUM)
