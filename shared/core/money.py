"""Money helpers: exact Decimal arithmetic and largest-remainder splits."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")
SPLIT_QUANTUM_EXPONENT = -12


def to_decimal(value: object, field: str = "amount") -> Decimal:
    """A Decimal from a string, int or Decimal (never from float arithmetic)."""
    from shared.errors import InvalidInput

    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str) and value.strip():
        try:
            result = Decimal(value.strip())
        except ArithmeticError:
            raise InvalidInput(field, f"not a number: {value!r}") from None
    else:
        raise InvalidInput(field, f"not a number: {value!r}")
    if not result.is_finite():
        raise InvalidInput(field, f"not a finite number: {value!r}")
    return result


def split_quantum(amount: Decimal) -> Decimal:
    """The step an amount is split in: 1e-12, or finer when the amount itself is finer."""
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(1).scaleb(min(SPLIT_QUANTUM_EXPONENT, exponent))


def split_by_weights(amount: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split `amount` in proportion to `weights`; the parts sum to `amount` exactly.

    Parts are multiples of `split_quantum(amount)`, apportioned by the largest remainder, so a
    negative amount (a credit) splits like a positive one. Weights must be >= 0 with a positive sum.
    """
    total = sum((Decimal(w) for w in weights), ZERO)
    if total <= 0 or any(Decimal(w) < 0 for w in weights):
        raise ValueError("weights must be non-negative with a positive sum")
    quantum = split_quantum(amount)
    units = int((amount / quantum).to_integral_value())
    sign = -1 if units < 0 else 1
    units = abs(units)
    exact = [Decimal(units) * Decimal(w) / total for w in weights]
    floors = [int(x.to_integral_value(rounding=ROUND_FLOOR)) for x in exact]
    leftover = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [Decimal(sign * n) * quantum for n in floors]


def round_parts(parts: Sequence[Decimal], quantum: Decimal = CENT) -> list[Decimal]:
    """Round parts for presentation so they still sum to the rounded total (largest remainder)."""
    if not parts:
        return []
    total = sum(parts, ZERO).quantize(quantum, rounding=ROUND_HALF_EVEN)
    floors = [p.quantize(quantum, rounding=ROUND_FLOOR) for p in parts]
    steps = int(((total - sum(floors, ZERO)) / quantum).to_integral_value())
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    for i in order[: max(steps, 0)]:
        floors[i] += quantum
    return floors
