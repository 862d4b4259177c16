"""Showback: a period's bill shown by owner, cost center or use case, every cent placed once.

Each published row of the period (one price basis) goes to exactly one place:

- a row of a deployment a use case takes whole: that use case's group;
- a row of a deployment use cases slice by callers: split between its callers and the
  unattributed rest (shared/core/caller_split.py) by `default_kind` (the kind the use cases
  slice it by; the first in CallerKind order if they slice it by several). A caller's share
  goes to the group of the use case claiming that caller, else to `unclaimed_callers`; the
  unattributed rest to `unattributed`. (A slice by another kind than the deployment's claims
  nothing here: slicing one deployment by two kinds would count the same calls twice.)
- a row of a deployment no use case names: `no_use_case`;
- an unallocated row: `unallocated`.

Invariant: sum(groups) + unassigned == billed, exactly (the rows of a published allocation add
up to its billed total; a read whose rows do not is refused with ValueError).

Every use case has its group (cost 0 when nothing of the period is its); groups are sorted by
cost, largest first, then by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shared.core.caller_split import default_kind, split_deployment
from shared.core.callers import CallerKind, CallerUsage
from shared.core.costs import CostType
from shared.core.money import ZERO, in_money_context
from shared.core.period import BillingPeriod
from shared.core.reports import DailyCost, PeriodDays
from shared.core.resource_id import id_key
from shared.core.usage import UsageRecord
from shared.core.use_cases import UseCase


class ShowbackBy(StrEnum):
    """What the groups of a showback are."""

    OWNER = "owner"
    COST_CENTER = "costCenter"
    USE_CASE = "useCase"


@dataclass(frozen=True)
class ShowbackGroup:
    """One owner's, cost center's or use case's cost, and the use cases it sums (by name)."""

    name: str
    cost: Decimal
    use_cases: tuple[str, ...]


@dataclass(frozen=True)
class Unassigned:
    """The part of the bill no use case carries, by why."""

    no_use_case: Decimal  # deployments no use case names
    unclaimed_callers: Decimal  # callers' shares of sliced deployments no use case claims
    unattributed: Decimal  # the unattributed rest of sliced deployments
    unallocated: Decimal  # the period's unallocated lines

    @property
    @in_money_context
    def cost(self) -> Decimal:
        return self.no_use_case + self.unclaimed_callers + self.unattributed + self.unallocated


@dataclass(frozen=True)
class Showback:
    period: BillingPeriod
    cost_type: CostType
    currency: str
    billed: Decimal
    by: ShowbackBy
    groups: tuple[ShowbackGroup, ...]
    unassigned: Unassigned

    @property
    @in_money_context
    def assigned(self) -> Decimal:
        return sum((g.cost for g in self.groups), ZERO)


def group_name(use_case: UseCase, by: ShowbackBy) -> str:
    if by is ShowbackBy.OWNER:
        return use_case.owner
    if by is ShowbackBy.COST_CENTER:
        return use_case.cost_center
    return use_case.name


@in_money_context
def showback(
    days: PeriodDays,
    use_cases: Sequence[UseCase],
    usage: Sequence[UsageRecord],
    callers: Sequence[CallerUsage],
    by: ShowbackBy,
) -> Showback:
    """The period's bill by `by` (module docstring); `use_cases` are valid together (no
    deployment taken whole twice or whole and sliced: if one is, the first whole claim wins)."""
    window = days.period.window
    usage_in = [u for u in usage if u.date in window]
    callers_in = [c for c in callers if c.date in window]
    whole: dict[str, str] = {}  # id_key(deployment id) -> use case name
    claims: dict[tuple[str, CallerKind, str], str] = {}  # (deployment, kind, caller) -> name
    for use_case in use_cases:
        for entry in use_case.deployments:
            key = id_key(entry.deployment_id)
            if entry.whole:
                whole.setdefault(key, use_case.name)
            for kind, names in entry.callers:
                for caller in names:
                    claims.setdefault((key, kind, caller), use_case.name)
    sliced = {key for key, _kind, _caller in claims} - set(whole)
    cost_of: dict[str, Decimal] = {u.name: ZERO for u in use_cases}
    no_use_case = unallocated = ZERO
    rows_of: dict[str, list[DailyCost]] = {}
    ids: dict[str, str] = {}
    for row in days.rows:
        if row.deployment_key is None:
            unallocated += row.cost
            continue
        key = id_key(row.deployment_id)
        if key in whole:
            cost_of[whole[key]] += row.cost
        elif key in sliced:
            rows_of.setdefault(key, []).append(row)
            ids.setdefault(key, row.deployment_id)
        else:
            no_use_case += row.cost
    unclaimed = unattributed = ZERO
    for key, rows in rows_of.items():
        split_by = default_kind(ids[key], use_cases, callers_in)
        assert split_by is not None  # a sliced deployment has the kind its use cases slice it by
        for share in split_deployment(ids[key], rows, usage_in, callers_in, split_by):
            if share.caller is None:
                unattributed += share.cost
                continue
            owner = claims.get((key, split_by, share.caller.name))
            if owner is None:
                unclaimed += share.cost
            else:
                cost_of[owner] += share.cost
    unassigned = Unassigned(no_use_case, unclaimed, unattributed, unallocated)
    groups = _groups(use_cases, cost_of, by)
    if sum((g.cost for g in groups), ZERO) + unassigned.cost != days.billed:
        raise ValueError(f"{days.period} {days.cost_type.value}: the rows do not add up to billed")
    return Showback(days.period, days.cost_type, days.currency, days.billed, by, groups, unassigned)


def _groups(
    use_cases: Sequence[UseCase], cost_of: dict[str, Decimal], by: ShowbackBy
) -> tuple[ShowbackGroup, ...]:
    costs: dict[str, Decimal] = {}
    members: dict[str, set[str]] = {}
    for use_case in {u.name: u for u in use_cases}.values():  # each use case once
        name = group_name(use_case, by)
        costs[name] = costs.get(name, ZERO) + cost_of[use_case.name]
        members.setdefault(name, set()).add(use_case.name)
    groups = [ShowbackGroup(n, costs[n], tuple(sorted(members[n]))) for n in costs]
    return tuple(sorted(groups, key=lambda g: (-g.cost, g.name)))
