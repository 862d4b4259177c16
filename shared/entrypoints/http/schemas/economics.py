"""Use-case economics' response models (docs/api.md#use-case-economics): a use case's unit costs
of a period, a deployment's callers and the showback. Money rounded once (every list sums to its
total to the cent), unit costs to 1e-8, percentages to four decimals; null is not zero."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.json_schema import JsonDict

from shared.core.callers import CallerKind
from shared.core.showback import ShowbackBy
from shared.core.use_case_economics import Attribution
from shared.entrypoints.http.schemas.base import ApiModel, PeriodHead
from shared.entrypoints.http.schemas.pages import ContinuationToken, NextLink, TotalItems
from shared.entrypoints.http.schemas.unit_costs import ACCOUNT_ID, HEAD

CHAT_PROD = f"{ACCOUNT_ID}/deployments/chat-prod"
ASSISTANT = f"{ACCOUNT_ID}/deployments/assistant-mini"
USE_CASE_EXAMPLE: JsonDict = {
    **HEAD,
    "useCase": "support-bot",
    "owner": "support-platform",
    "costCenter": "CC-1042",
    "cost": 1927.17,
    "outcomes": 53173,
    "outcomeUnit": "resolved query",
    "costPerOutcome": 0.03624331,
    "reason": None,
    "costPer1kTokens": 0.00082603,
    "costPerRequest": 0.00130495,
    "tokensPerOutcome": 43876.27,
    "inputTokens": 1996582356,
    "outputTokens": 336450497,
    "requests": 1476813,
    "coverage": {
        "allocatedCost": 355.04, "callerSplitCost": 1572.13, "allocatedPct": 18.4228,
        "callerSplitPct": 81.5772, "unattributedCost": 141.07, "unattributedPct": 5.0632,
        "daysWithCost": 31, "daysWithOutcomes": 31, "outcomeDaysPct": 100.0,
    },
    "deployments": [
        {"deployment": CHAT_PROD, "deploymentId": CHAT_PROD,
         "key": "contoso-ai-eus2~chat-prod~5881e03797",
         "callers": {"apimSubscriptions": ["support-bot"]}, "attribution": "callers",
         "cost": 1572.13, "inputTokens": 361369753, "outputTokens": 88298595, "requests": 221234,
         "costPer1kTokens": 0.00349619, "unattributedCost": 141.07},
        {"deployment": ASSISTANT, "deploymentId": ASSISTANT,
         "key": "contoso-ai-eus2~assistant-mini~e51e45dcf3", "callers": None,
         "attribution": "allocation", "cost": 355.04, "inputTokens": 1635212603,
         "outputTokens": 248151902, "requests": 1255579, "costPer1kTokens": 0.00018851,
         "unattributedCost": None},
    ],
    "daily": [
        {"date": "2026-10-01", "cost": 61.81, "inputTokens": 64674266, "outputTokens": 11199624,
         "requests": 48125, "outcomes": 1566, "costPerOutcome": 0.03947081},
    ],
}  # fmt: skip
CALLERS_EXAMPLE: JsonDict = {
    **HEAD,
    "key": "contoso-ai-eus2~chat-prod~5881e03797",
    "deploymentId": CHAT_PROD,
    "by": "apimSubscriptions",
    "cost": 2786.22,
    "callers": [
        {"kind": "apimSubscriptions", "caller": "support-bot", "cost": 1572.13,
         "inputTokens": 361369753, "outputTokens": 88298595, "requests": 221234, "days": 31},
        {"kind": "apimSubscriptions", "caller": "summarizer", "cost": 588.29,
         "inputTokens": 195227994, "outputTokens": 20463500, "requests": 43991, "days": 31},
        {"kind": "apimSubscriptions", "caller": "playground", "cost": 484.73,
         "inputTokens": 86828040, "outputTokens": 32331609, "requests": 61690, "days": 31},
    ],
    "unattributed": {"cost": 141.07, "inputTokens": 34280605, "outputTokens": 7531372,
                     "requests": 17389, "days": 31},
    "continuationToken": None,
    "nextLink": None,
    "totalItems": 3,
}  # fmt: skip
SHOWBACK_EXAMPLE: JsonDict = {
    **HEAD,
    "by": "owner",
    "billedCost": 21796.89,
    "groups": [
        {"name": "support-platform", "cost": 1927.17, "useCases": ["support-bot"]},
        {"name": "content-platform", "cost": 1548.2, "useCases": ["summarizer"]},
    ],
    "unassigned": {"cost": 18321.52, "noUseCase": 14474.86, "unclaimedCallers": 484.72,
                   "unattributed": 141.07, "unallocated": 3220.87},
    "continuationToken": None,
    "nextLink": None,
    "totalItems": 2,
}  # fmt: skip


class UseCaseCoverage(ApiModel):
    """Where the use case's cost comes from, and how much of the period has outcome data."""

    allocated_cost: float = Field(description="From whole deployments (the allocation)")
    caller_split_cost: float = Field(description="From caller slices (allocated + this = cost)")
    allocated_pct: float | None
    caller_split_pct: float | None
    unattributed_cost: float | None = Field(
        description="What the logs do not explain in the sliced deployments (not in `cost`; "
        "null without slices)"
    )
    unattributed_pct: float | None = Field(description="Of the sliced deployments' cost")
    days_with_cost: int
    days_with_outcomes: int
    outcome_days_pct: float | None


