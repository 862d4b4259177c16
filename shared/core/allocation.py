"""Allocation: split each account-level cost line of a period onto the deployments that drove it.

Rules (see README, "Allocation rules"):
1. Classify the line's meter (model, token kind, deployment type, mode, family). Purchases, unused
   reservations, rows with no resource, unknown meters, account charges that belong to no model
   and fine-tuning training stay unallocated, each with its reason.
2. Candidates: deployments of the same account (ids compared case-insensitively) that ran that day
   whose SKU has the meter's deployment type and mode and whose model and version fit the meter;
   fine-tuning meters go to the fine-tuned deployments of their base model; PTU units go to the
   provisioned deployments of the meter's model family.
3. Weigh each candidate by what drives the meter that day: input tokens for input, cached-input
   and cache-write meters (Azure has no cached-token metric), output tokens for output meters,
   PTU capacity x hours deployed for provisioned units, hours deployed for fine-tuning hosting,
   requests for per-unit meters (images, audio and video seconds, characters).
4. Split the cost exactly (Decimal, largest remainder); a line that cannot be split becomes one
   unallocated line with a reason. Allocated + unallocated == billed for every account and day.
5. A PTU share is divided into used and idle by the deployment's average provisioned-managed
   utilization that day (`AzureOpenAIProvisionedManagedUtilizationV2`), when Azure reports one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from shared.core.costs import (
    ChargeType,
    CostLine,
    CostType,
    PricingModel,
    billing_currency,
    ensure_merged,
)
from shared.core.deployment_timeline import DeploymentTimeline
from shared.core.inventory import Deployment, InventorySnapshot, by_account
from shared.core.meters import MeterCatalogue, MeterInfo, Mode, TokenKind
from shared.core.model_families import deployment_family
from shared.core.money import ZERO, in_money_context, split_by_weights
from shared.core.period import BillingPeriod
from shared.core.resource_id import id_key
from shared.core.usage import UsageIndex, UsageRecord
from shared.errors import InvalidInput


class UnallocatedReason(Enum):
    UNKNOWN_METER = "unknown-meter"
    NO_MATCHING_DEPLOYMENT = "no-matching-deployment"
    NO_USAGE = "no-usage"
    NO_RESOURCE = "no-resource"
    RESERVATION_PURCHASE = "reservation-purchase"
    UNUSED_RESERVATION = "unused-reservation"
    UNSUPPORTED_METER_KIND = "unsupported-meter-kind"
    ACCOUNT_LEVEL_CHARGE = "account-level-charge"
    FINE_TUNING_TRAINING = "fine-tuning-training"


HUNDRED = Decimal(100)
IDLE_QUANTUM = Decimal("1e-12")


@dataclass(frozen=True)
class AllocatedLine:
    """The share of one cost line carried by one deployment."""

    date: date
    deployment_id: str
    account_id: str
    meter_id: str
    meter_name: str
    kind: TokenKind
    charge_type: ChargeType
    pricing_model: PricingModel
    cost: Decimal
    weight: Decimal
    idle_cost: Decimal | None = None

    @property
    def used_cost(self) -> Decimal | None:
        """The provisioned capacity actually used, when the idle part is known."""
        return None if self.idle_cost is None else self.cost - self.idle_cost


@dataclass(frozen=True)
class UnallocatedLine:
    """A cost line (or the part of one) that no deployment carries, with the reason why."""

    date: date
    account_id: str
    meter_id: str
    meter_name: str
    charge_type: ChargeType
    pricing_model: PricingModel
    reason: UnallocatedReason
    cost: Decimal


@dataclass(frozen=True)
class PeriodAllocation:
    """Every cost line of a period, either allocated to deployments or unallocated with a reason."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    billed: Decimal
    allocated: tuple[AllocatedLine, ...]
    unallocated: tuple[UnallocatedLine, ...]
    deployments: tuple[Deployment, ...]

    @property
    @in_money_context
    def allocated_cost(self) -> Decimal:
        return sum((line.cost for line in self.allocated), ZERO)

    @property
    @in_money_context
    def unallocated_cost(self) -> Decimal:
        return sum((line.cost for line in self.unallocated), ZERO)


@in_money_context
def allocate_period(
    period: BillingPeriod,
    lines: Sequence[CostLine],
    usage: Sequence[UsageRecord],
    snapshots: Sequence[InventorySnapshot],
    catalogue: MeterCatalogue,
    cost_type: CostType = CostType.ACTUAL,
) -> PeriodAllocation:
    """Allocate one period's cost lines of one price basis. Pure and deterministic (it runs under
    the money context, whatever the calling thread's decimal context).

    `lines` are one per identity, as the costs store keeps them (the parsers and the store merge:
    `merge_cost_lines`). A bill line given in parts would be split onto deployments part by part,
    so lines that are not one per identity raise InvalidInput rather than being merged again.
    """
    own = [ln for ln in lines if ln.cost_type is cost_type]
    ensure_merged(own)
    if any(ln.date not in period.window for ln in own):
        raise InvalidInput("lines", f"cost lines outside period {period} were given")
    currency = billing_currency(own) or "USD"  # two currencies are an explicit error
    index = UsageIndex.build(u for u in usage if u.date in period.window)
    timeline = DeploymentTimeline.build(snapshots)
    # The deployments that ran each day, by account id_key (computed once per day).
    running = {day: by_account(timeline.on(day)) for day in period.window.days()}
    allocated: list[AllocatedLine] = []
    unallocated: list[UnallocatedLine] = []
    for line in sorted(own, key=_line_order):
        shares, reason = _allocate_line(line, index, timeline, running, catalogue)
        if reason is not None:
            unallocated.append(_unallocated(line, reason))
        else:
            allocated.extend(shares)
    seen = {
        id_key(d.deployment_id): d
        for accounts in running.values()
        for deps in accounts.values()
        for d in deps
    }
    return PeriodAllocation(
        period=period,
        cost_type=cost_type,
        currency=currency,
        billed=sum((ln.cost for ln in own), ZERO),
        allocated=tuple(allocated),
        unallocated=tuple(unallocated),
        deployments=tuple(sorted(seen.values(), key=lambda d: id_key(d.deployment_id))),
    )


