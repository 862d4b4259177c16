"""The meter catalogue: retail price items classified by meter id, with the name parser behind it.

`TableCatalogue.classify` looks the meter id up first (case-insensitive); a meter id the table
knows answers even when it is a known non-model meter (None). Only an unknown id falls back to the
name parser, without a product, so a PTU name alone never resolves (other vendors share it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cached_property
from types import MappingProxyType
from typing import Any

from shared.core.digest import digest
from shared.core.meter_names import (
    ParsedMeter,
    assumed_unit_of_measure,
    block_size,
    is_non_model_meter,
    parse_meter_name,
)
from shared.core.meters import MeterInfo
from shared.core.model_families import is_model_product
from shared.core.money import to_decimal
from shared.core.resource_id import id_key
from shared.errors import InvalidInput


class RetailItemType(Enum):
    """The `type` of a retail price item; the value is the API's text (and the stored one)."""

    CONSUMPTION = "Consumption"
    RESERVATION = "Reservation"
    DEV_TEST_CONSUMPTION = "DevTestConsumption"
    OTHER = "Other"

    @classmethod
    def parse(cls, text: str) -> RetailItemType:
        """The type of the API's (or a stored row's) text, any case; another text is OTHER."""
        wanted = text.strip().lower()
        return next((t for t in cls if t.value.lower() == wanted), cls.OTHER)


@dataclass(frozen=True)
class RetailPriceItem:
    """One item of the Azure Retail Prices API (`prices.azure.com/api/retail/prices`)."""

    meter_id: str
    meter_name: str
    product_name: str
    sku_name: str
    service_name: str
    unit_of_measure: str
    arm_region_name: str
    arm_sku_name: str
    retail_price: Decimal
    currency: str
    type: RetailItemType
    effective_start: date
    effective_end: date | None = None
    reservation_term: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RetailPriceItem:
        """An item from its JSON object; pass numbers as Decimal (`parse_float=Decimal`) or text."""
        end = data.get("effectiveEndDate")
        return cls(
            meter_id=_text(data, "meterId"),
            meter_name=_text(data, "meterName"),
            product_name=_text(data, "productName"),
            sku_name=str(data.get("skuName", "")),
            service_name=str(data.get("serviceName", "")),
            unit_of_measure=_text(data, "unitOfMeasure"),
            arm_region_name=str(data.get("armRegionName", "")),
            arm_sku_name=str(data.get("armSkuName", "")),
            retail_price=to_decimal(data.get("retailPrice"), "retailPrice"),
            currency=str(data.get("currencyCode", "")),
            type=RetailItemType.parse(_text(data, "type")),
            effective_start=_day(_text(data, "effectiveStartDate"), "effectiveStartDate"),
            effective_end=_day(str(end), "effectiveEndDate") if end else None,
            reservation_term=str(data.get("reservationTerm", "")),
        )

    @property
    def is_consumption(self) -> bool:
        return self.type is RetailItemType.CONSUMPTION

    def in_force_on(self, day: date) -> bool:
        """True when `day` lies within the item's effective dates (the end day included)."""
        return self.effective_start <= day and (
            self.effective_end is None or day <= self.effective_end
        )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None or not str(value).strip():
        raise InvalidInput(key, "missing from retail price item")
    return str(value)


