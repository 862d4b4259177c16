"""The `reconciliation` table: one period's billed-versus-observed report, one row per meter.

PK `{period}|{costType}|{generation}` (the generation of the allocation it belongs to, see
allocation_tables.py; `{period}|{costType}` alone for reports saved outside a publication);
RK `{accountKey}|{hash(meter id, meter name)}` per account x meter, and
`_head` for the report itself (currency, tolerance), so a period with no cost lines still reads
as reconciled. Saving replaces the partition by diff, so re-saving the same report writes nothing.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from shared.adapters.storage.table_gateway import PK, RK, Entity, TableGateway, exact_range, replace
from shared.adapters.storage.table_keys import account_key
from shared.core.costs import CostType
from shared.core.digest import digest
from shared.core.meters import TokenKind
from shared.core.period import BillingPeriod
from shared.core.reconciliation import Reconciliation, ReconciliationRow, SideTotals, TokenSide
from shared.core.resource_id import id_key

TABLE = "reconciliation"
HEAD = "_head"


class ReconciliationTable:
    """Stores and reads reconciliation reports."""

    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def save(self, report: Reconciliation, generation: str = "") -> bool:
        """Replace what is stored for the report's period, price basis and generation; True if it
        changed."""
        pk = partition(report.period, report.cost_type, generation)
        head: Entity = {
            PK: pk,
            RK: HEAD,
            "Currency": report.currency,
            "Tolerance": str(report.tolerance),
            "Rows": len(report.rows),
        }
        entities = [head, *(_entity(pk, i, row) for i, row in enumerate(report.rows))]
        return bool(replace(self._gateway, TABLE, exact_range(pk), entities))

    def reconciliation(
        self, period: BillingPeriod, cost_type: CostType, generation: str = ""
    ) -> Reconciliation | None:
        """The stored report, or None when the period and price basis were never reconciled."""
        stored = self._gateway.query(TABLE, *exact_range(partition(period, cost_type, generation)))
        head = next((e for e in stored if e[RK] == HEAD), None)
        if head is None:
            return None
        rows = sorted((e for e in stored if e[RK] != HEAD), key=lambda e: int(e["Seq"]))
        return Reconciliation(
            period=period,
            cost_type=cost_type,
            currency=str(head["Currency"]),
            tolerance=Decimal(str(head["Tolerance"])),
            rows=tuple(_row(e) for e in rows),
        )


def partition(period: BillingPeriod, cost_type: CostType, generation: str = "") -> str:
    base = f"{period}|{cost_type.value}"
    return f"{base}|{generation}" if generation else base


def _entity(pk: str, seq: int, row: ReconciliationRow) -> Entity:
    entity: Entity = {
        PK: pk,
        RK: f"{account_key(row.account_id)}|{digest(id_key(row.meter_id), row.meter_name)}",
        "Seq": seq,
        "AccountId": row.account_id,
        "MeterId": row.meter_id,
        "MeterName": row.meter_name,
        "TokenKind": row.kind.value if row.kind else "",
        "MeterGroup": row.group,
        "Cost": str(row.cost),
        "AllocatedCost": str(row.allocated_cost),
        "BilledQuantity": str(row.billed_quantity),
    }
    totals = row.side_totals
    if row.side is None or totals is None:
        return entity
    return {
        **entity,
        "BilledTokens": str(row.billed_tokens),
        "AllocatedTokens": str(row.allocated_tokens),
        "ObservedTokens": row.observed_tokens or 0,
        "Side": row.side.value,
        "SideBilledTokens": str(totals.billed_tokens),
        "SideObservedTokens": totals.observed_tokens,
        "Flagged": totals.flagged,
    }


def _row(e: Entity) -> ReconciliationRow:
    kind = TokenKind(str(e["TokenKind"])) if e["TokenKind"] else None
    row = ReconciliationRow(
        account_id=str(e["AccountId"]),
        meter_id=str(e["MeterId"]),
        meter_name=str(e["MeterName"]),
        kind=kind,
        group=str(e["MeterGroup"]),
        cost=Decimal(str(e["Cost"])),
        allocated_cost=Decimal(str(e["AllocatedCost"])),
        billed_quantity=Decimal(str(e["BilledQuantity"])),
    )
    if "Side" not in e:
        return row
    totals = SideTotals(
        billed_tokens=Decimal(str(e["SideBilledTokens"])),
        observed_tokens=int(e["SideObservedTokens"]),
        flagged=bool(e["Flagged"]),
    )
    return dataclasses.replace(
        row,
        billed_tokens=Decimal(str(e["BilledTokens"])),
        allocated_tokens=Decimal(str(e["AllocatedTokens"])),
        observed_tokens=int(e["ObservedTokens"]),
        side=TokenSide(str(e["Side"])),
        side_totals=totals,
    )
