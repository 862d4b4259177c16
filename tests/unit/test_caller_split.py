"""The split of a shared deployment's cost between its callers: each meter by its measure,
D = max(Azure Monitor, callers' sum), exact per row, everything else unattributed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from shared.core.caller_split import (
    CallerShare,
    CallerTotals,
    MeterBasis,
    basis_of,
    caller_totals,
    default_kind,
    split_deployment,
)
from shared.core.callers import Caller, CallerKind, CallerUsage
from shared.core.meters import TokenKind
from shared.core.reports import DailyCost
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from tests.builders import D1, OTHER, dep, use

SHARED = dep("chat-shared")
SHARED_ID = SHARED.deployment_id
D2 = D1 + timedelta(days=1)
SUB = CallerKind.APIM_SUBSCRIPTIONS
A, B = Caller(SUB, "a"), Caller(SUB, "b")


def row(cost: str, kind: TokenKind = TokenKind.INPUT, day: date = D1, name: str = "chat-shared",
        account: str = SHARED.account_id) -> DailyCost:  # fmt: skip
    d = dep(name, account=account)
    return DailyCost(d.key, day, f"m-{kind.value}", f"meter {kind.value}", Decimal(cost), kind,
                     d.deployment_id)  # fmt: skip


def calls(caller: Caller, inp: int = 0, out: int = 0, reqs: int = 0, day: date = D1,
          deployment_id: str = SHARED_ID) -> CallerUsage:  # fmt: skip
    return CallerUsage(day, deployment_id, caller, inp, out, reqs)


def share(caller: Caller | None, cost: str, inp: int = 0, out: int = 0, reqs: int = 0,
          day: date = D1) -> CallerShare:  # fmt: skip
    return CallerShare(day, SHARED_ID, caller, Decimal(cost), inp, out, reqs)


def use_case(name: str, *entries: DeploymentEntry) -> UseCase:
    return UseCase(name, "team", "CC-1", Outcome("query", OutcomeSource(SourceType.PUSH)), entries)


@pytest.mark.parametrize(
    ("kind", "basis"),
    [
        (TokenKind.INPUT, MeterBasis.INPUT_TOKENS),
        (TokenKind.CACHED_INPUT, MeterBasis.INPUT_TOKENS),
        (TokenKind.CACHE_WRITE, MeterBasis.INPUT_TOKENS),
        (TokenKind.OUTPUT, MeterBasis.OUTPUT_TOKENS),
        (TokenKind.PTU_HOUR, MeterBasis.TOTAL_TOKENS),
        (TokenKind.HOSTING_HOUR, MeterBasis.TOTAL_TOKENS),
        (TokenKind.IMAGE, MeterBasis.REQUESTS),
        (TokenKind.AUDIO_SECOND, MeterBasis.REQUESTS),
        (TokenKind.VIDEO_SECOND, MeterBasis.REQUESTS),
        (TokenKind.OTHER, MeterBasis.REQUESTS),
        (TokenKind.TRAINING_TOKEN, MeterBasis.REQUESTS),
        (TokenKind.TRAINING_HOUR, MeterBasis.REQUESTS),
    ],
)
def test_each_meter_is_split_by_the_measure_that_drives_it(
    kind: TokenKind, basis: MeterBasis
) -> None:
    assert basis_of(kind) is basis


def test_the_documented_example_input_by_prompt_tokens_output_by_completion_tokens() -> None:
    # input 3.00: D = max(1000, 600 + 200) = 1000 -> a 3 x 600/1000 = 1.80, b 0.60, rest 0.60
    # output 1.00: D = max(400, 100 + 100) = 400 -> a 1 x 100/400 = 0.25, b 0.25, rest 0.50
    # a 1.80 + 0.25 = 2.05, b 0.60 + 0.25 = 0.85, rest 0.60 + 0.50 = 1.10 (sum 4.00)
    found = split_deployment(
        SHARED_ID,
        [row("3.00"), row("1.00", TokenKind.OUTPUT)],
        [use("chat-shared", 1000, 400, 50)],
        [calls(A, 600, 100, 20), calls(B, 200, 100, 10)],
        SUB,
    )
    # rest tokens: 1000 - 800 = 200 input, 400 - 200 = 200 output, 50 - 30 = 20 requests
    assert found == [
        share(A, "2.05", 600, 100, 20),
        share(B, "0.85", 200, 100, 10),
        share(None, "1.10", 200, 200, 20),
    ]


def test_callers_logging_more_than_azure_monitor_share_the_whole_cost() -> None:
    # D = max(1000, 1200 + 300) = 1500: a 3 x 1200/1500 = 2.40, b 3 x 300/1500 = 0.60, rest 0
    found = split_deployment(
        SHARED_ID, [row("3.00")], [use("chat-shared", 1000)], [calls(A, 1200), calls(B, 300)], SUB
    )
    assert found == [share(A, "2.40", 1200), share(B, "0.60", 300)]  # no unattributed share


def test_unattributed_tokens_are_the_monitor_excess_of_each_measure_alone() -> None:
    # input: callers 1200 > monitor 1000 -> 0 left; output: 400 - 100 = 300 left; requests 0
    # output row 2.00 by D = max(400, 100) = 400: a 2 x 100/400 = 0.50, rest 1.50
    found = split_deployment(
        SHARED_ID,
        [row("2.00", TokenKind.OUTPUT)],
        [use("chat-shared", 1000, 400, 5)],
        [calls(A, 1200, 100, 9)],
        SUB,
    )
    assert found == [share(A, "0.50", 1200, 100, 9), share(None, "1.50", 0, 300, 0)]


def test_capacity_meters_by_total_tokens_and_per_unit_meters_by_requests() -> None:
    # PTU 10.00 by total tokens: D = max(700 + 300, 300 + 100) = 1000: a 10 x 400/1000 = 4.00
    # images 8.00 by requests: D = max(40, 30) = 40: a 8 x 30/40 = 6.00, rest 2.00
    # a 4.00 + 6.00 = 10.00, rest 6.00 + 2.00 = 8.00
    found = split_deployment(
        SHARED_ID,
        [row("10.00", TokenKind.PTU_HOUR), row("8.00", TokenKind.IMAGE)],
        [use("chat-shared", 700, 300, 40)],
        [calls(A, 300, 100, 30)],
        SUB,
    )
    assert found == [share(A, "10.00", 300, 100, 30), share(None, "8.00", 400, 200, 10)]


def test_nothing_measured_puts_the_whole_row_on_the_unattributed_rest() -> None:
    # the image row is split by requests: monitor 0 and the caller 0 -> D = 0 -> all unattributed
    found = split_deployment(
        SHARED_ID,
        [row("5.00", TokenKind.IMAGE)],
        [use("chat-shared", 100, 10, 0)],
        [calls(A, 100, 10, 0)],
        SUB,
    )
    assert found == [share(A, "0", 100, 10, 0), share(None, "5.00")]


def test_without_any_usage_the_deployment_cost_is_unattributed() -> None:
    found = split_deployment(SHARED_ID, [row("3.00"), row("1.00", TokenKind.OUTPUT)], [], [], SUB)
    assert found == [share(None, "4.00")]  # 3.00 + 1.00


def test_every_row_is_split_exactly_at_the_split_quantum() -> None:
    # 0.01 = 10^10 units of 1e-12 over weights 1/1/1: 3333333333 each, the 1 left over goes to
    # the first largest remainder (a): a 0.003333333334, b and the rest 0.003333333333
    found = split_deployment(
        SHARED_ID, [row("0.01")], [use("chat-shared", 3)], [calls(A, 1), calls(B, 1)], SUB
    )
    assert [s.cost for s in found] == [
        Decimal("0.003333333334"), Decimal("0.003333333333"), Decimal("0.003333333333"),
    ]  # fmt: skip


def test_a_refund_splits_like_the_charge_it_corrects() -> None:
    # -4.00 by input tokens 750 / 250 of D = 1000: a -3.00, b -1.00, nothing unattributed
    found = split_deployment(
        SHARED_ID, [row("-4.00")], [use("chat-shared", 1000)], [calls(A, 750), calls(B, 250)], SUB
    )
    assert found == [share(A, "-3.00", 750), share(B, "-1.00", 250)]


def test_other_deployments_other_kinds_and_id_casing() -> None:
    product = Caller(CallerKind.APIM_PRODUCTS, "gold")
    other_id = dep("chat-shared", account=OTHER).deployment_id
    found = split_deployment(
        SHARED_ID.upper(),  # ids compare case-insensitively
        [row("3.00"), row("100.00", account=OTHER), row("50.00", name="chat-prod")],
        [use("chat-shared", 1000), use("chat-shared", 9000, account=OTHER)],
        [
            calls(A, 500, deployment_id=SHARED_ID.lower()),
            calls(B, 500, deployment_id=other_id),  # another account's deployment of that name
            calls(product, 1000),  # another kind
        ],
        SUB,
    )
    # only 3.00 of chat-shared: a 3 x 500/1000 = 1.50, rest 1.50
    assert [(s.caller, s.cost) for s in found] == [(A, Decimal("1.50")), (None, Decimal("1.50"))]
    assert {s.deployment_id for s in found} == {SHARED_ID.upper()}


def test_records_of_one_caller_and_day_are_summed_and_days_are_kept_apart() -> None:
    # D1: a logs 200 + 300 = 500 of monitor 1000: 2.00 x 500/1000 = 1.00, rest 1.00
    # D2: no row, a logs 100 tokens: a share of cost 0 carries them; monitor has nothing more
    found = split_deployment(
        SHARED_ID,
        [row("2.00")],
        [use("chat-shared", 1000)],
        [calls(A, 200), calls(A, 300), calls(A, 100, day=D2)],
        SUB,
    )
    assert found == [
        share(A, "1.00", 500),
        share(None, "1.00", 500),
        share(A, "0", 100, day=D2),
    ]


def test_caller_totals_sum_each_caller_over_days_largest_first_unattributed_last() -> None:
    found = caller_totals(
        [
            share(A, "1.00", 10, 1, 1),
            share(B, "2.00", 20, 2, 2),
            share(None, "9.00", 5),
            share(A, "1.50", 30, 3, 3, day=D2),
            share(None, "1.00", 5, day=D2),
        ]
    )
    # a: 1.00 + 1.50 = 2.50 on 2 days; b 2.00 on 1; rest 9.00 + 1.00 = 10.00 on 2 days
    assert found == [
        CallerTotals(A, Decimal("2.50"), 40, 4, 4, 2),
        CallerTotals(B, Decimal("2.00"), 20, 2, 2, 1),
        CallerTotals(None, Decimal("10.00"), 10, 0, 0, 2),
    ]
    assert found[0].total_tokens == 44


def test_default_kind_is_the_kind_use_cases_slice_by_else_the_first_with_usage() -> None:
    roles = DeploymentEntry(SHARED_ID, SHARED_ID, ((CallerKind.APP_ROLES, ("api",)),))
    products = DeploymentEntry(SHARED_ID.upper(), SHARED_ID.upper(),
                               ((CallerKind.APIM_PRODUCTS, ("gold",)),))  # fmt: skip
    usage = [
        calls(Caller(CallerKind.APP_ROLES, "api"), 5),
        calls(Caller(CallerKind.APIM_PRODUCTS, "gold"), 5),
    ]
    assert default_kind(SHARED_ID, [use_case("u", roles)], usage) is CallerKind.APP_ROLES
    both = [use_case("u", roles), use_case("v", products)]
    assert default_kind(SHARED_ID, both, []) is CallerKind.APIM_PRODUCTS  # CallerKind order
    assert default_kind(SHARED_ID, [], usage) is CallerKind.APIM_PRODUCTS
    assert default_kind(SHARED_ID, [], [calls(A, 5, deployment_id="other")]) is None
