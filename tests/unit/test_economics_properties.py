"""Property tests of use-case economics over generated deployments, rows (every token kind,
credits too, up to 10 decimals), Azure Monitor usage and caller usage (sometimes more than Azure
Monitor counts, sometimes none): the caller split conserves each deployment's cost per day, the
showback conserves the bill, and a use case's cost is its members'."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.allocation import UnallocatedReason
from shared.core.caller_split import split_deployment
from shared.core.callers import Caller, CallerKind, CallerUsage
from shared.core.costs import CostType
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.money import ZERO, money_context
from shared.core.reports import DailyCost, PeriodDays
from shared.core.showback import ShowbackBy, showback
from shared.core.usage import UsageRecord
from shared.core.use_case_economics import economics
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from tests.builders import NOV, OTHER, dep

# Two accounts with a deployment of the same name: ids must not be mixed up.
DEPLOYMENTS = (dep("d0"), dep("d1"), dep("d2"), dep("d0", account=OTHER))
DAYS = tuple(NOV.start + timedelta(days=i) for i in range(3))
CALLER_NAMES = ("a", "b", "c")
USE_CASE_NAMES = ("u0", "u1", "u2")
OWNERS = ("team-x", "team-y")

costs = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), places=10)
non_negative = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=10)
counts = st.integers(min_value=0, max_value=10**7) | st.just(0)
SPELLINGS: tuple[Callable[[str], str], ...] = (str, str.upper, str.lower)
spelling = st.sampled_from(SPELLINGS)  # ids compare case-insensitively


@dataclass(frozen=True)
class Tenant:
    rows: tuple[DailyCost, ...]
    usage: tuple[UsageRecord, ...]
    callers: tuple[CallerUsage, ...]

    @property
    def days(self) -> PeriodDays:
        with money_context():
            billed = sum((r.cost for r in self.rows), ZERO)
            left = sum((r.cost for r in self.rows if r.deployment_key is None), ZERO)
        return PeriodDays(
            NOV, CostType.AMORTIZED, "EUR", billed, billed - left, left, DEPLOYMENTS, self.rows
        )


@st.composite
def tenants(draw: st.DrawFn, amounts: st.SearchStrategy[Decimal] = costs) -> Tenant:
    rows = []
    for _ in range(draw(st.integers(0, 14))):
        day = draw(st.sampled_from(DAYS))
        cost = draw(amounts)
        if draw(st.integers(0, 5)) == 0:
            rows.append(DailyCost(None, day, "m", "meter", cost,
                                  reason=UnallocatedReason.NO_USAGE))  # fmt: skip
            continue
        d = draw(st.sampled_from(DEPLOYMENTS))
        kind = draw(st.sampled_from(TokenKind))
        rows.append(DailyCost(d.key, day, f"m-{kind.value}", "meter", cost, kind,
                              draw(spelling)(d.deployment_id)))  # fmt: skip
    usage = [
        UsageRecord(day, d.account_id, d.name, draw(counts), draw(counts), draw(counts))
        for d in DEPLOYMENTS
        for day in DAYS
        if draw(st.booleans())
    ]
    callers = [
        CallerUsage(
            day,
            draw(spelling)(d.deployment_id),
            Caller(draw(st.sampled_from(CallerKind)), name),
            draw(counts),
            draw(counts),
            draw(counts),
        )
        for d in DEPLOYMENTS
        for day in DAYS
        for name in CALLER_NAMES
        if draw(st.booleans())
    ]
    return Tenant(tuple(rows), tuple(usage), tuple(callers))


@st.composite
def use_cases(draw: st.DrawFn) -> list[UseCase]:
    """Valid use cases: each deployment in none, taken whole by one, or sliced by ONE kind, each
    caller of it claimed by at most one use case."""
    entries: dict[str, list[DeploymentEntry]] = defaultdict(list)
    for d in DEPLOYMENTS:
        mode = draw(st.sampled_from(("none", "whole", "sliced")))
        if mode == "whole":
            entries[draw(st.sampled_from(USE_CASE_NAMES))].append(
                DeploymentEntry(d.key, d.deployment_id)
            )
        elif mode == "sliced":
            kind = draw(st.sampled_from(CallerKind))
            claimed: dict[str, list[str]] = defaultdict(list)
            for name in CALLER_NAMES:
                owner = draw(st.sampled_from((None, *USE_CASE_NAMES)))
                if owner is not None:
                    claimed[owner].append(name)
            for owner, names in claimed.items():
                entries[owner].append(
                    DeploymentEntry(d.key, d.deployment_id, ((kind, tuple(names)),))
                )
    outcome = Outcome("query", OutcomeSource(SourceType.PUSH))
    return [
        UseCase(name, draw(st.sampled_from(OWNERS)), "CC-1", outcome, tuple(found))
        for name, found in sorted(entries.items())
    ]


@settings(max_examples=200, deadline=None)
@given(tenants(), st.sampled_from(DEPLOYMENTS), st.sampled_from(CallerKind))
def test_callers_plus_unattributed_is_the_deployment_cost_every_day(
    tenant: Tenant, d: Deployment, kind: CallerKind
) -> None:
    arm_id = d.deployment_id
    shares = split_deployment(arm_id, tenant.rows, tenant.usage, tenant.callers, kind)
    with money_context():
        expected: dict[date, Decimal] = defaultdict(Decimal)
        for r in tenant.rows:
            if r.deployment_key is not None and r.deployment_id.lower() == arm_id.lower():
                expected[r.date] += r.cost
        carried: dict[date, Decimal] = defaultdict(Decimal)
        for s in shares:
            carried[s.date] += s.cost
    assert {k: v for k, v in carried.items() if v} == {k: v for k, v in expected.items() if v}
    for day in DAYS:
        monitor = [0, 0, 0]
        for u in tenant.usage:
            if u.deployment_id.lower() == arm_id.lower() and u.date == day:
                monitor = [monitor[0] + u.input_tokens, monitor[1] + u.output_tokens,
                           monitor[2] + u.requests]  # fmt: skip
        logged = [0, 0, 0]
        for c in tenant.callers:
            if (
                c.deployment_id.lower() == arm_id.lower()
                and c.date == day
                and c.caller.kind is kind
            ):
                logged = [logged[0] + c.input_tokens, logged[1] + c.output_tokens,
                          logged[2] + c.requests]  # fmt: skip
        rest = [s for s in shares if s.date == day and s.caller is None]
        rest_counts = (
            (rest[0].input_tokens, rest[0].output_tokens, rest[0].requests) if rest else (0, 0, 0)
        )
        assert rest_counts == tuple(max(0, m - c) for m, c in zip(monitor, logged, strict=True))
        callers_of_day = [s for s in shares if s.date == day and s.caller is not None]
        assert all(s.caller is not None and s.caller.kind is kind for s in callers_of_day)
        assert sum(s.total_tokens for s in callers_of_day) == logged[0] + logged[1]


@settings(max_examples=150, deadline=None)
@given(tenants(non_negative), st.sampled_from(DEPLOYMENTS), st.sampled_from(CallerKind))
def test_no_share_of_a_charge_is_negative_or_more_than_the_charge(
    tenant: Tenant, d: Deployment, kind: CallerKind
) -> None:
    arm_id = d.deployment_id
    shares = split_deployment(arm_id, tenant.rows, tenant.usage, tenant.callers, kind)
    with money_context():
        day_cost: dict[date, Decimal] = defaultdict(Decimal)
        for r in tenant.rows:
            if r.deployment_key is not None and r.deployment_id.lower() == arm_id.lower():
                day_cost[r.date] += r.cost
    for s in shares:
        assert ZERO <= s.cost <= day_cost[s.date]
        assert min(s.input_tokens, s.output_tokens, s.requests) >= 0


@settings(max_examples=150, deadline=None)
@given(tenants(), use_cases(), st.sampled_from(ShowbackBy))
def test_showback_groups_plus_unassigned_is_billed(
    tenant: Tenant, cases: list[UseCase], by: ShowbackBy
) -> None:
    found = showback(tenant.days, cases, tenant.usage, tenant.callers, by)
    with money_context():
        assert sum((g.cost for g in found.groups), ZERO) + found.unassigned.cost == found.billed
        unallocated = sum((r.cost for r in tenant.rows if r.deployment_key is None), ZERO)
    assert found.billed == tenant.days.billed
    assert found.unassigned.unallocated == unallocated
    assert sorted(n for g in found.groups for n in g.use_cases) == sorted(u.name for u in cases)
    assert list(found.groups) == sorted(found.groups, key=lambda g: (-g.cost, g.name))


@settings(max_examples=150, deadline=None)
@given(tenants(), use_cases(), st.dictionaries(st.sampled_from(DAYS), st.integers(0, 50)))
def test_a_use_case_costs_its_members_and_its_showback_group(
    tenant: Tenant, cases: list[UseCase], outcomes: dict[date, int]
) -> None:
    by_use_case = showback(tenant.days, cases, tenant.usage, tenant.callers, ShowbackBy.USE_CASE)
    group_cost = {g.name: g.cost for g in by_use_case.groups}
    for use_case in cases:
        found = economics(use_case, tenant.days, tenant.usage, tenant.callers, outcomes)
        with money_context():
            assert found.cost == sum((m.cost for m in found.members), ZERO)
            assert found.cost == sum((d.cost for d in found.days), ZERO)
            assert found.cost == found.whole_cost + found.caller_cost
            assert found.outcome_cost == sum(
                (d.cost for d in found.days if d.date in outcomes), ZERO
            )
        assert found.cost == group_cost[use_case.name]
        assert found.outcomes == (sum(outcomes.values()) if outcomes else None)
        assert [d.date for d in found.days] == [
            NOV.start + timedelta(days=i) for i in range(len(found.days))
        ]
        assert all(d.outcomes == outcomes.get(d.date) for d in found.days)
        assert found.input_tokens == sum(m.input_tokens for m in found.members)
