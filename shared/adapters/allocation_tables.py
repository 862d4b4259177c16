"""The allocation read model: `allocations`, `unallocated`, `unitcosts` and `periods` tables.

- allocations: PK `{period}|{costType}|{deploymentKey}` (or `|_unallocated`), RK `{date}|{hash}`:
  the daily lines, for charting one deployment's days (one partition).
- unitcosts: PK `{period}|{costType}`, RK deployment key: one row per deployment (portal list is
  one partition scan, one deployment is a point read).
- unallocated: PK `{period}|{costType}`, RK `{accountKey}|{hash}|{reason}`: period totals.
- periods: PK `{costType}`, RK `{period}`: billed, allocated and unallocated totals, currency.
"""

from __future__ import annotations

from decimal import Decimal

from shared.adapters.table_gateway import (
    PK,
    Entity,
    TableGateway,
    exact_range,
    prefix_range,
    replace,
)
from shared.adapters.table_keys import account_key, day_text, digest
from shared.core.allocation import (
    AllocatedLine,
    PeriodAllocation,
    UnallocatedLine,
    UnallocatedReason,
)
from shared.core.arm_ids import deployment_key_of
from shared.core.costs import CostType
from shared.core.inventory import Deployment
from shared.core.period import BillingPeriod
from shared.core.reports import PeriodReport
from shared.core.unit_costs import UnallocatedTotal, UnitCost

ALLOCATIONS = "allocations"
UNITCOSTS = "unitcosts"
UNALLOCATED = "unallocated"
PERIODS = "periods"
TABLES = (ALLOCATIONS, UNITCOSTS, UNALLOCATED, PERIODS)
UNALLOCATED_PARTITION = "_unallocated"


class AllocationTables:
    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def save(
        self,
        allocation: PeriodAllocation,
        costs: list[UnitCost],
        unallocated: list[UnallocatedTotal],
    ) -> bool:
        """Replace everything stored for the period and price basis; True if anything changed."""
        base = f"{allocation.period}|{allocation.cost_type.value}"
        changes = [
            replace(self._gateway, ALLOCATIONS, prefix_range(f"{base}|"), _daily(allocation)),
            replace(
                self._gateway,
                UNALLOCATED,
                exact_range(base),
                (_unallocated_entity(base, t) for t in unallocated),
            ),
            replace(
                self._gateway, UNITCOSTS, exact_range(base), (_unit_entity(base, u) for u in costs)
            ),
            replace(
                self._gateway,
                PERIODS,
                exact_range(allocation.cost_type.value),
                [_period_entity(allocation)],
                in_scope=lambda e: e["RowKey"] == str(allocation.period),
            ),
        ]
        return any(changes)

    def report(self, period: BillingPeriod, cost_type: CostType) -> PeriodReport | None:
        """The stored report of a period, or None if it was never allocated."""
        head = [
            row
            for row in self._gateway.query(PERIODS, *exact_range(cost_type.value))
            if row["RowKey"] == str(period)
        ]
        if not head:
            return None
        base = f"{period}|{cost_type.value}"
        units = tuple(_unit(period, r) for r in self._gateway.query(UNITCOSTS, *exact_range(base)))
        totals = tuple(_total(r) for r in self._gateway.query(UNALLOCATED, *exact_range(base)))
        row = head[0]
        return PeriodReport(
            period=period,
            cost_type=cost_type,
            currency=str(row["Currency"]),
            billed=Decimal(str(row["Billed"])),
            allocated=Decimal(str(row["Allocated"])),
            unallocated=Decimal(str(row["Unallocated"])),
            unit_costs=units,
            unallocated_totals=tuple(sorted(totals, key=lambda t: (-t.cost, t.meter_name))),
        )


def _daily(allocation: PeriodAllocation) -> list[Entity]:
    """One row per allocated or unallocated line (the allocator merged lines by identity)."""
    base = f"{allocation.period}|{allocation.cost_type.value}"
    return [_allocated_row(base, line) for line in allocation.allocated] + [
        _unallocated_row(base, line) for line in allocation.unallocated
    ]


def _allocated_row(base: str, line: AllocatedLine) -> Entity:
    tail = digest(
        line.meter_id.lower(), line.meter_name, line.charge_type.value, line.pricing_model
    )
    return {
        PK: f"{base}|{deployment_key_of(line.deployment_id)}",
        "RowKey": f"{day_text(line.date)}|{tail}",
        "Date": day_text(line.date),
        "DeploymentId": line.deployment_id,
        "AccountId": line.account_id,
        "MeterId": line.meter_id,
        "MeterName": line.meter_name,
        "TokenKind": line.kind.value,
        "ChargeType": line.charge_type.value,
        "PricingModel": line.pricing_model,
        "Cost": str(line.cost),
        "Weight": str(line.weight),
        "IdleCost": _text(line.idle_cost),
    }


