"""A period's cost lines of one price basis, checked and ordered for the allocation.

The checks and the order are those of `ensure_merged`, `billing_currency` and the allocation's
line order; they are computed here column by column rather than line by line, because a period
has tens of thousands of lines and the allocation's own work per line is a few lookups: each
sort key read once per line by `map`, ranked among its distinct values, and the lines ordered
by one stable `lexsort` of the ranks (numpy, imported when a period is allocated).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from shared.core.costs import ChargeType, CostLine, CostType, ensure_merged, one_currency
from shared.core.period import BillingPeriod
from shared.core.resource_id import id_key
from shared.errors import InvalidInput

if TYPE_CHECKING:
    import numpy.typing as npt

    Int64s = npt.NDArray[Any]

_COST_TYPE = attrgetter("cost_type")
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
    account key of each (`account_keys`, in the same order), a number for each line's (account
    key, meter id, meter name) (`meter_codes`, int64: equal for equal triples) and their one
    currency."""

    ordered: list[CostLine]
    account_keys: list[str]
    meter_codes: Int64s
    currency: str | None

    def route_codes(self, day_groups: Mapping[date, int]) -> Int64s:
        """A number for each line's (`day_groups[day]`, account key, meter id, meter name), in
        order (int64: equal for equal keys). `day_groups` numbers days from 0; every line's day
        is in it."""
        import numpy as np

        count = len(self.ordered)
        groups = np.fromiter(map(day_groups.__getitem__, map(_DATE, self.ordered)), np.int64, count)
        width = int(self.meter_codes.max()) + 1 if count else 1
        return groups * width + self.meter_codes

    @classmethod
    def of(
        cls, period: BillingPeriod, lines: Sequence[CostLine], cost_type: CostType
    ) -> PeriodLines:
        """InvalidInput for two lines of one identity or a line outside the period;
        CurrencyMismatch for two currencies."""
        import numpy as np

        types = list(map(_COST_TYPE, lines))
        if types.count(cost_type) == len(types):  # the usual case: one basis given
            own = list(lines)
        else:
            own = [ln for ln, kind in zip(lines, types, strict=True) if kind is cost_type]
        dates = list(map(_DATE, own))
        accounts = list(map(_ACCOUNT, own))
        account_keys = list(map(_keyed(accounts).__getitem__, accounts))
        meters = list(map(_METER, own))
        names = list(map(_NAME, own))
        charges = list(map(_CHARGE, own))
        # Enum members are singletons: id() tells them apart without hashing them (slow).
        distinct = dict(zip(map(id, charges), charges, strict=True)) if charges else {}
        charge_values = {key: charge.value for key, charge in distinct.items()}
        ranks = [_ranks(dates), _ranks(account_keys), _ranks(meters), _ranks(names)]
        if len(distinct) > 1:
            ranks.append(_ranks(list(map(charge_values.__getitem__, map(id, charges)))))
        # The order of sorted(own) by (day, account key, meter id, name, charge value): stable.
        order = np.lexsort(ranks[::-1])
        ranked = np.stack(ranks)[:, order]
        repeated = bool((ranked[:, 1:] == ranked[:, :-1]).all(axis=0).any())
        if repeated or _spellings_collide(meters):
            _ensure_merged(own, dates, account_keys, meters, charges)
        if not set(dates) <= set(period.window.days()):
            raise InvalidInput("lines", f"cost lines outside period {period} were given")
        currency = one_currency(set(map(_CURRENCY, own)))
        # (account, meter id) numbered densely, then with the name: below len(own)**2 each.
        _, pairs = np.unique(ranked[1] * (len(own) + 1) + ranked[2], return_inverse=True)
        codes = pairs.astype(np.int64) * (len(own) + 1) + ranked[3]
        positions = order.tolist()
        return cls(
            [own[i] for i in positions], [account_keys[i] for i in positions], codes, currency
        )


def _ranks(values: Sequence[Any]) -> Int64s:
    """Each value's place among the distinct values in sorted order (int64)."""
    import numpy as np

    rank = {value: i for i, value in enumerate(sorted(set(values)))}
    return np.fromiter(map(rank.__getitem__, values), np.int64, len(values))


def _spellings_collide(meters: list[str]) -> bool:
    """Whether two spellings of one meter id exist (the order keeps a meter id's spelling;
    identities compare them by `id_key`)."""
    spellings = set(meters)
    return len(spellings) != len(set(map(id_key, spellings)))


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
