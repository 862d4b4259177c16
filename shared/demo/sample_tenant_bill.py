"""The sample tenant's bill: cost export rows computed from the true token counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from shared.core.costs import ChargeType, CostLine, CostType, PricingModel, merge_cost_lines
from shared.core.period import BillingPeriod
from shared.core.service_names import COGNITIVE_SERVICES, FOUNDRY_MODELS
from shared.demo.sample_tenant_catalogue import (
    ACCOUNTS,
    CONTENT_SAFETY_ACCOUNT,
    CONTENT_SAFETY_METER,
    CURRENCY,
    DEPLOYMENTS,
    METERS,
    SPLIT_ROW_DAY,
    SPLIT_ROW_METER,
    SampleAccount,
    SampleMeter,
)
from shared.demo.sample_tenant_usage import SimulatedUsage

COST_QUANTUM = Decimal("0.00000001")  # Azure writes costs with 8 decimals


@dataclass(frozen=True)
class BillRow:
    """One row of the cost export: quantity in the meter's blocks, cost = quantity x price."""

    date: date
    account: SampleAccount
    resource_id: str
    meter: SampleMeter
    quantity: Decimal
    cost: Decimal
    meter_category: str
    effective_price: Decimal
    charge_type: ChargeType = ChargeType.USAGE
    pricing_model: PricingModel = PricingModel.ON_DEMAND


def bill_rows(period: BillingPeriod, usage: SimulatedUsage) -> list[BillRow]:
    """Rows per day, account and meter (tokens of every deployment on the meter summed)."""
    tokens: dict[tuple[date, str, str], int] = {}
    for count in usage.token_counts:
        key = (count.date, count.account_id, count.meter_id)
        tokens[key] = tokens.get(key, 0) + count.tokens
    for day, records in usage.text_records:
        tokens[(day, CONTENT_SAFETY_ACCOUNT.id, CONTENT_SAFETY_METER)] = records
    rows: list[BillRow] = []
    for day in period.window.days():
        for account in ACCOUNTS:
            for meter_id in _meter_order(account):
                amount = tokens.get((day, account.id, meter_id), 0)
                if amount:
                    rows.extend(_rows(day, account, METERS[meter_id], amount))
    return rows


def cost_lines(rows: list[BillRow], cost_type: CostType = CostType.ACTUAL) -> list[CostLine]:
    """The ground-truth cost lines of the rows: one per identity, split rows summed."""
    return merge_cost_lines(
        CostLine(
            date=row.date,
            account_id=row.resource_id,
            meter_id=row.meter.meter_id,
            meter_name=row.meter.meter_name,
            quantity=row.quantity,
            cost=row.cost,
            currency=CURRENCY,
            charge_type=row.charge_type,
            pricing_model=row.pricing_model,
            cost_type=cost_type,
            unit_of_measure=row.meter.unit,
            meter_category=row.meter_category,
            meter_subcategory=row.meter.product,
        )
        for row in rows
    )


def priced(quantity: Decimal, price: Decimal) -> Decimal:
    """quantity x price, rounded as Azure writes costs (8 decimals)."""
    return (quantity * price).quantize(COST_QUANTUM, rounding=ROUND_HALF_UP)


def quantity_text(value: Decimal) -> str:
    """A quantity or price as Azure writes it: plain digits, no exponent, no trailing zeros."""
    return f"{value.normalize():f}"


def _meter_order(account: SampleAccount) -> list[str]:
    order: list[str] = []
    for dep in DEPLOYMENTS:
        if dep.account == account:
            order.extend(m for _, m in dep.meters if m not in order)
    if account == CONTENT_SAFETY_ACCOUNT:
        order.append(CONTENT_SAFETY_METER)
    return order


def _rows(day: date, account: SampleAccount, meter: SampleMeter, amount: int) -> list[BillRow]:
    resource_id = account.id
    if account.lower_case_every and day.day % account.lower_case_every == 0:
        resource_id = resource_id.lower()
    parts = [(resource_id, amount)]
    if day.day == SPLIT_ROW_DAY and meter.meter_id == SPLIT_ROW_METER:
        first = amount * 3 // 5
        parts = [(resource_id, first), (resource_id.lower(), amount - first)]
    category = COGNITIVE_SERVICES
    if meter.meter_id != CONTENT_SAFETY_METER and 0 < account.foundry_from_day <= day.day:
        category = FOUNDRY_MODELS
    rows = []
    for rid, part in parts:
        quantity = Decimal(quantity_text(Decimal(part) / meter.block))
        cost = priced(quantity, meter.effective_price)
        rows.append(
            BillRow(day, account, rid, meter, quantity, cost, category, meter.effective_price)
        )
    return rows
