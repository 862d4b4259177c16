"""The what-if's response model (docs/api.md#what-if, docs/model-economics.md#what-if): money to
cents, unit prices (per base unit) to 1e-8, ratios to 1e-4, the delta in percent to 0.1."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from shared.core.meters import DeploymentType, Mode
from shared.entrypoints.http.schemas.base import ApiModel, CostTypeName, Provenance

DEPLOYMENT_ID = (
    "/subscriptions/5b8f0c1e-3a47-4d2b-9e61-2f7a8c4d9b10/resourceGroups/rg-ai-prod/providers/"
    "Microsoft.CognitiveServices/accounts/contoso-ai-eus2/deployments/chat-prod"
)
# The demo's chat-prod (gpt-4o GlobalStandard) priced as gpt-4o-mini.
WHAT_IF_EXAMPLE: JsonDict = {
    "key": "contoso-ai-eus2~chat-prod~5881e03797",
    "deploymentId": DEPLOYMENT_ID,
    "period": "2026-10",
    "costType": "amortized",
    "region": "eastus2",
    "currency": "USD",
    "current": {
        "model": "gpt-4o", "version": "2024-11-20", "sku": "GlobalStandard",
        "deploymentType": "global", "mode": "standard", "ptu": None, "reservation": None,
    },
    "configuration": {
        "model": "gpt-4o-mini", "version": None, "sku": "GlobalStandard",
        "deploymentType": "global", "mode": "standard", "ptu": None, "reservation": None,
    },
    "cost": 167.17,
    "allocatedCost": 2786.22,
    "delta": -2619.05,
    "deltaPercent": -94.0,
    "traffic": {
        "days": 31, "inputTokens": 677706392, "cachedInputTokens": 222566621,
        "outputTokens": 148625076, "requests": 344304, "cacheShare": 0.3284,
    },
    "prices": [
        {"what": "cached-input", "amount": 7e-08, "unit": "token", "source": "effective",
         "currency": "USD", "quantity": 222566621.0, "cost": 16.02},
        {"what": "input", "amount": 1.4e-07, "unit": "token", "source": "effective",
         "currency": "USD", "quantity": 455139771.0, "cost": 65.54},
        {"what": "output", "amount": 5.8e-07, "unit": "token", "source": "effective",
         "currency": "USD", "quantity": 148625076.0, "cost": 85.61},
    ],
    "capacity": None,
    "assumptions": [
        "version not given: any version of gpt-4o-mini priced",
        "cache share kept as observed: 32.8% of input tokens",
    ],
    "unknowns": [
        "output length and quality may differ under another model: the observed token counts "
        "are priced as they are"
    ],
}  # fmt: skip


class WhatIfConfiguration(ApiModel):
    """A configuration priced: the model, its version (null: any version the prices have), the
    ARM SKU name, its deployment type and mode (null: a SKU that cannot be re-priced), the PTU
    capacity and the reservation term."""

    model: str = Field(examples=["gpt-4o-mini"])
    version: str | None = Field(examples=["2024-07-18"])
    sku: str = Field(examples=["GlobalStandard"])
    deployment_type: DeploymentType | None
    mode: Mode | None
    ptu: int | None
    reservation: str | None = Field(examples=["1m", "1y"])


class WhatIfTraffic(ApiModel):
    """The observed traffic priced (input tokens include the cached ones)."""

    days: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    requests: int
    cache_share: float | None = Field(description="cached / input tokens (null without input)")


class WhatIfPrice(ApiModel):
    what: str = Field(examples=["input"])
    amount: float = Field(description="Per base unit (a token, a PTU-hour)")
    unit: str
    source: str = Field(examples=["effective", "list"])
    currency: str
    quantity: float
    cost: float


class WhatIfCapacity(ApiModel):
    """A provisioned configuration's capacity and its hosting cost."""

    ptu: int = Field(description="The capacity priced")
    needed: int | None = Field(description="The capacity the peak traffic needs (null: unknown)")
    hours: int
    hourly_cost: float
    reserved_cost: float | None
    reservation: str
    pay_as_you_go_cost: float | None
    break_even_utilization: float | None


class WhatIf(ApiModel):
    """A deployment's traffic of a period re-priced under another configuration, against its
    allocated cost."""

    model_config = ConfigDict(json_schema_extra={"examples": [WHAT_IF_EXAMPLE]})

    key: str
    deployment_id: str
    period: str
    cost_type: CostTypeName
    region: str
    currency: str
    current: WhatIfConfiguration = Field(description="The deployment's own configuration")
    configuration: WhatIfConfiguration = Field(description="The configuration priced")
    cost: float = Field(description="The traffic's cost under the configuration")
    allocated_cost: float
    delta: float = Field(description="cost - allocatedCost (as shown)")
    delta_percent: float | None = Field(description="Of the allocated cost (null when it is 0)")
    traffic: WhatIfTraffic
    prices: list[WhatIfPrice]
    capacity: WhatIfCapacity | None
    assumptions: list[str]
    unknowns: list[str]
    provenance: Provenance | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="Of the allocation the allocated cost comes from (not on a finding's what-if)",
    )
