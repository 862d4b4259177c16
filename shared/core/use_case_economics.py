"""Use-case economics: what a use case cost over a period, per day, and per outcome.

A use case's members are its deployment entries (shared/core/use_cases.py):

- a *whole* entry takes every published row of its deployment (the allocation's bill-anchored
  cost, `Attribution.ALLOCATION`) and the deployment's Azure Monitor tokens and requests;
- a *slice* (an entry naming callers) takes the shares of its callers in the split of the
  deployment between callers (shared/core/caller_split.py, `Attribution.CALLERS`) and the
  tokens and requests their logs count. The deployment is split by the entry's caller kind
  (`entry_kind`: its first kind in CallerKind order; names of its other kinds are not counted,
  since the telemetry sources see the same calls and counting both would count a cent twice).
  The deployment's unattributed rest is not the use case's cost; it is shown beside it
  (`MemberEconomics.unattributed_cost`, `UseCaseEconomics.unattributed_cost`).

The use case's cost is the sum of its members' costs. Outcomes are counts per day; a day
without a count has no outcome data, which is not zero outcomes. Cost per outcome divides the
cost of the days that have outcome data (`outcome_cost`) by their outcomes, so days without data
do not inflate it; with no outcome data, or zero outcomes, it is None with a reason. Every ratio
with a zero denominator is None, never zero. Money stays exact (Decimal); rounding is for
presentation.

Worked example: a whole deployment costs 10.00 USD on day 1 and 6.00 on day 2; outcomes are 4
on day 1 and unknown on day 2. Cost 16.00, outcomes 4, outcome cost 10.00, cost per outcome
10.00 / 4 = 2.50 (not 16.00 / 4 = 4.00).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum

from shared.core.caller_split import CallerShare, split_deployment
from shared.core.callers import CallerKind, CallerUsage
from shared.core.costs import CostType
from shared.core.metered import MeteredCost
from shared.core.money import ZERO, in_money_context
from shared.core.period import BillingPeriod
from shared.core.reports import DailyCost, PeriodDays
from shared.core.resource_id import id_key
from shared.core.unit_costs import THOUSAND, per_unit
from shared.core.usage import UsageRecord
from shared.core.use_cases import DeploymentEntry, UseCase

NO_OUTCOME_DATA = "no outcome data for the period"
NO_OUTCOMES = "no outcomes recorded (0)"


class Attribution(Enum):
    """Where a member's cost comes from."""

    ALLOCATION = "allocation"  # a whole deployment: the allocation's rows, anchored to the bill
    CALLERS = "callers"  # a caller slice: its callers' shares of the deployment's rows


def entry_kind(entry: DeploymentEntry) -> CallerKind | None:
    """The caller kind a slice is split by (its first in CallerKind order); None when whole."""
    kinds = {kind for kind, _names in entry.callers}
    return next((k for k in CallerKind if k in kinds), None)


def entry_callers(entry: DeploymentEntry) -> frozenset[str]:
    """The caller names of the slice's kind (`entry_kind`)."""
    kind = entry_kind(entry)
    return frozenset(name for k, names in entry.callers if k is kind for name in names)


@dataclass(frozen=True)
class MemberEconomics(MeteredCost):
    """One entry of a use case over the period: its cost, tokens and requests.

    `unattributed_cost` is the unattributed rest of a sliced deployment (split by `kind`), not
    part of the member's cost; None for a whole deployment.
    """

    entry: DeploymentEntry
    cost: Decimal
    input_tokens: int
    output_tokens: int
    requests: int
    attribution: Attribution
    unattributed_cost: Decimal | None = None
    kind: CallerKind | None = None  # the caller kind of a slice; None for a whole deployment


@dataclass(frozen=True)
class DayEconomics(MeteredCost):
    """A use case's cost, tokens, requests and outcomes on one day (`outcomes` None: no data)."""

    date: date
    cost: Decimal
    input_tokens: int
    output_tokens: int
    requests: int
    outcomes: int | None

    @property
    @in_money_context
    def cost_per_outcome(self) -> Decimal | None:
        return None if self.outcomes is None else per_unit(self.cost, self.outcomes)

    @property
    @in_money_context
    def tokens_per_outcome(self) -> Decimal | None:
        return (
            None if self.outcomes is None else per_unit(Decimal(self.total_tokens), self.outcomes)
        )


