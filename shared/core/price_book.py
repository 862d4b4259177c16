"""The price book: what one unit of a meter costs this tenant, effective or list, per base unit.

Built once from the tenant's cost lines and the catalogue's retail price items
(`PriceBook.build`); every price it answers is per ONE base unit (a token, an hour, an image:
shared/core/units.py), so prices of `1K` and `1M` meters compare directly.

Effective prices (the tenant's own)
-----------------------------------
Per meter id (case-insensitive), price basis (ActualCost or AmortizedCost) and day, and over the
whole span of the lines given (the period average): the sum of the costs / the sum of the
quantities in base units. That is what the tenant pays, negotiated discounts included; under
AmortizedCost reservation-covered hours carry the prorated reservation price (under ActualCost
they cost 0, as billed). Optionally per pricing model too (`pricing_model=RESERVATION`: the
reserved PTU-hours alone, `ON_DEMAND`: the pay-as-you-go ones).

Lines left out (`PriceBook.excluded` counts them by reason):

- charge types other than `Usage` (purchases, refunds, unused reservations, taxes, rounding):
  they are not the price of a unit consumed;
- lines with zero quantity (a cost without a quantity has no unit price);
- lines whose unit cannot be read: a line's unit is its own `unit_of_measure` when readable, else
  the catalogue's unit of its meter id, else the unit its meter name implies (as
  `classify_by_name` does); with none of them, the line is left out;
- lines whose unit counts another base unit than the meter's first line (tokens vs hours).

A key whose quantities sum to zero or less answers no effective price. The lines must be in one
currency (CurrencyMismatch otherwise).

List prices (the catalogue's)
-----------------------------
Consumption items by meter id, region and day: with a day, the item in force that day; without
one, the newest item (latest effective start). Without a region, the items of every region are
candidates, and a list price is answered only when they all agree per base unit (meter ids are
regional in practice). Reservation items are per term (`1 Month`, `1 Year`), per PTU for the
whole term.

`price()` answers the effective price when the tenant has one (for a day without lines, the
period average), else the list price, else None. `discount` = 1 - effective / list, None when
either is missing, the list price is zero, or the two are in different currencies or base units
(no exchange rates in the core: `list_amount` is then None too).

PTU
---
`ptu_hourly` is the per-PTU-hour price of a family's `Provisioned Managed <type> Unit` meter in a
region (effective from the tenant's on-demand lines of that meter, else list; the legacy
commitment meters are not candidates). A model given for its family names the family of the
catalogue's meters of that model (`family_of`): a model the catalogue does not classify (Llama)
has no PTU price here. `ptu_reservation` is the catalogue's reservation price
spread over the hours of its term, as Azure amortizes it: a `1 Month` reservation over the hours
of the calendar month of `day` (31 x 24 = 744 in October: 260 / 744 = 0.3495 per PTU-hour),
a `1 Year` one over the 365 or 366 days from `day`; without a day, over 730 hours (8,760 / 12)
and 8,760 hours.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from types import MappingProxyType

from shared.core.catalogue import (
    RetailItemType,
    RetailPriceItem,
    classify_by_name,
    classify_item,
    meter_key,
)
from shared.core.costs import ChargeType, CostLine, CostType, PricingModel, billing_currency
from shared.core.meter_names import normalise_meter_name
from shared.core.meters import DeploymentType, MeterInfo, Mode, TokenKind
from shared.core.model_families import ModelFamily
from shared.core.money import ZERO, in_money_context
from shared.core.units import BaseUnit, MeterUnit, UnitPrice, normalise_unit

HOURS_PER_DAY = 24
AVERAGE_MONTH_HOURS = 730  # 8,760 / 12
YEAR_HOURS = 8_760
_MANAGED_PTU_PREFIX = "provisioned managed "


class PriceSource(Enum):
    EFFECTIVE = "effective"  # the tenant's cost lines
    LIST = "list"  # the Retail Prices catalogue


class ReservationTerm(Enum):
    """A PTU reservation term; the value is how callers name it."""

    MONTH = "1m"
    YEAR = "1y"

    @property
    def catalogue_text(self) -> str:
        """The item's `reservationTerm` text."""
        return "1 Month" if self is ReservationTerm.MONTH else "1 Year"

    @classmethod
    def parse(cls, term: ReservationTerm | str) -> ReservationTerm:
        if isinstance(term, ReservationTerm):
            return term
        wanted = term.strip().lower()
        for member in cls:
            if wanted in (member.value, member.catalogue_text.lower()):
                return member
        raise ValueError(f"reservation term {term!r} is not '1m' or '1y'")


