"""The insights view as the API's JSON (nothing rounded here: shared/core/insight_views.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from shared.core.insight_views import FindingView, InsightsView
from shared.entrypoints.http.presenter import API_NAMES, Json, number
from shared.entrypoints.http.what_if_presenter import what_if_json


def insights_json(view: InsightsView) -> Json:
    """GET /api/insights."""
    return {
        "period": str(view.period),
        "costType": API_NAMES[view.cost_type],
        "currency": view.currency,
        "asOf": view.as_of.isoformat(),
        "deploymentsExamined": view.deployments,
        "upperBoundMonthlySaving": number(view.upper_bound_saving),
        "findings": [_finding(f) for f in view.findings],
    }


def _finding(view: FindingView) -> Json:
    return {
        "rank": view.rank,
        "type": view.type.value,
        "key": view.key,
        "deploymentId": view.deployment_id,
        "deployment": view.deployment,
        "model": view.model,
        "sku": view.sku,
        "title": view.title,
        "evidence": [{"name": name, "value": value} for name, value in view.evidence],
        "monthlySaving": number(view.monthly_saving),
        "confidence": view.confidence.value,
        "whatIf": None if view.what_if is None else what_if_json(view.what_if),
        "whatIfUrl": _what_if_url(view),
        "useCase": view.use_case,
        "alternativeTo": [t.value for t in view.alternative_to],
    }


def _what_if_url(view: FindingView) -> str | None:
    """The GET /api/what-if that prices the finding's alternative again."""
    return f"/api/what-if?{urlencode(view.what_if_query)}" if view.what_if_query else None
