"""Which deployments of a period's unit costs a list filter keeps (shared/core/list_filter.py):
those passing every filter given (`useCase` and `owner`: a live use case that has it, whole or
a caller slice). The view keeps the period's canonical totals and every unallocated line: a
filter narrows the list, never the bill."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from shared.core.inventory import Deployment
from shared.core.list_filter import DeploymentFacts, ListFilter, membership
from shared.core.use_cases import UseCase
from shared.core.views import DeploymentCostView, PeriodUnitCostsView


def cost_facts(deployment: DeploymentCostView) -> DeploymentFacts:
    """What the filters look at of a deployment of a period."""
    d = deployment
    return DeploymentFacts(d.key, d.account_id, d.account, d.model, d.sku)


def inventory_facts(deployment: Deployment) -> DeploymentFacts:
    """What the filters look at of a deployment of the inventory."""
    d = deployment
    return DeploymentFacts(d.key, d.account.id, d.account.name, d.model, d.sku)


def matching_deployments(
    view: PeriodUnitCostsView, wanted: ListFilter, use_cases: Iterable[UseCase] = ()
) -> PeriodUnitCostsView:
    """The view with the deployments `wanted` keeps, in their order (`use_cases`: the stored
    ones, read for `useCase` and `owner`); its totals and unallocated lines unchanged."""
    if wanted.empty:
        return view
    members = membership(use_cases) if wanted.needs_use_cases else {}
    kept = tuple(
        d for d in view.deployments if wanted.matches(cost_facts(d), members.get(d.key, ()))
    )
    return replace(view, deployments=kept)
