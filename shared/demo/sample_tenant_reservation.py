"""The sample tenant's PTU reservation, written into both price bases as Azure writes it.

ActualCost: the purchase is one row without a resource on the first day; covered PTU hours are
`Reservation` rows costing 0; hours above the reservation are `OnDemand` rows at the hourly price.
AmortizedCost: no purchase row; covered hours carry the prorated reservation price (the monthly
price / days in the month / 24 per PTU-hour); the reserved hours nobody used are one
`UnusedReservation` row a day without a resource.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from shared.core.costs import ChargeType, PricingModel
from shared.core.period import BillingPeriod
from shared.core.service_names import COGNITIVE_SERVICES
from shared.demo.sample_tenant_bill import BillRow, priced
from shared.demo.sample_tenant_catalogue import (
    DEPLOYMENTS,
    EUS2,
    METERS,
    PTU_GLOBAL_METER,
    RESERVATION_PRICE_PER_PTU_MONTH,
    RESERVED_PTU,
)

# The sample's one provisioned deployment keeps its capacity all month.
PTU_CAPACITY = Decimal(next(d.capacity for d in DEPLOYMENTS if d.is_provisioned))


def hourly_rate(period: BillingPeriod) -> Decimal:
    """The amortized price of one reserved PTU-hour in the period."""
    hours = Decimal(len(list(period.window.days())) * 24)
    return RESERVATION_PRICE_PER_PTU_MONTH / hours


def actual_rows(period: BillingPeriod, rows: list[BillRow]) -> list[BillRow]:
    """The ActualCost rows: the purchase, covered hours at 0, the excess on demand."""
    purchase = BillRow(
        date=period.start,
        account=EUS2,
        resource_id="",
        meter=METERS[PTU_GLOBAL_METER],
        quantity=Decimal(RESERVED_PTU),
        cost=priced(Decimal(RESERVED_PTU), RESERVATION_PRICE_PER_PTU_MONTH),
        meter_category=COGNITIVE_SERVICES,
        effective_price=RESERVATION_PRICE_PER_PTU_MONTH,
        charge_type=ChargeType.PURCHASE,
        pricing_model=PricingModel.RESERVATION,
    )
    out = [purchase]
    for row in rows:
        out.extend(_split(row, Decimal(0)) if _is_ptu(row) else [row])
    return out


def amortized_rows(period: BillingPeriod, rows: list[BillRow]) -> list[BillRow]:
    """The AmortizedCost rows: covered hours at the prorated price, unused hours per day."""
    rate = hourly_rate(period)
    covered_by_day: dict[object, Decimal] = {}
    out: list[BillRow] = []
    for row in rows:
        if not _is_ptu(row):
            out.append(row)
            continue
        parts = _split(row, rate)
        covered_by_day[row.date] = covered_by_day.get(row.date, Decimal(0)) + parts[0].quantity
        out.extend(parts)
    reserved_per_day = Decimal(RESERVED_PTU * 24)
    for day in period.window.days():
        unused = reserved_per_day - covered_by_day.get(day, Decimal(0))
        if unused > 0:
            out.append(
                BillRow(
                    date=day,
                    account=EUS2,
                    resource_id="",
                    meter=METERS[PTU_GLOBAL_METER],
                    quantity=unused,
                    cost=priced(unused, rate),
                    meter_category=COGNITIVE_SERVICES,
                    effective_price=rate,
                    charge_type=ChargeType.UNUSED_RESERVATION,
                    pricing_model=PricingModel.RESERVATION,
                )
            )
    return out


def _is_ptu(row: BillRow) -> bool:
    return row.meter.meter_id == PTU_GLOBAL_METER and row.charge_type is ChargeType.USAGE


def _split(row: BillRow, covered_rate: Decimal) -> list[BillRow]:
    """A PTU row as its reservation-covered part and its on-demand excess."""
    deployed = row.quantity  # PTU-hours
    covered = deployed * min(Decimal(RESERVED_PTU), PTU_CAPACITY) / PTU_CAPACITY
    excess = deployed - covered
    parts = [
        replace(row, quantity=covered, cost=priced(covered, covered_rate),
                effective_price=covered_rate, pricing_model=PricingModel.RESERVATION),
    ]  # fmt: skip
    if excess > 0:
        price = row.meter.effective_price
        parts.append(replace(row, quantity=excess, cost=priced(excess, price)))
    return parts
