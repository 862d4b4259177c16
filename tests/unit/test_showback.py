"""Showback: the period's bill by owner, cost center or use case; what no use case carries is
unassigned with why; groups + unassigned == billed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest

from shared.core.allocation import UnallocatedReason
from shared.core.callers import Caller, CallerKind, CallerUsage
from shared.core.costs import CostType
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.money import ZERO
from shared.core.reports import DailyCost, PeriodDays
from shared.core.showback import ShowbackBy, ShowbackGroup, Unassigned, showback
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from tests.builders import NOV, dep, use

CHAT, SHARED, TEST, IDLE = dep("chat-prod"), dep("chat-shared"), dep("chat-test"), dep("idle")
D3 = date(2026, 11, 3)
SUB = CallerKind.APIM_SUBSCRIPTIONS


def entry(d: Deployment, *names: str, kind: CallerKind = SUB) -> DeploymentEntry:
    return DeploymentEntry(d.key, d.deployment_id, ((kind, names),) if names else ())


def use_case(name: str, owner: str, cost_center: str, *entries: DeploymentEntry) -> UseCase:
    return UseCase(name, owner, cost_center, Outcome("query", OutcomeSource(SourceType.PUSH)),
                   entries)  # fmt: skip


def row(cost: str, name: str, kind: TokenKind = TokenKind.INPUT) -> DailyCost:
    d = dep(name)
    return DailyCost(d.key, D3, f"m-{kind.value}", "meter", Decimal(cost), kind, d.deployment_id)


def calls(name: str, inp: int, out: int) -> CallerUsage:
    return CallerUsage(D3, SHARED.deployment_id, Caller(SUB, name), inp, out, 0)


def period_days(rows: Sequence[DailyCost], billed: Decimal | None = None) -> PeriodDays:
    total = sum((r.cost for r in rows), ZERO) if billed is None else billed
    left = sum((r.cost for r in rows if r.deployment_key is None), ZERO)
    return PeriodDays(NOV, CostType.ACTUAL, "USD", total, total - left, left,
                      (CHAT, SHARED, TEST, IDLE), tuple(rows))  # fmt: skip


ROWS = [
    row("10.00", "chat-prod"),
    row("3.00", "chat-shared"),
    row("1.00", "chat-shared", TokenKind.OUTPUT),
    row("5.00", "chat-test"),
    DailyCost(None, D3, "m-x", "tax", Decimal("7.00"), reason=UnallocatedReason.NO_RESOURCE),
]  # billed 10 + 3 + 1 + 5 + 7 = 26.00
USAGE = [use("chat-shared", 1000, 400, 0, D3)]
# input 3.00 by D = max(1000, 600 + 200 + 100): a 1.80, b 0.60, c 0.30, rest 0.30
# output 1.00 by D = max(400, 100 + 100 + 0): a 0.25, b 0.25, rest 0.50
# a 2.05, b 0.85, c 0.30 (claimed by nobody), unattributed 0.80
CALLS = [calls("a", 600, 100), calls("b", 200, 100), calls("c", 100, 0)]
USE_CASES = [
    use_case("support-bot", "support", "CC-1042", entry(CHAT), entry(SHARED, "a")),
    use_case("sales-bot", "sales", "CC-1042", entry(SHARED, "b")),
    use_case("idle-bot", "support", "CC-2000", entry(IDLE)),
]
UNASSIGNED = Unassigned(
    no_use_case=Decimal("5.00"),  # chat-test
    unclaimed_callers=Decimal("0.30"),  # c
    unattributed=Decimal("0.80"),
    unallocated=Decimal("7.00"),
)


def test_by_use_case_every_cent_is_placed_once() -> None:
    found = showback(period_days(ROWS), USE_CASES, USAGE, CALLS, ShowbackBy.USE_CASE)
    assert found.groups == (
        ShowbackGroup("support-bot", Decimal("12.05"), ("support-bot",)),  # 10.00 + 2.05
        ShowbackGroup("sales-bot", Decimal("0.85"), ("sales-bot",)),
        ShowbackGroup("idle-bot", ZERO, ("idle-bot",)),  # a use case with nothing this period
    )
    assert found.unassigned == UNASSIGNED
    assert found.unassigned.cost == Decimal("13.10")  # 5.00 + 0.30 + 0.80 + 7.00
    assert found.billed == Decimal("26.00")  # 12.05 + 0.85 + 13.10
    assert found.assigned == Decimal("12.90")
    assert (found.period, found.cost_type, found.currency) == (NOV, CostType.ACTUAL, "USD")


def test_by_owner_and_by_cost_center_sum_their_use_cases() -> None:
    owners = showback(period_days(ROWS), USE_CASES, USAGE, CALLS, ShowbackBy.OWNER)
    assert owners.groups == (
        ShowbackGroup("support", Decimal("12.05"), ("idle-bot", "support-bot")),
        ShowbackGroup("sales", Decimal("0.85"), ("sales-bot",)),
    )
    centers = showback(period_days(ROWS), USE_CASES, USAGE, CALLS, ShowbackBy.COST_CENTER)
    assert centers.groups == (
        ShowbackGroup("CC-1042", Decimal("12.90"), ("sales-bot", "support-bot")),  # 12.05 + 0.85
        ShowbackGroup("CC-2000", ZERO, ("idle-bot",)),
    )
    assert owners.unassigned == centers.unassigned == UNASSIGNED


def test_groups_of_equal_cost_are_sorted_by_name() -> None:
    use_cases = [
        use_case("zeta", "z", "CC", entry(CHAT)),
        use_case("alpha", "a", "CC", entry(TEST)),
    ]
    rows = [row("5.00", "chat-prod"), row("5.00", "chat-test")]
    found = showback(period_days(rows), use_cases, [], [], ShowbackBy.USE_CASE)
    assert [g.name for g in found.groups] == ["alpha", "zeta"]


def test_without_use_cases_everything_is_unassigned() -> None:
    found = showback(period_days(ROWS), [], USAGE, CALLS, ShowbackBy.OWNER)
    assert found.groups == ()
    # 10.00 + 4.00 + 5.00 of deployments in no use case, 7.00 unallocated
    assert found.unassigned == Unassigned(Decimal("19.00"), ZERO, ZERO, Decimal("7.00"))


def test_a_slice_by_another_kind_than_the_deployments_claims_nothing() -> None:
    # chat-shared is split by subscriptions (first in CallerKind order): the app role's slice
    # would count the same calls again
    roles = use_case("roles-bot", "r", "CC", entry(SHARED, "api", kind=CallerKind.APP_ROLES))
    role_calls = [CallerUsage(D3, SHARED.deployment_id, Caller(CallerKind.APP_ROLES, "api"),
                              1000, 400, 0)]  # fmt: skip
    found = showback(
        period_days(ROWS), [*USE_CASES, roles], USAGE, CALLS + role_calls, ShowbackBy.USE_CASE
    )
    assert found.groups[-1] == ShowbackGroup("roles-bot", ZERO, ("roles-bot",))
    assert found.unassigned == UNASSIGNED


def test_rows_that_do_not_add_up_to_billed_are_refused() -> None:
    with pytest.raises(ValueError, match="do not add up"):
        showback(period_days(ROWS, Decimal("26.01")), USE_CASES, USAGE, CALLS, ShowbackBy.OWNER)


def test_the_group_names_are_the_apis_spelling() -> None:
    assert [b.value for b in ShowbackBy] == ["owner", "costCenter", "useCase"]
