"""The use-case definitions' response models (docs/use-cases.md, docs/api.md#use-cases), the
outcomes push's, and the JSON Schemas of both request bodies (documented only: a use case is
read by shared/core/use_cases.py, exactly, and outcomes by shared/core/outcomes.py).

A use case is served in its file's shape: a field the file leaves out is absent, never null
(`description` when empty, `status` when live, `deployments` of a planned one, `plan`, an
entry's `callers` when whole, a candidate's `version`, `ptu` and `reservation`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field
from pydantic.json_schema import JsonDict, SkipJsonSchema

from shared.core.callers import CallerKind
from shared.core.exact_numbers import MAX_AMOUNT_TEXT, NUMBER_TEXT
from shared.core.outcomes import EVENT_ID, MAX_COUNT, MAX_EVENTS
from shared.core.price_book import ReservationTerm
from shared.core.use_cases import GUID, SLUG, WEEKDAYS, SourceType, UseCaseStatus
from shared.entrypoints.http.schemas.base import ApiModel
from shared.entrypoints.http.schemas.bodies import body_schema
from shared.entrypoints.http.schemas.pages import ContinuationToken, NextLink, TotalItems

ACCOUNT = (
    "/subscriptions/5b8f0c1e-3a47-4d2b-9e61-2f7a8c4d9b10/resourceGroups/rg-ai-prod/providers/"
    "Microsoft.CognitiveServices/accounts/contoso-ai-eus2"
)
SUPPORT_BOT: JsonDict = {
    "name": "support-bot",
    "owner": "support-platform",
    "costCenter": "CC-1042",
    "description": "Customer support assistant: answers, triages and escalates",
    "outcome": {
        "unit": "resolved query",
        "source": {
            "type": "logAnalytics",
            "workspaceId": "9a4e7c2b-1d3f-4e8a-b6c5-0f2d8e1a7b34",
            "query": 'AppEvents\n| where Name == "QueryResolved" and AppRoleName == '
            '"support-bot"\n| summarize outcomes = sum(ItemCount) by day = bin(TimeGenerated, 1d)',
        },
    },
    "deployments": [
        {"deployment": f"{ACCOUNT}/deployments/chat-prod",
         "deploymentId": f"{ACCOUNT}/deployments/chat-prod",
         "callers": {"apimSubscriptions": ["support-bot"]}},
        {"deployment": f"{ACCOUNT}/deployments/assistant-mini",
         "deploymentId": f"{ACCOUNT}/deployments/assistant-mini"},
    ],
}  # fmt: skip
CONTRACT_REVIEW: JsonDict = {
    "name": "contract-review",
    "owner": "legal-platform",
    "costCenter": "CC-3310",
    "description": "Contract review assistant: clause extraction and risk notes",
    "status": "planned",
    "outcome": {"unit": "reviewed contract", "source": {"type": "push"}},
    "plan": {
        "region": "eastus2",
        "outcomesPerDay": 400,
        "requestsPerOutcome": 4,
        "inputTokensPerRequest": 6000,
        "cachedInputTokensPerRequest": 1500,
        "outputTokensPerRequest": 900,
        "weekdayShape": ["1.2", "1.2", "1.2", "1.2", "1.2", "0.5", "0.5"],
        "candidates": [
            {"model": "gpt-4o-mini", "version": "2024-07-18", "sku": "GlobalStandard"},
            {"model": "gpt-4o", "version": "2024-11-20", "sku": "GlobalProvisionedManaged",
             "ptu": 15, "reservation": "1m"},
        ],
    },
}  # fmt: skip
DECIMAL_TEXT = f"^{NUMBER_TEXT.pattern}$"


def _no_default(schema: JsonDict) -> None:
    schema.pop("default", None)


def _is_none(value: object) -> bool:
    return value is None


def _absent(**kw: Any) -> Any:
    """A field the JSON leaves out when it is None (the file's shape has no nulls)."""
    return Field(None, exclude_if=_is_none, json_schema_extra=_no_default, **kw)


Text = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, Field(pattern=f"^{SLUG.pattern}$", examples=["support-bot"])]
Callers = Annotated[
    dict[CallerKind, Annotated[list[Text], Field(min_length=1)]],
    Field(min_length=1, description="The callers whose slice the entry takes, by kind"),
]
PlanNumber = Annotated[
    int | Annotated[str, Field(pattern=DECIMAL_TEXT)],
    Field(description="An integer when written as one, else its exact decimal string"),
]


