"""The unit costs views as the API's response models (shared/entrypoints/http/schemas/
unit_costs.py), and what every presenter shares: a rounded Decimal as a JSON number, the price
basis by its API name. Nothing is rounded here.

The views (shared/core/views.py) hold every amount already rounded by shared/core/rounding.py;
a Decimal becomes the JSON number of the same decimal (its shortest float repr). Each response
has one function returning its model; `.model_dump(by_alias=True, mode="json")` is its JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from shared.core.costs import CostType
from shared.core.period import BillingPeriod
from shared.core.period_status import PeriodStatus
from shared.core.views import (
    API_NAMES,
    DeploymentCostView,
    DeploymentUnitCostsView,
    PeriodUnitCostsView,
    StatusView,
    UnallocatedCostView,
)
from shared.entrypoints.http.pagination import Page
from shared.entrypoints.http.schemas.base import CostTypeName, PeriodHead, PeriodStatusName
from shared.entrypoints.http.schemas.unit_costs import (
    DeploymentCost,
    DeploymentUnitCosts,
    UnallocatedCost,
    UnitCosts,
)

__all__ = [
    "API_NAMES",
    "Json",
    "cost_type_name",
    "deployment_key",
    "deployment_unit_costs",
    "number",
    "optional",
    "period_head",
    "unit_costs",
    "unit_costs_json",
]

Json = dict[str, object]


def number(value: Decimal) -> float:
    """A rounded Decimal as a JSON number (its shortest float repr is the same decimal)."""
    return float(value)


def optional(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def cost_type_name(cost_type: CostType) -> CostTypeName:
    """The price basis by its API name (`actual`, `amortized`)."""
    return cast(CostTypeName, API_NAMES[cost_type])


def status_name(status: PeriodStatus) -> PeriodStatusName:
    """A period's status by its API name (`open`, `closed`)."""
    return cast(PeriodStatusName, status.value)


def deployment_key(view: DeploymentCostView) -> str:
    """The key the deployments are paged by (and sorted by, as the period stores them)."""
    return view.key


def period_head(
    period: BillingPeriod, cost_type: CostType, currency: str, status: StatusView
) -> PeriodHead:
    """The head of a response about one period and price basis (`provenance` left to the
    route); a model derived from PeriodHead takes it as `**period_head(...).model_dump()`."""
    return PeriodHead(
        period=str(period),
        cost_type=cost_type_name(cost_type),
        currency=currency,
        status=status_name(status.status),
        closes_on=status.closes_on.isoformat(),
    )


def unit_costs(
    view: PeriodUnitCostsView,
    page: Page[DeploymentCostView] | None = None,
    next_link: str | None = None,
) -> UnitCosts:
    """GET /api/unit-costs: the period's head and totals, one page of its deployments (None:
    all of them, one page) and every unallocated line."""
    served = page or Page(view.deployments, len(view.deployments), None)
    return UnitCosts(
        **period_head(view.period, view.cost_type, view.currency, view.status).model_dump(),
        billed_cost=number(view.totals.billed),
        allocated_cost=number(view.totals.allocated),
        unallocated_cost=number(view.totals.unallocated),
        deployments=[deployment_cost(d) for d in served.items],
        unallocated=[unallocated_cost(t) for t in view.unallocated_lines],
        continuation_token=served.next_token,
        next_link=next_link,
        total_items=served.total,
    )


def unit_costs_json(view: PeriodUnitCostsView) -> Json:
    """GET /api/unit-costs' JSON body, whole (one page of every deployment): the CLI's."""
    return unit_costs(view).model_dump(by_alias=True, mode="json")


def deployment_unit_costs(view: DeploymentUnitCostsView) -> DeploymentUnitCosts:
    """GET /api/deployments/{key}/unit-costs: the period's head, then the deployment."""
    head = period_head(view.period, view.cost_type, view.currency, view.status)
    return DeploymentUnitCosts(**head.model_dump(), **deployment_cost(view.deployment).model_dump())


def deployment_cost(d: DeploymentCostView) -> DeploymentCost:
    return DeploymentCost(
        key=d.key,
        deployment_id=d.deployment_id,
        account_id=d.account_id,
        account=d.account,
        deployment=d.deployment,
        model=d.model,
        model_version=d.model_version,
        sku=d.sku,
        capacity=d.capacity,
        cost=number(d.cost),
        input_tokens=d.input_tokens,
        output_tokens=d.output_tokens,
        requests=d.requests,
        cost_per_1k_tokens=optional(d.cost_per_1k_tokens),
        cost_per_1k_input_tokens=optional(d.cost_per_1k_input_tokens),
        cost_per_1k_output_tokens=optional(d.cost_per_1k_output_tokens),
        cost_per_request=optional(d.cost_per_request),
        provisioned_cost=number(d.provisioned_cost),
        provisioned_idle_cost=optional(d.provisioned_idle_cost),
        provisioned_used_cost=optional(d.provisioned_used_cost),
    )


def unallocated_cost(t: UnallocatedCostView) -> UnallocatedCost:
    return UnallocatedCost(
        account_id=t.account_id, meter=t.meter, meter_id=t.meter_id, reason=t.reason,
        cost=number(t.cost),
    )  # fmt: skip