def _line_order(line: CostLine) -> tuple[object, ...]:
    return (
        line.date,
        id_key(line.account_id),
        line.meter_id,
        line.meter_name,
        line.charge_type.value,
    )


def _allocate_line(
    line: CostLine,
    index: UsageIndex,
    timeline: DeploymentTimeline,
    running: Mapping[date, Mapping[str, list[Deployment]]],
    catalogue: MeterCatalogue,
) -> tuple[list[AllocatedLine], UnallocatedReason | None]:
    if line.charge_type is ChargeType.PURCHASE:
        return [], UnallocatedReason.RESERVATION_PURCHASE
    if line.charge_type is ChargeType.UNUSED_RESERVATION:
        return [], UnallocatedReason.UNUSED_RESERVATION
    if not line.account_id:
        return [], UnallocatedReason.NO_RESOURCE
    meter = catalogue.classify(line.meter_id, line.meter_name)
    if meter is None:
        if catalogue.is_account_level(line.meter_id, line.meter_name):
            return [], UnallocatedReason.ACCOUNT_LEVEL_CHARGE
        return [], UnallocatedReason.UNKNOWN_METER
    if meter.kind in (TokenKind.TRAINING_TOKEN, TokenKind.TRAINING_HOUR):
        return [], UnallocatedReason.FINE_TUNING_TRAINING
    in_account = running.get(line.date, {}).get(id_key(line.account_id), [])
    candidates = [d for d in in_account if _fits(meter, d)]
    if not candidates:
        return [], UnallocatedReason.NO_MATCHING_DEPLOYMENT
    used = [index.get(line.date, d.deployment_id) for d in candidates]
    weights = [
        _weight(meter, d, u, line.date, timeline) for d, u in zip(candidates, used, strict=True)
    ]
    if sum(weights, ZERO) <= 0:
        return [], UnallocatedReason.NO_USAGE
    parts = split_by_weights(line.cost, weights)
    shares = [
        AllocatedLine(
            date=line.date,
            deployment_id=dep.deployment_id,
            account_id=dep.account_id,  # the inventory's spelling, whatever the bill's casing
            meter_id=line.meter_id,
            meter_name=line.meter_name,
            kind=meter.kind,
            charge_type=line.charge_type,
            pricing_model=line.pricing_model,
            cost=part,
            weight=weight,
            idle_cost=_idle(meter, part, usage),
        )
        for dep, usage, weight, part in zip(candidates, used, weights, parts, strict=True)
        if weight > 0
    ]
    return shares, None


def _is_ptu_unit(meter: MeterInfo) -> bool:
    """Provisioned units: billed per deployment type and family, whatever the model."""
    return meter.mode is Mode.PROVISIONED and not meter.model


def _fits(meter: MeterInfo, dep: Deployment) -> bool:
    sku = dep.sku_type
    if sku is None:
        return False
    if meter.mode is Mode.FINE_TUNING:
        return (
            dep.is_fine_tuned
            and sku[0] is meter.deployment_type
            and dep.base_model.lower() == meter.model.lower()
            and meter.matches_version(dep.base_version)
        )
    if sku != (meter.deployment_type, meter.mode):
        return False
    if _is_ptu_unit(meter):
        return meter.family == deployment_family(dep.model, dep.model_format)
    return dep.model.lower() == meter.model.lower() and meter.matches_version(dep.model_version)


def _weight(
    meter: MeterInfo,
    dep: Deployment,
    used: UsageRecord | None,
    day: date,
    timeline: DeploymentTimeline,
) -> Decimal:
    if _is_ptu_unit(meter):
        return timeline.capacity_hours(day, dep.deployment_id)
    if meter.kind is TokenKind.HOSTING_HOUR:
        return timeline.hours(day, dep.deployment_id)
    if used is None:
        return ZERO
    if meter.kind.is_input_side:
        return Decimal(used.input_tokens)
    if meter.kind is TokenKind.OUTPUT:
        return Decimal(used.output_tokens)
    return Decimal(used.requests)  # images, audio and video seconds, characters


def _idle(meter: MeterInfo, part: Decimal, used: UsageRecord | None) -> Decimal | None:
    """The idle part of a PTU share: (100 - utilization %) of it; None when unknown."""
    if not _is_ptu_unit(meter) or used is None or used.ptu_utilization is None:
        return None
    used_share = min(max(used.ptu_utilization, ZERO), HUNDRED) / HUNDRED
    return (part * (1 - used_share)).quantize(IDLE_QUANTUM)


def _unallocated(line: CostLine, reason: UnallocatedReason) -> UnallocatedLine:
    return UnallocatedLine(
        date=line.date,
        account_id=line.account_id,
        meter_id=line.meter_id,
        meter_name=line.meter_name,
        charge_type=line.charge_type,
        pricing_model=line.pricing_model,
        reason=reason,
        cost=line.cost,
    )