class PushOutcomeSource(ApiModel):
    """Outcomes are pushed (POST /api/use-cases/{name}/outcomes, cli outcomes)."""

    type: Literal[SourceType.PUSH]


class LogAnalyticsOutcomeSource(ApiModel):
    """Outcomes are counted per day by a Log Analytics query (columns `day`, `outcomes`)."""

    type: Literal[SourceType.LOG_ANALYTICS]
    workspace_id: str = Field(pattern=f"^{GUID.pattern}$", description="The workspace's GUID")
    query: Text = Field(description="KQL naming the output columns `day` and `outcomes`")


OutcomeSource = Annotated[
    PushOutcomeSource | LogAnalyticsOutcomeSource, Field(discriminator="type")
]


class UseCaseOutcome(ApiModel):
    unit: Text = Field(description="What the cost is divided by", examples=["resolved query"])
    source: OutcomeSource


class UseCaseDeployment(ApiModel):
    """A deployment of the use case: whole (no `callers`) or these callers' slice of it."""

    deployment: Text = Field(description="As written: the deployment's ARM id or key")
    deployment_id: str = Field(description="The ARM id as the inventory spells it")
    callers: Callers | SkipJsonSchema[None] = _absent()


class CandidateConfiguration(ApiModel):
    """A configuration a plan is priced with, less its term (`ptu`: provisioned SKUs)."""

    model: Text = Field(examples=["gpt-4o-mini"])
    version: Text | SkipJsonSchema[None] = _absent(description="Absent: any version")
    sku: Text = Field(
        description="An ARM SKU name (any case) of a standard, batch or provisioned deployment",
        examples=["GlobalStandard", "DataZoneBatch", "GlobalProvisionedManaged"],
    )
    ptu: Annotated[int, Field(ge=1)] | SkipJsonSchema[None] = _absent(
        description="Absent: sized from the planned traffic"
    )


class PlannedCandidate(CandidateConfiguration):
    """A configuration the plan is priced with (`ptu` and `reservation`: provisioned SKUs)."""

    reservation: ReservationTerm | SkipJsonSchema[None] = _absent(description="The term")


class TrafficPlan(ApiModel):
    """A use case's expected traffic (averages; input tokens include the cached ones) and the
    candidates to price it with (docs/use-cases.md#planned-use-cases)."""

    region: Text = Field(description="The ARM region the candidates are priced in")
    outcomes_per_day: PlanNumber
    requests_per_outcome: PlanNumber
    input_tokens_per_request: PlanNumber
    cached_input_tokens_per_request: PlanNumber
    output_tokens_per_request: PlanNumber
    weekday_shape: (
        Annotated[list[PlanNumber], Field(min_length=WEEKDAYS, max_length=WEEKDAYS)]
        | SkipJsonSchema[None]
    ) = _absent(description="7 weights, Monday to Sunday (absent: flat)")
    candidates: Annotated[list[PlannedCandidate], Field(min_length=1)]


class UseCase(ApiModel):
    """A use case as stored: the file's shape plus each entry's resolved `deploymentId`."""

    model_config = ConfigDict(json_schema_extra={"examples": [SUPPORT_BOT, CONTRACT_REVIEW]})

    name: Slug = Field(description="A slug: the key in URLs")
    owner: Text
    cost_center: Text
    description: str | SkipJsonSchema[None] = _absent()
    status: Literal[UseCaseStatus.PLANNED] | SkipJsonSchema[None] = _absent(
        description="Absent: live"
    )
    outcome: UseCaseOutcome
    deployments: list[UseCaseDeployment] | SkipJsonSchema[None] = _absent(
        description="Absent for a planned use case"
    )
    plan: TrafficPlan | SkipJsonSchema[None] = _absent()


class UseCaseList(ApiModel):
    """The use cases the filters keep, sorted by name, a page at a time."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"useCases": [CONTRACT_REVIEW, SUPPORT_BOT], "continuationToken": None,
                 "nextLink": None, "totalItems": 2}
            ]
        }
    )  # fmt: skip

    use_cases: list[UseCase]
    continuation_token: ContinuationToken
    next_link: NextLink
    total_items: TotalItems


class PushedOutcomes(ApiModel):
    """What one push stored: the ids accepted now and those already stored the same."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"useCase": "summarizer", "accepted": ["evt-1"], "repeated": []}]
        }
    )

    use_case: str
    accepted: list[str]
    repeated: list[str]


