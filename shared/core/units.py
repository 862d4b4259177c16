"""Units of measure: one normalization of a meter's billed unit into base units; unit prices.

A meter bills in blocks (`unitOfMeasure`): `1K` = 1,000 tokens, `1M` = 1,000,000 tokens, `1/Hour`
and `1 Hour` = one hour, `100` = 100 images, `1 Second` = one second. A price is per block, a
cost line's quantity is in blocks (shared/core/costs.py). Everything that compares or combines
prices does it per ONE base unit (one token, one hour, one image), through this module only, so
a price per 1K and a price per 1M of the same model can never be mixed up: 0.0025 per `1K` and
2.5 per `1M` are the same `UnitPrice` (0.0000025 per token), and 1,500 tokens cost 0.00375 at
either.

Grammar (case-insensitive, blanks around the parts ignored): a count, optionally `K` or `M`
(`block_size` of shared/core/meter_names.py reads it: it is the one reader of block sizes), then
optionally a time dimension after `/` or a blank: `hour(s)`, `second(s)`, `day(s)`, `month(s)`,
`year(s)`. Anything else (`1 GB/Month`, `Units`, blank) is refused with a ValueError naming the
unit, never guessed.

The base unit kind:

- a time dimension names it: hours are HOUR (PTU `1/Hour` and hosting `1 Hour` alike), seconds
  SECOND; days, months and years are OTHER (file-search GB-days, legacy monthly PTU units);
- a bare count (`1K`, `1M`, `100`, `1`) says how many, not of what: the meter name's last word
  tells (`Tokens`/`tkn` TOKEN, `Images` IMAGE, `Characters` CHARACTER, `Calls`, `Transactions`,
  `Session(s)`, `Requests` REQUEST, `Records`, `GB`, `Unit(s)` OTHER); without a name (or with a
  last word not in the table) a `K`/`M` count is TOKEN and a plain count IMAGE, the shapes the
  meter-name parser gives token and image meters (`_UNIT_SHAPES`, `assumed_unit_of_measure`).

Prices per base unit are exact quotients: blocks are powers of ten or 100, so the division under
the money context (64 digits) loses nothing for any price of the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from types import MappingProxyType

from shared.core.meter_names import block_size, normalise_meter_name
from shared.core.money import in_money_context


class BaseUnit(Enum):
    """What one base unit of a meter is."""

    TOKEN = "token"
    HOUR = "hour"
    IMAGE = "image"
    SECOND = "second"
    CHARACTER = "character"
    REQUEST = "request"
    OTHER = "other"


# A count, an optional K/M multiplier, an optional time dimension after `/` or blanks.
_UNIT_GRAMMAR = re.compile(
    r"^\s*\d+(?:\.\d+)?(?P<multiplier>[km])?"
    r"(?:\s*/\s*|\s+)?(?P<dimension>hours?|seconds?|days?|months?|years?)?\s*$",
    re.IGNORECASE,
)

# The base unit a time dimension names (singular, lower case).
DIMENSIONS: Mapping[str, BaseUnit] = MappingProxyType(
    {
        "hour": BaseUnit.HOUR,
        "second": BaseUnit.SECOND,
        "day": BaseUnit.OTHER,
        "month": BaseUnit.OTHER,
        "year": BaseUnit.OTHER,
    }
)

# The last word of a meter name billed in a bare count -> what is counted.
COUNTED_WORDS: Mapping[str, BaseUnit] = MappingProxyType(
    {
        "tokens": BaseUnit.TOKEN,
        "token": BaseUnit.TOKEN,
        "tkn": BaseUnit.TOKEN,
        "images": BaseUnit.IMAGE,
        "image": BaseUnit.IMAGE,
        "characters": BaseUnit.CHARACTER,
        "character": BaseUnit.CHARACTER,
        "calls": BaseUnit.REQUEST,
        "transactions": BaseUnit.REQUEST,
        "session": BaseUnit.REQUEST,
        "sessions": BaseUnit.REQUEST,
        "requests": BaseUnit.REQUEST,
        "records": BaseUnit.OTHER,
        "gb": BaseUnit.OTHER,
        "unit": BaseUnit.OTHER,
        "units": BaseUnit.OTHER,
    }
)


@dataclass(frozen=True)
class MeterUnit:
    """A meter's unit of measure, normalized: `block` base units of `base` per billed unit."""

    unit_of_measure: str
    block: Decimal
    base: BaseUnit

    @in_money_context
    def to_base(self, billed_quantity: Decimal) -> Decimal:
        """A quantity in billed blocks (a cost line's) as base units: 2.5 of `1K` -> 2,500."""
        return billed_quantity * self.block

    @in_money_context
    def to_billed(self, base_quantity: Decimal) -> Decimal:
        """A quantity in base units as billed blocks: 1,500 tokens of `1M` -> 0.0015."""
        return base_quantity / self.block


@dataclass(frozen=True)
class UnitPrice:
    """A price per ONE base unit (one token, one hour, one image), in the price's currency."""

    amount: Decimal
    base: BaseUnit

    @in_money_context
    def cost_of(self, base_quantity: Decimal) -> Decimal:
        """What `base_quantity` base units cost at this price (exact)."""
        return self.amount * base_quantity


def normalise_unit(unit_of_measure: str, meter_name: str = "") -> MeterUnit:
    """The unit normalized (see the module docstring); ValueError naming a unit it cannot read."""
    found = _UNIT_GRAMMAR.match(unit_of_measure)
    if found is None or (found["multiplier"] and found["dimension"]):
        raise ValueError(f"unit of measure {unit_of_measure!r} cannot be read")
    block = block_size(unit_of_measure)
    if block <= 0:
        raise ValueError(f"unit of measure {unit_of_measure!r} has no base units")
    dimension = found["dimension"]
    if dimension:
        base = DIMENSIONS[dimension.lower().removesuffix("s")]
    else:
        base = _counted(meter_name, bool(found["multiplier"]))
    return MeterUnit(unit_of_measure=unit_of_measure, block=block, base=base)


def _counted(meter_name: str, multiplied: bool) -> BaseUnit:
    words = normalise_meter_name(meter_name).split()
    named = COUNTED_WORDS.get(words[-1]) if words else None
    if named is not None:
        return named
    return BaseUnit.TOKEN if multiplied else BaseUnit.IMAGE


@in_money_context
def price_per_unit(price: Decimal, unit_of_measure: str, meter_name: str = "") -> UnitPrice:
    """A price per billed block (a retail price, a cost line's cost / quantity) per ONE base unit:
    0.0025 per `1K` -> 0.0000025 per token."""
    unit = normalise_unit(unit_of_measure, meter_name)
    return UnitPrice(amount=price / unit.block, base=unit.base)


@in_money_context
def price_per_block(unit_price: UnitPrice, unit_of_measure: str, meter_name: str = "") -> Decimal:
    """Back: a price per base unit as a price per billed block of the unit (0.0000025 per token ->
    0.0025 per `1K`, 2.5 per `1M`). ValueError when the unit counts another kind of base unit."""
    unit = normalise_unit(unit_of_measure, meter_name)
    if unit.base is not unit_price.base:
        raise ValueError(
            f"a price per {unit_price.base.value} cannot be expressed per {unit_of_measure!r} "
            f"({unit.base.value}s)"
        )
    return unit_price.amount * unit.block