class Exclusion(Enum):
    """Why a cost line gives no effective price."""

    NOT_USAGE = "not-usage"
    ZERO_QUANTITY = "zero-quantity"
    UNREADABLE_UNIT = "unreadable-unit"
    UNIT_CONFLICT = "unit-conflict"


@dataclass(frozen=True)
class Price:
    """What one base unit costs: `amount` per ONE base unit of `unit.base`, in `currency`.

    `list_amount` is the list price per base unit in the same currency (None when unknown or in
    another currency); `discount` = 1 - amount / list_amount for an effective price, else None.
    """

    amount: Decimal
    unit: MeterUnit
    source: PriceSource
    currency: str
    list_amount: Decimal | None = None
    discount: Decimal | None = None

    @property
    def base(self) -> BaseUnit:
        return self.unit.base

    @property
    def unit_of_measure(self) -> str:
        """The meter's unit of measure, as billed (`1K`, `1M`, `1/Hour`)."""
        return self.unit.unit_of_measure

    @property
    def unit_price(self) -> UnitPrice:
        return UnitPrice(amount=self.amount, base=self.unit.base)

    @property
    @in_money_context
    def per_block(self) -> Decimal:
        """The price per billed block of the meter's unit (per 1K tokens for a `1K` meter)."""
        return self.amount * self.unit.block


@dataclass(frozen=True)
class EffectiveRate:
    """The sums behind one effective price: cost over quantity in base units."""

    cost: Decimal
    base_quantity: Decimal
    unit: MeterUnit
    lines: int

    @property
    @in_money_context
    def amount(self) -> Decimal:
        return self.cost / self.base_quantity


# (meter key, price basis, day or None for the period, pricing model or None for all)
RateKey = tuple[str, CostType, date | None, PricingModel | None]


@dataclass(frozen=True)
class _ListItem:
    """A retail item with its meter classified (None: a non-model meter) and its unit read."""

    item: RetailPriceItem
    info: MeterInfo | None
    unit: MeterUnit


