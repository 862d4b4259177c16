"""Cost lines: what the bill says, per account, day and meter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import Enum
from types import MappingProxyType

from shared.core.currency import is_currency
from shared.core.money import bounded_amount, bounded_quantity, in_money_context
from shared.core.resource_id import id_key
from shared.errors import CurrencyMismatch, InvalidInput


class CostType(Enum):
    """The price basis of a cost line (Cost Management dataset)."""

    ACTUAL = "ActualCost"
    AMORTIZED = "AmortizedCost"


class PricingModel(Enum):
    """How a cost line was priced; the value is the text stored (Cost Management's spelling)."""

    ON_DEMAND = "OnDemand"
    RESERVATION = "Reservation"
    SAVINGS_PLAN = "SavingsPlan"
    SPOT = "Spot"
    OTHER = "Other"

    @classmethod
    def parse(cls, text: str | None) -> PricingModel:
        """The pricing model of any spelling of the Query API, legacy or FOCUS exports (blanks
        and `-` ignored, any case: `On Demand`, FOCUS `Standard`); blank is on demand, a spelling
        not in the table is OTHER."""
        key = (text or "").replace(" ", "").replace("-", "").lower()
        return PRICING_MODEL_SPELLINGS.get(key, cls.OTHER)


# Spellings of PricingModel across the Query API, legacy and FOCUS exports (normalised: lower
# case, no blanks or `-`) -> the pricing model.
PRICING_MODEL_SPELLINGS: Mapping[str, PricingModel] = MappingProxyType(
    {
        "": PricingModel.ON_DEMAND,
        "ondemand": PricingModel.ON_DEMAND,
        "standard": PricingModel.ON_DEMAND,
        "reservation": PricingModel.RESERVATION,
        "reservations": PricingModel.RESERVATION,
        "savingsplan": PricingModel.SAVINGS_PLAN,
        "spot": PricingModel.SPOT,
        "dynamic": PricingModel.SPOT,
        "other": PricingModel.OTHER,
    }
)


class ChargeType(Enum):
    USAGE = "Usage"
    PURCHASE = "Purchase"
    REFUND = "Refund"
    UNUSED_RESERVATION = "UnusedReservation"
    UNUSED_SAVINGS_PLAN = "UnusedSavingsPlan"
    ROUNDING_ADJUSTMENT = "RoundingAdjustment"
    TAX = "Tax"
    OTHER = "Other"

    @classmethod
    def parse(cls, text: str | None) -> ChargeType:
        norm = (text or "").replace(" ", "").lower()
        for member in cls:
            if member.value.lower() == norm:
                return member
        return cls.USAGE if not norm else cls.OTHER


@dataclass(frozen=True)
class CostLine:
    """One billed amount: account x day x meter x charge type, in the billing currency.

    `account_id` is the ARM id as billed (Azure may lower-case it), or "" for rows with no resource
    (reservation purchases, unused reservations). `quantity` is in the meter's unit-of-measure
    blocks, as billed (1K tokens for a `1K` meter).

    A backstop refuses (InvalidInput) a cost or quantity that is not a finite Decimal within
    `MAX_AMOUNT` / `MAX_QUANTITY` and a currency that is not an upper-case ISO 4217 billing code:
    the parsers check the same first, with the file line or row in the message.
    """

    date: date
    account_id: str
    meter_id: str
    meter_name: str
    quantity: Decimal
    cost: Decimal
    currency: str
    charge_type: ChargeType = ChargeType.USAGE
    pricing_model: PricingModel = PricingModel.ON_DEMAND
    cost_type: CostType = CostType.ACTUAL
    unit_of_measure: str = ""
    meter_category: str = ""
    meter_subcategory: str = ""

    def __post_init__(self) -> None:
        where = f"cost line of {self.date} {self.meter_name or self.meter_id!r}"
        bounded_amount(self.cost, "cost", where)
        bounded_quantity(self.quantity, "quantity", where)
        if not is_currency(self.currency):
            raise InvalidInput(
                "currency",
                f"{where}: {self.currency!r} is not an ISO 4217 billing currency code "
                "(read it with parse_currency)",
            )

    @property
    def identity(self) -> tuple[object, ...]:
        """What makes two lines the same bill line (rows with the same identity are summed)."""
        return (
            self.cost_type,
            self.date,
            id_key(self.account_id),
            id_key(self.meter_id),
            self.meter_name,
            self.charge_type,
            self.pricing_model,
        )


@in_money_context
def merge_cost_lines(lines: Iterable[CostLine]) -> list[CostLine]:
    """Lines with the same identity summed (cost and quantity), in first-seen order.

    Azure may split one meter-day over several rows. The first line's other fields (e.g. the
    resource id's casing) are kept; one identity billed in two currencies raises CurrencyMismatch.
    Sums run under the money context (exact whatever the calling thread's context).

    Who merges: what reads lines from outside, once, and the store. Each parser merges what it
    read (an export file, a Query API response: shared/adapters/formats), each cost source what
    it answers across files, pages, scopes and months (a `CostSource` answers one line per
    identity), and the costs store what it is given to write (its row key is the identity:
    one row per identity whoever writes). Downstream nothing merges again: the collector stores
    what its source answered, the allocator takes the store's lines and refuses lines that are
    not one per identity (`ensure_merged`), reconciliation sums per meter anyway.
    """
    merged: dict[tuple[object, ...], CostLine] = {}
    for line in lines:
        seen = merged.get(line.identity)
        if seen is None:
            merged[line.identity] = line
            continue
        if seen.currency != line.currency:
            raise CurrencyMismatch({seen.currency, line.currency})
        merged[line.identity] = replace(
            seen, cost=seen.cost + line.cost, quantity=seen.quantity + line.quantity
        )
    return list(merged.values())


def ensure_merged(lines: Iterable[CostLine], field: str = "lines") -> None:
    """Raise InvalidInput when two lines share an identity (they were not merged)."""
    seen: set[tuple[object, ...]] = set()
    for line in lines:
        identity = line.identity
        if identity in seen:
            raise InvalidInput(
                field,
                f"two lines of one bill line ({line.date} {line.meter_name or line.meter_id!r}, "
                f"{line.charge_type.value}, {line.pricing_model.value}); merge them first "
                "(merge_cost_lines), as the parsers and the costs store do",
            )
        seen.add(identity)


def billing_currency(lines: Iterable[CostLine]) -> str | None:
    """The one currency of the lines (None when none names one); two are a CurrencyMismatch."""
    return one_currency(line.currency for line in lines)


def one_currency(codes: Iterable[str]) -> str | None:
    """The one currency among `codes` (None when none is given); two are a CurrencyMismatch."""
    currencies = {code.upper() for code in codes if code}
    if len(currencies) > 1:
        raise CurrencyMismatch(currencies)
    return next(iter(currencies), None)


def ensure_one_currency_per_month(lines: Iterable[CostLine]) -> None:
    """Raise CurrencyMismatch, naming every currency, if one month's lines use more than one."""
    months: dict[tuple[int, int], list[CostLine]] = {}
    for line in lines:
        months.setdefault((line.date.year, line.date.month), []).append(line)
    for month in months.values():
        billing_currency(month)
