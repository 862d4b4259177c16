"""The portal's responses: the allocated periods (GET /api/periods) and the daily series of the
tenant, a deployment and a use case (GET /api/daily, /api/deployments/{key}/daily,
/api/use-cases/{name}/daily). Nothing is rounded here: every amount comes rounded from its view
(shared/core/period_views.py, series_views.py, economics_views.py) and is served as the JSON
number of the same decimal (presenter.number); what does not exist is null, never 0."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.json_schema import JsonDict

from shared.core.economics_views import DayView, UseCaseUnitCostsView
from shared.core.period_views import PeriodView
from shared.core.series_views import (
    DeploymentDailyView,
    DeploymentDayView,
    TenantDailyView,
    TenantDayView,
)
from shared.entrypoints.http.presenter import number, optional, period_head
from shared.entrypoints.http.provenance import provenance_model
from shared.entrypoints.http.schemas.base import ApiModel, PeriodHead
from shared.entrypoints.http.schemas.pages import ContinuationToken, NextLink, TotalItems

HEAD_EXAMPLE: JsonDict = {
    "period": "2026-10",
    "costType": "amortized",
    "currency": "USD",
    "status": "closed",
    "closesOn": "2026-11-06",
    "provenance": None,
}


def _camel(name: str, example: object) -> Any:
    """A field whose JSON name the alias generator would spell otherwise (`costPer1kTokens`, not
    `costPer1KTokens`); the Python name stays the constructor's keyword."""
    return Field(validation_alias=name, serialization_alias=name, examples=[example])


def _examples(*bodies: JsonDict) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(bodies)})


class PeriodItem(PeriodHead):
    """One allocated period and price basis: its canonical rounded totals (the same as its
    /api/unit-costs) and status."""

    model_config = _examples(
        {**HEAD_EXAMPLE, "billedCost": 4812.37, "allocatedCost": 4512.12, "unallocatedCost": 300.25}
    )

    billed_cost: float
    allocated_cost: float
    unallocated_cost: float

    @classmethod
    def of(cls, view: PeriodView) -> PeriodItem:
        return cls(
            **period_head(view.period, view.cost_type, view.currency, view.status).model_dump(
                exclude={"provenance"}
            ),
            provenance=None if view.provenance is None else provenance_model(view.provenance),
            billed_cost=number(view.totals.billed),
            allocated_cost=number(view.totals.allocated),
            unallocated_cost=number(view.totals.unallocated),
        )


class PeriodList(ApiModel):
    """GET /api/periods: one page of the allocated periods, newest first (then `actual` before
    `amortized`); `continuationToken` and `nextLink` are null on the last page."""

    periods: list[PeriodItem]
    continuation_token: ContinuationToken
    next_link: NextLink
    total_items: TotalItems


class TenantDay(ApiModel):
    date: str = Field(examples=["2026-10-01"])
    billed_cost: float = Field(examples=[161.52])
    allocated_cost: float = Field(examples=[151.47])
    unallocated_cost: float = Field(examples=[10.05])

    @classmethod
    def of(cls, view: TenantDayView) -> TenantDay:
        return cls(
            date=view.date.isoformat(),
            billed_cost=number(view.billed),
            allocated_cost=number(view.allocated),
            unallocated_cost=number(view.unallocated),
        )


class TenantDaily(PeriodHead):
    """GET /api/daily: the tenant's billed, allocated and unallocated cost per day, from the
    period's first day to its last allocated day; each column sums to its total to the cent."""

    model_config = _examples(
        {
            **HEAD_EXAMPLE,
            "billedCost": 4812.37,
            "allocatedCost": 4512.12,
            "unallocatedCost": 300.25,
            "days": [
                {"date": "2026-10-01", "billedCost": 161.52, "allocatedCost": 151.47,
                 "unallocatedCost": 10.05},
            ],
        }
    )  # fmt: skip

    billed_cost: float
    allocated_cost: float
    unallocated_cost: float
    days: list[TenantDay]

    @classmethod
    def of(cls, view: TenantDailyView) -> TenantDaily:
        return cls(
            **period_head(view.period, view.cost_type, view.currency, view.status).model_dump(),
            billed_cost=number(view.totals.billed),
            allocated_cost=number(view.totals.allocated),
            unallocated_cost=number(view.totals.unallocated),
            days=[TenantDay.of(d) for d in view.days],
        )


