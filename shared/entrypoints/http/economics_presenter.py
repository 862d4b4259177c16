"""Use-case economics, callers and showback views as the API's JSON (nothing rounded here)."""

from __future__ import annotations

from shared.core.economics_views import (
    CallerView,
    CoverageView,
    DayView,
    DeploymentCallersView,
    MemberView,
    ShowbackView,
    UseCaseUnitCostsView,
)
from shared.entrypoints.http.presenter import API_NAMES, Json, number, optional, status_json


def use_case_unit_costs_json(view: UseCaseUnitCostsView) -> Json:
    """GET /api/use-cases/{name}/unit-costs."""
    return {
        "useCase": view.name,
        "owner": view.owner,
        "costCenter": view.cost_center,
        "period": str(view.period),
        "costType": API_NAMES[view.cost_type],
        "currency": view.currency,
        **status_json(view.status),
        "cost": number(view.cost),
        "outcomes": view.outcomes,
        "outcomeUnit": view.outcome_unit,
        "costPerOutcome": optional(view.cost_per_outcome),
        "reason": view.reason,
        "costPer1kTokens": optional(view.cost_per_1k_tokens),
        "costPerRequest": optional(view.cost_per_request),
        "tokensPerOutcome": optional(view.tokens_per_outcome),
        "inputTokens": view.input_tokens,
        "outputTokens": view.output_tokens,
        "requests": view.requests,
        "coverage": _coverage(view.coverage),
        "deployments": [_member(m) for m in view.members],
        "daily": [_day(d) for d in view.daily],
    }


def callers_json(view: DeploymentCallersView) -> Json:
    """GET /api/deployments/{key}/callers."""
    return {
        "key": view.key,
        "deploymentId": view.deployment_id,
        "period": str(view.period),
        "costType": API_NAMES[view.cost_type],
        "currency": view.currency,
        **status_json(view.status),
        "by": view.by.value if view.by else None,
        "cost": number(view.cost),
        "callers": [_caller(c) for c in view.callers],
        "unattributed": _caller(view.unattributed, named=False),
    }


def showback_json(view: ShowbackView) -> Json:
    """GET /api/showback."""
    u = view.unassigned
    return {
        "period": str(view.period),
        "costType": API_NAMES[view.cost_type],
        "currency": view.currency,
        **status_json(view.status),
        "by": view.by.value,
        "billedCost": number(view.totals.billed),
        "groups": [
            {"name": g.name, "cost": number(g.cost), "useCases": list(g.use_cases)}
            for g in view.groups
        ],
        "unassigned": {
            "cost": number(u.cost),
            "noUseCase": number(u.no_use_case),
            "unclaimedCallers": number(u.unclaimed_callers),
            "unattributed": number(u.unattributed),
            "unallocated": number(u.unallocated),
        },
    }


def _coverage(c: CoverageView) -> Json:
    return {
        "allocatedCost": number(c.allocated_cost),
        "callerSplitCost": number(c.caller_split_cost),
        "allocatedPct": optional(c.allocated_pct),
        "callerSplitPct": optional(c.caller_split_pct),
        "unattributedCost": optional(c.unattributed_cost),
        "unattributedPct": optional(c.unattributed_pct),
        "daysWithCost": c.days_with_cost,
        "daysWithOutcomes": c.days_with_outcomes,
        "outcomeDaysPct": optional(c.outcome_days_pct),
    }


def _member(m: MemberView) -> Json:
    callers = {kind.value: list(names) for kind, names in m.entry.callers}
    return {
        "deployment": m.entry.deployment,
        "deploymentId": m.entry.deployment_id,
        "key": m.deployment_key,
        "callers": callers or None,
        "attribution": m.attribution.value,
        "cost": number(m.cost),
        "inputTokens": m.input_tokens,
        "outputTokens": m.output_tokens,
        "requests": m.requests,
        "costPer1kTokens": optional(m.cost_per_1k_tokens),
        "unattributedCost": optional(m.unattributed_cost),
    }


def _day(d: DayView) -> Json:
    return {
        "date": d.date.isoformat(),
        "cost": number(d.cost),
        "inputTokens": d.input_tokens,
        "outputTokens": d.output_tokens,
        "requests": d.requests,
        "outcomes": d.outcomes,
        "costPerOutcome": optional(d.cost_per_outcome),
    }


def _caller(c: CallerView, named: bool = True) -> Json:
    body: Json = {"kind": c.kind.value, "caller": c.name} if named and c.kind else {}
    return {
        **body,
        "cost": number(c.cost),
        "inputTokens": c.input_tokens,
        "outputTokens": c.output_tokens,
        "requests": c.requests,
        "days": c.days,
    }
