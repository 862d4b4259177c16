"""Money helpers: exact Decimal arithmetic, bounds and largest-remainder splits.

The money context
-----------------
Every exact money computation runs under `MONEY_CONTEXT` (`money_context()`, or the
`in_money_context` decorator on the core entry points), whatever the calling thread's context is:
Azure Functions runs sync code in worker threads whose context is a copy of `DefaultContext`
(28 digits), and nothing here mutates a global context. `localcontext` copies the context, so
`MONEY_CONTEXT` itself is never made current and its flags never change: do not mutate it.

Its precision, `MONEY_PRECISION` = 64 significant digits, is the budget of the largest exact
result we compute, plus headroom:

* an amount within `MAX_AMOUNT` (1e15) has 16 integer digits; at the 1e-12 split quantum that is
  28 digits, exactly Python's default precision (why lines from about 1e16 stopped splitting);
* sums: a period of up to 1e9 lines adds 9 digits (37), and Azure prints some costs far finer
  than 1e-12 (the finops-toolkit EA sample holds 0.0000000072922557592391990000, 28 decimals):
  16 + 28 + 9 = 53 digits for the total of a period;
* split products: the unit count of an amount at the quantum (28 digits) times an integer weight
  of up to `MAX_QUANTITY` (19 digits: tokens, PTU-hours) is 47 digits; `split_by_weights` does
  that in Python integers anyway, so its parts are exact at any precision;
* quantities: `MAX_QUANTITY` (1e18 blocks, 19 integer digits) at 28 decimals times a price block
  of up to 1e6 tokens (7 digits) summed over 1e9 lines: 63 digits, the largest; 64 covers it.

Divisions that cannot be exact (unit costs, coverage ratios, hours as seconds / 3600) simply get
64 digits instead of 28.

Bounds
------
`MAX_AMOUNT` = 1e15 is the largest absolute amount of one cost line in its billing currency: far
above any real daily meter line, even in currencies with small units (1e15 IDR is about 6e10 USD,
1e15 KRW about 7e11 USD in one meter-day), and small enough that a line at the 1e-12 split quantum
fits in 28 digits. `MAX_QUANTITY` = 1e18 price blocks (1e21 tokens of a `1K` meter in one line:
millions of times the largest real day) bounds quantities. Values beyond them are refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import ParamSpec, TypeVar

from shared.errors import InvalidInput, excerpt

ZERO = Decimal(0)
CENT = Decimal("0.01")
SPLIT_QUANTUM_EXPONENT = -12

MAX_AMOUNT = Decimal("1e15")
MAX_QUANTITY = Decimal("1e18")
MONEY_PRECISION = 64
MONEY_CONTEXT = Context(
    prec=MONEY_PRECISION,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

P = ParamSpec("P")
R = TypeVar("R")


def money_context() -> AbstractContextManager[Context]:
    """`with money_context():` runs the block under (a copy of) `MONEY_CONTEXT`."""
    return localcontext(MONEY_CONTEXT)


def in_money_context(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function (or a property's getter) to run under `MONEY_CONTEXT`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(MONEY_CONTEXT):
            return func(*args, **kwargs)

    return wrapper


def to_decimal(value: object, field: str = "amount") -> Decimal:
    """A Decimal from a string, int or Decimal (never from float arithmetic)."""
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
            raise InvalidInput(field, f"not a number: {excerpt(value)}") from None
    else:
        raise InvalidInput(field, f"not a number: {excerpt(value)}")
    if not result.is_finite():
        raise InvalidInput(field, f"not a finite number: {excerpt(value)}")
    return result


def bounded_amount(value: Decimal, field: str, where: str) -> Decimal:
    """`value` when it is a finite amount within +-`MAX_AMOUNT`; else InvalidInput.

    `where` names the row (`line 7`, `rows[3] (2026-11-03, meter 'x')`) in the one-line message.
    """
    return _bounded(value, MAX_AMOUNT, field, where, "an amount of one cost line")


def bounded_quantity(value: Decimal, field: str, where: str) -> Decimal:
    """`value` when it is a finite quantity within +-`MAX_QUANTITY`; else InvalidInput."""
    return _bounded(value, MAX_QUANTITY, field, where, "a quantity of one cost line")


def _bounded(value: Decimal, bound: Decimal, field: str, where: str, what: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise InvalidInput(field, f"{where}: {what} must be a Decimal, got {excerpt(value)}")
    if not value.is_finite():
        raise InvalidInput(field, f"{where}: not a finite number: {value}")
    if abs(value) > bound:
        raise InvalidInput(
            field,
            f"{where}: {excerpt(str(value))} is beyond +-1e{bound.adjusted()}, the bound of "
            f"{what}; check that the column holds this row's value (not an id or a running total)",
        )
    return value


def split_quantum(amount: Decimal) -> Decimal:
    """The step an amount is split in: 1e-12, or finer when the amount itself is finer."""
    return Decimal(1).scaleb(min(SPLIT_QUANTUM_EXPONENT, _exponent(amount, "amount")))


def split_by_weights(amount: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split `amount` in proportion to `weights`; the parts sum to `amount` exactly.

    Parts are multiples of `split_quantum(amount)`, apportioned by the largest remainder (ties to
    the earlier weight), so a negative amount (a credit) splits like a positive one. Weights must
    be finite and >= 0 with a positive sum, the amount finite (else InvalidInput). The
    apportioning is done in Python integers (exact at any size); the parts are built exactly.
    Integer weights (token counts) are taken as they are, without a Decimal round trip.
    """
    scaled = _integer_weights(weights)
    total = sum(scaled)
    if total <= 0 or any(w < 0 for w in scaled):
        raise InvalidInput("weights", "must be non-negative with a positive sum")
    split = SplitAmount.of(amount)
    return [split.part(n) for n in split.apportion(scaled, total)]


