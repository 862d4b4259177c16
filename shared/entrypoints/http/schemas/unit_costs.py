"""The unit costs' response models (docs/api.md#routes): a period's deployments and unallocated
lines (GET /api/unit-costs), one deployment (GET /api/deployments/{key}/unit-costs). Money in
cents, unit costs to 1e-8, as the views round them (shared/core/views.py); null is not zero."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.json_schema import JsonDict, JsonValue

from shared.core.allocation import UnallocatedReason
from shared.entrypoints.http.schemas.base import ApiModel, PeriodHead
from shared.entrypoints.http.schemas.pages import ContinuationToken, NextLink, TotalItems

ACCOUNT_ID = (
    "/subscriptions/5b8f0c1e-3a47-4d2b-9e61-2f7a8c4d9b10/resourceGroups/rg-ai-prod/providers/"
    "Microsoft.CognitiveServices/accounts/contoso-ai-eus2"
)
HEAD: JsonDict = {"period": "2026-10", "costType": "amortized", "currency": "USD",
                  "status": "closed", "closesOn": "2026-11-06", "provenance": None}  # fmt: skip
CHAT_PTU: JsonDict = {
    "key": "contoso-ai-eus2~chat-ptu~ef7154a281",
    "deploymentId": f"{ACCOUNT_ID}/deployments/chat-ptu",
    "accountId": ACCOUNT_ID,
    "account": "contoso-ai-eus2",
    "deployment": "chat-ptu",
    "model": "gpt-4o",
    "modelVersion": "2024-11-20",
    "sku": "GlobalProvisionedManaged",
    "capacity": 50,
    "cost": 12166.5,
    "inputTokens": 805886510,
    "outputTokens": 166782477,
    "requests": 486335,
    "costPer1kTokens": 0.01250837,
    "costPer1kInputTokens": 0.0,
    "costPer1kOutputTokens": 0.0,
    "costPerRequest": 0.02501671,
    "provisionedCost": 12166.5,
    "provisionedIdleCost": 6037.98,
    "provisionedUsedCost": 6128.52,
}
EMBED: JsonDict = {
    **CHAT_PTU,
    "key": "contoso-ai-eus2~embed-small~09a9716c86",
    "deploymentId": f"{ACCOUNT_ID}/deployments/embed-small",
    "deployment": "embed-small",
    "model": "text-embedding-3-small",
    "modelVersion": "1",
    "sku": "GlobalStandard",
    "capacity": 350,
    "cost": 88.4,
    "inputTokens": 4604355590,
    "outputTokens": 0,
    "requests": 5755446,
    "costPer1kTokens": 1.92e-05,
    "costPer1kInputTokens": 1.92e-05,
    "costPer1kOutputTokens": None,
    "costPerRequest": 1.536e-05,
    "provisionedCost": 0.0,
    "provisionedIdleCost": None,
    "provisionedUsedCost": None,
}
UNALLOCATED: list[JsonValue] = [
    {"accountId": "", "meter": "Provisioned Managed Global Unit",
     "meterId": "6dcdbfc4-1d28-5883-84c2-dcdb88e21b56", "reason": "unused-reservation",
     "cost": 3187.1},
    {"accountId": ACCOUNT_ID, "meter": "Standard Text Records",
     "meterId": "af6658fb-4d3b-5bdb-974b-a001d996ff6d", "reason": "account-level-charge",
     "cost": 21.5},
]  # fmt: skip


class DeploymentCost(ApiModel):
    """One deployment of a period: its identity, cost, usage (Azure Monitor) and unit costs
    (docs/allocation-rules.md#unit-costs); a unit cost without tokens or requests is null."""

    key: str = Field(
        description="The deployment's key (`{account}~{deployment}~{digest}`), as in its URLs",
        examples=[CHAT_PTU["key"]],
    )
    deployment_id: str = Field(description="The deployment's ARM id")
    account_id: str = Field(description="Its Cognitive Services account's ARM id")
    account: str = Field(description="The account's name")
    deployment: str = Field(description="The deployment's name")
    model: str = Field(examples=["gpt-4o"])
    model_version: str = Field(examples=["2024-11-20"])
    sku: str = Field(description="The ARM SKU name", examples=["GlobalStandard"])
    capacity: int = Field(description="The ARM capacity (PTUs of a provisioned deployment)")
    cost: float = Field(description="Its allocated cost of the period (to the cent, in `currency`)")
    input_tokens: int
    output_tokens: int
    requests: int
    cost_per_1k_tokens: float | None = Field(
        validation_alias="costPer1kTokens",
        serialization_alias="costPer1kTokens",
        description="cost / (input + output tokens) x 1000 (null without tokens)",
    )
    cost_per_1k_input_tokens: float | None = Field(
        validation_alias="costPer1kInputTokens",
        serialization_alias="costPer1kInputTokens",
        description="The input meters' cost / input tokens x 1000 (null without input tokens)",
    )
    cost_per_1k_output_tokens: float | None = Field(
        validation_alias="costPer1kOutputTokens",
        serialization_alias="costPer1kOutputTokens",
        description="The output meters' cost / output tokens x 1000 (null without output tokens)",
    )
    cost_per_request: float | None = Field(description="cost / requests (null without requests)")
    provisioned_cost: float = Field(description="The part of `cost` from PTU hours")
    provisioned_idle_cost: float | None = Field(
        description="The idle part of provisionedCost by Azure's utilization (null: not "
        "provisioned, or Azure reported no utilization)"
    )
    provisioned_used_cost: float | None = Field(
        description="provisionedCost - provisionedIdleCost (null as provisionedIdleCost)"
    )


class UnallocatedCost(ApiModel):
    """The cost of one account, meter and reason that no deployment carries."""

    account_id: str = Field(description="The account billed (empty: a line with no resource)")
    meter: str = Field(examples=["Standard Text Records"])
    meter_id: str
    reason: UnallocatedReason
    cost: float


class UnitCosts(PeriodHead):
    """A period's unit costs in one price basis: its canonical totals (allocated + unallocated
    = billed, to the cent, whatever the filters and the page), one page of the deployments the
    filters keep (sorted by key) and every unallocated line (largest first: not paged, it is
    bounded by the accounts x meters x reasons of the bill)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **HEAD,
                    "billedCost": 21796.89,
                    "allocatedCost": 18576.02,
                    "unallocatedCost": 3220.87,
                    "deployments": [CHAT_PTU, EMBED],
                    "unallocated": UNALLOCATED,
                    "continuationToken": None,
                    "nextLink": None,
                    "totalItems": 2,
                }
            ]
        }
    )

    billed_cost: float = Field(description="The period's bill (to the cent, in `currency`)")
    allocated_cost: float = Field(description="The part of the bill allocated to deployments")
    unallocated_cost: float = Field(description="billedCost - allocatedCost")
    deployments: list[DeploymentCost]
    unallocated: list[UnallocatedCost] = Field(description="Every line, whatever the page")
    continuation_token: ContinuationToken
    next_link: NextLink
    total_items: TotalItems


class DeploymentUnitCosts(DeploymentCost, PeriodHead):
    """One deployment's unit costs of a period, rounded as in the period's list, with the
    period's head."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**HEAD, **CHAT_PTU}]})
