"""The allocated lines of a period: records, the token and per-unit shares kept as integer
columns until somebody reads them as records.

An allocation of 10,000 deployments has hundreds of thousands of shares; building a frozen record
and an exact Decimal for each costs more than the split itself (benchmark (b)). `AllocatedLines`
is the period's shares as one read-only sequence of `AllocatedLine` records, in the period's
order: the records the allocation built (PTU and hosting shares) and the split lines' shares as
columns (which line, which deployment, how many quanta, what weight), built into records once,
on first read. Its sum needs no record at all: a split line's shares add up to the line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Union, overload

from shared.core.costs import ChargeType, CostLine, PricingModel
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.money import ZERO

if TYPE_CHECKING:
    import numpy.typing as npt

# A column of integers: an int64 array (as the split computes it) or a list of Python integers.
IntColumn = Union["npt.NDArray[Any]", list[int]]


@dataclass(frozen=True)
class AllocatedLine:
    """The share of one cost line carried by one deployment."""

    date: date
    deployment_id: str
    account_id: str
    meter_id: str
    meter_name: str
    kind: TokenKind
    charge_type: ChargeType
    pricing_model: PricingModel
    cost: Decimal
    weight: Decimal
    idle_cost: Decimal | None = None

    @property
    def used_cost(self) -> Decimal | None:
        """The provisioned capacity actually used, when the idle part is known."""
        return None if self.idle_cost is None else self.cost - self.idle_cost


@dataclass(frozen=True)
class ShareColumns:
    """The shares of the lines split by integer weights. Per split line: its ordinal (its place
    in the period's order of lines), the line, its meter's kind and its amount as
    `money.split_columns` reads it (`amounts`: quanta, with the amount's sign; `exponents`: the
    quantum's exponent). Per share, grouped by line in the lines' order: the line's index in
    those lists, the carrier's index into `carriers` (the deployments the shares name, whose ids
    and account ids they carry as the inventory spells them), its quanta and its weight."""

    ordinals: Sequence[int]
    lines: Sequence[CostLine]
    kinds: Sequence[TokenKind]
    amounts: Sequence[int]
    exponents: Sequence[int]
    carriers: Sequence[Deployment]
    line: IntColumn
    carrier: IntColumn
    quanta: IntColumn
    weight: IntColumn

    def __len__(self) -> int:
        return len(self.line)

    def cost(self) -> Decimal:
        """The exact sum of the shares: each line's amount at its split quantum's exponent."""
        return sum(map(_split_cost, self.amounts, self.exponents), ZERO)

    def records(self) -> Iterator[tuple[int, list[AllocatedLine]]]:
        """(line ordinal, its shares as records), line by line."""
        carriers, new, set_ = self.carriers, _NEW, _SET
        weights: dict[int, Decimal] = {}  # weights repeat: input and cached input share theirs
        current: list[AllocatedLine] = []
        at = -1
        columns = (_ints(self.line), _ints(self.carrier), _ints(self.quanta), _ints(self.weight))
        for index, c, n, w in zip(*columns, strict=True):
            if index != at:
                if current:
                    yield self.ordinals[at], current
                current, at = [], index
                line = self.lines[index]
                sign = "-" if self.amounts[index] < 0 else ""
                suffix = f"E{self.exponents[index]}"
                zero = Decimal(f"0{suffix}")
                # The dataclass's own fields in its order, set without its frozen __setattr__
                # (the cost left per share; tests/unit/test_allocation_equivalence.py checks that
                # these records are equal, field for field, to constructed ones).
                fields = {
                    "date": line.date,
                    "deployment_id": "",
                    "account_id": "",
                    "meter_id": line.meter_id,
                    "meter_name": line.meter_name,
                    "kind": self.kinds[index],
                    "charge_type": line.charge_type,
                    "pricing_model": line.pricing_model,
                    "cost": zero,
                    "weight": zero,
                    "idle_cost": None,
                }
            carrier = carriers[c]
            weight = weights.get(w)
            if weight is None:
                weight = weights[w] = Decimal(w)
            share_fields = fields.copy()
            share_fields["deployment_id"] = carrier.deployment_id
            share_fields["account_id"] = carrier.account_id
            share_fields["cost"] = Decimal(f"{sign}{n}{suffix}") if n else zero
            share_fields["weight"] = weight
            share = new(AllocatedLine)
            set_(share, "__dict__", share_fields)
            current.append(share)
        if current:
            yield self.ordinals[at], current


def _ints(column: IntColumn) -> list[int]:
    """A column as Python integers (numpy's own integers would print and compare alike, but are
    slower to read one at a time)."""
    return column if isinstance(column, list) else column.tolist()


def _split_cost(quanta: int, exponent: int) -> Decimal:
    """An amount as its shares sum to it: at its split quantum's exponent (0 is never "-0")."""
    return Decimal(f"{quanta}E{exponent}")


_NEW = object.__new__
_SET = object.__setattr__


class AllocatedLines(Sequence[AllocatedLine]):
    """A period's allocated lines in order: `records` (line ordinal, its shares) as built, and
    the split lines' shares from `columns`; read as `AllocatedLine` records, built once."""

    __slots__ = ("_built", "_columns", "_records")

    def __init__(
        self,
        records: Sequence[tuple[int, list[AllocatedLine]]] = (),
        columns: ShareColumns | None = None,
    ) -> None:
        self._records = records
        self._columns = columns
        self._built: tuple[AllocatedLine, ...] | None = None

    def cost(self) -> Decimal:
        """The exact sum of every share's cost (a split line's shares sum to the line)."""
        total = sum((s.cost for _, shares in self._records for s in shares), ZERO)
        if self._columns is not None:
            total += self._columns.cost()
        return total

    def _all(self) -> tuple[AllocatedLine, ...]:
        built = self._built
        if built is None:  # two threads may both build it: the same records either way
            built = self._built = tuple(self._merged())
        return built

    def _merged(self) -> Iterator[AllocatedLine]:
        split = iter(self._columns.records() if self._columns is not None else ())
        pending = next(split, None)
        for ordinal, shares in self._records:
            while pending is not None and pending[0] < ordinal:
                yield from pending[1]
                pending = next(split, None)
            yield from shares
        while pending is not None:
            yield from pending[1]
            pending = next(split, None)

    def __len__(self) -> int:
        columns = 0 if self._columns is None else len(self._columns)
        return columns + sum(len(shares) for _, shares in self._records)

    @overload
    def __getitem__(self, index: int) -> AllocatedLine: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[AllocatedLine]: ...
    def __getitem__(self, index: int | slice) -> AllocatedLine | Sequence[AllocatedLine]:
        return self._all()[index]

    def __iter__(self) -> Iterator[AllocatedLine]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AllocatedLines | tuple | list):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"AllocatedLines({list(self._all())!r})"
