"""A target's scope over one published allocation: its components per day (`ScopeSeries`).

The components of a scope are the parts the drivers tell apart as mix:

- a deployment: itself; an account: its deployments (the account part of the rows' and the
  usage's deployment ids, compared case-insensitively); the tenant: every deployment. Each takes
  its allocated rows (cost; input cost = its input-side meters, input, cached input and cache
  write; output cost = its output meters) and its Azure Monitor tokens and requests. Only
  deployments the allocation knows (its deployments, or a deployment of a row) count, as in the
  unit costs (shared/core/unit_costs.py). Unallocated lines belong to no deployment and are not
  part of any scope.
- a use case: its members (entries), as the use-case economics count them
  (shared/core/use_case_economics.py): a whole deployment takes its rows and its Azure Monitor
  usage, a caller slice its callers' shares of the split (shared/core/caller_split.py) and the
  tokens and requests their logs count. A slice's input and output cost are the callers' shares
  of the input-side and of the output rows (each row is split on its own, so they are exact
  parts of its cost). Each day carries the use case's outcomes (None: no data that day).

Days run from the period's first day to its last allocated day (the last day with any published
row, allocated or not); a day without anything of the scope has no components. Usage, telemetry
and outcomes of later days are left out: their cost is not allocated yet, and counting their
tokens or outcomes would understate the unit costs. `complete` is whether the period is over
(`period.end <= today`): then nothing is left to forecast.

Component keys are stable across periods: a deployment's key (`deployment_key_of`); a slice's
is its deployment's key, its caller kind and its sorted caller names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.core.arm_ids import deployment_key_of, parse_account_id
from shared.core.caller_split import CallerShare, split_deployment
from shared.core.callers import CallerKind, CallerUsage
from shared.core.meters import TokenKind
from shared.core.money import ZERO, in_money_context
from shared.core.reports import DailyCost, PeriodDays
from shared.core.resource_id import id_key
from shared.core.target_records import Component, ScopeDay, ScopeKind, ScopeSeries, TargetScope
from shared.core.usage import UsageRecord
from shared.core.use_case_economics import entry_callers, entry_kind
from shared.core.use_cases import DeploymentEntry, UseCase


@dataclass
class _Sums:
    cost: Decimal = ZERO
    input_cost: Decimal = ZERO
    output_cost: Decimal = ZERO
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0

    def row(self, row: DailyCost) -> None:
        self.cost += row.cost
        if row.kind is not None and row.kind.is_input_side:
            self.input_cost += row.cost
        elif row.kind is TokenKind.OUTPUT:
            self.output_cost += row.cost

    def usage(self, input_tokens: int, output_tokens: int, requests: int) -> None:
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.requests += requests

    def component(self, key: str) -> Component:
        return Component(
            key, self.cost, self.input_cost, self.output_cost, self.input_tokens,
            self.output_tokens, self.requests,
        )  # fmt: skip


class _Days:
    """Per-day, per-component sums."""

    def __init__(self) -> None:
        self.sums: dict[date, dict[str, _Sums]] = defaultdict(dict)

    def at(self, day: date, key: str) -> _Sums:
        return self.sums[day].setdefault(key, _Sums())


@in_money_context
def scope_series(
    target_scope: TargetScope,
    days: PeriodDays,
    usage: Sequence[UsageRecord],
    callers: Sequence[CallerUsage],
    use_case: UseCase | None,
    outcomes: Mapping[date, int],
    today: date,
) -> ScopeSeries:
    """The scope's components per day over the allocated days of `days` (module docstring).

    `use_case` is the scope's use case (None: not a use-case scope, or the use case no longer
    exists: then the series has no components); `outcomes` its outcomes per day. Rows, usage,
    caller usage and outcomes outside the period are ignored."""
    period = days.period
    is_use_case = target_scope.kind is ScopeKind.USE_CASE
    if is_use_case and use_case is not None and use_case.name != target_scope.value:
        raise ValueError(f"use case {use_case.name!r} is not the scope {target_scope.value!r}")
    dated = [r.date for r in days.rows if r.date in period.window]
    found: tuple[ScopeDay, ...] = ()
    if dated:
        allocated = _Window(period.start, max(dated))
        found = _days(target_scope, days, usage, callers, use_case, outcomes, allocated)
    return ScopeSeries(period, days.cost_type, days.currency, found, period.end <= today)


@dataclass(frozen=True)
class _Window:
    """The allocated days: `first` to `last`, both included."""

    first: date
    last: date

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


def _days(
    target_scope: TargetScope,
    days: PeriodDays,
    usage: Sequence[UsageRecord],
    callers: Sequence[CallerUsage],
    use_case: UseCase | None,
    outcomes: Mapping[date, int],
    allocated: _Window,
) -> tuple[ScopeDay, ...]:
    rows = [r for r in days.rows if r.deployment_key is not None and r.date in allocated]
    usage_in = [u for u in usage if u.date in allocated]
    sums = _Days()
    is_use_case = target_scope.kind is ScopeKind.USE_CASE
    if is_use_case and use_case is not None:
        callers_in = [c for c in callers if c.date in allocated]
        _use_case(use_case, rows, usage_in, callers_in, sums)
    elif not is_use_case:
        _deployments(target_scope, days, rows, usage_in, sums)
    series = []
    day = allocated.first
    while day <= allocated.last:
        parts = sums.sums.get(day, {})
        components = tuple(parts[k].component(k) for k in sorted(parts))
        series.append(ScopeDay(day, components, outcomes.get(day) if is_use_case else None))
        day += timedelta(days=1)
    return tuple(series)


def _deployments(
    scope: TargetScope,
    days: PeriodDays,
    rows: Sequence[DailyCost],
    usage: Iterable[UsageRecord],
    sums: _Days,
) -> None:
    """Deployment, account and tenant scopes: every deployment of the scope, by its key."""
    keys: dict[str, str] = {}  # id_key(ARM id) -> deployment key, for the deployments known

    def key_of(deployment_id: str) -> str:
        found = keys.get(id_key(deployment_id))
        if found is None:
            found = keys[id_key(deployment_id)] = deployment_key_of(deployment_id)
        return found

    for d in days.deployments:
        key_of(d.deployment_id)
    for r in rows:
        key_of(r.deployment_id)
    known = set(keys)
    in_scope = {k for k in known if _in_scope(scope, k)}
    for r in rows:
        if id_key(r.deployment_id) in in_scope:
            sums.at(r.date, key_of(r.deployment_id)).row(r)
    for u in usage:
        if id_key(u.deployment_id) in in_scope:
            sums.at(u.date, key_of(u.deployment_id)).usage(
                u.input_tokens, u.output_tokens, u.requests
            )


def _in_scope(scope: TargetScope, deployment_id_key: str) -> bool:
    if scope.kind is ScopeKind.TENANT:
        return True
    if scope.kind is ScopeKind.DEPLOYMENT:
        return deployment_id_key == id_key(scope.value)
    return parse_account_id(deployment_id_key).norm == id_key(scope.value)


def member_key(entry: DeploymentEntry) -> str:
    """A use-case member's component key: its deployment's key, and for a slice its caller kind
    and sorted caller names (`<key>:apimSubscriptions:a,b`)."""
    key = deployment_key_of(entry.deployment_id)
    kind = entry_kind(entry)
    if kind is None:
        return key
    return f"{key}:{kind.value}:{','.join(sorted(entry_callers(entry)))}"


def _use_case(
    use_case: UseCase,
    rows: Sequence[DailyCost],
    usage: Sequence[UsageRecord],
    callers: Sequence[CallerUsage],
    sums: _Days,
) -> None:
    """A use case's members, counted as `economics` counts them (module docstring)."""
    splits: dict[tuple[str, CallerKind], tuple[list[CallerShare], ...]] = {}
    for entry in use_case.deployments:
        key, kind, dep = member_key(entry), entry_kind(entry), id_key(entry.deployment_id)
        if kind is None:
            for r in rows:
                if id_key(r.deployment_id) == dep:
                    sums.at(r.date, key).row(r)
            for u in usage:
                if id_key(u.deployment_id) == dep:
                    sums.at(u.date, key).usage(u.input_tokens, u.output_tokens, u.requests)
            continue
        slot = (dep, kind)
        if slot not in splits:
            inputs = [r for r in rows if r.kind is not None and r.kind.is_input_side]
            outputs = [r for r in rows if r.kind is TokenKind.OUTPUT]
            splits[slot] = tuple(
                split_deployment(entry.deployment_id, part, usage, callers, kind)
                for part in (rows, inputs, outputs)
            )
        whole, input_side, output_side = splits[slot]
        names = entry_callers(entry)
        for share in _of(whole, names):
            at = sums.at(share.date, key)
            at.cost += share.cost
            at.usage(share.input_tokens, share.output_tokens, share.requests)
        for share in _of(input_side, names):
            sums.at(share.date, key).input_cost += share.cost
        for share in _of(output_side, names):
            sums.at(share.date, key).output_cost += share.cost


def _of(shares: Iterable[CallerShare], names: frozenset[str]) -> list[CallerShare]:
    """The shares of these callers (the split is by the slice's kind: the names suffice)."""
    return [s for s in shares if s.caller is not None and s.caller.name in names]
