"""Use-case economics: whole deployments take their allocated rows, slices their callers'
shares; cost per outcome divides only the days with outcome data; nulls are never zeros."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from shared.core.allocation import UnallocatedReason
from shared.core.callers import Caller, CallerKind, CallerUsage
from shared.core.costs import CostType
from shared.core.meters import TokenKind
from shared.core.money import ZERO, money_context
from shared.core.reports import DailyCost, PeriodDays
from shared.core.use_case_economics import (
    NO_OUTCOME_DATA,
    NO_OUTCOMES,
    Attribution,
    DayEconomics,
    MemberEconomics,
    economics,
)
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from tests.builders import NOV, dep, use

CHAT, SHARED = dep("chat-prod"), dep("chat-shared")
D3, D4, D5, D6 = (date(2026, 11, d) for d in (3, 4, 5, 6))
SUB = CallerKind.APIM_SUBSCRIPTIONS
A, B = Caller(SUB, "a"), Caller(SUB, "b")
WHOLE = DeploymentEntry(CHAT.deployment_id, CHAT.deployment_id)


def sliced(*names: str, roles: tuple[str, ...] = ()) -> DeploymentEntry:
    callers = ((SUB, names),) + (((CallerKind.APP_ROLES, roles),) if roles else ())
    return DeploymentEntry(SHARED.key, SHARED.deployment_id, callers)


def use_case(*entries: DeploymentEntry) -> UseCase:
    return UseCase("support-bot", "support", "CC-1042",
                   Outcome("resolved query", OutcomeSource(SourceType.PUSH)), entries)  # fmt: skip


def row(cost: str, kind: TokenKind = TokenKind.INPUT, day: date = D3,
        name: str = "chat-prod") -> DailyCost:  # fmt: skip
    d = dep(name)
    return DailyCost(d.key, day, f"m-{kind.value}", "meter", Decimal(cost), kind, d.deployment_id)


def unallocated(cost: str, day: date = D3) -> DailyCost:
    return DailyCost(None, day, "m-x", "meter", Decimal(cost),
                     reason=UnallocatedReason.NO_RESOURCE)  # fmt: skip


def period_days(rows: Sequence[DailyCost]) -> PeriodDays:
    billed = sum((r.cost for r in rows), ZERO)
    left = sum((r.cost for r in rows if r.deployment_key is None), ZERO)
    return PeriodDays(NOV, CostType.ACTUAL, "USD", billed, billed - left, left, (CHAT, SHARED),
                      tuple(rows))  # fmt: skip


def calls(caller: Caller, inp: int = 0, out: int = 0, reqs: int = 0, day: date = D3,
          name: str = "chat-shared") -> CallerUsage:  # fmt: skip
    return CallerUsage(day, dep(name).deployment_id, caller, inp, out, reqs)


# chat-prod: 7.00 + 3.00 = 10.00 on 3 Nov, 6.00 on 4 Nov; 1500/500/10 then 1200/800/6 tokens
WHOLE_ROWS = [row("7.00"), row("3.00", TokenKind.OUTPUT), row("6.00", day=D4)]
WHOLE_USAGE = [use("chat-prod", 1500, 500, 10, D3), use("chat-prod", 1200, 800, 6, D4)]
# chat-shared on 3 Nov: the worked example of caller_split (a 2.05, b 0.85, unattributed 1.10)
SHARED_ROWS = [row("3.00", name="chat-shared"), row("1.00", TokenKind.OUTPUT, name="chat-shared")]
SHARED_USAGE = [use("chat-shared", 1000, 400, 50, D3)]
SHARED_CALLS = [calls(A, 600, 100, 20), calls(B, 200, 100, 10)]


def test_a_whole_deployment_takes_its_rows_and_cost_per_outcome_only_days_with_data() -> None:
    found = economics(use_case(WHOLE), period_days(WHOLE_ROWS), WHOLE_USAGE, [], {D3: 4})
    # cost 10.00 + 6.00 = 16.00; tokens 1500 + 1200 = 2700 in, 500 + 800 = 1300 out; 16 requests
    assert found.members == (
        MemberEconomics(WHOLE, Decimal("16.00"), 2700, 1300, 16, Attribution.ALLOCATION),
    )
    assert found.members[0].unattributed_cost is None
    assert (found.cost, found.input_tokens, found.output_tokens, found.requests) == (
        Decimal("16.00"), 2700, 1300, 16,
    )  # fmt: skip
    assert found.outcomes == 4
    assert found.outcome_cost == Decimal("10.00")  # 3 Nov only: 4 Nov has no outcome data
    assert found.cost_per_outcome == Decimal("2.5")  # 10.00 / 4, not 16.00 / 4
    assert found.cost_per_outcome_reason is None
    assert found.tokens_per_outcome == 500  # (1500 + 500) / 4
    assert found.cost_per_1k_tokens == 4  # 16.00 / 4000 tokens x 1000
    assert found.cost_per_request == 1  # 16.00 / 16
    assert (found.whole_cost, found.caller_cost, found.unattributed_cost) == (16, 0, None)
    assert (found.days_with_outcomes, found.days_with_cost) == (1, 2)
    assert (found.period, found.cost_type, found.currency) == (NOV, CostType.ACTUAL, "USD")


def test_the_daily_series_runs_from_the_period_start_to_the_last_day_with_data() -> None:
    found = economics(use_case(WHOLE), period_days(WHOLE_ROWS), WHOLE_USAGE, [], {D3: 4, D6: 2})
    nothing = [DayEconomics(date(2026, 11, d), ZERO, 0, 0, 0, None) for d in (1, 2)]
    assert list(found.days) == [
        *nothing,
        DayEconomics(D3, Decimal("10.00"), 1500, 500, 10, 4),
        DayEconomics(D4, Decimal("6.00"), 1200, 800, 6, None),
        DayEconomics(D5, ZERO, 0, 0, 0, None),
        DayEconomics(D6, ZERO, 0, 0, 0, 2),
    ]
    assert found.days[2].cost_per_outcome == Decimal("2.5")  # 10.00 / 4
    assert found.days[2].tokens_per_outcome == 500  # 2000 / 4
    assert found.days[2].cost_per_1k_tokens == 5  # 10.00 / 2000 x 1000
    assert found.days[2].cost_per_request == 1  # 10.00 / 10
    assert found.days[5].cost_per_outcome == 0  # 0.00 / 2: a day of outcomes and no cost
    assert found.days[0].cost_per_outcome is None and found.days[0].cost_per_request is None
    # 6 outcomes over the cost of 3 and 6 Nov: (10.00 + 0) / 6
    assert found.outcomes == 6 and found.outcome_cost == Decimal("10.00")
    with money_context():
        assert found.cost_per_outcome == Decimal("10.00") / 6


def test_a_slice_takes_its_callers_shares_and_shows_the_unattributed_rest() -> None:
    days = period_days([*WHOLE_ROWS, *SHARED_ROWS])
    found = economics(use_case(sliced("a")), days, SHARED_USAGE, SHARED_CALLS, {})
    assert found.members == (
        MemberEconomics(
            sliced("a"), Decimal("2.05"), 600, 100, 20, Attribution.CALLERS, Decimal("1.10"), SUB
        ),
    )
    assert found.cost == Decimal("2.05")
    assert (found.whole_cost, found.caller_cost) == (0, Decimal("2.05"))
    assert found.unattributed_cost == Decimal("1.10")  # shown, not part of the cost
    assert [d.date for d in found.days] == [date(2026, 11, 1), date(2026, 11, 2), D3]


def test_use_case_cost_is_its_members_and_a_deployment_sliced_twice_counts_its_rest_once() -> None:
    days = period_days([*WHOLE_ROWS, *SHARED_ROWS, unallocated("99.00")])
    usage = [*WHOLE_USAGE, *SHARED_USAGE]
    found = economics(use_case(WHOLE, sliced("a"), sliced("b")), days, usage, SHARED_CALLS, {})
    assert [m.cost for m in found.members] == [Decimal("16.00"), Decimal("2.05"), Decimal("0.85")]
    assert found.cost == Decimal("18.90")  # 16.00 + 2.05 + 0.85; the unallocated 99 is nobody's
    assert found.days[2].cost == Decimal("12.90")  # 3 Nov: 10.00 + 2.05 + 0.85
    assert found.unattributed_cost == Decimal("1.10")  # not 2 x 1.10
    assert (found.whole_cost, found.caller_cost) == (Decimal("16.00"), Decimal("2.90"))
    # tokens: chat-prod 2700/1300/16 + a 600/100/20 + b 200/100/10
    assert (found.input_tokens, found.output_tokens, found.requests) == (3500, 1500, 46)


def test_a_slice_naming_callers_of_two_kinds_is_split_by_the_first_kind_only() -> None:
    role = Caller(CallerKind.APP_ROLES, "api")
    found = economics(
        use_case(sliced("a", roles=("api",))),
        period_days([row("3.00", name="chat-shared")]),
        [use("chat-shared", 1000)],
        [calls(A, 500), calls(role, 500)],
        {},
    )
    # by subscriptions: a 500 of D = 1000 -> 1.50; the role's 500 are the same calls, not added
    assert found.cost == Decimal("1.50")
    assert found.members[0].kind is SUB
    assert found.unattributed_cost == Decimal("1.50")


def test_zero_outcomes_and_no_outcome_data_are_not_the_same() -> None:
    days = period_days(WHOLE_ROWS)
    zero = economics(use_case(WHOLE), days, WHOLE_USAGE, [], {D3: 0})
    assert zero.outcomes == 0 and zero.days_with_outcomes == 1
    assert zero.cost_per_outcome is None and zero.tokens_per_outcome is None
    assert zero.cost_per_outcome_reason == NO_OUTCOMES
    assert zero.days[2].cost_per_outcome is None
    none = economics(use_case(WHOLE), days, WHOLE_USAGE, [], {})
    assert none.outcomes is None and none.days_with_outcomes == 0
    assert none.outcome_cost == 0 and none.cost_per_outcome is None
    assert none.cost_per_outcome_reason == NO_OUTCOME_DATA


def test_data_outside_the_period_is_ignored_and_no_data_gives_nulls() -> None:
    december = date(2026, 12, 1)
    october = NOV.start - timedelta(days=1)
    found = economics(
        use_case(WHOLE),
        period_days([]),
        [use("chat-prod", 100, 100, 1, december), use("chat-prod", 5, 5, 1, october)],
        [],
        {december: 3},
    )
    assert found.days == ()
    assert (found.cost, found.input_tokens, found.requests, found.outcomes) == (0, 0, 0, None)
    assert found.cost_per_1k_tokens is None and found.cost_per_request is None
    assert found.members[0].cost_per_1k_tokens is None
    assert (found.days_with_cost, found.days_with_outcomes) == (0, 0)