class SplitAmount:
    """An amount about to be split, as an integer count of its split quantum: the pieces of
    `split_by_weights`, for a hot loop that splits many amounts by one list of integer weights
    (`apportion` then `part` for the parts it keeps) without building the parts it drops."""

    __slots__ = ("negative", "suffix", "units")

    def __init__(self, negative: bool, units: int, quantum_exponent: int) -> None:
        self.negative = negative
        self.units = units
        self.suffix = f"E{quantum_exponent}"

    @classmethod
    def of(cls, amount: Decimal) -> SplitAmount:
        """InvalidInput for an amount that is not finite."""
        return cls(*split_units(amount))

    def apportion(self, weights: Sequence[int], total: int) -> list[int]:
        """The quantum counts of the parts, by the largest remainder (ties to the earlier
        weight). `weights` are integers >= 0 and `total` their positive sum (not checked)."""
        units = self.units
        floors = []
        remainders = []
        for w in weights:
            whole, remainder = divmod(units * w, total)
            floors.append(whole)
            remainders.append(-remainder)
        leftover = units - sum(floors)
        if leftover:
            # A stable sort by remainder, largest first: ties keep the weights' order.
            for i in sorted(range(len(floors)), key=remainders.__getitem__)[:leftover]:
                floors[i] += 1
        return floors

    def part(self, count: int) -> Decimal:
        """`count` quanta with the amount's sign, built exactly (0 is never negative)."""
        if self.negative and count:
            return Decimal(f"-{count}{self.suffix}")
        return Decimal(f"{count}{self.suffix}")


_POWERS = tuple(10**k for k in range(-SPLIT_QUANTUM_EXPONENT + 1))


def split_units(amount: Decimal) -> tuple[bool, int, int]:
    """(negative, quanta, quantum exponent): `amount` is (-1 if negative) x quanta x 10**exponent
    exactly, the exponent that of `split_quantum(amount)`. InvalidInput when it is not finite."""
    plain = _plain_quanta(str(amount))
    if plain is not None:
        quanta, exponent, _ = plain
        return amount.is_signed(), abs(quanta), exponent
    exponent = _exponent(amount, "amount")
    quantum_exponent = min(SPLIT_QUANTUM_EXPONENT, exponent)
    numerator, denominator = amount.as_integer_ratio()  # exact; a multiple of the quantum
    return (
        amount.is_signed(),
        abs(numerator) * 10**-quantum_exponent // denominator,
        quantum_exponent,
    )


