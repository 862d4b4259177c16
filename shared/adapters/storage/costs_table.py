"""The `costs` table: collected cost lines.

PartitionKey `{period}|{costType}|{accountKey}`, RowKey `{date}|{hash of meter, charge, pricing}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from shared.adapters.storage.table_gateway import (
    PK,
    Entity,
    PlannedWrite,
    TableGateway,
    plan_replace,
    prefix_range,
    shard_range,
)
from shared.adapters.storage.table_keys import account_key, day_text, parse_day
from shared.core.costs import ChargeType, CostLine, CostType, PricingModel, merge_cost_lines
from shared.core.digest import digest
from shared.core.period import BillingPeriod, DateWindow
from shared.core.resource_id import id_key
from shared.core.shards import AccountShard

TABLE = "costs"


class CostsTable:
    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def plan_window(
        self, window: DateWindow, cost_type: CostType, lines: Sequence[CostLine]
    ) -> dict[BillingPeriod, PlannedWrite]:
        """Per period, the writes that make the stored lines of the window exactly `lines`,
        merged: the row key is the line's identity, so the store keeps one row per identity
        whoever writes (and the allocator reads them back without merging again)."""
        plans: dict[BillingPeriod, PlannedWrite] = {}
        for period in window.periods():
            own = [ln for ln in lines if ln.date in window and BillingPeriod.of(ln.date) == period]
            plan = plan_replace(
                self._gateway,
                TABLE,
                prefix_range(f"{period}|{cost_type.value}|"),
                (_entity(period, ln) for ln in merge_cost_lines(own)),
                in_scope=lambda e: parse_day(e["Date"]) in window,
            )
            plans[period] = PlannedWrite(self._gateway, (plan,))
        return plans

    def replace_window(
        self, window: DateWindow, cost_type: CostType, lines: Sequence[CostLine]
    ) -> set[BillingPeriod]:
        """Make the stored lines of the window exactly `lines`; returns the periods that changed."""
        return {p for p, w in self.plan_window(window, cost_type, lines).items() if w.apply()}

    def lines_for(
        self, period: BillingPeriod, cost_type: CostType, shard: AccountShard | None = None
    ) -> list[CostLine]:
        rows = self._gateway.query(TABLE, *shard_range(f"{period}|{cost_type.value}|", shard))
        return [_line(row) for row in rows]

    def count_window(self, window: DateWindow, cost_type: CostType) -> int:
        return sum(
            1
            for period in window.periods()
            for row in self._gateway.query(TABLE, *prefix_range(f"{period}|{cost_type.value}|"))
            if parse_day(row["Date"]) in window
        )

    def has_lines(self, period: BillingPeriod, cost_type: CostType) -> bool:
        return self._gateway.exists(TABLE, *prefix_range(f"{period}|{cost_type.value}|"))


def _entity(period: BillingPeriod, ln: CostLine) -> Entity:
    tail = digest(id_key(ln.meter_id), ln.meter_name, ln.charge_type.value, ln.pricing_model.value)
    return {
        PK: f"{period}|{ln.cost_type.value}|{account_key(ln.account_id)}",
        "RowKey": f"{day_text(ln.date)}|{tail}",
        "Date": day_text(ln.date),
        "AccountId": ln.account_id,
        "MeterId": ln.meter_id,
        "MeterName": ln.meter_name,
        "MeterCategory": ln.meter_category,
        "MeterSubcategory": ln.meter_subcategory,
        "UnitOfMeasure": ln.unit_of_measure,
        "Quantity": str(ln.quantity),
        "Cost": str(ln.cost),
        "Currency": ln.currency,
        "ChargeType": ln.charge_type.value,
        "PricingModel": ln.pricing_model.value,
        "CostType": ln.cost_type.value,
    }


def _line(row: Entity) -> CostLine:
    return CostLine(
        date=parse_day(row["Date"]),
        account_id=str(row["AccountId"]),
        meter_id=str(row["MeterId"]),
        meter_name=str(row["MeterName"]),
        quantity=Decimal(str(row["Quantity"])),
        cost=Decimal(str(row["Cost"])),
        currency=str(row["Currency"]),
        charge_type=ChargeType.parse(str(row["ChargeType"])),
        pricing_model=PricingModel.parse(str(row["PricingModel"])),
        cost_type=CostType(str(row["CostType"])),
        unit_of_measure=str(row.get("UnitOfMeasure", "")),
        meter_category=str(row.get("MeterCategory", "")),
        meter_subcategory=str(row.get("MeterSubcategory", "")),
    )
