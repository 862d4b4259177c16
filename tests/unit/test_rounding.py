"""One rounding: the largest remainder toward a given total, and a period's canonical totals."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.money import CENT, round_parts
from shared.core.rounding import (
    RoundedTotals,
    round_amount,
    round_rows,
    round_share,
    round_to_total,
)

D = Decimal
amounts = st.decimals(min_value=D("-1e6"), max_value=D("1e6"), places=10,
                      allow_nan=False, allow_infinity=False)  # fmt: skip
parts_lists = st.lists(amounts, min_size=1, max_size=20)
quanta = st.sampled_from([CENT, D("1"), D("0.0001"), D("0.05")])


@given(parts_lists, st.integers(min_value=-(10**9), max_value=10**9), quanta)
def test_the_parts_sum_to_any_total_given(parts: list[Decimal], units: int, q: Decimal) -> None:
    total = units * q
    rounded = round_to_total(parts, total, q)
    assert len(rounded) == len(parts)
    assert sum(rounded, D(0)) == total
    assert all(r % q == 0 for r in rounded)


@given(parts_lists, quanta)
def test_toward_the_rounded_exact_sum_each_part_is_within_one_quantum(
    parts: list[Decimal], q: Decimal
) -> None:
    total = round_amount(sum(parts, D(0)), q)
    rounded = round_to_total(parts, total, q)
    assert sum(rounded, D(0)) == total
    assert all(abs(r - p) < q for r, p in zip(rounded, parts, strict=True))
    assert all(r == p for r, p in zip(rounded, parts, strict=True) if p % q == 0)
    if q == CENT:  # the same apportionment as money.round_parts, which it generalises
        assert rounded == round_parts(parts)


@given(parts_lists, st.integers(min_value=-50, max_value=50))
def test_it_is_deterministic(parts: list[Decimal], offset: int) -> None:
    total = round_amount(sum(parts, D(0))) + offset * CENT
    assert round_to_total(parts, total) == round_to_total(list(parts), total)
    assert round_to_total(tuple(parts), total) == round_to_total(parts, total)


def test_ties_go_to_the_lower_index_and_negative_steps_to_the_smallest_remainders() -> None:
    thirds = [D("0.005"), D("0.005"), D("0.005")]
    assert round_to_total(thirds, D("0.02")) == [D("0.01"), D("0.01"), D("0")]
    # One cent below the floors: taken from the smallest remainder (on a tie, the last index).
    assert round_to_total([D("1.004"), D("1.001"), D("1.009")], D("2.99")) == [
        D("1.00"), D("0.99"), D("1.00")
    ]  # fmt: skip
    assert round_to_total([D("1"), D("1"), D("1")], D("2.99")) == [D("1"), D("1"), D("0.99")]
    # Far from the exact sum: spread evenly, the rest to the largest remainders.
    assert round_to_total([D("0"), D("0.001")], D("0.05")) == [D("0.02"), D("0.03")]
    assert round_to_total([D("-1.005"), D("2.005")], D("1.00")) == [D("-1.00"), D("2.00")]


def test_bad_totals_and_quanta_are_errors() -> None:
    with pytest.raises(ValueError, match="multiple"):
        round_to_total([D("1.234")], D("1.234"))
    with pytest.raises(ValueError, match="no parts"):
        round_to_total([], D("0.01"))
    with pytest.raises(ValueError, match="quantum"):
        round_to_total([D(1)], D(1), D(0))
    assert round_to_total([], D(0)) == []


@given(amounts, amounts)
def test_canonical_totals_add_up_and_each_is_within_a_cent(allocated: D, unallocated: D) -> None:
    totals = RoundedTotals.of(allocated, unallocated)
    assert totals.billed == (allocated + unallocated).quantize(CENT)  # half even
    assert totals.allocated + totals.unallocated == totals.billed
    assert abs(totals.allocated - allocated) < CENT
    assert abs(totals.unallocated - unallocated) < CENT
    assert totals == RoundedTotals.of(allocated, unallocated)


@given(parts_lists, parts_lists)
def test_parts_rounded_toward_the_canonical_totals_stay_within_a_cent(
    allocated: list[Decimal], unallocated: list[Decimal]
) -> None:
    """How every view rounds: each column toward its canonical total, each part within a cent."""
    totals = RoundedTotals.of(sum(allocated, D(0)), sum(unallocated, D(0)))
    for parts, total in ((allocated, totals.allocated), (unallocated, totals.unallocated)):
        rounded = round_to_total(parts, total)
        assert sum(rounded, D(0)) == total
        assert all(abs(r - p) < CENT for r, p in zip(rounded, parts, strict=True))


def test_the_canonical_split_is_the_nearest_not_the_sum_of_rounded_parts() -> None:
    # 1.004 + 1.004 allocated, 0.505 + 0.501 unallocated: 3.014 billed. Rounding the four parts
    # together gives the step to 0.505 (allocated 2.00); the canonical allocated is 2.01.
    assert sum(round_parts([D("1.004"), D("1.004"), D("0.505"), D("0.501")])[:2]) == D("2.00")
    assert RoundedTotals.of(D("2.008"), D("1.006")) == RoundedTotals(
        D("3.01"), D("2.01"), D("1.00")
    )  # fmt: skip


def test_a_lone_amount_rounds_half_even_to_any_quantum() -> None:
    assert round_amount(D("0.125")) == D("0.12") and round_amount(D("0.135")) == D("0.14")
    assert round_amount(D("0.075"), D("0.05")) == D("0.10")
    assert round_amount(D("-2.5"), D("1")) == D("-2")


def test_the_arithmetic_is_exact_beyond_the_decimal_context_precision() -> None:
    tiny_below = D("0.00999999999999999999999999999999")  # 32 significant digits
    assert round_to_total([tiny_below, D("1")], D("1.00")) == [D("0.00"), D("1.00")]
    assert round_to_total([tiny_below, D("1")], D("1.01")) == [D("0.01"), D("1.00")]


def test_the_totals_of_parts_are_exact_whatever_the_decimal_context() -> None:
    # Just above the half cent, by 1e-25: 29 significant digits, so a 28-digit sum is the tie.
    allocated = [D("1234.005"), D("1e-25")]
    with localcontext() as ctx:
        ctx.prec = 28
        assert sum(allocated, D(0)).quantize(CENT) == D("1234.00")  # what a 28-digit sum gives
        totals = RoundedTotals.of_parts(allocated, [])
        rows = round_rows(allocated, allocated)
    assert totals == RoundedTotals(D("1234.01"), D("1234.01"), D("0.00")) == rows.totals
    assert rows.costs == rows.allocated == [D("1234.01"), D("0.00")]


@given(amounts, amounts, amounts)
def test_a_share_of_a_rounded_whole_is_within_a_cent_and_leaves_the_rest(
    part: Decimal, other: Decimal, offset: Decimal
) -> None:
    whole = part + other
    rounded_whole = round_amount(whole)
    share = round_share(part, whole, rounded_whole)
    assert [share, rounded_whole - share] == round_to_total([part, other], rounded_whole)
    assert abs(share - part) < CENT
    assert round_share(whole, whole, rounded_whole) == rounded_whole
    assert round_share(D(0), whole, rounded_whole) == 0


rows = st.lists(
    st.tuples(amounts, st.sampled_from(["full", "none", "part"]), st.integers(0, 100)),
    min_size=0,
    max_size=20,
)


@given(rows)
def test_rows_split_like_the_period_and_sum_to_its_canonical_totals(
    drawn: list[tuple[Decimal, str, int]],
) -> None:
    costs = [c for c, _, _ in drawn]
    allocated = [
        c if how == "full" else D(0) if how == "none" else c * pct / 100 for c, how, pct in drawn
    ]
    rounded = round_rows(costs, allocated)
    totals = rounded.totals
    assert totals == RoundedTotals.of_parts(
        allocated, [c - a for c, a in zip(costs, allocated, strict=True)]
    )
    assert sum(rounded.costs, D(0)) == totals.billed
    assert sum(rounded.allocated, D(0)) == totals.allocated
    for (cost, how, _), c, a, exact in zip(
        drawn, rounded.costs, rounded.allocated, allocated, strict=True
    ):
        assert abs(a - exact) < CENT
        assert abs(c - cost) < (CENT if how != "part" else 2 * CENT)
        if how == "full":
            assert a == c
        if how == "none":
            assert a == 0
    assert round_rows(costs, allocated) == rounded


def test_rows_allocated_in_full_show_their_cost_as_allocated() -> None:
    # Rounded column by column, the 1.004 row allocated in full would show cost 1.00 (the cost
    # column's step goes to 0.505) against allocatedCost 1.01.
    rounded = round_rows(
        [D("1.004"), D("1.004"), D("0.505"), D("0.501")], [D("1.004"), D("1.004"), D(0), D(0)]
    )
    assert rounded.totals == RoundedTotals(D("3.01"), D("2.01"), D("1.00"))
    assert rounded.costs == [D("1.01"), D("1.00"), D("0.50"), D("0.50")]
    assert rounded.allocated == [D("1.01"), D("1.00"), D("0"), D("0")]
    with pytest.raises(ValueError, match="allocated"):
        round_rows([D(1)], [])
