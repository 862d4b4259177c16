"""The unit-cost targets' response models (docs/targets.md, docs/api.md#targets), and the JSON
Schema of the PUT body (documented only: the body is read by shared/core/targets.py, exactly)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from shared.core.exact_numbers import MAX_AMOUNT_TEXT, NUMBER_TEXT
from shared.core.target_records import DriverKind, Metric, ScopeKind, TargetState
from shared.core.targets import DEFAULT_WARNING_RATIO
from shared.core.use_cases import SLUG
from shared.core.views import COST_TYPES
from shared.entrypoints.http.schemas.base import ApiModel, CostTypeName
from shared.entrypoints.http.schemas.pages import ContinuationToken, NextLink, TotalItems

TIME: JsonDict = {"format": "date-time"}


# --- definitions ------------------------------------------------------------------------------


class TargetDeploymentScope(ApiModel):
    deployment: str = Field(description="As written: the deployment's ARM id or key")
    deployment_id: str = Field(description="The deployment's ARM id, resolved")


class TargetAccountScope(ApiModel):
    account: str = Field(description="As written: the account's ARM id")
    account_id: str = Field(description="The account's ARM id as the inventory spells it")


class TargetUseCaseScope(ApiModel):
    use_case: str = Field(description="The use case's name")


class TargetTenantScope(ApiModel):
    tenant: Literal[True]


class TargetWrittenDeploymentScope(ApiModel):
    deployment: str = Field(description="As written: the deployment's ARM id or key")


class TargetWrittenAccountScope(ApiModel):
    account: str = Field(description="As written: the account's ARM id")


TargetScope = TargetDeploymentScope | TargetAccountScope | TargetUseCaseScope | TargetTenantScope
WrittenScope = (
    TargetWrittenDeploymentScope | TargetWrittenAccountScope | TargetUseCaseScope
    | TargetTenantScope
)  # fmt: skip


class Target(ApiModel):
    """A target as stored: the definition's shape (numbers as exact decimal strings)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "support-bot-cpo",
                    "scope": {"useCase": "support-bot"},
                    "metric": "costPerOutcome",
                    "threshold": "0.05",
                    "warningRatio": "0.8",
                    "costType": "amortized",
                }
            ]
        }
    )

    id: str
    scope: TargetScope
    metric: Metric
    threshold: str = Field(description="In the billing currency (per unit for unit costs)")
    warning_ratio: str = Field(description="At risk from warningRatio x threshold")
    cost_type: CostTypeName


class TargetList(ApiModel):
    """The targets, sorted by id, a page at a time."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "targets": [
                        {
                            "id": "summarizer-cost-per-summary",
                            "scope": {"useCase": "summarizer"},
                            "metric": "costPerOutcome",
                            "threshold": "0.026",
                            "warningRatio": "0.8",
                            "costType": "amortized",
                        }
                    ],
                    "continuationToken": None,
                    "nextLink": None,
                    "totalItems": 1,
                }
            ]
        }
    )

    targets: list[Target]
    continuation_token: ContinuationToken
    next_link: NextLink
    total_items: TotalItems


# --- status -----------------------------------------------------------------------------------


class TargetForecast(ApiModel):
    value: float
    low: float
    high: float
    method: str = Field(examples=["observed", "weekday profile over 12 observed days"])


class TargetEffect(ApiModel):
    kind: DriverKind
    label: str = Field(examples=["tokens per outcome"])
    effect: float
    share_pct: float | None = Field(description="The effect in percent of the previous value")


class TargetChange(ApiModel):
    """The change of the metric and its effects (they add up to it before rounding)."""

    previous: float
    current: float
    change: float
    change_pct: float | None
    effects: list[TargetEffect]


class TargetDrivers(ApiModel):
    vs_previous_period: TargetChange | None
    vs_previous_evaluation: TargetChange | None


class TargetEvaluation(ApiModel):
    """A period's latest evaluation (amounts: cents for periodCost, 1e-8 for unit costs)."""

    period: str
    cost_type: CostTypeName
    currency: str
    state: TargetState
    reason: str | None
    threshold: float
    warning_at: float = Field(description="warningRatio x threshold")
    observed: float | None
    forecast: TargetForecast | None
    drivers: TargetDrivers
    evaluated_at: str = Field(json_schema_extra=TIME)


class TargetTransition(ApiModel):
    period: str
    at: str = Field(json_schema_extra=TIME)
    state: TargetState
    previous_state: TargetState | None = Field(description="null: the period's first evaluation")
    observed: float | None
    event: str | None = Field(description="The CloudEvent type it sent (null: none)")


