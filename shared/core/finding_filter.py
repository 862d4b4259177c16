"""Which findings a list filter keeps (GET /api/insights?account=&model=&sku=&useCase=&owner=):
those of a deployment that passes it (shared/core/list_filter.py): its account (name or ARM id),
its own model and SKU (not the alternative's), a live use case that has it (whole or a caller
slice) and that use case's owner."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from shared.core.deployment_filter import inventory_facts
from shared.core.findings import Finding
from shared.core.inventory import Deployment
from shared.core.list_filter import ListFilter, membership
from shared.core.resource_id import id_key
from shared.core.use_cases import UseCase


def matching_findings(
    findings: Sequence[Finding],
    deployments: Iterable[Deployment],
    wanted: ListFilter,
    use_cases: Iterable[UseCase] = (),
) -> list[Finding]:
    """The findings `wanted` keeps, in their order; a finding of a deployment not among
    `deployments` is left out by any filter."""
    if wanted.empty:
        return list(findings)
    facts = {id_key(d.deployment_id): inventory_facts(d) for d in deployments}
    members = membership(use_cases) if wanted.needs_use_cases else {}
    kept = []
    for finding in findings:
        found = facts.get(id_key(finding.deployment_id))
        if found is not None and wanted.matches(found, members.get(found.key, ())):
            kept.append(finding)
    return kept
