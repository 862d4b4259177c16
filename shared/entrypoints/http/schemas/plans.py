"""A use case's plan priced for a period (GET /api/use-cases/{name}/plan,
docs/api.md#planned-use-cases): its traffic, its candidates ranked by cost per outcome and, once
it is live, planned vs actual. Money to cents, unit costs to 1e-8, counts per request and per
outcome to 0.01, delta percents to 0.1 (shared/core/plan_views.py); null is not zero.

Not a PeriodHead: its `status` is the use case's (`live` or `planned`), and the period may be
one never allocated (a future month is priced from list prices)."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.json_schema import JsonDict

from shared.core.planned_use_cases import Measure
from shared.core.use_cases import UseCaseStatus
from shared.entrypoints.http.schemas.base import ApiModel, CostTypeName
from shared.entrypoints.http.schemas.what_if import WhatIfConfiguration

CACHE = "cache share kept as observed: 21.4% of input tokens"
OUTPUT = (
    "output length and quality may differ under another model: the observed token counts are "
    "priced as they are"
)
TRAFFIC_RULE = (
    "planned traffic: each day outcomesPerDay x 7 x weight(weekday) / sum(weights) outcomes, "
    "requests = outcomes x requestsPerOutcome, tokens = requests x tokens per request; requests "
    "and tokens rounded half-even to whole numbers per day"
)
MINI = "gpt-4o-mini 2024-07-18 GlobalStandard"
PLAN_EXAMPLE: JsonDict = {
    "useCase": "support-bot",
    "owner": "support-platform",
    "costCenter": "CC-1042",
    "status": "live",
    "outcomeUnit": "resolved query",
    "period": "2026-10",
    "costType": "amortized",
    "currency": "USD",
    "region": "eastus2",
    "traffic": {
        "outcomesPerDay": 1800.0, "requestsPerOutcome": 25.0, "inputTokensPerRequest": 1400.0,
        "cachedInputTokensPerRequest": 300.0, "outputTokensPerRequest": 250.0,
        "weekdayShape": [1.1, 1.1, 1.1, 1.1, 1.1, 0.75, 0.75], "days": 31, "outcomes": 55710.0,
        "requests": 1392750, "inputTokens": 1949850000, "cachedInputTokens": 417825000,
        "outputTokens": 348187500,
    },
    "candidates": [
        {"rank": 1, "candidate": MINI,
         "configuration": {"model": "gpt-4o-mini", "version": "2024-07-18",
                           "sku": "GlobalStandard", "deploymentType": "global",
                           "mode": "standard", "ptu": None, "reservation": None},
         "priced": True, "cost": 451.25, "costPerOutcome": 0.0081, "costPerRequest": 0.000324,
         "costPer1kTokens": 0.00019636, "field": None, "reason": None,
         "assumptions": [CACHE], "unknowns": [OUTPUT]},
        {"rank": 2, "candidate": "gpt-4o 2024-11-20 DataZoneBatch",
         "configuration": {"model": "gpt-4o", "version": "2024-11-20", "sku": "DataZoneBatch",
                           "deploymentType": "data-zone", "mode": "batch", "ptu": None,
                           "reservation": None},
         "priced": False, "cost": None, "costPerOutcome": None, "costPerRequest": None,
         "costPer1kTokens": None, "field": "sku",
         "reason": "no input token price for gpt-4o data-zone batch in eastus2",
         "assumptions": [], "unknowns": []},
    ],
    "plannedVsActual": {
        "from": "2026-10-01", "to": "2026-10-31", "days": 31, "daysWithOutcomes": 31,
        "candidate": MINI,
        "measures": [
            {"measure": "cost", "planned": 451.25, "actual": 1927.17, "delta": 1475.92,
             "deltaPercent": 327.1},
            {"measure": "outcomes", "planned": 55710.0, "actual": 53173.0, "delta": -2537.0,
             "deltaPercent": -4.6},
        ],
    },
    "plannedVsActualReason": None,
    "assumptions": [TRAFFIC_RULE],
}  # fmt: skip


class PlannedTraffic(ApiModel):
    """The plan as given, and its traffic over the period's days (docs/use-cases.md#the-traffic-
    rule)."""

    outcomes_per_day: float
    requests_per_outcome: float
    input_tokens_per_request: float = Field(description="Cached included")
    cached_input_tokens_per_request: float
    output_tokens_per_request: float
    weekday_shape: list[float] = Field(description="Monday..Sunday (1 each when flat)")
    days: int
    outcomes: float = Field(description="Exact: a plan may expect a fraction of an outcome")
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int


class PricedCandidate(ApiModel):
    """A candidate priced over the planned traffic; an unpriced one ranks last with the field
    and the reason the price book has no price."""

    rank: int = Field(ge=1, description="1: the cheapest per outcome")
    candidate: str = Field(description="Its name", examples=[MINI])
    configuration: WhatIfConfiguration = Field(description="`ptu`: the capacity priced")
    priced: bool
    cost: float | None
    cost_per_outcome: float | None
    cost_per_request: float | None
    cost_per_1k_tokens: float | None = Field(
        validation_alias="costPer1kTokens", serialization_alias="costPer1kTokens"
    )
    field: str | None = Field(description="Unpriced: the field with no price", examples=["sku"])
    reason: str | None
    assumptions: list[str]
    unknowns: list[str]


class PlannedVsActualMeasure(ApiModel):
    measure: Measure
    planned: float | None
    actual: float | None = Field(description="null: no data")
    delta: float | None = Field(description="actual - planned (as shown)")
    delta_percent: float | None = Field(description="Of the planned figure")


class PlannedVsActual(ApiModel):
    """The use case's economics beside the plan's pick over the same days."""

    first: str = Field(
        validation_alias="from", serialization_alias="from", json_schema_extra={"format": "date"}
    )
    last: str = Field(
        validation_alias="to", serialization_alias="to", json_schema_extra={"format": "date"}
    )
    days: int
    days_with_outcomes: int
    candidate: str | None = Field(description="The compared candidate: the plan's pick")
    measures: list[PlannedVsActualMeasure]


class UseCasePlan(ApiModel):
    """A use case's plan priced for a period, and planned vs actual once it is live."""

    model_config = ConfigDict(json_schema_extra={"examples": [PLAN_EXAMPLE]})

    use_case: str
    owner: str
    cost_center: str
    status: UseCaseStatus = Field(description="The use case's status")
    outcome_unit: str
    period: str
    cost_type: CostTypeName
    currency: str
    region: str
    traffic: PlannedTraffic
    candidates: list[PricedCandidate]
    planned_vs_actual: PlannedVsActual | None = Field(
        description="null for a planned use case or a period not allocated (see the reason)"
    )
    planned_vs_actual_reason: str | None
    assumptions: list[str]
