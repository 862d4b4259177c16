"""The unit costs views as the API's JSON: field names and JSON numbers, nothing rounded here.

The views (shared/core/views.py) hold every amount already rounded by shared/core/rounding.py;
a Decimal becomes the JSON number of the same decimal (its shortest float repr).
"""

from __future__ import annotations

from decimal import Decimal

from shared.core.views import (
    API_NAMES,
    DeploymentCostView,
    DeploymentUnitCostsView,
    PeriodUnitCostsView,
    StatusView,
    UnallocatedCostView,
)

__all__ = ["API_NAMES", "Json", "deployment_json", "unit_costs_json"]

Json = dict[str, object]


def number(value: Decimal) -> float:
    """A rounded Decimal as a JSON number (its shortest float repr is the same decimal)."""
    return float(value)


def optional(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def unit_costs_json(view: PeriodUnitCostsView) -> Json:
    """GET /api/unit-costs."""
    return {
        "period": str(view.period),
        "costType": API_NAMES[view.cost_type],
        "currency": view.currency,
        "billedCost": number(view.totals.billed),
        "allocatedCost": number(view.totals.allocated),
        "unallocatedCost": number(view.totals.unallocated),
        "deployments": [deployment_cost_json(d) for d in view.deployments],
        "unallocated": [unallocated_json(t) for t in view.unallocated_lines],
        **status_json(view.status),
    }


def deployment_json(view: DeploymentUnitCostsView) -> Json:
    """GET /api/deployments/{key}/unit-costs: the period's head, then the deployment."""
    return {
        "period": str(view.period),
        "costType": API_NAMES[view.cost_type],
        "currency": view.currency,
        **status_json(view.status),
        **deployment_cost_json(view.deployment),
    }


def status_json(view: StatusView) -> Json:
    """`status` (`open` while Azure may restate the period, then `closed`) and `closesOn`."""
    return {"status": view.status.value, "closesOn": view.closes_on.isoformat()}


def deployment_cost_json(d: DeploymentCostView) -> Json:
    return {
        "key": d.key,
        "deploymentId": d.deployment_id,
        "accountId": d.account_id,
        "account": d.account,
        "deployment": d.deployment,
        "model": d.model,
        "modelVersion": d.model_version,
        "sku": d.sku,
        "capacity": d.capacity,
        "cost": number(d.cost),
        "inputTokens": d.input_tokens,
        "outputTokens": d.output_tokens,
        "requests": d.requests,
        "costPer1kTokens": optional(d.cost_per_1k_tokens),
        "costPer1kInputTokens": optional(d.cost_per_1k_input_tokens),
        "costPer1kOutputTokens": optional(d.cost_per_1k_output_tokens),
        "costPerRequest": optional(d.cost_per_request),
        "provisionedCost": number(d.provisioned_cost),
        "provisionedIdleCost": optional(d.provisioned_idle_cost),
        "provisionedUsedCost": optional(d.provisioned_used_cost),
    }


def unallocated_json(t: UnallocatedCostView) -> Json:
    return {
        "accountId": t.account_id,
        "meter": t.meter,
        "meterId": t.meter_id,
        "reason": t.reason.value,
        "cost": number(t.cost),
    }
