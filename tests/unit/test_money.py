from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.money import round_parts, split_by_weights, split_quantum
from shared.errors import InvalidInput

amounts = st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=10,
                      allow_nan=False, allow_infinity=False)  # fmt: skip
weights = st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=12).filter(
    lambda w: sum(w) > 0
)


@given(amounts, weights)
def test_a_split_sums_exactly_to_the_amount(amount: Decimal, ws: list[int]) -> None:
    parts = split_by_weights(amount, ws)
    assert sum(parts, Decimal(0)) == amount
    assert all(p == 0 for p, w in zip(parts, ws, strict=True) if w == 0)


def test_a_split_follows_the_weights() -> None:
    assert split_by_weights(Decimal("1"), [1, 1, 1]) == [
        Decimal("0.333333333334"), Decimal("0.333333333333"), Decimal("0.333333333333")
    ]  # fmt: skip


@given(st.lists(amounts, min_size=1, max_size=20))
def test_rounded_parts_sum_to_the_rounded_total(parts: list[Decimal]) -> None:
    rounded = round_parts(parts)
    total = sum(parts, Decimal(0)).quantize(Decimal("0.01"))
    assert sum(rounded, Decimal(0)) == total
    assert all(abs(r - p) < Decimal("0.01") for r, p in zip(rounded, parts, strict=True))


@pytest.mark.parametrize(
    ("amount", "ws", "field"),
    [(Decimal(1), [0, 0], "weights"), (Decimal(1), [1, -1], "weights"),
     (Decimal(1), [Decimal("NaN")], "weights"), (Decimal(1), [Decimal("Infinity")], "weights"),
     (Decimal("NaN"), [1], "amount"), (Decimal("-Infinity"), [1], "amount")],
)  # fmt: skip
def test_what_cannot_be_split_is_invalid_input_naming_it(
    amount: Decimal, ws: list[Decimal | int], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        split_by_weights(amount, ws)
    assert err.value.field == field


def test_a_non_finite_amount_has_no_split_quantum() -> None:
    assert split_quantum(Decimal("1.5")) == Decimal("1e-12")
    assert split_quantum(Decimal("1e-14")) == Decimal("1e-14")
    with pytest.raises(InvalidInput, match="not a finite number"):
        split_quantum(Decimal("sNaN"))