def _plain_quanta(text: str) -> tuple[int, int, int] | None:
    """(signed quanta, quantum exponent, places after the point) of an amount's text in plain
    notation (the usual case, about three times faster than its tuple); None for any other."""
    if "E" in text or not text[-1].isdigit():
        return None
    whole, _, fraction = text.partition(".")
    places = len(fraction)
    if places <= -SPLIT_QUANTUM_EXPONENT:
        return (
            int(whole + fraction) * _POWERS[-SPLIT_QUANTUM_EXPONENT - places],
            SPLIT_QUANTUM_EXPONENT,
            places,
        )
    return int(whole + fraction), -places, places


@dataclass(frozen=True)
class AmountColumns:
    """Many amounts as `split_units` reads them, in two columns of Python integers (not a tuple
    per amount: a period's tens of thousands of amounts would be as many objects for the cyclic
    garbage collector to track): each amount's quanta with its sign (a negative zero counts 0:
    its parts are 0 either way) and its quantum exponent; and the finest exponent any amount is
    written with (0 at most), the exponent of their sum."""

    quanta: list[int]
    exponents: list[int]
    finest: int

    def total(self) -> Decimal | None:
        """The amounts' sum, digit for digit as `sum(amounts, ZERO)` gives it in the money
        context: exact from the integers when no partial sum can exceed the context's
        precision (always, for amounts of cost lines); else None."""
        quanta, exponents = self.quanta, self.exponents
        if not quanta:
            return ZERO
        lowest = min(exponents)
        if exponents.count(lowest) == len(exponents):
            total = sum(quanta)
        else:
            total = sum(q * 10 ** (e - lowest) for q, e in zip(quanta, exponents, strict=True))
        largest = max(map(abs, quanta)) * 10 ** (max(exponents) - lowest)
        if len(str(largest * len(quanta))) - (self.finest - lowest) > MONEY_PRECISION:
            return None
        with localcontext(MONEY_CONTEXT):
            return Decimal(f"{total}E{lowest}").quantize(Decimal(f"1E{self.finest}"))


def split_columns(amounts: Iterable[Decimal]) -> AmountColumns:
    """`split_units` of many amounts, as columns; InvalidInput for one that is not finite."""
    quanta: list[int] = []
    exponents: list[int] = []
    add_quanta, add_exponent = quanta.append, exponents.append
    most = 0  # the most places after the point
    for amount in amounts:
        plain = _plain_quanta(str(amount))
        if plain is not None:
            signed, exponent, places = plain
            most = max(most, places)
        else:
            negative, units, exponent = split_units(amount)
            most = max(most, -_exponent(amount, "amount"))
            signed = -units if negative else units
        add_quanta(signed)
        add_exponent(exponent)
    return AmountColumns(quanta, exponents, -most)


def _coefficient(value: Decimal) -> int:
    """The integer coefficient (the digits, unsigned) of a finite Decimal."""
    return int("".join(map(str, value.as_tuple().digits)) or "0")


def _integer_weights(weights: Sequence[Decimal | int]) -> list[int]:
    """The weights as integers of one common scale (exactly proportional to the weights)."""
    if all(type(w) is int for w in weights):
        return list(weights)  # type: ignore[arg-type]  # ints: already of scale 10**0
    decimals = [w if isinstance(w, Decimal) else Decimal(w) for w in weights]
    exponents = [_exponent(w, "weights") for w in decimals]
    lowest = min([0, *exponents])
    scaled = []
    for w, exponent in zip(decimals, exponents, strict=True):
        magnitude = _coefficient(w) * 10 ** (exponent - lowest)
        scaled.append(-magnitude if w.is_signed() else magnitude)
    return scaled


def _exponent(value: Decimal, field: str) -> int:
    """The exponent of a finite Decimal; InvalidInput for NaN or an infinity."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):  # "n", "N" or "F": not a finite number
        raise InvalidInput(field, f"not a finite number: {value}")
    return exponent


def round_parts(parts: Sequence[Decimal], quantum: Decimal = CENT) -> list[Decimal]:
    """Round parts for presentation so they still sum to the rounded total (largest remainder)."""
    if not parts:
        return []
    with localcontext(MONEY_CONTEXT):
        total = sum(parts, ZERO).quantize(quantum, rounding=ROUND_HALF_EVEN)
        floors = [p.quantize(quantum, rounding=ROUND_FLOOR) for p in parts]
        steps = int(((total - sum(floors, ZERO)) / quantum).to_integral_value())
        order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
        for i in order[: max(steps, 0)]:
            floors[i] += quantum
        return floors