@dataclass(frozen=True)
class PriceBook:
    """Effective prices from the tenant's cost lines, list prices from the catalogue."""

    currency: str | None = None
    rates: Mapping[RateKey, EffectiveRate] = field(default_factory=lambda: MappingProxyType({}))
    consumption: Mapping[str, tuple[_ListItem, ...]] = field(
        default_factory=lambda: MappingProxyType({}), repr=False
    )
    reservations: tuple[_ListItem, ...] = field(default=(), repr=False)
    excluded: Mapping[Exclusion, int] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    @in_money_context
    def build(cls, lines: Iterable[CostLine], items: Iterable[RetailPriceItem]) -> PriceBook:
        consumption: dict[str, list[_ListItem]] = {}
        reservations: list[_ListItem] = []
        for item in items:
            listed = _list_item(item)
            if listed is None:
                continue
            if item.is_consumption:
                consumption.setdefault(meter_key(item.meter_id), []).append(listed)
            elif item.type is RetailItemType.RESERVATION:
                reservations.append(listed)
        units = {key: found[0].unit for key, found in consumption.items()}

        usable: list[tuple[CostLine, MeterUnit]] = []
        excluded: Counter[Exclusion] = Counter()
        first_unit: dict[str, MeterUnit] = {}
        for line in lines:
            key = meter_key(line.meter_id)
            if line.charge_type is not ChargeType.USAGE:
                excluded[Exclusion.NOT_USAGE] += 1
                continue
            if line.quantity == 0:
                excluded[Exclusion.ZERO_QUANTITY] += 1
                continue
            unit = _line_unit(line, units.get(key))
            if unit is None:
                excluded[Exclusion.UNREADABLE_UNIT] += 1
                continue
            if first_unit.setdefault(key, unit).base is not unit.base:
                excluded[Exclusion.UNIT_CONFLICT] += 1
                continue
            usable.append((line, unit))

        sums: dict[RateKey, tuple[Decimal, Decimal, int]] = {}
        for line, unit in usable:
            key = meter_key(line.meter_id)
            quantity = unit.to_base(line.quantity)
            for day in (line.date, None):
                for model in (line.pricing_model, None):
                    rate_key = (key, line.cost_type, day, model)
                    cost, base, count = sums.get(rate_key, (ZERO, ZERO, 0))
                    sums[rate_key] = (cost + line.cost, base + quantity, count + 1)
        rates = {
            rate_key: EffectiveRate(cost, base, first_unit[rate_key[0]], count)
            for rate_key, (cost, base, count) in sums.items()
            if base > 0
        }
        return cls(
            currency=billing_currency(line for line, _ in usable),
            rates=MappingProxyType(rates),
            consumption=MappingProxyType({k: tuple(v) for k, v in consumption.items()}),
            reservations=tuple(reservations),
            excluded=MappingProxyType(dict(excluded)),
        )

    def effective(
        self,
        meter_id: str,
        day: date | None = None,
        cost_type: CostType = CostType.AMORTIZED,
        pricing_model: PricingModel | None = None,
    ) -> EffectiveRate | None:
        """The tenant's rate of the meter that day (None: over the period), if it has one."""
        return self.rates.get((meter_key(meter_id), cost_type, day, pricing_model))

    @in_money_context
    def price(
        self,
        meter_id: str,
        day: date | None = None,
        cost_type: CostType = CostType.AMORTIZED,
        region: str | None = None,
        pricing_model: PricingModel | None = None,
    ) -> Price | None:
        """What one base unit of the meter costs: effective (that day, else the period average),
        else list, else None (see the module docstring)."""
        listed = self._list(meter_id, region, day)
        rate = self.effective(meter_id, day, cost_type, pricing_model)
        if rate is None and day is not None:
            rate = self.effective(meter_id, None, cost_type, pricing_model)
        if rate is None:
            return None if listed is None else _list_price(*listed)
        amount = rate.amount
        list_amount = None
        if listed is not None:
            item, unit, per_unit = listed
            if item.currency.upper() == (self.currency or "") and unit.base is rate.unit.base:
                list_amount = per_unit
        discount = None if not list_amount else 1 - amount / list_amount
        return Price(
            amount=amount,
            unit=rate.unit,
            source=PriceSource.EFFECTIVE,
            currency=self.currency or "",
            list_amount=list_amount,
            discount=discount,
        )

    def list_price(
        self, meter_id: str, region: str | None = None, day: date | None = None
    ) -> Price | None:
        """The catalogue's price of the meter per base unit (see the module docstring)."""
        listed = self._list(meter_id, region, day)
        return None if listed is None else _list_price(*listed)

    @in_money_context
    def list_price_for(
        self,
        model: str,
        version: str,
        kind: TokenKind,
        deployment_type: DeploymentType,
        mode: Mode,
        region: str,
        day: date | None = None,
    ) -> Price | None:
        """The list price of a configuration the tenant may not run: the consumption items of
        the region whose meter classifies (`classify_item`) as the model (any case), kind,
        deployment type and mode, and fits the version (a deployment's `2024-11-20` or the
        meter's `1120`; "" fits only meters without a version). Meters carrying a version win
        over versionless ones; None when nothing fits or the fitting meters disagree per base
        unit. PTU units have no model: use `ptu_hourly`."""
        wanted = model.strip().lower()
        fits = [
            listed
            for found in self.consumption.values()
            for listed in found
            if listed.info is not None
            and listed.info.model.lower() == wanted
            and listed.info.kind is kind
            and listed.info.deployment_type is deployment_type
            and listed.info.mode is mode
            and _version_fits(listed.info, version)
        ]
        versioned = [listed for listed in fits if listed.info and listed.info.version]
        return _one_price(_current(versioned or fits, region, day))

    def ptu_hourly(
        self,
        family_or_model: ModelFamily | str,
        deployment_type: DeploymentType,
        region: str,
        day: date | None = None,
        cost_type: CostType = CostType.AMORTIZED,
    ) -> Price | None:
        """Per PTU-hour, on demand: the tenant's effective rate of the region's `Provisioned
        Managed <type> Unit` meter of the family (a model names its family), else its list."""
        family = self.family_of(family_or_model)
        candidates = [
            listed
            for found in self.consumption.values()
            for listed in found
            if _is_managed_ptu(listed, family, deployment_type)
        ]
        current = _current(candidates, region, day)
        if not current or len({meter_key(c.item.meter_id) for c in current}) != 1:
            return _one_price(current)
        return self.price(
            current[0].item.meter_id, day, cost_type, region, pricing_model=PricingModel.ON_DEMAND
        )

    @in_money_context
    def ptu_reservation(
        self,
        family_or_model: ModelFamily | str,
        deployment_type: DeploymentType,
        region: str,
        term: ReservationTerm | str,
        day: date | None = None,
    ) -> Price | None:
        """The list reservation price per PTU-hour: the term's price spread over its hours."""
        family = self.family_of(family_or_model)
        wanted = ReservationTerm.parse(term)
        candidates = [
            listed
            for listed in self.reservations
            if listed.item.reservation_term.strip().lower() == wanted.catalogue_text.lower()
            and _is_managed_ptu(listed, family, deployment_type)
        ]
        current = _current(candidates, region, day)
        terms = {c.item.retail_price for c in current}
        if len(terms) != 1 or len({c.item.currency.upper() for c in current}) != 1:
            return None
        hours = term_hours(wanted, day)
        per_hour = next(iter(terms)) / hours
        return Price(
            amount=per_hour,
            unit=current[0].unit,
            source=PriceSource.LIST,
            currency=current[0].item.currency.upper(),
            list_amount=per_hour,
        )

    def family_of(self, family_or_model: ModelFamily | str) -> ModelFamily | None:
        """A family as given; a model's family: that of the catalogue's meters of the model (any
        case), None when the catalogue classifies none (or its meters disagree)."""
        if isinstance(family_or_model, ModelFamily):
            return family_or_model
        wanted = family_or_model.strip().lower()
        families = {
            listed.info.family
            for found in self.consumption.values()
            for listed in found
            if listed.info is not None and listed.info.model.lower() == wanted
        }
        return families.pop() if len(families) == 1 else None

    def _list(
        self, meter_id: str, region: str | None, day: date | None
    ) -> tuple[RetailPriceItem, MeterUnit, Decimal] | None:
        current = _current(self.consumption.get(meter_key(meter_id), ()), region, day)
        prices = {_per_unit(c) for c in current}
        currencies = {c.item.currency.upper() for c in current}
        if len(prices) != 1 or len(currencies) != 1:
            return None
        return current[0].item, current[0].unit, prices.pop()


