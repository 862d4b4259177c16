"""Scope series: a target's scope per day over the allocated days, its components as the unit
costs (deployments) and the use-case economics (members) count them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.allocation import UnallocatedReason
from shared.core.callers import Caller, CallerKind, CallerUsage
from shared.core.costs import CostType
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.money import ZERO
from shared.core.reports import DailyCost, PeriodDays
from shared.core.scope_series import member_key, scope_series
from shared.core.target_records import Component, ScopeDay, ScopeKind, ScopeSeries, TargetScope
from shared.core.usage import UsageRecord
from shared.core.use_case_economics import economics
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from tests.builders import ACC, NOV, OTHER, dep, use

CHAT, SHARED, EMBED = dep("chat-prod"), dep("chat-shared"), dep("embed", account=OTHER)
D1, D3, D4, D5 = (date(2026, 11, d) for d in (1, 3, 4, 5))
TODAY = date(2026, 11, 20)
SUB = CallerKind.APIM_SUBSCRIPTIONS
A, B = Caller(SUB, "a"), Caller(SUB, "b")
KIND_OF_METER = {
    "in": TokenKind.INPUT,
    "cached": TokenKind.CACHED_INPUT,
    "out": TokenKind.OUTPUT,
    "ptu": TokenKind.PTU_HOUR,
}


def row(cost: str, kind: str = "in", day: date = D3, d: Deployment = CHAT) -> DailyCost:
    meter = KIND_OF_METER[kind]
    return DailyCost(d.key, day, f"m-{kind}", "meter", Decimal(cost), meter, d.deployment_id)


def unallocated(cost: str, day: date) -> DailyCost:
    return DailyCost(None, day, "m-x", "meter", Decimal(cost), reason=UnallocatedReason.NO_RESOURCE)


def period_days(rows: Sequence[DailyCost]) -> PeriodDays:
    billed = sum((r.cost for r in rows), ZERO)
    left = sum((r.cost for r in rows if r.deployment_key is None), ZERO)
    return PeriodDays(
        NOV, CostType.ACTUAL, "EUR", billed, billed - left, left, (CHAT, SHARED, EMBED), tuple(rows)
    )


def calls(caller: Caller, inp: int, out: int, reqs: int, day: date = D3) -> CallerUsage:
    return CallerUsage(day, SHARED.deployment_id, caller, inp, out, reqs)


def series(
    scope: TargetScope,
    rows: Sequence[DailyCost],
    usage: Sequence[UsageRecord] = (),
    callers: Sequence[CallerUsage] = (),
    use_case: UseCase | None = None,
    outcomes: dict[date, int] | None = None,
    today: date = TODAY,
) -> ScopeSeries:
    return scope_series(scope, period_days(rows), usage, callers, use_case, outcomes or {}, today)


def comp(
    d: Deployment | str,
    cost: str,
    inp_cost: str = "0",
    out_cost: str = "0",
    inp: int = 0,
    out: int = 0,
    reqs: int = 0,
) -> Component:
    key = d if isinstance(d, str) else d.key
    return Component(key, Decimal(cost), Decimal(inp_cost), Decimal(out_cost), inp, out, reqs)


ROWS = [
    row("7.00", "in"),
    row("0.50", "cached"),
    row("3.00", "out"),
    row("2.00", "ptu"),
    row("6.00", "in", D4),
    row("4.00", "in", D3, SHARED),
    row("9.00", "out", D3, EMBED),
    unallocated("1.00", D5),  # the allocation's last day: 5 Nov
]
USAGE = [
    use("chat-prod", 1500, 500, 10, D3),
    use("chat-prod", 1200, 800, 6, D4),
    use("chat-shared", 100, 10, 1, D3),
    use("embed", 40, 0, 4, D3, account=OTHER),
    use("chat-prod", 999, 999, 9, date(2026, 11, 6)),  # not allocated yet: left out
    use("ghost", 5000, 5000, 50, D3),  # no deployment of the allocation: left out
    use("chat-prod", 1, 1, 1, date(2026, 10, 31)),  # another period
]


def test_a_deployment_scope_takes_its_rows_and_monitor_usage_per_day() -> None:
    found = series(TargetScope(ScopeKind.DEPLOYMENT, CHAT.deployment_id), ROWS, USAGE)
    assert (found.period, found.cost_type, found.currency) == (NOV, CostType.ACTUAL, "EUR")
    assert [d.date for d in found.days] == [NOV.start + timedelta(days=i) for i in range(5)]
    assert found.days[0] == ScopeDay(D1, (), None)  # a day without anything: no components
    # 3 Nov: 7.00 input + 0.50 cached input (input side), 3.00 output, 2.00 PTU
    assert found.days[2].components == (comp(CHAT, "12.50", "7.50", "3.00", 1500, 500, 10),)
    assert found.days[3].components == (comp(CHAT, "6.00", "6.00", "0", 1200, 800, 6),)
    assert found.days[4].components == ()  # 5 Nov: only an unallocated line
    assert found.complete is False


def test_an_account_scope_takes_its_deployments_compared_case_insensitively() -> None:
    lowered = [replace(r, deployment_id=r.deployment_id.lower()) for r in ROWS]
    found = series(TargetScope(ScopeKind.ACCOUNT, ACC.upper()), lowered, USAGE)
    assert found.days[2].components == tuple(
        sorted(
            [
                comp(CHAT, "12.50", "7.50", "3.00", 1500, 500, 10),
                comp(SHARED, "4.00", "4.00", "0", 100, 10, 1),
            ],
            key=lambda c: c.key,
        )
    )
    other = series(TargetScope(ScopeKind.ACCOUNT, OTHER), ROWS, USAGE)
    assert other.days[2].components == (comp(EMBED, "9.00", "0", "9.00", 40, 0, 4),)


def test_the_tenant_takes_every_deployment_but_no_unallocated_line() -> None:
    found = series(TargetScope(ScopeKind.TENANT), ROWS, USAGE)
    total = sum((c.cost for d in found.days for c in d.components), ZERO)
    assert total == Decimal("31.50")  # every allocated row; the 1.00 unallocated is no scope's
    keys = {c.key for d in found.days for c in d.components}
    assert keys == {CHAT.key, SHARED.key, EMBED.key}
    tokens = sum(c.input_tokens for d in found.days for c in d.components)
    assert tokens == 1500 + 1200 + 100 + 40  # not the ghost's, not after 5 Nov


def test_nothing_allocated_is_no_days_and_a_finished_period_is_complete() -> None:
    empty = series(TargetScope(ScopeKind.TENANT), [], USAGE)
    assert empty.days == () and empty.complete is False
    assert series(TargetScope(ScopeKind.TENANT), ROWS, today=NOV.end).complete is True
    last_day = NOV.end - timedelta(days=1)
    assert series(TargetScope(ScopeKind.TENANT), ROWS, today=last_day).complete is False


WHOLE = DeploymentEntry(CHAT.key, CHAT.deployment_id)
SLICE_A = DeploymentEntry(SHARED.key, SHARED.deployment_id, ((SUB, ("a",)),))
SLICE_B = DeploymentEntry(SHARED.key, SHARED.deployment_id, ((SUB, ("b",)),))
# chat-shared on 3 Nov: the worked example of caller_split (a 2.05 = 1.80 in + 0.25 out)
SHARED_ROWS = [row("3.00", "in", D3, SHARED), row("1.00", "out", D3, SHARED)]
SHARED_USAGE = [use("chat-shared", 1000, 400, 50, D3)]
SHARED_CALLS = [calls(A, 600, 100, 20), calls(B, 200, 100, 10)]


def use_case(*entries: DeploymentEntry) -> UseCase:
    return UseCase(
        "support-bot",
        "support",
        "CC-1042",
        Outcome("resolved query", OutcomeSource(SourceType.PUSH)),
        entries,
    )


def test_a_use_case_has_one_component_per_member_and_its_outcomes_per_day() -> None:
    rows = [*ROWS[:5], *SHARED_ROWS]
    uc = use_case(WHOLE, SLICE_A)
    outcomes = {D3: 40, D5: 7, date(2026, 11, 9): 3}  # 9 Nov: not allocated yet
    found = series(
        TargetScope(ScopeKind.USE_CASE, "support-bot"),
        rows,
        [*USAGE[:2], *SHARED_USAGE],
        SHARED_CALLS,
        uc,
        outcomes,
    )
    slice_key = member_key(SLICE_A)
    assert slice_key == f"{SHARED.key}:apimSubscriptions:a"
    assert [d.date for d in found.days] == [NOV.start + timedelta(days=i) for i in range(4)]
    assert [d.outcomes for d in found.days] == [None, None, 40, None]
    assert found.days[2].components == tuple(
        sorted(
            [
                comp(CHAT, "12.50", "7.50", "3.00", 1500, 500, 10),
                comp(slice_key, "2.05", "1.80", "0.25", 600, 100, 20),
            ],
            key=lambda c: c.key,
        )
    )
    # the same cost per day as the use-case economics
    money = economics(uc, period_days(rows), SHARED_USAGE + USAGE[:2], SHARED_CALLS, outcomes)
    by_day = {d.date: d.cost for d in money.days}
    for day in found.days:
        assert sum((c.cost for c in day.components), ZERO) == by_day.get(day.date, ZERO)


def test_two_slices_of_one_deployment_are_two_components_and_a_missing_use_case_none() -> None:
    uc = use_case(SLICE_A, SLICE_B)
    found = series(
        TargetScope(ScopeKind.USE_CASE, "support-bot"), SHARED_ROWS, SHARED_USAGE, SHARED_CALLS, uc
    )
    [day] = [d for d in found.days if d.components]
    assert [(c.key, c.cost, c.input_cost, c.output_cost) for c in day.components] == [
        (member_key(SLICE_A), Decimal("2.05"), Decimal("1.80"), Decimal("0.25")),
        (member_key(SLICE_B), Decimal("0.85"), Decimal("0.60"), Decimal("0.25")),
    ]
    gone = series(TargetScope(ScopeKind.USE_CASE, "support-bot"), SHARED_ROWS, SHARED_USAGE)
    assert gone.days and all(d.components == () for d in gone.days)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 30),
            st.sampled_from([CHAT, SHARED, EMBED]),
            st.sampled_from(sorted(KIND_OF_METER)),
            st.integers(-500, 5000),
        ),
        min_size=1,
        max_size=25,
    ),
    st.lists(
        st.tuples(
            st.integers(1, 30),
            st.sampled_from([A, B]),
            st.integers(0, 900),
            st.integers(0, 300),
            st.integers(0, 9),
        ),
        max_size=10,
    ),
)
def test_components_add_up_to_the_allocated_rows_and_to_the_use_case_economics(
    drawn_rows: list[tuple[int, Deployment, str, int]],
    drawn_calls: list[tuple[int, Caller, int, int, int]],
) -> None:
    rows = [row(str(Decimal(c) / 100), k, date(2026, 11, n), d) for n, d, k, c in drawn_rows]
    usage = [use("chat-shared", 500, 200, 5, date(2026, 11, n)) for n, *_ in drawn_calls]
    logged = [calls(cl, i, o, r, date(2026, 11, n)) for n, cl, i, o, r in drawn_calls]
    tenant = series(TargetScope(ScopeKind.TENANT), rows, usage, logged)
    assert sum((c.cost for d in tenant.days for c in d.components), ZERO) == sum(
        (r.cost for r in rows), ZERO
    )
    for d in tenant.days:
        for c in d.components:  # input side + output + PTU: the deployment's cost exactly
            ptu = sum(
                (
                    r.cost
                    for r in rows
                    if (r.date, r.deployment_key, r.kind) == (d.date, c.key, TokenKind.PTU_HOUR)
                ),
                ZERO,
            )
            assert c.input_cost + c.output_cost + ptu == c.cost
    uc = use_case(WHOLE, SLICE_A, SLICE_B)
    found = series(TargetScope(ScopeKind.USE_CASE, "support-bot"), rows, usage, logged, uc)
    money = economics(uc, period_days(rows), usage, logged, {})
    by_day = {d.date: d.cost for d in money.days}
    for d in found.days:
        assert sum((c.cost for c in d.components), ZERO) == by_day.get(d.date, ZERO)
