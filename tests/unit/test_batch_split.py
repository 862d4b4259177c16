"""The many-at-once exact split (`batch_split.apportion_many`) and the amount's quanta
(`money.split_units`, `money.split_columns`) against their one-at-a-time definitions."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.core.batch_split import TOTAL_LIMIT, UNITS_LIMIT, apportion_many
from shared.core.money import (
    MONEY_PRECISION,
    SplitAmount,
    money_context,
    split_columns,
    split_quantum,
    split_units,
)
from shared.errors import InvalidInput

# An amount's quanta: small, near the int64 fast path's bound, and far beyond it.
units = st.one_of(
    st.integers(0, 10**6),
    st.integers(0, 10**15),
    st.integers(UNITS_LIMIT - 3, UNITS_LIMIT + 3),
    st.integers(0, 10**40),
)
# Weights: small, tied, near and beyond the bound of the fast path's totals.
weight = st.one_of(
    st.integers(1, 9),
    st.integers(1, 10**9),
    st.integers(TOTAL_LIMIT // 4, TOTAL_LIMIT),
    st.integers(1, 10**18),
)
amounts = st.lists(st.tuples(units, st.lists(weight, min_size=1, max_size=8)), max_size=12)


def one_at_a_time(cases: list[tuple[int, list[int]]]) -> list[int]:
    out: list[int] = []
    for amount, ws in cases:
        out.extend(SplitAmount(False, amount, 0).apportion(ws, sum(ws)))
    return out


def many(cases: list[tuple[int, list[int]]], dtype: object = np.int64) -> list[int]:
    owners = np.array([i for i, (_, ws) in enumerate(cases) for _ in ws], dtype=np.int64)
    weights = np.array([w for _, ws in cases for w in ws], dtype=dtype)  # type: ignore[call-overload]
    totals = np.array([sum(ws) for _, ws in cases], dtype=object)
    if dtype is np.int64 and all(t < 2**63 for t in totals):
        totals = totals.astype(np.int64)
    counts = apportion_many([amount for amount, _ in cases], owners, weights, totals)
    return counts if isinstance(counts, list) else counts.tolist()  # an int64 array: all fast


@settings(max_examples=300, deadline=None)
@given(amounts)
def test_many_splits_at_once_are_the_splits_one_at_a_time(
    cases: list[tuple[int, list[int]]],
) -> None:
    expected = one_at_a_time(cases)
    assert many(cases) == expected
    assert many(cases, dtype=object) == expected  # weights beyond int64: all the exact way
    start = 0
    for amount, ws in cases:  # every amount whole, each part within one quantum of its share
        parts = expected[start : start + len(ws)]
        start += len(ws)
        assert sum(parts) == amount
        assert all(abs(p * sum(ws) - amount * w) < sum(ws) for p, w in zip(parts, ws, strict=True))


def test_ties_go_to_the_earlier_part_and_the_fast_and_exact_paths_meet() -> None:
    cases = [(10, [1, 1, 1]), (UNITS_LIMIT + 10, [1, 1, 1]), (7, [TOTAL_LIMIT, TOTAL_LIMIT])]
    third = (UNITS_LIMIT + 10) // 3  # UNITS_LIMIT + 10 = 3 x third + 2: two get one more
    assert many(cases) == [4, 3, 3, third + 1, third + 1, third, 4, 3]
    assert (
        list(apportion_many([], np.array([], np.int64), np.array([], np.int64), np.array([]))) == []
    )


plain = st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-(10**15),
                    max_value=10**15)  # fmt: skip
scaled = st.builds(
    lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
    st.integers(-(10**20), 10**20),
    st.integers(-40, 6),
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(plain, scaled))
def test_an_amounts_quanta_are_exact_at_its_split_quantum(amount: Decimal) -> None:
    negative, count, exponent = split_units(amount)
    assert Decimal(1).scaleb(exponent) == split_quantum(amount)
    assert negative is amount.is_signed()
    with money_context():
        assert count * Decimal(1).scaleb(exponent) == abs(amount)


odd = st.sampled_from([Decimal("-0.00"), Decimal("-0E-20"), Decimal("1E+3"), Decimal("0")])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(plain, scaled, odd)))
def test_many_amounts_as_columns_are_their_quanta_one_at_a_time(amounts: list[Decimal]) -> None:
    columns = split_columns(amounts)
    expected = [split_units(a) for a in amounts]
    assert columns.exponents == [exponent for _, _, exponent in expected]
    assert columns.quanta == [-count if negative else count for negative, count, _ in expected]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(plain, scaled, odd), max_size=30))
def test_the_columns_total_is_the_decimal_sum_digit_for_digit(amounts: list[Decimal]) -> None:
    total = split_columns(amounts).total()
    with money_context():
        expected = sum(amounts, Decimal(0))
    if total is not None:  # None: a partial sum could exceed the money context's precision
        assert total.as_tuple() == expected.as_tuple()


def test_a_total_the_money_context_would_round_is_not_given() -> None:
    fine = [Decimal("1e14"), Decimal(f"1E-{MONEY_PRECISION}")]
    assert split_columns(fine).total() is None
    assert split_columns(fine[:1]).total() == Decimal("1e14")
    assert split_columns([]).total() == Decimal(0)


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity"), Decimal("-sNaN")])
def test_what_is_not_finite_has_no_quanta(amount: Decimal) -> None:
    with pytest.raises(InvalidInput, match="not a finite number"):
        split_units(amount)
    with pytest.raises(InvalidInput, match="not a finite number"):
        split_columns([Decimal(1), amount])