@dataclass(frozen=True)
class UseCaseEconomics:
    """A use case's economics over one period and price basis.

    `days` runs from the period's first day to the last day with any cost, usage or outcome
    data of the use case (empty when there is none); a day with nothing has cost 0 and
    outcomes None.
    """

    use_case: UseCase
    period: BillingPeriod
    cost_type: CostType
    currency: str
    members: tuple[MemberEconomics, ...]
    days: tuple[DayEconomics, ...]

    @property
    @in_money_context
    def cost(self) -> Decimal:
        return sum((m.cost for m in self.members), ZERO)

    @property
    def input_tokens(self) -> int:
        return sum(m.input_tokens for m in self.members)

    @property
    def output_tokens(self) -> int:
        return sum(m.output_tokens for m in self.members)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def requests(self) -> int:
        return sum(m.requests for m in self.members)

    @property
    def outcomes(self) -> int | None:
        """The period's outcomes; None when no day has outcome data."""
        counted = [d.outcomes for d in self.days if d.outcomes is not None]
        return sum(counted) if counted else None

    @property
    @in_money_context
    def outcome_cost(self) -> Decimal:
        """The cost of the days that have outcome data (what cost per outcome divides)."""
        return sum((d.cost for d in self.days if d.outcomes is not None), ZERO)

    @property
    def outcome_tokens(self) -> int:
        """The tokens of the days that have outcome data."""
        return sum(d.total_tokens for d in self.days if d.outcomes is not None)

    @property
    def cost_per_outcome_reason(self) -> str | None:
        """Why cost per outcome is None (None when it is not)."""
        outcomes = self.outcomes
        if outcomes is None:
            return NO_OUTCOME_DATA
        if outcomes == 0:
            return NO_OUTCOMES
        return None

    @property
    @in_money_context
    def cost_per_outcome(self) -> Decimal | None:
        """outcome_cost / outcomes; None (see `cost_per_outcome_reason`) without outcomes."""
        outcomes = self.outcomes
        return None if outcomes is None else per_unit(self.outcome_cost, outcomes)

    @property
    @in_money_context
    def tokens_per_outcome(self) -> Decimal | None:
        """outcome_tokens / outcomes; None without outcomes."""
        outcomes = self.outcomes
        return None if outcomes is None else per_unit(Decimal(self.outcome_tokens), outcomes)

    @property
    @in_money_context
    def cost_per_1k_tokens(self) -> Decimal | None:
        return per_unit(self.cost, self.total_tokens, THOUSAND)

    @property
    @in_money_context
    def cost_per_request(self) -> Decimal | None:
        return per_unit(self.cost, self.requests)

    @property
    @in_money_context
    def whole_cost(self) -> Decimal:
        """The cost from whole deployments (bill-anchored)."""
        return sum((m.cost for m in self.members if m.attribution is Attribution.ALLOCATION), ZERO)

    @property
    @in_money_context
    def caller_cost(self) -> Decimal:
        """The cost from caller slices."""
        return sum((m.cost for m in self.members if m.attribution is Attribution.CALLERS), ZERO)

    @property
    @in_money_context
    def unattributed_cost(self) -> Decimal | None:
        """The unattributed rest of the sliced deployments (each deployment and kind once), not
        part of the use case's cost; None when the use case slices no deployment."""
        rests: dict[tuple[str, CallerKind | None], Decimal] = {}
        for m in self.members:
            if m.unattributed_cost is not None:
                rests[(id_key(m.entry.deployment_id), m.kind)] = m.unattributed_cost
        return sum(rests.values(), ZERO) if rests else None

    @property
    def days_with_outcomes(self) -> int:
        return sum(1 for d in self.days if d.outcomes is not None)

    @property
    def days_with_cost(self) -> int:
        return sum(1 for d in self.days if d.cost != 0)