def term_hours(term: ReservationTerm, day: date | None = None) -> int:
    """The hours a reservation's price is spread over (see the module docstring)."""
    if term is ReservationTerm.MONTH:
        if day is None:
            return AVERAGE_MONTH_HOURS
        return calendar.monthrange(day.year, day.month)[1] * HOURS_PER_DAY
    if day is None:
        return YEAR_HOURS
    try:
        anniversary = day.replace(year=day.year + 1)
    except ValueError:  # 29 February: the term ends on 28 February, the next day is 1 March
        anniversary = date(day.year + 1, 3, 1)
    return (anniversary - day).days * HOURS_PER_DAY


def _list_item(item: RetailPriceItem) -> _ListItem | None:
    """The item with its meter classified and its unit read; None when the unit is unreadable."""
    try:
        unit = normalise_unit(item.unit_of_measure, item.meter_name)
    except ValueError:
        return None
    return _ListItem(item=item, info=classify_item(item), unit=unit)


def _line_unit(line: CostLine, catalogue_unit: MeterUnit | None) -> MeterUnit | None:
    """The unit of a cost line's quantity: its own, else the catalogue's, else its name's."""
    try:
        return normalise_unit(line.unit_of_measure, line.meter_name)
    except ValueError:
        pass
    if catalogue_unit is not None:
        return catalogue_unit
    info = classify_by_name(line.meter_id, line.meter_name)
    if info is None:
        return None
    try:
        return normalise_unit(info.unit_of_measure, line.meter_name)
    except ValueError:
        return None


def _current(
    candidates: Iterable[_ListItem], region: str | None, day: date | None
) -> list[_ListItem]:
    """Per meter and region, the item in force on the day (the newest without a day)."""
    wanted = region.strip().lower() if region else None
    newest: dict[tuple[str, str], _ListItem] = {}
    for listed in candidates:
        item = listed.item
        where = item.arm_region_name.strip().lower()
        if wanted is not None and where != wanted:
            continue
        if day is not None and not item.in_force_on(day):
            continue
        key = (meter_key(item.meter_id), where)
        seen = newest.get(key)
        if seen is None or item.effective_start > seen.item.effective_start:
            newest[key] = listed
    return list(newest.values())


@in_money_context
def _per_unit(listed: _ListItem) -> Decimal:
    return listed.item.retail_price / listed.unit.block


def _list_price(item: RetailPriceItem, unit: MeterUnit, per_unit: Decimal) -> Price:
    return Price(
        amount=per_unit,
        unit=unit,
        source=PriceSource.LIST,
        currency=item.currency.upper(),
        list_amount=per_unit,
    )


def _one_price(current: list[_ListItem]) -> Price | None:
    """The list price the items agree on per base unit (one base unit, one currency), or None."""
    prices = {(_per_unit(c), c.unit.base, c.item.currency.upper()) for c in current}
    if len(prices) != 1:
        return None
    return _list_price(current[0].item, current[0].unit, _per_unit(current[0]))


def _version_fits(info: MeterInfo, version: str) -> bool:
    if not info.version:
        return True
    return bool(version) and info.matches_version(version)


def _is_managed_ptu(
    listed: _ListItem, family: ModelFamily | None, deployment_type: DeploymentType
) -> bool:
    info = listed.info
    return (
        info is not None
        and family is not None
        and info.kind is TokenKind.PTU_HOUR
        and info.mode is Mode.PROVISIONED
        and info.family is family
        and info.deployment_type is deployment_type
        and listed.unit.base is BaseUnit.HOUR
        and normalise_meter_name(info.meter_name).startswith(_MANAGED_PTU_PREFIX)
    )
