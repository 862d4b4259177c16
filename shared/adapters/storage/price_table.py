"""The `retailprices` table: the meter catalogue as last refreshed from the Retail Prices API.

PartitionKey `items|{2 hex of hash(meter id)}` (256 partitions, so a full rewrite is a few hundred
transactions rather than one per meter), RowKey a hash of the item's identity (meter id, region,
type, effective start, reservation term, SKU, product, unit, currency). A marker row (`refresh` /
`latest`) holds when the refresh last succeeded, when the items last changed, and their count.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    Entity,
    TableGateway,
    exact_range,
    prefix_range,
)
from shared.adapters.storage.table_gateway import replace as replace_range
from shared.core.catalogue import RetailItemType, RetailPriceItem, item_identity, unique_items
from shared.core.digest import digest
from shared.errors import InvalidInput

TABLE = "retailprices"
ITEMS_PREFIX = "items|"
MARKER_PK = "refresh"
MARKER_RK = "latest"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PriceRefreshMarker:
    """The last successful refresh: when, from where, how many items, when they last changed."""

    refreshed_at: datetime
    changed_at: datetime
    items: int
    source: str


class PriceTable:
    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def replace_items(
        self, items: Sequence[RetailPriceItem], refreshed_at: datetime, source: str
    ) -> bool:
        """Make the stored items exactly `items` (never none) and update the marker; True when
        the items changed. Only changed entities are written."""
        if not items:
            raise InvalidInput("items", "refusing to replace the stored catalogue with no items")
        unique, _conflicts = unique_items(items)
        changed = bool(
            replace_range(
                self._gateway, TABLE, prefix_range(ITEMS_PREFIX), [_entity(i) for i in unique]
            )
        )
        before = self.marker()
        changed_at = refreshed_at if changed or before is None else before.changed_at
        marker: Entity = {
            PK: MARKER_PK,
            RK: MARKER_RK,
            "RefreshedAt": refreshed_at.isoformat(),
            "ChangedAt": changed_at.isoformat(),
            "Items": len(unique),
            "Source": source,
        }
        replace_range(self._gateway, TABLE, exact_range(MARKER_PK), [marker])
        return changed

    def items(self) -> list[RetailPriceItem]:
        """Every stored item, in key order; [] when the catalogue was never refreshed."""
        rows = self._gateway.query(TABLE, *prefix_range(ITEMS_PREFIX))
        return [_item(row) for row in rows]

    def marker(self) -> PriceRefreshMarker | None:
        found = self._gateway.get(TABLE, MARKER_PK, MARKER_RK)  # a point read
        if found is None:
            return None
        row = found.entity
        return PriceRefreshMarker(
            refreshed_at=datetime.fromisoformat(str(row["RefreshedAt"])),
            changed_at=datetime.fromisoformat(str(row["ChangedAt"])),
            items=int(row["Items"]),
            source=str(row.get("Source", "")),
        )


def _entity(item: RetailPriceItem) -> Entity:
    identity = item_identity(item)
    return {
        PK: f"{ITEMS_PREFIX}{digest(identity[0])[:2]}",
        RK: digest(*identity),
        "MeterId": item.meter_id,
        "MeterName": item.meter_name,
        "ProductName": item.product_name,
        "SkuName": item.sku_name,
        "ServiceName": item.service_name,
        "UnitOfMeasure": item.unit_of_measure,
        "ArmRegionName": item.arm_region_name,
        "ArmSkuName": item.arm_sku_name,
        "RetailPrice": str(item.retail_price),
        "CurrencyCode": item.currency,
        "Type": item.type.value,
        "EffectiveStartDate": item.effective_start.isoformat(),
        "EffectiveEndDate": item.effective_end.isoformat() if item.effective_end else "",
        "ReservationTerm": item.reservation_term,
    }


def _item(row: Entity) -> RetailPriceItem:
    end = str(row.get("EffectiveEndDate") or "")
    return RetailPriceItem(
        meter_id=str(row["MeterId"]),
        meter_name=str(row["MeterName"]),
        product_name=str(row["ProductName"]),
        sku_name=str(row.get("SkuName", "")),
        service_name=str(row.get("ServiceName", "")),
        unit_of_measure=str(row["UnitOfMeasure"]),
        arm_region_name=str(row.get("ArmRegionName", "")),
        arm_sku_name=str(row.get("ArmSkuName", "")),
        retail_price=Decimal(str(row["RetailPrice"])),
        currency=str(row.get("CurrencyCode", "")),
        type=RetailItemType.parse(str(row["Type"])),
        effective_start=date.fromisoformat(str(row["EffectiveStartDate"])),
        effective_end=date.fromisoformat(end) if end else None,
        reservation_term=str(row.get("ReservationTerm", "")),
    )