class _Daily:
    """Per-day sums of a use case's members, and the days that have any data."""

    def __init__(self) -> None:
        self.cost: dict[date, Decimal] = {}
        self.counts: dict[date, list[int]] = {}
        self.seen: set[date] = set()

    def add(self, day: date, cost: Decimal, input_tokens: int, output_tokens: int,
            requests: int) -> None:  # fmt: skip
        self.seen.add(day)
        self.cost[day] = self.cost.get(day, ZERO) + cost
        counts = self.counts.setdefault(day, [0, 0, 0])
        counts[0] += input_tokens
        counts[1] += output_tokens
        counts[2] += requests


@in_money_context
def economics(
    use_case: UseCase,
    days: PeriodDays,
    usage: Sequence[UsageRecord],
    callers: Sequence[CallerUsage],
    outcomes: Mapping[date, int],
) -> UseCaseEconomics:
    """The use case's economics over the period of `days` (one published allocation): its
    members, its daily series and totals (module docstring). Rows, usage, caller usage and
    outcomes outside the period are ignored."""
    window = days.period.window
    rows = [r for r in days.rows if r.date in window]
    usage_in = [u for u in usage if u.date in window]
    callers_in = [c for c in callers if c.date in window]
    outcomes_in = {d: n for d, n in outcomes.items() if d in window}
    daily = _Daily()
    splits: dict[tuple[str, CallerKind], list[CallerShare]] = {}
    members = []
    for entry in use_case.deployments:
        kind = entry_kind(entry)
        if kind is None:
            members.append(_whole(entry, rows, usage_in, daily))
            continue
        slot = (id_key(entry.deployment_id), kind)
        if slot not in splits:
            splits[slot] = split_deployment(entry.deployment_id, rows, usage_in, callers_in, kind)
        members.append(_slice(entry, kind, splits[slot], daily))
    return UseCaseEconomics(
        use_case=use_case,
        period=days.period,
        cost_type=days.cost_type,
        currency=days.currency,
        members=tuple(members),
        days=_series(days.period, daily, outcomes_in),
    )


def _whole(
    entry: DeploymentEntry, rows: Iterable[DailyCost], usage: Iterable[UsageRecord], daily: _Daily
) -> MemberEconomics:
    key = id_key(entry.deployment_id)
    cost = ZERO
    for row in rows:
        if row.deployment_key is not None and id_key(row.deployment_id) == key:
            cost += row.cost
            daily.add(row.date, row.cost, 0, 0, 0)
    totals = [0, 0, 0]
    for rec in usage:
        if id_key(rec.deployment_id) == key:
            totals[0] += rec.input_tokens
            totals[1] += rec.output_tokens
            totals[2] += rec.requests
            daily.add(rec.date, ZERO, rec.input_tokens, rec.output_tokens, rec.requests)
    return MemberEconomics(entry, cost, totals[0], totals[1], totals[2], Attribution.ALLOCATION)


def _slice(
    entry: DeploymentEntry, kind: CallerKind, shares: Iterable[CallerShare], daily: _Daily
) -> MemberEconomics:
    names = entry_callers(entry)
    cost = unattributed = ZERO
    totals = [0, 0, 0]
    for share in shares:
        if share.caller is None:
            unattributed += share.cost
            continue
        if share.caller.name not in names:
            continue
        cost += share.cost
        totals[0] += share.input_tokens
        totals[1] += share.output_tokens
        totals[2] += share.requests
        daily.add(share.date, share.cost, share.input_tokens, share.output_tokens, share.requests)
    return MemberEconomics(
        entry, cost, totals[0], totals[1], totals[2], Attribution.CALLERS, unattributed, kind
    )


def _series(
    period: BillingPeriod, daily: _Daily, outcomes: Mapping[date, int]
) -> tuple[DayEconomics, ...]:
    data_days = daily.seen | set(outcomes)
    if not data_days:
        return ()
    last = max(data_days)
    series = []
    day = period.start
    while day <= last:
        counts = daily.counts.get(day, [0, 0, 0])
        series.append(
            DayEconomics(
                day, daily.cost.get(day, ZERO), counts[0], counts[1], counts[2], outcomes.get(day)
            )
        )
        day += timedelta(days=1)
    return tuple(series)
