"""The insights view as the API's response model, a page of its findings at a time (nothing
rounded here: shared/core/insight_views.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from shared.core.insight_views import FindingView, InsightsView
from shared.entrypoints.http.pagination import Page
from shared.entrypoints.http.presenter import cost_type_name, number
from shared.entrypoints.http.schemas.insights import Finding, FindingEvidence, Insights
from shared.entrypoints.http.what_if_presenter import what_if

RANK_DIGITS = 6  # a finding's page key: its rank, zero-padded, so keys sort as ranks do


def page_key(view: FindingView) -> str:
    """The key the findings are paged by: their rank order."""
    return f"{view.rank:0{RANK_DIGITS}d}"


def insights(view: InsightsView, page: Page[FindingView], next_link: str | None) -> Insights:
    """GET /api/insights: the view's head and one page of its findings."""
    return Insights(
        period=str(view.period),
        cost_type=cost_type_name(view.cost_type),
        currency=view.currency,
        as_of=view.as_of.isoformat(),
        deployments_examined=view.deployments,
        upper_bound_monthly_saving=number(view.upper_bound_saving),
        findings=[_finding(f) for f in page.items],
        continuation_token=page.next_token,
        next_link=next_link,
        total_items=page.total,
    )


def _finding(view: FindingView) -> Finding:
    return Finding(
        rank=view.rank,
        type=view.type,
        key=view.key,
        deployment_id=view.deployment_id,
        deployment=view.deployment,
        model=view.model,
        sku=view.sku,
        title=view.title,
        evidence=[FindingEvidence(name=name, value=value) for name, value in view.evidence],
        monthly_saving=number(view.monthly_saving),
        confidence=view.confidence,
        what_if=None if view.what_if is None else what_if(view.what_if),
        what_if_url=_what_if_url(view),
        use_case=view.use_case,
        alternative_to=list(view.alternative_to),
    )


def _what_if_url(view: FindingView) -> str | None:
    """The GET /api/what-if that prices the finding's alternative again."""
    return f"/api/what-if?{urlencode(view.what_if_query)}" if view.what_if_query else None
