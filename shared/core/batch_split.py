"""Many exact largest-remainder splits at once: the parts of every amount, in integers.

`apportion_many` gives, for each amount counted in quanta, the quantum counts of its parts in
proportion to integer weights, exactly as `SplitAmount.apportion` gives them one amount at a time
(floors, then one quantum each to the largest remainders, ties to the earlier weight). It runs
as numpy array operations in int64 where nothing can overflow (an amount below 2**62 quanta whose
weights sum below 3.03e9, so that a remainder times a weight stays below 2**63) and falls back to
Python integers, one amount at a time, for the rest: exact at any size either way.

numpy is imported when a split is asked for, not with the module (the Functions host imports
every module at start; see benchmark (e)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from shared.core.money import SplitAmount

if TYPE_CHECKING:
    import numpy.typing as npt

    Int64s = npt.NDArray[Any]

UNITS_LIMIT = 2**62  # an amount's quanta: its floors are at most this
TOTAL_LIMIT = 3_037_000_499  # floor(sqrt(2**63 - 1)): a remainder x a weight < TOTAL_LIMIT**2


def apportion_many(
    units: Sequence[int], owners: Int64s, weights: Int64s, totals: Int64s
) -> Int64s | list[int]:
    """The quantum counts of every part, in the order of `weights`: an int64 array, or a list of
    Python integers when some amount took the exact path.

    `units[i]` is amount i in quanta (>= 0); `owners` (int64, non-decreasing, every amount at
    least once) names each part's amount, `weights` (> 0) its weight and `totals[i]` the sum of
    amount i's weights (> 0, the weights left out being 0). Weights of dtype object (Python
    integers beyond int64) take the exact Python path for every amount.
    """
    import numpy as np

    count = len(weights)
    if not count:
        return []
    if len(units) >= 2**31:
        raise ValueError("more than 2**31 amounts in one batch")
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    if weights.dtype == object or totals.dtype == object:
        return _exact(units, starts, weights.tolist(), totals.tolist(), range(len(units)))
    try:
        amounts = np.array(units, dtype=np.int64)
    except OverflowError:  # an amount of 2**63 quanta or more: that one the exact way
        amounts = np.array([u if u < UNITS_LIMIT else UNITS_LIMIT for u in units], np.int64)
    fast = (amounts < UNITS_LIMIT) & (totals < TOTAL_LIMIT)
    amounts[~fast] = 0
    safe_totals = np.where(fast, totals, 1)
    whole, rest = np.divmod(amounts, safe_totals)
    whole[~fast] = 0
    part_totals = safe_totals[owners]
    spread = rest[owners] * np.where(fast[owners], weights, 0)  # < total x weight < 2**63
    floors = whole[owners] * weights + spread // part_totals
    remainders = spread % part_totals
    leftover = amounts - np.add.reduceat(floors, starts)
    # Largest remainder first within each amount, ties to the earlier part: one stable sort of
    # (amount, TOTAL_LIMIT - remainder) packed in one int64 (a remainder < TOTAL_LIMIT < 2**32).
    order = np.argsort((owners << 32) | (TOTAL_LIMIT - np.where(fast[owners], remainders, 0)),
                       kind="stable")  # fmt: skip
    ranked_owner = owners[order]
    rank = np.arange(count) - starts[ranked_owner]
    floors[order[(rank < leftover[ranked_owner]) & fast[ranked_owner]]] += 1
    slow = np.flatnonzero(~fast)
    if not len(slow):
        return floors
    counts: list[int] = floors.tolist()
    exact = _exact(units, starts, weights.tolist(), totals.tolist(), slow.tolist())
    for i, n in zip(_positions(starts, count, slow.tolist()), exact, strict=True):
        counts[i] = n
    return counts


def _positions(starts: Int64s, count: int, amounts: Sequence[int]) -> list[int]:
    """The part indices of `amounts`, in order."""
    bounds = [*starts.tolist(), count]
    return [i for a in amounts for i in range(bounds[a], bounds[a + 1])]


def _exact(
    units: Sequence[int],
    starts: Int64s,
    weights: list[int],
    totals: list[int],
    amounts: Sequence[int] | range,
) -> list[int]:
    """The counts of the parts of `amounts`, one amount at a time in Python integers."""
    bounds = [*starts.tolist(), len(weights)]
    out: list[int] = []
    for a in amounts:
        split = SplitAmount(False, units[a], 0)
        out.extend(split.apportion(weights[bounds[a] : bounds[a + 1]], totals[a]))
    return out
