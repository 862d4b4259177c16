"""The insights' response model (docs/api.md#insights, docs/model-economics.md#savings-findings):
a period's savings findings, largest saving first, a page at a time."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from shared.core.findings import Confidence, FindingType
from shared.entrypoints.http.schemas.base import ApiModel, CostTypeName, Provenance
from shared.entrypoints.http.schemas.pages import ContinuationToken, NextLink, TotalItems
from shared.entrypoints.http.schemas.what_if import WhatIf

# The demo's October a finding a page (`limit=1`): the fourth (a risk: no saving, no what-if).
INSIGHTS_EXAMPLE: JsonDict = {
    "period": "2026-10",
    "costType": "amortized",
    "currency": "USD",
    "asOf": "2026-12-01",
    "deploymentsExamined": 11,
    "upperBoundMonthlySaving": 127.99,
    "findings": [
        {
            "rank": 4,
            "type": "retiring-version",
            "key": "contoso-ai-eus2~agent-gpt5mini~9c9a329a6e",
            "deploymentId": "/subscriptions/5b8f0c1e-3a47-4d2b-9e61-2f7a8c4d9b10/resourceGroups/"
            "rg-ai-prod/providers/Microsoft.CognitiveServices/accounts/contoso-ai-eus2/"
            "deployments/agent-gpt5mini",
            "deployment": "agent-gpt5mini",
            "model": "gpt-5-mini",
            "sku": "GlobalStandard",
            "title": "agent-gpt5mini runs gpt-5-mini 2025-08-07, which retires on 2027-02-06",
            "evidence": [
                {"name": "model", "value": "gpt-5-mini 2025-08-07"},
                {"name": "retirement date", "value": "2027-02-06"},
                {"name": "allocated cost", "value": "580.74"},
                {"name": "successor", "value": "none named by the source"},
            ],
            "monthlySaving": 0.0,
            "confidence": "high",
            "whatIf": None,
            "whatIfUrl": None,
            "useCase": None,
            "alternativeTo": [],
        }
    ],
    "continuationToken": "eyJhIjoiMDAwMDA0IiwicyI6ImU3ZmFiMWY4YmU1OGM5MDMifQ",
    "nextLink": "https://finops.example/api/insights?period=2026-10&limit=1&"
    "continuationToken=eyJhIjoiMDAwMDA0IiwicyI6ImU3ZmFiMWY4YmU1OGM5MDMifQ",
    "totalItems": 12,
}


class FindingEvidence(ApiModel):
    name: str = Field(examples=["allocated cost"])
    value: str = Field(examples=["35.00"])


class Finding(ApiModel):
    """One saving (or risk) of one deployment, priced by the what-if engine."""

    rank: int = Field(ge=1, description="1 for the largest saving (of the findings listed)")
    type: FindingType
    key: str = Field(description="The deployment's key")
    deployment_id: str
    deployment: str
    model: str
    sku: str
    title: str
    evidence: list[FindingEvidence]
    monthly_saving: float
    confidence: Confidence
    what_if: WhatIf | None = Field(description="The what-if the saving was priced with")
    what_if_url: str | None = Field(description="The GET /api/what-if that prices it again")
    use_case: str | None = Field(description="The use case that claims the deployment whole")
    alternative_to: list[FindingType] = Field(
        description="The deployment's other findings: their savings count the same money"
    )


class Insights(ApiModel):
    """The findings (the filters applied), and the upper bound of their monthly saving: each
    deployment's largest saving, summed."""

    model_config = ConfigDict(json_schema_extra={"examples": [INSIGHTS_EXAMPLE]})

    period: str
    cost_type: CostTypeName
    currency: str
    as_of: str = Field(
        description="The day retirements are compared with", json_schema_extra={"format": "date"}
    )
    deployments_examined: int
    upper_bound_monthly_saving: float
    findings: list[Finding]
    continuation_token: ContinuationToken
    next_link: NextLink
    total_items: TotalItems
    provenance: Provenance | None = None
