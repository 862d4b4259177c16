"""Turn a stored period report into the API's JSON, rounding money only here.

Costs are rounded to the cent by the largest remainder over deployments and unallocated lines
together, so allocatedCost + unallocatedCost == billedCost exactly in the response too.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from shared.core.costs import CostType
from shared.core.money import CENT, round_parts
from shared.core.period import BillingPeriod
from shared.core.period_status import closes_on, period_status
from shared.core.reports import PeriodReport
from shared.core.unit_costs import UnitCost

UNIT_QUANTUM = Decimal("1e-8")
# The API's names of the price bases (query parameter and response field `costType`).
COST_TYPES = {"actual": CostType.ACTUAL, "amortized": CostType.AMORTIZED}
API_NAMES = {basis: name for name, basis in COST_TYPES.items()}
Json = dict[str, object]


def money(value: Decimal) -> float:
    """A cent-rounded Decimal as a JSON number (its shortest float repr is the same decimal)."""
    return float(value)


def cents(value: Decimal) -> float:
    """A Decimal rounded on its own to the cent (half even), for amounts not in the bill's sum."""
    return money(value.quantize(CENT, rounding=ROUND_HALF_EVEN))


def optional_cents(value: Decimal | None) -> float | None:
    return None if value is None else cents(value)


def unit(value: Decimal | None) -> float | None:
    if value is None:
        return None
    return float(value.quantize(UNIT_QUANTUM, rounding=ROUND_HALF_EVEN))


def present_period(report: PeriodReport) -> Json:
    costs = [u.cost for u in report.unit_costs] + [t.cost for t in report.unallocated_totals]
    rounded = round_parts(costs, CENT)
    dep_costs = rounded[: len(report.unit_costs)]
    left_costs = rounded[len(report.unit_costs) :]
    allocated = sum(dep_costs, Decimal(0))
    unallocated = sum(left_costs, Decimal(0))
    return {
        "period": str(report.period),
        "costType": API_NAMES[report.cost_type],
        "currency": report.currency,
        "billedCost": money(allocated + unallocated),
        "allocatedCost": money(allocated),
        "unallocatedCost": money(unallocated),
        "deployments": [
            present_unit_cost(u, c) for u, c in zip(report.unit_costs, dep_costs, strict=True)
        ],
        "unallocated": [
            {
                "accountId": t.account_id,
                "meter": t.meter_name,
                "meterId": t.meter_id,
                "reason": t.reason.value,
                "cost": money(c),
            }
            for t, c in zip(report.unallocated_totals, left_costs, strict=True)
        ],
    }


def present_status(period: BillingPeriod, today: date) -> Json:
    """`status` (`open` while Azure may restate the period, then `closed`) and `closesOn`."""
    return {"status": period_status(period, today).value, "closesOn": closes_on(period).isoformat()}


def present_unit_cost(u: UnitCost, rounded_cost: Decimal) -> Json:
    d = u.deployment
    return {
        "key": d.key,
        "deploymentId": d.deployment_id,
        "accountId": d.account.id,
        "account": d.account.name,
        "deployment": d.name,
        "model": d.model,
        "modelVersion": d.model_version,
        "sku": d.sku,
        "capacity": d.capacity,
        "cost": money(rounded_cost),
        "inputTokens": u.input_tokens,
        "outputTokens": u.output_tokens,
        "requests": u.requests,
        "costPer1kTokens": unit(u.cost_per_1k_tokens),
        "costPer1kInputTokens": unit(u.cost_per_1k_input_tokens),
        "costPer1kOutputTokens": unit(u.cost_per_1k_output_tokens),
        "costPerRequest": unit(u.cost_per_request),
        "provisionedCost": cents(u.provisioned_cost),
        "provisionedIdleCost": optional_cents(u.idle_cost),
        "provisionedUsedCost": optional_cents(u.used_provisioned_cost),
    }
