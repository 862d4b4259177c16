"""Insights read model: a period's savings findings (shared/core/findings.py) for readers.

Each finding keeps its evidence as the detector wrote it, its saving rounded to cents (half
even), and the what-if it was priced with as a `WhatIfView` plus the GET /api/what-if query that
prices it again (none for the findings priced on the traffic as it could be, `RESHAPED`: the
what-if route prices the traffic as observed). `upper_bound_saving` adds each deployment's
largest saving only: a deployment's findings are alternatives, their savings do not add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.core.costs import CostType
from shared.core.findings import Confidence, Finding, FindingType
from shared.core.inventory import SKU_NAME, Deployment
from shared.core.money import ZERO, in_money_context
from shared.core.period import BillingPeriod
from shared.core.resource_id import id_key
from shared.core.rounding import round_amount
from shared.core.traffic import Traffic
from shared.core.views import API_NAMES
from shared.core.what_if_views import WhatIfView, own_configuration, what_if_view

# Findings whose what-if prices the traffic changed (trimmed prompts, more cache hits).
RESHAPED = frozenset({FindingType.BLOATED_PROMPT, FindingType.LOW_CACHE_SHARE})


@dataclass(frozen=True)
class FindingView:
    rank: int  # 1 for the largest saving
    type: FindingType
    key: str  # the deployment's key
    deployment_id: str
    deployment: str
    model: str
    sku: str
    title: str
    evidence: tuple[tuple[str, str], ...]
    monthly_saving: Decimal  # to cents
    confidence: Confidence
    what_if: WhatIfView | None
    what_if_query: tuple[tuple[str, str], ...]  # GET /api/what-if parameters; () without one
    use_case: str | None  # the use case that claims the deployment whole
    alternative_to: tuple[FindingType, ...]  # the deployment's other findings (same money)


@dataclass(frozen=True)
class InsightsView:
    period: BillingPeriod
    cost_type: CostType
    currency: str
    as_of: date  # the day retirements are compared with
    deployments: int  # deployments examined
    findings: tuple[FindingView, ...]
    upper_bound_saving: Decimal  # each deployment's largest saving, summed (module docstring)


@in_money_context
def insights_view(
    findings: Sequence[Finding],
    deployments: Sequence[Deployment],
    traffic: dict[str, Traffic],
    period: BillingPeriod,
    cost_type: CostType,
    currency: str,
    as_of: date,
) -> InsightsView:
    """The findings in their order (largest saving first), each with its deployment's record;
    `traffic` by the deployment's ARM id (`id_key`)."""
    by_id = {id_key(d.deployment_id): d for d in deployments}
    views = []
    for rank, finding in enumerate(findings, start=1):
        deployment = by_id[id_key(finding.deployment_id)]
        views.append(_finding(rank, finding, deployment, traffic, period, cost_type))
    best: dict[str, Decimal] = {}
    for view in views:
        best[view.key] = max(best.get(view.key, ZERO), view.monthly_saving)
    return InsightsView(
        period=period,
        cost_type=cost_type,
        currency=currency,
        as_of=as_of,
        deployments=len(deployments),
        findings=tuple(views),
        upper_bound_saving=sum(best.values(), ZERO),
    )


def _finding(
    rank: int,
    finding: Finding,
    deployment: Deployment,
    traffic: dict[str, Traffic],
    period: BillingPeriod,
    cost_type: CostType,
) -> FindingView:
    result = finding.what_if
    view = None
    query: tuple[tuple[str, str], ...] = ()
    if result is not None:
        config = result.configuration
        sku = SKU_NAME[(config.deployment_type, config.mode)]
        days = traffic[id_key(deployment.deployment_id)]
        view = what_if_view(
            result, deployment, own_configuration(deployment), sku, days.days, period,
            cost_type, days.notes,
        )  # fmt: skip
        shown = view.configuration
        pairs = [
            ("deployment", deployment.key),
            ("period", str(period)),
            ("model", config.model),
            ("version", config.version or ""),
            ("sku", sku),
            ("ptu", "" if shown.ptu is None else str(shown.ptu)),
            ("reservation", config.reservation or ""),
            ("costType", API_NAMES[cost_type]),
        ]
        if finding.type not in RESHAPED:
            query = tuple((name, value) for name, value in pairs if value)
    return FindingView(
        rank=rank,
        type=finding.type,
        key=deployment.key,
        deployment_id=deployment.deployment_id,
        deployment=deployment.name,
        model=deployment.model,
        sku=deployment.sku,
        title=finding.title,
        evidence=finding.evidence,
        monthly_saving=round_amount(finding.monthly_saving),
        confidence=finding.confidence,
        what_if=view,
        what_if_query=query,
        use_case=finding.use_case,
        alternative_to=finding.alternative_to,
    )
