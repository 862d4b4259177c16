"""Unit economics per deployment and period: cost per 1K tokens and per request.

Definitions (a zero denominator gives None, never zero or infinity):
- cost per 1K tokens: the deployment's whole allocated cost / (input + output tokens) x 1000;
- cost per 1K input tokens: the cost of its input-side meters (input, cached input, cache write)
  / input tokens x 1000;
- cost per 1K output tokens: the cost of its output meters / output tokens x 1000;
- cost per request: the whole allocated cost / requests;
- provisioned cost: the deployment's share of PTU units; its idle part is the share Azure's
  utilization metric says went unused (None when Azure reported no utilization for any day).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from shared.core.allocation import PeriodAllocation, UnallocatedReason
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.money import ZERO, in_money_context
from shared.core.period import BillingPeriod
from shared.core.resource_id import id_key
from shared.core.usage import UsageRecord

THOUSAND = Decimal(1000)


@dataclass(frozen=True)
class UnitCost:
    """One deployment's allocated cost, usage and unit costs for one period (exact Decimals)."""

    period: BillingPeriod
    deployment: Deployment
    cost: Decimal
    input_cost: Decimal
    output_cost: Decimal
    input_tokens: int
    output_tokens: int
    requests: int
    provisioned_cost: Decimal = ZERO
    idle_cost: Decimal | None = None

    @property
    def used_provisioned_cost(self) -> Decimal | None:
        return None if self.idle_cost is None else self.provisioned_cost - self.idle_cost

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def cost_per_1k_tokens(self) -> Decimal | None:
        return per_unit(self.cost, self.total_tokens, THOUSAND)

    @property
    def cost_per_1k_input_tokens(self) -> Decimal | None:
        return per_unit(self.input_cost, self.input_tokens, THOUSAND)

    @property
    def cost_per_1k_output_tokens(self) -> Decimal | None:
        return per_unit(self.output_cost, self.output_tokens, THOUSAND)

    @property
    def cost_per_request(self) -> Decimal | None:
        return per_unit(self.cost, self.requests)


@dataclass(frozen=True)
class UnallocatedTotal:
    """The unallocated cost of one account, meter and reason over a period."""

    account_id: str
    meter_id: str
    meter_name: str
    reason: UnallocatedReason
    cost: Decimal


def per_unit(cost: Decimal, units: int, scale: Decimal = Decimal(1)) -> Decimal | None:
    """cost / units x scale, or None when there are no units."""
    if units <= 0:
        return None
    return cost * scale / Decimal(units)


@in_money_context
def unit_costs(allocation: PeriodAllocation, usage: Sequence[UsageRecord]) -> list[UnitCost]:
    """A UnitCost for every deployment in force during the period, ordered by deployment id."""
    cost: dict[str, Decimal] = defaultdict(Decimal)
    input_cost: dict[str, Decimal] = defaultdict(Decimal)
    output_cost: dict[str, Decimal] = defaultdict(Decimal)
    provisioned: dict[str, Decimal] = defaultdict(Decimal)
    idle: dict[str, Decimal] = {}
    for line in allocation.allocated:
        key = id_key(line.deployment_id)
        cost[key] += line.cost
        if line.kind.is_input_side:
            input_cost[key] += line.cost
        elif line.kind is TokenKind.OUTPUT:
            output_cost[key] += line.cost
        elif line.kind is TokenKind.PTU_HOUR:
            provisioned[key] += line.cost
        if line.idle_cost is not None:
            idle[key] = idle.get(key, ZERO) + line.idle_cost
    tokens: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    listed = {id_key(d.deployment_id) for d in allocation.deployments}
    for rec in usage:
        dep_key = id_key(rec.deployment_id)
        if rec.date not in allocation.period.window or dep_key not in listed:
            continue
        totals = tokens[dep_key]
        totals[0] += rec.input_tokens
        totals[1] += rec.output_tokens
        totals[2] += rec.requests
    result = []
    for dep in allocation.deployments:
        key = id_key(dep.deployment_id)
        t_in, t_out, reqs = tokens.get(key, [0, 0, 0])
        result.append(
            UnitCost(
                period=allocation.period,
                deployment=dep,
                cost=cost.get(key, ZERO),
                input_cost=input_cost.get(key, ZERO),
                output_cost=output_cost.get(key, ZERO),
                input_tokens=t_in,
                output_tokens=t_out,
                requests=reqs,
                provisioned_cost=provisioned.get(key, ZERO),
                idle_cost=idle.get(key),
            )
        )
    return result


@in_money_context
def unallocated_totals(allocation: PeriodAllocation) -> list[UnallocatedTotal]:
    """Unallocated lines summed per account, meter and reason, largest first; the account id as
    first billed (ids compare case-insensitively, and are served as billed)."""
    sums: dict[tuple[str, str, str, UnallocatedReason], Decimal] = defaultdict(Decimal)
    billed_as: dict[str, str] = {}
    for line in allocation.unallocated:
        account = id_key(line.account_id)
        billed_as.setdefault(account, line.account_id)
        sums[(account, line.meter_id, line.meter_name, line.reason)] += line.cost
    totals = [
        UnallocatedTotal(billed_as[account], meter_id, meter_name, reason, amount)
        for (account, meter_id, meter_name, reason), amount in sums.items()
    ]
    return sorted(
        totals, key=lambda t: (-t.cost, id_key(t.account_id), t.meter_name, t.reason.value)
    )
