"""Turn a stored period report into the API's JSON, rounding money only here.

Costs are rounded by the one rounding of shared/core/rounding.py: the period's canonical rounded
totals (billed, and allocated + unallocated == billed), then the deployments' costs by the largest
remainder toward the allocated total and the unallocated lines' toward the unallocated total, so
the response sums exactly, and to the same cents as the reconciliation of the period.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from shared.core.costs import CostType
from shared.core.money import CENT
from shared.core.period import BillingPeriod
from shared.core.period_status import closes_on, period_status
from shared.core.reports import PeriodReport
from shared.core.rounding import RoundedTotals, round_share, round_to_total
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
    """A lone Decimal rounded on its own to the cent (half even); never a part of a shown total,
    which is rounded with shared/core/rounding.py instead."""
    return money(value.quantize(CENT, rounding=ROUND_HALF_EVEN))


def unit(value: Decimal | None) -> float | None:
    if value is None:
        return None
    return float(value.quantize(UNIT_QUANTUM, rounding=ROUND_HALF_EVEN))


def present_period(report: PeriodReport) -> Json:
    exact_deps = [u.cost for u in report.unit_costs]
    exact_left = [t.cost for t in report.unallocated_totals]
    # The totals come from the published summary (the reader checked the rows add up to it).
    totals = RoundedTotals.of(report.allocated, report.unallocated)
    dep_costs = round_to_total(exact_deps, totals.allocated)
    left_costs = round_to_total(exact_left, totals.unallocated)
    return {
        "period": str(report.period),
        "costType": API_NAMES[report.cost_type],
        "currency": report.currency,
        "billedCost": money(totals.billed),
        "allocatedCost": money(totals.allocated),
        "unallocatedCost": money(totals.unallocated),
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
    """One deployment, with its cost as rounded for the period; its provisioned cost is the part
    of that rounded cost, and its used + idle parts sum to the rounded provisioned cost."""
    d = u.deployment
    provisioned = round_share(u.provisioned_cost, u.cost, rounded_cost)
    used = idle = None
    if u.idle_cost is not None:
        idle = round_share(u.idle_cost, u.provisioned_cost, provisioned)
        used = provisioned - idle
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
        "provisionedCost": money(provisioned),
        "provisionedIdleCost": None if idle is None else money(idle),
        "provisionedUsedCost": None if used is None else money(used),
    }
