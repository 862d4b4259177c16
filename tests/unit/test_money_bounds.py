"""Bounded money and the money context: exact splits and sums up to the bound, in any thread."""

from __future__ import annotations

import decimal
import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.allocation import allocate_period
from shared.core.costs import CostLine, CostType, merge_cost_lines
from shared.core.inventory import InventorySnapshot
from shared.core.money import (
    MAX_AMOUNT,
    MAX_QUANTITY,
    MONEY_CONTEXT,
    bounded_amount,
    bounded_quantity,
    in_money_context,
    money_context,
    round_parts,
    split_by_weights,
)
from shared.core.reconciliation import reconcile
from shared.core.unit_costs import unit_costs
from shared.errors import InvalidInput
from tests.builders import ACC, NOV, dep, line, use
from tests.unit.catalogue_double import GPT4O_IN, GPT4O_OUT, DictCatalogue

CATALOGUE = DictCatalogue()
QUANTUM = Decimal("1e-12")
# The largest amount of one line at the split quantum, and a credit of the same size.
TOP = MAX_AMOUNT - QUANTUM
T = TypeVar("T")

at_the_bound = st.decimals(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT, places=12)
big_weights = st.lists(st.integers(min_value=0, max_value=10**18), min_size=1, max_size=12).filter(
    lambda w: sum(w) > 0
)


def in_thread_with_context(context: decimal.Context, work: Callable[[], T]) -> T:
    """`work()` in a new thread whose decimal context is `context` (as a Functions worker)."""
    result: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        decimal.setcontext(context)
        try:
            result.append(work())
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def exact_sum(values: list[Decimal]) -> Fraction:
    return sum((Fraction(v) for v in values), Fraction(0))


def deployments(*names: str) -> list[InventorySnapshot]:
    return [InventorySnapshot.on(date(2026, 10, 1), tuple(dep(n) for n in names))]


# --- the context -----------------------------------------------------------------------------


def test_the_context_has_the_documented_precision_and_leaves_the_callers_context_alone() -> None:
    seen: list[int] = []

    @in_money_context
    def precision() -> int:
        seen.append(decimal.getcontext().prec)
        return decimal.getcontext().prec

    before = decimal.getcontext().prec
    assert precision() == MONEY_CONTEXT.prec >= 53  # 16 + 28 + 9 digits, see money.py
    assert decimal.getcontext().prec == before
    assert not any(MONEY_CONTEXT.flags.values())  # never made current: its flags stay clean
    with money_context():
        assert decimal.getcontext().prec == MONEY_CONTEXT.prec
    assert seen == [MONEY_CONTEXT.prec]


def test_an_amount_of_about_1e16_splits_exactly_which_28_digits_did_not() -> None:
    # Found against the old split (28-digit context): its parts summed to the amount + 3e-12.
    amount = Decimal("7394869212448198.879580499215")

    parts = split_by_weights(amount, [58386, 71403, 506148])

    assert sum(parts, Decimal(0)) == amount
    assert parts[1] > parts[0]  # still in proportion to the weights


@given(at_the_bound, big_weights)
def test_amounts_up_to_the_bound_split_exactly_by_weights_up_to_1e18(
    amount: Decimal, weights: list[int]
) -> None:
    parts = split_by_weights(amount, weights)

    assert exact_sum(parts) == Fraction(amount)
    total = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        # Largest remainder: each part is within one quantum of its exact share.
        assert abs(Fraction(part) - Fraction(amount) * weight / total) < Fraction(QUANTUM)
        if weight == 0:
            assert part == 0


def test_a_split_is_exact_in_a_thread_whose_context_has_few_digits() -> None:
    amount = TOP
    weights: list[Decimal | int] = [Decimal(7) / 3, 10**12, 5]  # a long fraction, a big one

    parts = in_thread_with_context(
        decimal.Context(prec=9), lambda: split_by_weights(amount, weights)
    )

    assert exact_sum(parts) == Fraction(amount)


def test_round_parts_at_the_bound_keeps_the_rounded_total_in_a_poor_context() -> None:
    parts = [TOP, TOP, -TOP, Decimal("0.004")]

    rounded = in_thread_with_context(decimal.Context(prec=9), lambda: round_parts(parts))

    assert sum(rounded, Decimal(0)) == Decimal("1000000000000000.00")  # 1e15 + 0.003999999999
    assert rounded[:2] == [Decimal("1000000000000000.00")] * 2