def _unallocated_row(base: str, line: UnallocatedLine) -> Entity:
    tail = digest(
        line.account_id.lower(),
        line.meter_id.lower(),
        line.meter_name,
        line.charge_type.value,
        line.pricing_model,
    )
    return {
        PK: f"{base}|{UNALLOCATED_PARTITION}",
        "RowKey": f"{day_text(line.date)}|{tail}|{line.reason.value}",
        "Date": day_text(line.date),
        "AccountId": line.account_id,
        "MeterId": line.meter_id,
        "MeterName": line.meter_name,
        "ChargeType": line.charge_type.value,
        "PricingModel": line.pricing_model,
        "Reason": line.reason.value,
        "Cost": str(line.cost),
    }


def _unallocated_entity(base: str, t: UnallocatedTotal) -> Entity:
    return {
        PK: base,
        "RowKey": f"{account_key(t.account_id)}|{digest(t.meter_id.lower(), t.meter_name)}"
        f"|{t.reason.value}",
        "AccountId": t.account_id,
        "MeterId": t.meter_id,
        "MeterName": t.meter_name,
        "Reason": t.reason.value,
        "Cost": str(t.cost),
    }


def _total(row: Entity) -> UnallocatedTotal:
    return UnallocatedTotal(
        account_id=str(row["AccountId"]),
        meter_id=str(row["MeterId"]),
        meter_name=str(row["MeterName"]),
        reason=UnallocatedReason(str(row["Reason"])),
        cost=Decimal(str(row["Cost"])),
    )


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _unit_entity(base: str, u: UnitCost) -> Entity:
    d = u.deployment
    return {
        PK: base,
        "RowKey": d.key,
        "DeploymentId": d.deployment_id,
        "AccountId": d.account_id,
        "AccountLocation": d.account_location,
        "Deployment": d.name,
        "Model": d.model,
        "ModelVersion": d.model_version,
        "ModelFormat": d.model_format,
        "Sku": d.sku,
        "Capacity": d.capacity,
        "Cost": str(u.cost),
        "InputCost": str(u.input_cost),
        "OutputCost": str(u.output_cost),
        "InputTokens": u.input_tokens,
        "OutputTokens": u.output_tokens,
        "Requests": u.requests,
        "ProvisionedCost": str(u.provisioned_cost),
        "IdleCost": _text(u.idle_cost),
        "CostPer1kTokens": _text(u.cost_per_1k_tokens),
        "CostPer1kInputTokens": _text(u.cost_per_1k_input_tokens),
        "CostPer1kOutputTokens": _text(u.cost_per_1k_output_tokens),
        "CostPerRequest": _text(u.cost_per_request),
    }


def _unit(period: BillingPeriod, row: Entity) -> UnitCost:
    deployment = Deployment(
        account_id=str(row["AccountId"]),
        name=str(row["Deployment"]),
        model=str(row["Model"]),
        model_version=str(row["ModelVersion"]),
        sku=str(row["Sku"]),
        capacity=int(row["Capacity"]),
        model_format=str(row.get("ModelFormat", "")),
        account_location=str(row.get("AccountLocation", "")),
    )
    return UnitCost(
        period=period,
        deployment=deployment,
        cost=Decimal(str(row["Cost"])),
        input_cost=Decimal(str(row["InputCost"])),
        output_cost=Decimal(str(row["OutputCost"])),
        input_tokens=int(row["InputTokens"]),
        output_tokens=int(row["OutputTokens"]),
        requests=int(row["Requests"]),
        provisioned_cost=Decimal(str(row.get("ProvisionedCost") or 0)),
        idle_cost=Decimal(str(row["IdleCost"])) if row.get("IdleCost") else None,
    )


def _period_entity(a: PeriodAllocation) -> Entity:
    return {
        PK: a.cost_type.value,
        "RowKey": str(a.period),
        "Currency": a.currency,
        "Billed": str(a.billed),
        "Allocated": str(a.allocated_cost),
        "Unallocated": str(a.unallocated_cost),
        "AllocatedLines": len(a.allocated),
        "UnallocatedLines": len(a.unallocated),
        "Deployments": len(a.deployments),
    }
