"""Daily series and the allocated periods (shared/core/series_views.py, period_views.py): the days
run to the last allocated day, every column sums to its total to the cent, a day without usage
has no unit costs, and the periods come newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.allocation import UnallocatedReason
from shared.core.costs import CostType
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.money import ZERO
from shared.core.period import BillingPeriod
from shared.core.period_status import PeriodStatus
from shared.core.period_views import period_views
from shared.core.reports import DailyCost, PeriodDays, PeriodSummary
from shared.core.rounding import RoundedTotals, round_to_total
from shared.core.series_views import allocated_days, deployment_daily, tenant_daily
from shared.core.views import StatusView
from tests.builders import NOV, OTHER, dep, use

CHAT, EMBED = dep("chat-prod"), dep("embed", account=OTHER)
TODAY = date(2026, 11, 20)
STATUS = StatusView.of(NOV, TODAY)
THIRD = Decimal(10) / 3


def day(n: int) -> date:
    return date(2026, 11, n)


def row(cost: Decimal | str, n: int, d: Deployment | None = CHAT) -> DailyCost:
    if d is None:
        return DailyCost(
            None, day(n), "m-x", "tax", Decimal(cost), reason=UnallocatedReason.NO_RESOURCE
        )
    return DailyCost(d.key, day(n), "m-in", "in", Decimal(cost), TokenKind.INPUT, d.deployment_id)


def period_days(rows: Sequence[DailyCost]) -> PeriodDays:
    billed = sum((r.cost for r in rows), ZERO)
    left = sum((r.cost for r in rows if r.deployment_key is None), ZERO)
    return PeriodDays(NOV, CostType.ACTUAL, "USD", billed, billed - left, left, (CHAT, EMBED),
                      tuple(rows))  # fmt: skip


def test_the_days_run_from_the_first_day_to_the_last_allocated_day() -> None:
    days = period_days([row("1.00", 2), row("1.00", 4, None)])
    assert allocated_days(days) == (day(1), day(2), day(3), day(4))
    assert allocated_days(period_days([])) == ()


def test_the_tenant_days_split_billed_and_sum_to_the_canonical_totals() -> None:
    # three days of 10/3 allocated, and 10/3 unallocated on day 2: 13.33 billed, 10.00 + 3.33
    days = period_days([row(THIRD, 1), row(THIRD, 2), row(THIRD, 3), row(THIRD, 2, None)])
    view = tenant_daily(days, STATUS)
    assert view.totals == RoundedTotals(Decimal("13.33"), Decimal("10.00"), Decimal("3.33"))
    assert [(d.date.day, d.billed, d.allocated, d.unallocated) for d in view.days] == [
        (1, Decimal("3.34"), Decimal("3.34"), Decimal("0.00")),  # the cent left: the first day
        (2, Decimal("6.66"), Decimal("3.33"), Decimal("3.33")),
        (3, Decimal("3.33"), Decimal("3.33"), Decimal("0.00")),
    ]
    assert (view.period, view.cost_type, view.currency, view.status) == (
        NOV, CostType.ACTUAL, "USD", STATUS,
    )  # fmt: skip


def test_a_deployments_days_sum_to_its_cost_as_the_unit_costs_round_it() -> None:
    days = period_days([row(THIRD, 1), row(THIRD, 2), row(THIRD, 1, EMBED), row("0.01", 3, None)])
    usage = [use("chat-prod", 900, 100, 4, day(1)), use("chat-prod", 0, 0, 0, day(2))]
    view = deployment_daily(days, CHAT, usage, STATUS)
    # allocated 10.00 toward chat-prod 6.666.. and embed 3.333..: 6.67 and 3.33
    assert view.cost == Decimal("6.67") == round_to_total([2 * THIRD, THIRD], Decimal("10.00"))[0]
    assert [d.cost for d in view.days] == [Decimal("3.34"), Decimal("3.33"), Decimal("0.00")]
    first, second, third = view.days
    # the exact 3.333.. per 1,000 tokens and per 4 requests, to 1e-8
    assert (first.cost_per_1k_tokens, first.cost_per_request) == (
        Decimal("3.33333333"), Decimal("0.83333333"),
    )  # fmt: skip
    # Azure Monitor said 0 tokens: zero usage, and no unit cost (nothing to divide by)
    assert (second.input_tokens, second.requests, second.cost_per_1k_tokens) == (0, 0, None)
    # no record at all: no usage data, not zero
    assert (third.input_tokens, third.output_tokens, third.requests) == (None, None, None)
    assert (third.cost_per_1k_tokens, third.cost_per_request) == (None, None)


def test_usage_outside_the_allocated_days_is_left_out() -> None:
    days = period_days([row("5.00", 1)])
    usage = [use("chat-prod", 1000, 0, 1, day(1)), use("chat-prod", 1000, 0, 1, day(9)),
             use("chat-prod", 1000, 0, 1, date(2026, 10, 31))]  # fmt: skip
    view = deployment_daily(days, CHAT, usage, STATUS)
    assert [(d.date, d.input_tokens) for d in view.days] == [(day(1), 1000)]


amounts = st.decimals(min_value=Decimal("-5"), max_value=Decimal("500"), places=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(amounts, st.integers(1, 30), st.sampled_from([CHAT, EMBED, None])),
                max_size=25))  # fmt: skip
def test_every_column_sums_to_its_total_to_the_cent(
    drawn: list[tuple[Decimal, int, Deployment | None]],
) -> None:
    days = period_days([row(cost, n, d) for cost, n, d in drawn])
    tenant = tenant_daily(days, STATUS)
    for column in ("billed", "allocated", "unallocated"):
        total = sum((getattr(d, column) for d in tenant.days), ZERO)
        assert total == getattr(tenant.totals, column), column
    assert all(d.billed == d.allocated + d.unallocated for d in tenant.days)
    chat, embed = (deployment_daily(days, d, [], STATUS) for d in (CHAT, EMBED))
    for found in (chat, embed):
        assert sum((d.cost for d in found.days), ZERO) == found.cost
    if tenant.days:
        assert chat.cost + embed.cost == tenant.totals.allocated


def summary(year: int, month: int, basis: CostType, billed: str = "1.005") -> PeriodSummary:
    return PeriodSummary(BillingPeriod(year, month), basis, "USD", Decimal(billed),
                         Decimal(billed) - Decimal("0.5"), Decimal("0.5"))  # fmt: skip


def test_the_periods_come_newest_first_then_actual_before_amortized() -> None:
    found = period_views(
        [summary(2026, 9, CostType.AMORTIZED), summary(2025, 12, CostType.ACTUAL),
         summary(2026, 10, CostType.AMORTIZED), summary(2026, 10, CostType.ACTUAL)],
        TODAY,
    )  # fmt: skip
    assert [(str(v.period), v.cost_type) for v in found] == [
        ("2026-10", CostType.ACTUAL), ("2026-10", CostType.AMORTIZED),
        ("2026-09", CostType.AMORTIZED), ("2025-12", CostType.ACTUAL),
    ]  # fmt: skip
    assert [v.newest_first for v in found] == sorted(v.newest_first for v in found)
    # rounded as the unit costs round them: billed 1.00 (half even), 0.50 + 0.50
    assert found[0].totals == RoundedTotals.of(Decimal("0.505"), Decimal("0.5"))
    assert found[0].totals.billed == Decimal("1.00")
    assert found[0].status == StatusView(PeriodStatus.CLOSED, date(2026, 11, 6))  # as of TODAY