# The demo's summarizer target: breached at the first evaluation (3 in 10 summaries late), at
# risk once they came; the drivers put the change on volume (the same tokens, more summaries).
STATUS_EXAMPLE: JsonDict = {
    "targetId": "summarizer-cost-per-summary",
    "scope": {"useCase": "summarizer"},
    "metric": "costPerOutcome",
    "threshold": 0.026,
    "warningRatio": 0.8,
    "costType": "amortized",
    "periods": [
        {
            "period": "2026-10",
            "costType": "amortized",
            "currency": "USD",
            "state": "at-risk",
            "reason": "the observed value has reached warningRatio x threshold",
            "threshold": 0.026,
            "warningAt": 0.0208,
            "observed": 0.02348355,
            "forecast": {"value": 0.02348355, "low": 0.02348355, "high": 0.02348355,
                         "method": "observed"},
            "drivers": {
                "vsPreviousPeriod": None,
                "vsPreviousEvaluation": {
                    "previous": 0.03327986, "current": 0.02348355, "change": -0.00979631,
                    "changePct": -29.4362,
                    "effects": [
                        {"kind": "volume", "label": "tokens per outcome", "effect": -0.00979977,
                         "sharePct": -29.4465},
                        {"kind": "mix", "label": "deployment mix", "effect": 5.59e-06,
                         "sharePct": 0.0168},
                        {"kind": "price", "label": "price per token", "effect": -7e-07,
                         "sharePct": -0.0021},
                        {"kind": "rest", "label": "interaction", "effect": -1.44e-06,
                         "sharePct": -0.0043},
                    ],
                },
            },
            "evaluatedAt": "2026-12-01T20:41:16.607828Z",
        }
    ],
    "transitions": [
        {"period": "2026-10", "at": "2026-12-01T20:41:14.744264Z", "state": "breached",
         "previousState": None, "observed": 0.03327986, "event": "UnitCost.Target.Breached"},
        {"period": "2026-10", "at": "2026-12-01T20:41:16.605063Z", "state": "at-risk",
         "previousState": "breached", "observed": 0.02348355, "event": "UnitCost.Target.AtRisk"},
    ],
}  # fmt: skip


class TargetStatus(ApiModel):
    """The target (its scope as written), each period's latest evaluation (newest first) and
    every transition (oldest first)."""

    model_config = ConfigDict(json_schema_extra={"examples": [STATUS_EXAMPLE]})

    target_id: str
    scope: WrittenScope
    metric: Metric
    threshold: float
    warning_ratio: float
    cost_type: CostTypeName
    periods: list[TargetEvaluation]
    transitions: list[TargetTransition]


# --- the PUT body (docs/targets.md#rules) -----------------------------------------------------

_TEXT = {"type": "string", "minLength": 1}
_EXACT = {
    "description": "A decimal read exactly from its text: a string (\"0.04\") or a JSON number",
    "anyOf": [{"type": "string", "pattern": f"^{NUMBER_TEXT.pattern.removeprefix('-?')}$"},
              {"type": "number", "minimum": 0}],
}  # fmt: skip


def _scope(kind: ScopeKind, value: dict[str, object], resolved: str | None = None) -> object:
    properties: dict[str, object] = {kind.value: value}
    if resolved:  # as served: sent back, ignored and resolved again
        properties[resolved] = {"type": "string"}
    return {"type": "object", "properties": properties, "required": [kind.value],
            "additionalProperties": False}  # fmt: skip


TARGET_BODY: dict[str, object] = {
    "description": "One target (docs/targets.md#rules); its `id`, if given, equals the path's.",
    "type": "object",
    "required": ["scope", "metric", "threshold"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": f"^{SLUG.pattern}$"},
        "scope": {
            "oneOf": [
                _scope(
                    ScopeKind.DEPLOYMENT, {**_TEXT, "description": "ARM id or key"}, "deploymentId"
                ),
                _scope(ScopeKind.USE_CASE, _TEXT),
                _scope(ScopeKind.ACCOUNT, {**_TEXT, "description": "ARM id"}, "accountId"),
                _scope(ScopeKind.TENANT, {"const": True}),
            ]
        },
        "metric": {"enum": [m.value for m in Metric]},
        "threshold": {
            **_EXACT,
            "description": f"{_EXACT['description']}; at most {MAX_AMOUNT_TEXT}",
        },
        "warningRatio": {
            **_EXACT,
            "description": f"Greater than 0 and at most 1 (default {DEFAULT_WARNING_RATIO})",
        },
        "costType": {"enum": list(COST_TYPES), "default": "amortized"},
    },
    "examples": [
        {
            "scope": {"useCase": "support-bot"},
            "metric": "costPerOutcome",
            "threshold": "0.05",
            "warningRatio": "0.8",
            "costType": "amortized",
        }
    ],
}
