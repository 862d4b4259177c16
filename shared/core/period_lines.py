"""A period's cost lines of one price basis, checked and ordered for the allocation.

The checks and the order are those of `ensure_merged`, `billing_currency` and the allocation's
line order; they are computed here column by column (`map` over the lines, each key computed
once per distinct value) rather than line by line, because a period has tens of thousands of
lines and the allocation's own work per line is a few dictionary lookups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter, eq

from shared.core.costs import ChargeType, CostLine, CostType, ensure_merged, one_currency
from shared.core.period import BillingPeriod
from shared.core.resource_id import id_key
from shared.errors import InvalidInput

_DATE = attrgetter("date")
_ACCOUNT = attrgetter("account_id")
_METER = attrgetter("meter_id")
_NAME = attrgetter("meter_name")
_CHARGE = attrgetter("charge_type")
_PRICING = attrgetter("pricing_model")
_CURRENCY = attrgetter("currency")


@dataclass(frozen=True)
class PeriodLines:
    """The lines (`ordered`: by day, account key, meter id, meter name, charge type) with the
    account key of each (`account_keys`, in the same order) and their one currency."""

    ordered: list[CostLine]
    account_keys: list[str]
    currency: str | None

    @property
    def days(self) -> list[date]:
        return list(map(_DATE, self.ordered))

    def route_keys(self, day_keys: Mapping[date, int]) -> list[tuple[int | None, str, str, str]]:
        """(`day_keys[day]` or None, account key, meter id, meter name) of each line, in order."""
        ordered = self.ordered
        return list(
            zip(
                map(day_keys.get, map(_DATE, ordered)),
                self.account_keys,
                map(_METER, ordered),
                map(_NAME, ordered),
                strict=True,
            )
        )

    @classmethod
    def of(
        cls, period: BillingPeriod, lines: Sequence[CostLine], cost_type: CostType
    ) -> PeriodLines:
        """InvalidInput for two lines of one identity or a line outside the period;
        CurrencyMismatch for two currencies."""
        own = [ln for ln in lines if ln.cost_type is cost_type]
        dates = list(map(_DATE, own))
        accounts = list(map(_ACCOUNT, own))
        account_keys = list(map(_keyed(accounts).__getitem__, accounts))
        meters = list(map(_METER, own))
        names = list(map(_NAME, own))
        charges = list(map(_CHARGE, own))
        distinct = dict(zip(map(id, charges), charges, strict=True))
        charge_values = {key: charge.value for key, charge in distinct.items()}
        values = map(charge_values.__getitem__, map(id, charges))
        keys = list(zip(dates, account_keys, meters, names, values, strict=True))
        order = sorted(range(len(own)), key=keys.__getitem__)  # stable, as sorted(own) was
        ranked = [keys[i] for i in order]
        if _maybe_repeated(ranked, meters):
            _ensure_merged(own, dates, account_keys, meters, charges)
        if not set(dates) <= set(period.window.days()):
            raise InvalidInput("lines", f"cost lines outside period {period} were given")
        currency = one_currency(set(map(_CURRENCY, own)))
        return cls([own[i] for i in order], [account_keys[i] for i in order], currency)


def _maybe_repeated(ranked: Sequence[tuple[object, ...]], meters: list[str]) -> bool:
    """Whether two lines could share an identity: two neighbours in the order with one key, or
    two spellings of one meter id (the order keeps a meter id's spelling; identities do not)."""
    spellings = set(meters)
    return any(map(eq, ranked, ranked[1:])) or len(spellings) != len(set(map(id_key, spellings)))


def _ensure_merged(
    own: list[CostLine],
    dates: list[date],
    account_keys: list[str],
    meters: list[str],
    charges: list[ChargeType],
) -> None:
    """`ensure_merged`, with the identities computed column by column (no error: no cost)."""
    # Enum members are singletons: id() tells them apart without hashing them (slow).
    identities = zip(
        dates,
        account_keys,
        map(_keyed(meters).__getitem__, meters),
        map(_NAME, own),
        map(id, charges),
        map(id, map(_PRICING, own)),
        strict=True,
    )
    if len(set(identities)) != len(own):
        ensure_merged(own)  # raises, naming the line


def _keyed(values: list[str]) -> dict[str, str]:
    """`id_key` of each distinct value."""
    return {v: id_key(v) for v in set(values)}