# --- request bodies (documentation only) ------------------------------------------------------

Amount = Annotated[float, Field(ge=0, le=float(MAX_AMOUNT_TEXT))]
Positive = Annotated[float, Field(gt=0, le=float(MAX_AMOUNT_TEXT))]
Exact = Annotated[str, Field(pattern=DECIMAL_TEXT)]
Term = Annotated[str, Field(pattern=r"^\s*1[mMyY]\s*$", examples=["1m", "1y"])]
EXACT = (
    "read exactly: a JSON number (a fraction from its shortest repr, up to 15 significant "
    "digits) or a string holding one"
)


class UseCaseDeploymentDefinition(ApiModel):
    deployment: Text = Field(description="The deployment's ARM id or key (as /api/unit-costs)")
    deployment_id: str | SkipJsonSchema[None] = _absent(
        description="As served: accepted and ignored (resolved again)"
    )
    callers: Callers | SkipJsonSchema[None] = _absent()


class PlannedCandidateDefinition(CandidateConfiguration):
    reservation: Term | SkipJsonSchema[None] = _absent(description="1m or 1y (any case)")


class TrafficPlanDefinition(ApiModel):
    region: Text = Field(examples=["eastus2"])
    outcomes_per_day: Positive | Exact = Field(description=f"Greater than 0, {EXACT}")
    requests_per_outcome: Positive | Exact = Field(description=f"Greater than 0, {EXACT}")
    input_tokens_per_request: Amount | Exact = Field(description=f"Cached included, {EXACT}")
    cached_input_tokens_per_request: Amount | Exact | SkipJsonSchema[None] = _absent(
        description="At most inputTokensPerRequest (absent: 0)"
    )
    output_tokens_per_request: Amount | Exact = Field(description=EXACT)
    weekday_shape: (
        Annotated[list[Amount | Exact], Field(min_length=WEEKDAYS, max_length=WEEKDAYS)]
        | SkipJsonSchema[None]
    ) = _absent(description="7 weights, Monday to Sunday, not all 0 (absent: flat)")
    candidates: Annotated[list[PlannedCandidateDefinition], Field(min_length=1)] = Field(
        description="No two alike"
    )


class UseCaseDefinition(ApiModel):
    """One use case (docs/use-cases.md#rules): live with deployments, or planned with a plan."""

    name: Slug | SkipJsonSchema[None] = _absent(description="If given, the path's name")
    owner: Text
    cost_center: Text
    description: str | SkipJsonSchema[None] = _absent()
    status: UseCaseStatus | SkipJsonSchema[None] = _absent(description="Absent: live")
    outcome: UseCaseOutcome
    deployments: list[UseCaseDeploymentDefinition] | SkipJsonSchema[None] = _absent(
        description="Required (at least one) when live; absent or empty when planned"
    )
    plan: TrafficPlanDefinition | SkipJsonSchema[None] = _absent(
        description="Required when planned"
    )


class OutcomeEvent(ApiModel):
    id: str = Field(pattern=f"^{EVENT_ID.pattern}$", description="Idempotency: counted once")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})
    count: int = Field(ge=0, le=MAX_COUNT)


class OutcomesPush(ApiModel):
    outcomes: list[OutcomeEvent] = Field(min_length=1, max_length=MAX_EVENTS)


def _writable(use_case: JsonDict) -> JsonDict:
    """A served use case as a body (the ids resolved again on PUT)."""
    body = {k: v for k, v in use_case.items() if k != "name"}
    entries = body.get("deployments")
    if isinstance(entries, list):
        body["deployments"] = [
            {k: v for k, v in e.items() if k != "deploymentId"}
            for e in entries
            if isinstance(e, dict)
        ]
    return body


USE_CASE_BODY: JsonDict = {
    **body_schema(UseCaseDefinition),
    "examples": [_writable(SUPPORT_BOT), _writable(CONTRACT_REVIEW)],
}
OUTCOMES_BODY: JsonDict = {
    **body_schema(OutcomesPush),
    "examples": [{"outcomes": [{"id": "evt-1", "date": "2026-10-03", "count": 17}]}],
}
