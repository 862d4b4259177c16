"""One rounding for every presented set of amounts: the largest remainder toward a given total.

Money stays exact (Decimal) until it is presented. A period's canonical rounded totals come from
its exact allocated and unallocated cost: billed is the exact billed rounded to the cent (half
even), and allocated and unallocated are apportioned from it by the largest remainder, so
allocated + unallocated == billed to the cent. Every view of the period (unit costs,
reconciliation, exports) rounds each of its columns with `round_to_total` toward those totals, so
the same amount is shown everywhere and every column sums exactly to it.

The arithmetic is exact (rational), whatever the current decimal context's precision: the same
exact amounts give the same cents however they were grouped into parts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from shared.core.money import CENT


def round_amount(amount: Decimal, quantum: Decimal = CENT) -> Decimal:
    """An amount on its own rounded to a multiple of `quantum`, half even (a total, not a part)."""
    return _decimal(round(_units(amount, quantum)), quantum)  # round() of a Fraction: half even


def round_to_total(
    parts: Sequence[Decimal], total: Decimal, quantum: Decimal = CENT
) -> list[Decimal]:
    """Round `parts` to multiples of `quantum` that sum exactly to `total` (largest remainder).

    Each part starts at its floor; the quanta still missing (`total` - the sum of the floors, a
    negative count when `total` is below it) are spread evenly over the parts, and the ones that do
    not divide evenly go one each to the largest remainders, the lower index first on a tie. When
    `total` is the rounded exact sum (or any multiple of `quantum` between the floor and the
    ceiling of the exact sum), every part ends within one quantum of its exact value, and a part
    that is already a multiple of `quantum` is kept as it is.
    """
    goal = _units(total, quantum)
    if goal.denominator != 1:
        raise ValueError(f"total {total} is not a multiple of {quantum}")
    if not parts and goal:
        raise ValueError(f"no parts to carry a total of {total}")
    units = _apportion([_units(p, quantum) for p in parts], goal.numerator)
    return [_decimal(n, quantum) for n in units]


def round_share(
    part: Decimal, whole: Decimal, rounded_whole: Decimal, quantum: Decimal = CENT
) -> Decimal:
    """The rounded `part` of `whole` once `whole` is shown as `rounded_whole`: `part` and the rest
    rounded toward `rounded_whole` (`part` first on a tie), so rest = rounded_whole - that."""
    goal = _units(rounded_whole, quantum)
    if goal.denominator != 1:
        raise ValueError(f"total {rounded_whole} is not a multiple of {quantum}")
    share = _units(part, quantum)
    first, _rest = _apportion([share, _units(whole, quantum) - share], goal.numerator)
    return _decimal(first, quantum)


@dataclass(frozen=True)
class RoundedTotals:
    """A period's canonical rounded billed, allocated and unallocated cost (allocated +
    unallocated == billed); every view of the period sums to these."""

    billed: Decimal
    allocated: Decimal
    unallocated: Decimal

    @classmethod
    def of(cls, allocated: Decimal, unallocated: Decimal, quantum: Decimal = CENT) -> RoundedTotals:
        """From the exact allocated and unallocated cost (their sum is the exact billed)."""
        return _totals(_units(allocated, quantum), _units(unallocated, quantum), quantum)

    @classmethod
    def of_parts(
        cls,
        allocated: Sequence[Decimal],
        unallocated: Sequence[Decimal],
        quantum: Decimal = CENT,
    ) -> RoundedTotals:
        """From the parts whose (exact) sums are the allocated and the unallocated cost."""
        return _totals(_sum(allocated, quantum), _sum(unallocated, quantum), quantum)


@dataclass(frozen=True)
class RoundedRows:
    """Rows that each split a cost into an allocated part and the rest, rounded like the period."""

    totals: RoundedTotals
    costs: list[Decimal]
    allocated: list[Decimal]


def round_rows(
    costs: Sequence[Decimal], allocated: Sequence[Decimal], quantum: Decimal = CENT
) -> RoundedRows:
    """Rows (a reconciliation's meters, an export's lines) of an exact cost, `allocated` of it.

    The totals are the canonical ones of the rows' sums. Each row's allocated part is rounded
    toward the canonical allocated total and the rest toward the canonical unallocated total, and
    its rounded cost is their sum: both columns sum exactly to the totals, and every row keeps
    cost == allocated + unallocated. Every allocated part is within one quantum of its exact
    value, and so is the cost of a row allocated in full or not at all (one allocated in part:
    within two quanta, the rounding of its two parts).
    """
    if len(costs) != len(allocated):
        raise ValueError(f"{len(costs)} costs but {len(allocated)} allocated costs")
    shares = [_units(a, quantum) for a in allocated]
    rests = [_units(c, quantum) - a for c, a in zip(costs, shares, strict=True)]
    totals = _totals(sum(shares, Fraction(0)), sum(rests, Fraction(0)), quantum)
    rounded_shares = _apportion(shares, _units(totals.allocated, quantum).numerator)
    rounded_rests = _apportion(rests, _units(totals.unallocated, quantum).numerator)
    return RoundedRows(
        totals,
        [_decimal(a + r, quantum) for a, r in zip(rounded_shares, rounded_rests, strict=True)],
        [_decimal(a, quantum) for a in rounded_shares],
    )


def _totals(allocated: Fraction, unallocated: Fraction, quantum: Decimal) -> RoundedTotals:
    """The canonical totals of an exact allocated and unallocated cost counted in quanta."""
    billed = round(allocated + unallocated)  # half even
    rounded_allocated, rounded_unallocated = _apportion([allocated, unallocated], billed)
    return RoundedTotals(
        _decimal(billed, quantum),
        _decimal(rounded_allocated, quantum),
        _decimal(rounded_unallocated, quantum),
    )


def _units(amount: Decimal, quantum: Decimal) -> Fraction:
    """`amount` counted in quanta, exactly."""
    if not quantum > 0:
        raise ValueError(f"quantum must be positive, got {quantum}")
    return Fraction(amount) / Fraction(quantum)


def _sum(parts: Sequence[Decimal], quantum: Decimal) -> Fraction:
    return sum((_units(p, quantum) for p in parts), Fraction(0))


def _apportion(units: Sequence[Fraction], goal: int) -> list[int]:
    """Whole numbers summing to `goal`: the floors of `units`, the difference spread evenly, the
    rest one each to the largest fractional parts (the lower index first on a tie)."""
    if not units:
        assert goal == 0, goal
        return []
    floors = [math.floor(u) for u in units]
    each, extra = divmod(goal - sum(floors), len(units))  # 0 <= extra < len(units), always
    order = sorted(range(len(units)), key=lambda i: (floors[i] - units[i], i))
    result = [f + each for f in floors]
    for i in order[:extra]:
        result[i] += 1
    return result


def _decimal(units: int, quantum: Decimal) -> Decimal:
    """`units` x `quantum` as a Decimal, exactly (a context just precise enough for it)."""
    with localcontext() as ctx:
        ctx.prec = len(str(abs(units))) + len(quantum.as_tuple().digits)
        return Decimal(units) * quantum