class UseCaseMember(ApiModel):
    """One deployment entry of the use case: whole (`callers` null) or a caller slice."""

    deployment: str = Field(description="As written in the definition")
    deployment_id: str
    key: str = Field(description="The deployment's key (empty: not in the period's inventory)")
    callers: dict[CallerKind, list[str]] | None = Field(description="null: the whole deployment")
    attribution: Attribution
    cost: float
    input_tokens: int
    output_tokens: int
    requests: int
    cost_per_1k_tokens: float | None = Field(
        validation_alias="costPer1kTokens", serialization_alias="costPer1kTokens"
    )
    unattributed_cost: float | None = Field(description="The sliced deployment's unattributed")


class UseCaseEconomicsDay(ApiModel):
    date: str = Field(json_schema_extra={"format": "date"}, examples=["2026-10-01"])
    cost: float
    input_tokens: int
    output_tokens: int
    requests: int
    outcomes: int | None = Field(description="null: no outcome data that day")
    cost_per_outcome: float | None


class UseCaseUnitCosts(PeriodHead):
    """A use case's cost, outcomes and unit costs of a period, per member and per day
    (docs/use-cases.md#unit-economics)."""

    model_config = ConfigDict(json_schema_extra={"examples": [USE_CASE_EXAMPLE]})

    use_case: str
    owner: str
    cost_center: str
    cost: float
    outcomes: int | None = Field(description="null: no outcome data in the period")
    outcome_unit: str
    cost_per_outcome: float | None = Field(
        description="The cost of the days with outcome data / their outcomes (null: see reason)"
    )
    reason: str | None = Field(description="Why costPerOutcome is null (null when it is not)")
    cost_per_1k_tokens: float | None = Field(
        validation_alias="costPer1kTokens", serialization_alias="costPer1kTokens"
    )
    cost_per_request: float | None
    tokens_per_outcome: float | None
    input_tokens: int
    output_tokens: int
    requests: int
    coverage: UseCaseCoverage
    deployments: list[UseCaseMember]
    daily: list[UseCaseEconomicsDay]


class DeploymentCaller(ApiModel):
    kind: CallerKind
    caller: str = Field(description="The APIM subscription or product, or the app role")
    cost: float
    input_tokens: int
    output_tokens: int
    requests: int
    days: int = Field(description="Days the caller has calls")


class UnattributedCalls(ApiModel):
    """What no caller's logs explain of the deployment (its own telemetry beyond theirs)."""

    cost: float
    input_tokens: int
    output_tokens: int
    requests: int
    days: int


class DeploymentCallers(PeriodHead):
    """A deployment's cost of a period (as in its unit costs) split between its callers of one
    kind, largest cost first (then by name), a page at a time, and the unattributed rest: the
    callers of every page + unattributed = cost, to the cent."""

    model_config = ConfigDict(json_schema_extra={"examples": [CALLERS_EXAMPLE]})

    key: str
    deployment_id: str
    by: CallerKind | None = Field(description="The kind split by (null: no telemetry names one)")
    cost: float
    callers: list[DeploymentCaller]
    unattributed: UnattributedCalls
    continuation_token: ContinuationToken
    next_link: NextLink
    total_items: TotalItems


class ShowbackGroup(ApiModel):
    name: str = Field(description="The owner, cost center or use case")
    cost: float
    use_cases: list[str] = Field(description="The group's use cases, by name")


class Unassigned(ApiModel):
    """The bill no use case has: cost = the four parts, groups + cost = billedCost."""

    cost: float
    no_use_case: float = Field(description="Deployments in no use case")
    unclaimed_callers: float = Field(description="Callers of sliced deployments no use case has")
    unattributed: float = Field(description="Tokens of sliced deployments the logs do not explain")
    unallocated: float = Field(description="The period's unallocated lines")


class Showback(PeriodHead):
    """The period's bill by owner, cost center or use case, largest group first (then by name),
    a page at a time, and the unassigned rest. `billedCost` and `unassigned` are the period's
    whatever the filters and the page: every group + unassigned = billedCost, to the cent."""

    model_config = ConfigDict(json_schema_extra={"examples": [SHOWBACK_EXAMPLE]})

    by: ShowbackBy
    billed_cost: float
    groups: list[ShowbackGroup]
    unassigned: Unassigned
    continuation_token: ContinuationToken
    next_link: NextLink
    total_items: TotalItems