def _day(value: str, key: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InvalidInput(key, f"not a date: {value!r}") from None


def meter_key(meter_id: str) -> str:
    """How the catalogue looks a meter id up: its `id_key`, blanks around it ignored."""
    return id_key(meter_id.strip())


@dataclass(frozen=True)
class TableCatalogue:
    """Meter id -> MeterInfo (None: a known meter that belongs to no model), plus list prices."""

    entries: Mapping[str, MeterInfo | None] = field(default_factory=lambda: MappingProxyType({}))
    prices: Mapping[str, tuple[RetailPriceItem, ...]] = field(
        default_factory=lambda: MappingProxyType({}), repr=False
    )
    account_level: frozenset[str] = frozenset()

    def classify(self, meter_id: str, meter_name: str) -> MeterInfo | None:
        """By meter id first; for an id the table does not know, by the name alone."""
        key = meter_key(meter_id)
        if key in self.entries:
            return self.entries[key]
        return classify_by_name(meter_id, meter_name)

    def is_account_level(self, meter_id: str, meter_name: str) -> bool:
        """A known non-model charge: by id (a non-model product or name), else by the name."""
        key = meter_key(meter_id)
        if key in self.entries:
            return key in self.account_level
        return is_non_model_meter(meter_name)

    def knows(self, meter_id: str) -> bool:
        """True when the meter id is in the table (as a model meter or as a known non-model one)."""
        return meter_key(meter_id) in self.entries

    def price_item(self, meter_id: str, region: str, on: date) -> RetailPriceItem | None:
        """The consumption price item of the meter in the region in force on the day, if any."""
        wanted = region.strip().lower()
        candidates = [
            item
            for item in self.prices.get(meter_key(meter_id), ())
            if item.arm_region_name.lower() == wanted and item.in_force_on(on)
        ]
        return max(candidates, key=lambda item: item.effective_start, default=None)

    def price(self, meter_id: str, region: str, on: date) -> Decimal | None:
        """The list (retail) price per unit-of-measure block, in the item's currency."""
        item = self.price_item(meter_id, region, on)
        return None if item is None else item.retail_price

    def with_overrides(self, overrides: Mapping[str, MeterInfo | None]) -> TableCatalogue:
        """A copy where each meter id of `overrides` classifies as given (None: known non-model)."""
        entries = dict(self.entries)
        entries.update({meter_key(meter_id): info for meter_id, info in overrides.items()})
        return replace(self, entries=MappingProxyType(entries))

    def __len__(self) -> int:
        return len(self.entries)

    @cached_property
    def version(self) -> str:
        """A digest of the classification and the list prices (MeterCatalogue.version)."""
        entries = (f"{key}={info!r}" for key, info in sorted(self.entries.items()))
        prices = (
            f"{key}:{'|'.join(item_identity(i))}={i.retail_price}"
            for key, items in sorted(self.prices.items())
            for i in items
        )
        return digest(*entries, *prices, *sorted(self.account_level), length=12)


def meter_info(
    parsed: ParsedMeter, meter_id: str, meter_name: str, product: str, unit_of_measure: str
) -> MeterInfo:
    """The MeterInfo for a parsed meter name and the item's metadata."""
    return MeterInfo(
        meter_id=meter_id,
        meter_name=meter_name,
        product=product,
        unit_of_measure=unit_of_measure,
        model=parsed.model,
        version=parsed.version,
        kind=parsed.kind,
        deployment_type=parsed.deployment_type,
        mode=parsed.mode,
        block=block_size(unit_of_measure),
        family=parsed.family,
    )


def classify_item(item: RetailPriceItem) -> MeterInfo | None:
    """The item's meter classified from its name, product and unit; None for a non-model meter."""
    parsed = parse_meter_name(item.meter_name, item.product_name, item.unit_of_measure)
    if parsed is None:
        return None
    return meter_info(
        parsed, item.meter_id, item.meter_name, item.product_name, item.unit_of_measure
    )


def is_account_charge(item: RetailPriceItem) -> bool:
    """A non-model item: a tool or storage meter of a model product, or a non-model product
    (content safety, speech...). Model products (`Azure OpenAI ...`, `Llama models`, `Deepseek
    model family`) whose meter the parser cannot read stay unknown, never account charges."""
    if is_model_product(item.product_name):
        return is_non_model_meter(item.meter_name)
    return True


def classify_by_name(meter_id: str, meter_name: str) -> MeterInfo | None:
    """A meter not in the price list, from its name alone; the unit is the one its name implies."""
    parsed = parse_meter_name(meter_name)
    if parsed is None:
        return None
    unit = assumed_unit_of_measure(meter_name, parsed.kind)
    return meter_info(parsed, meter_id, meter_name, "", unit)


def build_catalogue(
    items: Iterable[RetailPriceItem],
    overrides: Mapping[str, MeterInfo | None] | None = None,
) -> TableCatalogue:
    """Classify every item's meter id; consumption items win over reservation items of the same id.

    Reservation items reuse the hourly PTU meter's id; they classify an id only when no consumption
    item has it. Every item's id enters the table, so known non-model meters answer None by id.
    """
    ordered = sorted(items, key=lambda item: not item.is_consumption)
    entries: dict[str, MeterInfo | None] = {}
    account_level: set[str] = set()
    prices: dict[str, list[RetailPriceItem]] = {}
    for item in ordered:
        key = meter_key(item.meter_id)
        if key not in entries or (entries[key] is None and item.is_consumption):
            entries[key] = classify_item(item)
            if entries[key] is None and is_account_charge(item):
                account_level.add(key)
        if item.is_consumption:
            prices.setdefault(key, []).append(item)
    catalogue = TableCatalogue(
        entries=MappingProxyType(entries),
        prices=MappingProxyType({key: tuple(found) for key, found in prices.items()}),
        account_level=frozenset(k for k in account_level if entries.get(k) is None),
    )
    return catalogue.with_overrides(overrides) if overrides else catalogue


def item_identity(item: RetailPriceItem) -> tuple[str, ...]:
    """What tells two retail price items apart (two items with the same identity are one item)."""
    return (
        meter_key(item.meter_id),
        item.arm_region_name.lower(),
        item.type.value,
        item.effective_start.isoformat(),
        item.reservation_term,
        item.sku_name,
        item.product_name,
        item.unit_of_measure,
        item.currency,
    )


def unique_items(
    items: Sequence[RetailPriceItem],
) -> tuple[list[RetailPriceItem], list[tuple[str, ...]]]:
    """The items with the first of each identity kept (a paging overlap repeats items), and the
    identities two different items shared."""
    seen: dict[tuple[str, ...], RetailPriceItem] = {}
    conflicts: list[tuple[str, ...]] = []
    for item in items:
        key = item_identity(item)
        if key in seen and seen[key] != item:
            conflicts.append(key)
        seen.setdefault(key, item)
    return list(seen.values()), conflicts
