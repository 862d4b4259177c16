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

from collections.abc import Iterable, Sequence
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
from shared.core.money import ZERO, SplitAmount, in_money_context, split_by_weights
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

    Ids are parsed and keyed once per period, not per line: the deployments that ran each day are
    grouped by account once (`_PeriodIndex`), the candidates of an account's group for a meter are
    found once and reused by every day the group is the same, usage is looked up by the key
    computed once per deployment, and token weights are split as integers. The rules and every
    output (lines, order, digits) are those of the straightforward reading of the rules kept as
    the tests' reference (tests/unit/reference_allocation.py).
    """
    own = [ln for ln in lines if ln.cost_type is cost_type]
    ensure_merged(own)
    window = period.window
    if any(ln.date not in window for ln in own):
        raise InvalidInput("lines", f"cost lines outside period {period} were given")
    currency = billing_currency(own) or "USD"  # two currencies are an explicit error
    usage_index = UsageIndex.build(u for u in usage if u.date in window)
    timeline = DeploymentTimeline.build(snapshots)
    index = _PeriodIndex(usage_index, timeline, catalogue, window.days())
    allocated: list[AllocatedLine] = []
    unallocated: list[UnallocatedLine] = []
    for line in sorted(own, key=_line_order):
        reason = index.allocate(line, allocated)
        if reason is not None:
            unallocated.append(_unallocated(line, reason))
    return PeriodAllocation(
        period=period,
        cost_type=cost_type,
        currency=currency,
        billed=sum((ln.cost for ln in own), ZERO),
        allocated=tuple(allocated),
        unallocated=tuple(unallocated),
        deployments=index.deployments_that_ran(),
    )


def _line_order(line: CostLine) -> tuple[object, ...]:
    return (
        line.date,
        id_key(line.account_id),
        line.meter_id,
        line.meter_name,
        line.charge_type.value,
    )


@dataclass(frozen=True)
class _Candidate:
    """A deployment as the hot loop needs it: its ids rendered and keyed once per period."""

    deployment: Deployment
    deployment_id: str
    key: str  # id_key(deployment_id): the usage and timeline lookup key


@dataclass(frozen=True)
class _Driven:
    """What drives a token or per-unit meter for some candidates on one day, found once and
    shared by every meter of that driver (input and cached input share input tokens)."""

    weights: list[int]  # per candidate, 0 without usage
    total: int
    negative: bool  # a negative count: `split_by_weights` refuses it, as it always did
    kept: tuple[tuple[_Candidate, Decimal, int], ...]  # (candidate, weight, i) where weight > 0


class _PeriodIndex:
    """One period's lookups, built once: the running deployments by (day, account key), the
    meters classified by (meter id, name), the candidates by (account group, meter class) and
    the usage that drives them by (day, candidates, driver).

    An account's group is the tuple of deployments that ran in it that day; days with the same
    group (the usual case: an inventory changes far less often than daily) share one entry, so a
    meter's candidates are filtered once per group, not once per line; candidates of equal
    meters (input and cached input) are one tuple, so their weights are looked up once a day.
    """

    def __init__(
        self,
        usage: UsageIndex,
        timeline: DeploymentTimeline,
        catalogue: MeterCatalogue,
        days: Iterable[date],
    ) -> None:
        self.usage = usage.rows
        self.timeline = timeline
        self.catalogue = catalogue
        self.candidates: dict[int, _Candidate] = {}  # by id(): see _candidate
        self.groups: dict[tuple[int, ...], tuple[_Candidate, ...]] = {}
        self.running: dict[tuple[date, str], tuple[_Candidate, ...]] = {}
        previous: tuple[Deployment, ...] | None = None
        groups: dict[str, tuple[_Candidate, ...]] = {}
        for day, deps in timeline.running(days).items():
            if not _same_objects(deps, previous):  # else: the day before's groups, as they are
                groups = {
                    account: self._interned(tuple(self._candidate(d) for d in in_account))
                    for account, in_account in by_account(deps).items()
                }
                previous = deps
            for account, group in groups.items():
                self.running[(day, account)] = group
        self.meters: dict[tuple[str, str], tuple[MeterInfo | None, bool]] = {}
        self.fits: dict[tuple[int, int], tuple[_Candidate, ...]] = {}
        self.driven: dict[tuple[date, int, str], _Driven] = {}
        self.used: dict[tuple[date, int], list[UsageRecord | None]] = {}

    def _candidate(self, dep: Deployment) -> _Candidate:
        # Keyed by the object (Deployment hashes by value, costly): the timeline keeps every
        # deployment alive for the period, so one object is one entry.
        found = self.candidates.get(id(dep))
        if found is None or found.deployment is not dep:
            deployment_id = dep.deployment_id
            found = _Candidate(dep, deployment_id, id_key(deployment_id))
            self.candidates[id(dep)] = found
        return found

    def _interned(self, group: tuple[_Candidate, ...]) -> tuple[_Candidate, ...]:
        """One tuple object per list of candidates (the caches below key on its id)."""
        return self.groups.setdefault(tuple(id(c) for c in group), group)

    def deployments_that_ran(self) -> tuple[Deployment, ...]:
        """Every deployment that ran some day of the period, once (its last record), by key."""
        seen = {c.key: c.deployment for group in self.running.values() for c in group}
        return tuple(seen[key] for key in sorted(seen))

    def classify(self, line: CostLine) -> tuple[MeterInfo | None, bool]:
        """The line's meter (None when unknown) and whether it is an account-level charge."""
        found = self.meters.get((line.meter_id, line.meter_name))
        if found is None:
            meter = self.catalogue.classify(line.meter_id, line.meter_name)
            account_level = meter is None and self.catalogue.is_account_level(
                line.meter_id, line.meter_name
            )
            found = self.meters[(line.meter_id, line.meter_name)] = (meter, account_level)
        return found

    def fitting(self, group: tuple[_Candidate, ...], meter: MeterInfo) -> tuple[_Candidate, ...]:
        """The candidates of an account's group that the meter can bill (rule 2)."""
        fit_key = (id(group), id(meter))
        found = self.fits.get(fit_key)
        if found is None:
            found = self._interned(tuple(c for c in group if _fits(meter, c.deployment)))
            self.fits[fit_key] = found
        return found

    def drive(self, day: date, candidates: tuple[_Candidate, ...], kind: TokenKind) -> _Driven:
        """The usage driving a token or per-unit meter (rule 3): input tokens for input-side
        meters, output tokens for output meters, else requests; 0 without usage."""
        field = "input_tokens" if kind.is_input_side else (
            "output_tokens" if kind is TokenKind.OUTPUT else "requests")  # fmt: skip
        driven_key = (day, id(candidates), field)
        found = self.driven.get(driven_key)
        if found is None:
            used_key = (day, id(candidates))
            records = self.used.get(used_key)
            if records is None:  # looked up once for every driver of these candidates
                rows = self.usage
                records = self.used[used_key] = [rows.get((day, c.key)) for c in candidates]
            weights: list[int] = []
            kept = []
            for i, (c, used) in enumerate(zip(candidates, records, strict=True)):
                weight = 0 if used is None else getattr(used, field)
                weights.append(weight)
                if weight > 0:
                    kept.append((c, Decimal(weight), i))
            negative = any(w < 0 for w in weights)
            found = _Driven(weights, sum(weights), negative, tuple(kept))
            self.driven[driven_key] = found
        return found

    def allocate(self, line: CostLine, into: list[AllocatedLine]) -> UnallocatedReason | None:
        """Append the line's shares to `into`; or the reason it stays unallocated."""
        if line.charge_type is ChargeType.PURCHASE:
            return UnallocatedReason.RESERVATION_PURCHASE
        if line.charge_type is ChargeType.UNUSED_RESERVATION:
            return UnallocatedReason.UNUSED_RESERVATION
        if not line.account_id:
            return UnallocatedReason.NO_RESOURCE
        meter, account_level = self.classify(line)
        if meter is None:
            if account_level:
                return UnallocatedReason.ACCOUNT_LEVEL_CHARGE
            return UnallocatedReason.UNKNOWN_METER
        if meter.kind in (TokenKind.TRAINING_TOKEN, TokenKind.TRAINING_HOUR):
            return UnallocatedReason.FINE_TUNING_TRAINING
        day = line.date
        group = self.running.get((day, id_key(line.account_id)), ())
        candidates = self.fitting(group, meter)
        if not candidates:
            return UnallocatedReason.NO_MATCHING_DEPLOYMENT
        if _is_ptu_unit(meter) or meter.kind is TokenKind.HOSTING_HOUR:
            return self._allocate_by_time(line, meter, candidates, into)
        driven = self.drive(day, candidates, meter.kind)
        if driven.total <= 0:
            return UnallocatedReason.NO_USAGE
        if driven.negative:
            split_by_weights(line.cost, driven.weights)  # raises InvalidInput, as it always did
        split = SplitAmount.of(line.cost)
        counts = split.apportion(driven.weights, driven.total)
        # SplitAmount.part, inlined: "-" only before a non-zero count of a negative amount.
        suffix, sign = split.suffix, "-" if split.negative else ""
        kind, meter_id, meter_name = meter.kind, line.meter_id, line.meter_name
        charge_type, pricing_model = line.charge_type, line.pricing_model
        append = into.append
        for c, weight, i in driven.kept:
            share = _NEW(AllocatedLine)
            # The dataclass's own fields in its order, set without its frozen __setattr__ (the
            # one cost left per share; tests/unit/test_allocation_equivalence.py checks that
            # these records are equal, field for field, to constructed ones).
            _SET(share, "__dict__", {
                "date": day,
                "deployment_id": c.deployment_id,
                "account_id": c.deployment.account_id,  # the inventory's spelling
                "meter_id": meter_id,
                "meter_name": meter_name,
                "kind": kind,
                "charge_type": charge_type,
                "pricing_model": pricing_model,
                "cost": Decimal(f"{sign}{n}{suffix}" if (n := counts[i]) else f"0{suffix}"),
                "weight": weight,
                "idle_cost": None,
            })  # fmt: skip
            append(share)
        return None

    def _allocate_by_time(
        self,
        line: CostLine,
        meter: MeterInfo,
        candidates: tuple[_Candidate, ...],
        into: list[AllocatedLine],
    ) -> UnallocatedReason | None:
        """PTU units (capacity x hours, with the idle part) and fine-tuning hosting (hours)."""
        day, ptu = line.date, _is_ptu_unit(meter)
        weights = [
            self.timeline.capacity_hours(day, c.deployment_id)
            if ptu
            else self.timeline.hours(day, c.deployment_id)
            for c in candidates
        ]
        if sum(weights, ZERO) <= 0:
            return UnallocatedReason.NO_USAGE
        parts = split_by_weights(line.cost, weights)
        for c, weight, part in zip(candidates, weights, parts, strict=True):
            if weight > 0:
                into.append(
                    AllocatedLine(
                        date=day,
                        deployment_id=c.deployment_id,
                        account_id=c.deployment.account_id,  # the inventory's spelling
                        meter_id=line.meter_id,
                        meter_name=line.meter_name,
                        kind=meter.kind,
                        charge_type=line.charge_type,
                        pricing_model=line.pricing_model,
                        cost=part,
                        weight=weight,
                        idle_cost=_idle(part, self.usage.get((day, c.key))) if ptu else None,
                    )
                )
        return None


def _same_objects(a: tuple[Deployment, ...], b: tuple[Deployment, ...] | None) -> bool:
    return b is not None and len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


_NEW = object.__new__
_SET = object.__setattr__


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


def _idle(part: Decimal, used: UsageRecord | None) -> Decimal | None:
    """The idle part of a PTU share: (100 - utilization %) of it; None when unknown."""
    if used is None or used.ptu_utilization is None:
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