class DeploymentDay(ApiModel):
    """One day of a deployment; tokens, requests and unit costs are null on a day Azure Monitor
    reported nothing for it (no data, not zero)."""

    date: str = Field(examples=["2026-10-01"])
    cost: float = Field(examples=[12.48])
    input_tokens: int | None = Field(examples=[1843200])
    output_tokens: int | None = Field(examples=[204800])
    requests: int | None = Field(examples=[1450])
    cost_per_1k_tokens: float | None = _camel("costPer1kTokens", 0.00609375)
    cost_per_request: float | None = Field(examples=[0.00860690])

    @classmethod
    def of(cls, view: DeploymentDayView) -> DeploymentDay:
        return cls(
            date=view.date.isoformat(),
            cost=number(view.cost),
            input_tokens=view.input_tokens,
            output_tokens=view.output_tokens,
            requests=view.requests,
            cost_per_1k_tokens=optional(view.cost_per_1k_tokens),
            cost_per_request=optional(view.cost_per_request),
        )


class DeploymentDaily(PeriodHead):
    """GET /api/deployments/{key}/daily: a deployment's cost (as in /api/unit-costs) per day,
    with its tokens, requests and unit costs; the days' costs sum to `cost` to the cent."""

    model_config = _examples(
        {
            **HEAD_EXAMPLE,
            "key": "contoso-eastus~chat-prod~3f2a9c1b7d",
            "deploymentId": "/subscriptions/.../accounts/contoso-eastus/deployments/chat-prod",
            "account": "contoso-eastus",
            "deployment": "chat-prod",
            "model": "gpt-4o",
            "sku": "GlobalStandard",
            "cost": 412.93,
            "days": [
                {"date": "2026-10-01", "cost": 12.48, "inputTokens": 1843200,
                 "outputTokens": 204800, "requests": 1450, "costPer1kTokens": 0.00609375,
                 "costPerRequest": 0.0086069},
                {"date": "2026-10-02", "cost": 0.0, "inputTokens": None, "outputTokens": None,
                 "requests": None, "costPer1kTokens": None, "costPerRequest": None},
            ],
        }
    )  # fmt: skip

    key: str
    deployment_id: str
    account: str
    deployment: str
    model: str
    sku: str
    cost: float
    days: list[DeploymentDay]

    @classmethod
    def of(cls, view: DeploymentDailyView) -> DeploymentDaily:
        d = view.deployment
        return cls(
            **period_head(view.period, view.cost_type, view.currency, view.status).model_dump(),
            key=d.key,
            deployment_id=d.deployment_id,
            account=d.account.name,
            deployment=d.name,
            model=d.model,
            sku=d.sku,
            cost=number(view.cost),
            days=[DeploymentDay.of(day) for day in view.days],
        )


class UseCaseDay(ApiModel):
    """One day of a use case; `outcomes` null: no outcome data that day (so no cost per
    outcome), which is not zero outcomes."""

    date: str = Field(examples=["2026-10-01"])
    cost: float = Field(examples=[3.52])
    input_tokens: int = Field(examples=[410000])
    output_tokens: int = Field(examples=[52000])
    requests: int = Field(examples=[320])
    outcomes: int | None = Field(examples=[118])
    cost_per_outcome: float | None = Field(examples=[0.02983051])

    @classmethod
    def of(cls, view: DayView) -> UseCaseDay:
        return cls(
            date=view.date.isoformat(),
            cost=number(view.cost),
            input_tokens=view.input_tokens,
            output_tokens=view.output_tokens,
            requests=view.requests,
            outcomes=view.outcomes,
            cost_per_outcome=optional(view.cost_per_outcome),
        )


class UseCaseDaily(PeriodHead):
    """GET /api/use-cases/{name}/daily: a use case's cost, outcomes and cost per outcome per
    day (its economics' `daily`, docs/use-cases.md#economics); the days sum to `cost`."""

    model_config = _examples(
        {
            **HEAD_EXAMPLE,
            "useCase": "support-bot",
            "outcomeUnit": "resolved ticket",
            "cost": 98.14,
            "outcomes": 3310,
            "costPerOutcome": 0.02964955,
            "days": [
                {"date": "2026-10-01", "cost": 3.52, "inputTokens": 410000,
                 "outputTokens": 52000, "requests": 320, "outcomes": 118,
                 "costPerOutcome": 0.02983051},
            ],
        }
    )  # fmt: skip

    use_case: str
    outcome_unit: str
    cost: float
    outcomes: int | None
    cost_per_outcome: float | None
    days: list[UseCaseDay]

    @classmethod
    def of(cls, view: UseCaseUnitCostsView) -> UseCaseDaily:
        return cls(
            **period_head(view.period, view.cost_type, view.currency, view.status).model_dump(),
            use_case=view.name,
            outcome_unit=view.outcome_unit,
            cost=number(view.cost),
            outcomes=view.outcomes,
            cost_per_outcome=optional(view.cost_per_outcome),
            days=[UseCaseDay.of(d) for d in view.daily],
        )
