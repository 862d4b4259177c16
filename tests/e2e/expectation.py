"""An independent expectation of the allocation of a sample tenant, from the generator's truth.

It does not use the meter catalogue or the allocator: it knows, from the generator, which
deployment put tokens on which meter each day, and applies the documented weighting rule
(input tokens for input and cached-input meters, output tokens for output meters, PTU capacity x
hours deployed for provisioned units). Rows without a resource stay unallocated.

`line_shares` keeps every bill line's share of each deployment apart (exact), so the use-case
expectations can split a deployment's lines further between its callers, line by line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from shared.core.costs import CostLine, CostType
from shared.core.meters import TokenKind
from shared.demo.sample_tenant import SampleTenant, TokenCount


@dataclass(frozen=True)
class LineShare:
    """One deployment's exact share of one bill line, and the kind of the line's meter."""

    line: CostLine
    deployment_id: str  # lower-cased ARM id
    kind: TokenKind
    cost: Decimal


def line_shares(
    tenant: SampleTenant, cost_type: CostType = CostType.ACTUAL
) -> tuple[list[LineShare], Decimal]:
    """Every bill line split between the deployments that drove it, and the unallocated total."""
    listed = {d.deployment_id.lower() for d in tenant.deployments}
    usage = {(u.date, u.account_id.lower(), u.deployment.lower()): u for u in tenant.usage}
    contributors: dict[tuple, dict[str, TokenCount]] = defaultdict(dict)
    for count in tenant.token_counts:
        key = (count.date, count.account_id.lower(), count.meter_id.lower())
        contributors[key][count.deployment.lower()] = count
    shares: list[LineShare] = []
    unallocated = Decimal(0)
    for line in tenant.lines(cost_type):
        account = line.account_id.lower()
        deps = contributors.get((line.date, account, line.meter_id.lower()), {}) if account else {}
        weights: dict[str, tuple[TokenKind, Decimal]] = {}
        for name, count in deps.items():
            if f"{account}/deployments/{name}" not in listed:
                continue
            used = usage.get((line.date, account, name))
            tokens = 0
            if count.kind is TokenKind.PTU_HOUR:
                tokens = count.tokens  # PTU-hours the deployment ran
            elif used is not None:
                is_output = count.kind is TokenKind.OUTPUT
                tokens = used.output_tokens if is_output else used.input_tokens
            weights[name] = (count.kind, Decimal(tokens))
        total = sum((weight for _, weight in weights.values()), Decimal(0))
        if total <= 0:
            unallocated += line.cost
            continue
        for name, (kind, weight) in weights.items():
            dep_id = f"{account}/deployments/{name}"
            shares.append(LineShare(line, dep_id, kind, line.cost * weight / total))
    return shares, unallocated


def expected_costs(
    tenant: SampleTenant, cost_type: CostType = CostType.ACTUAL
) -> tuple[dict[str, Decimal], Decimal]:
    """Expected cost per deployment ARM id (lower-cased), and the expected unallocated total."""
    shares, unallocated = line_shares(tenant, cost_type)
    per_deployment: dict[str, Decimal] = defaultdict(Decimal)
    for share in shares:
        per_deployment[share.deployment_id] += share.cost
    return dict(per_deployment), unallocated