def test_a_period_of_lines_at_the_bound_allocates_exactly_in_a_thread_of_few_digits() -> None:
    days = [date(2026, 11, d) for d in range(1, 31)]
    lines = [line(GPT4O_IN.meter_id, TOP if day.day % 3 else -TOP, day) for day in days]
    lines += [line(GPT4O_OUT.meter_id, TOP, day) for day in days]
    usage = [use(name, 10**9 + day.day, 3**day.day, 1, day) for day in days for name in "abc"]
    snaps = deployments("a", "b", "c")

    def allocate() -> tuple[Fraction, Fraction, Fraction, Fraction]:
        result = allocate_period(NOV, lines, usage, snaps, CATALOGUE, CostType.ACTUAL)
        units = unit_costs(result, usage)
        report = reconcile(result, lines, usage, CATALOGUE)
        return (
            Fraction(result.billed),
            Fraction(result.allocated_cost) + Fraction(result.unallocated_cost),
            exact_sum([u.cost for u in units]),
            Fraction(report.cost),
        )

    billed, carried, per_deployment, reconciled = in_thread_with_context(
        decimal.Context(prec=28), allocate
    )

    expected = exact_sum([ln.cost for ln in lines])
    assert billed == carried == per_deployment == reconciled == expected


def test_reconciled_tokens_of_a_quantity_at_the_bound_are_exact() -> None:
    quantity = Decimal("999999999999999999.999999999999")  # 30 digits, x 1000 tokens per block
    assert quantity < MAX_QUANTITY
    lines = [line(GPT4O_IN.meter_id, Decimal(5), quantity=quantity)]
    snaps = deployments("a")
    usage = [use("a", 1000, 0, 1)]

    def billed_tokens() -> Decimal | None:
        result = allocate_period(NOV, lines, usage, snaps, CATALOGUE)
        (row,) = reconcile(result, lines, usage, CATALOGUE).rows
        return row.billed_tokens

    tokens = in_thread_with_context(decimal.Context(prec=28), billed_tokens)

    assert tokens is not None
    assert Fraction(tokens) == Fraction(quantity) * 1000


def test_merging_lines_is_exact_whatever_the_callers_context() -> None:
    parts = [Decimal("400000000000000.000000000001"), Decimal("0.0000000000000000001")]
    lines = [line(GPT4O_IN.meter_id, cost) for cost in parts]

    (merged,) = in_thread_with_context(decimal.Context(prec=12), lambda: merge_cost_lines(lines))

    assert Fraction(merged.cost) == exact_sum(parts)


# --- the bounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [MAX_AMOUNT, -MAX_AMOUNT, TOP, Decimal(0), Decimal("-0.01")])
def test_amounts_within_the_bound_pass(value: Decimal) -> None:
    assert bounded_amount(value, "Cost", "line 2") == value


@pytest.mark.parametrize(
    "value",
    [MAX_AMOUNT + QUANTUM, -MAX_AMOUNT - QUANTUM, Decimal("1e16"), Decimal("NaN"), Decimal("-Inf")],
)
def test_amounts_beyond_the_bound_are_refused_naming_the_field_and_row(value: Decimal) -> None:
    with pytest.raises(InvalidInput) as err:
        bounded_amount(value, "CostInBillingCurrency", "export.csv line 9")

    assert err.value.field == "CostInBillingCurrency"
    assert "export.csv line 9" in str(err.value)
    assert "\n" not in str(err.value)


def test_quantities_have_their_own_larger_bound() -> None:
    assert bounded_quantity(MAX_QUANTITY, "Quantity", "line 2") == MAX_QUANTITY
    assert MAX_QUANTITY > MAX_AMOUNT
    with pytest.raises(InvalidInput, match=r"Quantity: line 2: .*1e18"):
        bounded_quantity(MAX_QUANTITY * 10, "Quantity", "line 2")


# --- the CostLine backstop ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("cost", {"cost": MAX_AMOUNT * 2}),
        ("cost", {"cost": Decimal("NaN")}),
        ("cost", {"cost": Decimal("-Infinity")}),
        ("quantity", {"quantity": MAX_QUANTITY * 2}),
        ("quantity", {"quantity": Decimal("sNaN")}),
        ("currency", {"currency": ""}),
        ("currency", {"currency": "XYZ"}),
        ("currency", {"currency": "usd"}),  # parsers upper-case; a line holds the code
    ],
)
def test_a_cost_line_refuses_what_no_bill_holds(field: str, changes: dict[str, object]) -> None:
    values: dict[str, object] = {
        "date": date(2026, 11, 3), "account_id": ACC, "meter_id": GPT4O_IN.meter_id,
        "meter_name": "gpt 4o Inp", "quantity": Decimal(1), "cost": Decimal(1), "currency": "USD",
        **changes,
    }  # fmt: skip

    with pytest.raises(InvalidInput) as err:
        CostLine(**values)  # type: ignore[arg-type]

    assert err.value.field == field
    assert "2026-11-03" in str(err.value)


def test_a_cost_line_at_the_bound_in_any_billing_currency_is_accepted() -> None:
    for currency in ("USD", "IDR", "KRW", "JPY"):
        assert line(GPT4O_IN.meter_id, -MAX_AMOUNT, currency=currency).cost == -MAX_AMOUNT
