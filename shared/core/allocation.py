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
from itertools import compress
from operator import attrgetter
from typing import NamedTuple

from shared.core.allocated_lines import AllocatedLine, AllocatedLines
from shared.core.costs import (
    ChargeType,
    CostLine,
    CostType,
    PricingModel,
)
from shared.core.deployment_timeline import DeploymentTimeline
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.meters import MeterCatalogue, MeterInfo, Mode, TokenKind
from shared.core.model_families import deployment_family
from shared.core.money import ZERO, in_money_context, split_by_weights, split_columns
from shared.core.period import BillingPeriod
from shared.core.period_lines import PeriodLines
from shared.core.resource_id import id_key
from shared.core.split_batch import SplitBatch, SplitRoute, UsageField
from shared.core.usage import UsageIndex, UsageRecord


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
    """Every cost line of a period, either allocated to deployments or unallocated with a reason.

    `allocated` is a sequence of records in the period's order (`AllocatedLines` from
    `allocate_period`: its token and per-unit shares are built as records on first read)."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    billed: Decimal
    allocated: Sequence[AllocatedLine]
    unallocated: tuple[UnallocatedLine, ...]
    deployments: tuple[Deployment, ...]

    @property
    @in_money_context
    def allocated_cost(self) -> Decimal:
        if isinstance(self.allocated, AllocatedLines):
            return self.allocated.cost()
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
    found once and reused by every day the group is the same. Lines split by usage (token and
    per-unit meters) are weighed and split together at the end (`SplitBatch`: integer arrays,
    exact), their shares kept as columns. The rules and every output (lines, order, digits) are
    those of the straightforward reading of the rules kept as the tests' reference
    (tests/unit/reference_allocation.py).
    """
    window = period.window
    period_lines = PeriodLines.of(period, lines, cost_type)
    ordered = period_lines.ordered
    days = list(window.days())
    timeline = DeploymentTimeline.build(snapshots)
    index = _PeriodIndex(usage, timeline, catalogue, days)
    records: list[tuple[int, list[AllocatedLine]]] = []
    unallocated: list[tuple[int, UnallocatedLine]] = []
    routes = index.routes_of(period_lines)
    kinds = list(map(type, routes))
    splits = [i for i, kind in enumerate(kinds) if kind is SplitRoute]  # most lines
    for ordinal in [i for i, kind in enumerate(kinds) if kind is not SplitRoute]:
        route = routes[ordinal]
        if isinstance(route, _ByTime):
            outcome = index.allocate_by_time(ordered[ordinal], route.meter, route.candidates)
            if isinstance(outcome, UnallocatedReason):
                unallocated.append((ordinal, _unallocated(ordered[ordinal], outcome)))
            elif outcome:
                records.append((ordinal, outcome))
        elif isinstance(route, UnallocatedReason):
            unallocated.append((ordinal, _unallocated(ordered[ordinal], route)))
    split_routes = [r for r in routes if type(r) is SplitRoute]
    index.batch.extend(splits, [ordered[i] for i in splits], split_routes)
    amounts = split_columns(map(_COST, ordered))
    settled = index.batch.settle(usage, amounts)
    for ordinal in settled.unused:
        unallocated.append((ordinal, _unallocated(ordered[ordinal], UnallocatedReason.NO_USAGE)))
    unallocated.sort(key=_first)
    billed = amounts.total()
    if billed is None:  # amounts too fine for the money context: summed as Decimals (rounded)
        billed = sum(map(_COST, ordered), ZERO)
    return PeriodAllocation(
        period=period,
        cost_type=cost_type,
        currency=period_lines.currency or "USD",
        billed=billed,
        allocated=AllocatedLines(records, settled.columns),
        unallocated=tuple(u for _, u in unallocated),
        deployments=index.deployments_that_ran(),
    )


def _first(pair: tuple[int, UnallocatedLine]) -> int:
    return pair[0]


class _MeterPlan(NamedTuple):
    """How a meter's lines are allocated: its meter (None when unknown), the reason they stay
    unallocated (or None), whether they split by time (PTU units, hosting) or by usage."""

    meter: MeterInfo | None
    reason: UnallocatedReason | None
    by_time: bool = False
    field: int = 0  # the `UsageField` value that weighs its lines (split by usage)


class _ByTime(NamedTuple):
    """Lines split by time (PTU units, hosting) onto these candidates."""

    meter: MeterInfo
    candidates: tuple[int, ...]


_Route = UnallocatedReason | _ByTime | SplitRoute


class _PeriodIndex:
    """One period's lookups, built once: the running deployments by (day, account key), the
    meters classified by (meter id, name) and the candidates by (account group, meter class).

    A deployment is a candidate number: its place in the columns `deployments`, `ids`
    (rendered once), `keys` (their `id_key`, the usage and timeline lookup key) and `profiles`
    (the number of what `_fits` reads of it), one entry per deployment object and period. An
    account's group is the tuple of the candidates that ran in it that day; days with the same
    group (the usual case: an inventory changes far less often than daily) share one entry, so a
    meter's candidates are filtered once per group, not once per line.
    """

    def __init__(
        self,
        usage: Sequence[UsageRecord],
        timeline: DeploymentTimeline,
        catalogue: MeterCatalogue,
        days: Iterable[date],
    ) -> None:
        self.usage_records = usage
        self.timeline = timeline
        self.catalogue = catalogue
        self.number_of: dict[int, int] = {}  # by id() of the deployment: see `_candidates`
        self.deployments: list[Deployment] = []
        self.ids: list[str] = []
        self.keys: list[str] = []
        self.profiles: list[int] = []
        self.profile_numbers: dict[tuple[str, str, str, str], int] = {}
        self.groups: dict[tuple[int, ...], tuple[int, ...]] = {}  # interned candidate tuples
        self.running: dict[date, dict[str, tuple[int, ...]]] = {}  # day, account key
        previous: tuple[Deployment, ...] | None = None
        groups: dict[str, tuple[int, ...]] = {}
        running = timeline.running(days)
        for day, deps in running.items():
            if not _same_objects(deps, previous):  # else: the day before's groups, as they are
                groups = self._groups(deps)
                previous = deps
            self.running[day] = groups  # one dict for the days of one inventory
        self.meters: dict[tuple[str, str], _MeterPlan] = {}
        self.fits: dict[tuple[int, int], tuple[int, ...]] = {}
        self.batch = SplitBatch(list(running), self.keys, self.deployments)
        self._usage: UsageIndex | None = None
        self.profile_fits: dict[tuple[int, tuple[int, ...]], tuple[bool, ...]] = {}

    def _groups(self, deps: tuple[Deployment, ...]) -> dict[str, tuple[int, ...]]:
        """The candidates of the deployments that ran one day, by account key, interned."""
        grouped: dict[str, list[int]] = {}
        for account, number in zip(map(_ACCOUNT_KEY, deps), self._candidates(deps), strict=True):
            grouped.setdefault(account, []).append(number)
        return {account: self._interned(tuple(group)) for account, group in grouped.items()}

    def _candidates(self, deps: tuple[Deployment, ...]) -> list[int]:
        """The candidate number of each deployment, made once per deployment object: keyed by
        the object (Deployment hashes by value, costly); the timeline keeps every deployment
        alive for the period, so one object is one entry."""
        known, deployments = self.number_of, self.deployments
        new = [d for d in deps if id(d) not in known or deployments[known[id(d)]] is not d]
        if new:
            ids = list(map(_DEPLOYMENT_ID, new))
            profiles = self.profile_numbers
            first = len(deployments)
            known.update(zip(map(id, new), range(first, first + len(new)), strict=True))
            deployments.extend(new)
            self.ids.extend(ids)
            self.keys.extend(map(id_key, ids))
            self.profiles.extend(profiles.setdefault(p, len(profiles)) for p in map(_profile, new))
        return list(map(known.__getitem__, map(id, deps)))

    def _interned(self, group: tuple[int, ...]) -> tuple[int, ...]:
        """One tuple object per list of candidates (the caches below key on its id)."""
        return self.groups.setdefault(group, group)

    @property
    def usage(self) -> UsageIndex:
        """The period's usage merged per day and deployment (for PTU utilization), built once:
        the records of the period's days."""
        if self._usage is None:
            wanted = set(self.batch.days)
            self._usage = UsageIndex.build([u for u in self.usage_records if u.date in wanted])
        return self._usage

    def deployments_that_ran(self) -> tuple[Deployment, ...]:
        """Every deployment that ran some day of the period, once (its last record), by key."""
        days = {id(groups): groups for groups in self.running.values()}.values()
        keys, deployments = self.keys, self.deployments
        seen = {keys[c]: deployments[c] for groups in days for g in groups.values() for c in g}
        return tuple(seen[key] for key in sorted(seen))

    def plan(self, line: CostLine) -> _MeterPlan:
        """What the line's meter asks for (rules 1 and 3), classified once per meter id and name."""
        found = self.meters.get((line.meter_id, line.meter_name))
        if found is None:
            found = self.meters[(line.meter_id, line.meter_name)] = self._plan(line)
        return found

    def _plan(self, line: CostLine) -> _MeterPlan:
        meter = self.catalogue.classify(line.meter_id, line.meter_name)
        if meter is None:
            if self.catalogue.is_account_level(line.meter_id, line.meter_name):
                return _MeterPlan(None, UnallocatedReason.ACCOUNT_LEVEL_CHARGE)
            return _MeterPlan(None, UnallocatedReason.UNKNOWN_METER)
        if meter.kind in (TokenKind.TRAINING_TOKEN, TokenKind.TRAINING_HOUR):
            return _MeterPlan(meter, UnallocatedReason.FINE_TUNING_TRAINING)
        by_time = _is_ptu_unit(meter) or meter.kind is TokenKind.HOSTING_HOUR
        return _MeterPlan(meter, None, by_time, UsageField.of(meter.kind).value)

    def fitting(self, group: tuple[int, ...], meter: MeterInfo) -> tuple[int, ...]:
        """The candidates of an account's group that the meter can bill (rule 2), decided once
        per meter and list of deployment profiles (accounts often deploy alike)."""
        fit_key = (id(group), id(meter))
        found = self.fits.get(fit_key)
        if found is None:
            profiles = tuple(map(self.profiles.__getitem__, group))
            mask = self.profile_fits.get((id(meter), profiles))
            if mask is None:
                fits = [_fits(meter, self.deployments[c]) for c in group]
                mask = self.profile_fits[(id(meter), profiles)] = tuple(fits)
            found = self.fits[fit_key] = self._interned(tuple(compress(group, mask)))
        return found

    def routes_of(self, lines: PeriodLines) -> list[_Route]:
        """Each line's route, in order. Lines of one meter and account share one route on the
        days of one inventory: found once (for the first such line), then shared."""
        import numpy as np

        running, ordered, account_keys = self.running, lines.ordered, lines.account_keys
        inventories: dict[int, int] = {}  # id() of a day's groups: its number
        day_groups = {
            day: inventories.setdefault(id(groups), len(inventories))
            for day, groups in running.items()
        }
        _, first, shared = np.unique(
            lines.route_codes(day_groups), return_index=True, return_inverse=True
        )
        found = [
            self._route(ordered[i], running.get(ordered[i].date, _NONE).get(account_keys[i], ()))
            for i in first.tolist()
        ]
        routes: list[_Route] = list(map(found.__getitem__, shared.tolist()))
        # The rules that come before the meter's (rule 1), the charge type's first.
        for i in [i for i, account in enumerate(account_keys) if not account]:
            routes[i] = UnallocatedReason.NO_RESOURCE
        charges = list(map(_CHARGE, ordered))
        if ChargeType.PURCHASE in charges or ChargeType.UNUSED_RESERVATION in charges:
            for i, charge in enumerate(charges):
                if charge is ChargeType.PURCHASE:
                    routes[i] = UnallocatedReason.RESERVATION_PURCHASE
                elif charge is ChargeType.UNUSED_RESERVATION:
                    routes[i] = UnallocatedReason.UNUSED_RESERVATION
        return routes

    def _route(self, line: CostLine, group: tuple[int, ...]) -> _Route:
        """Where the lines of one meter and account go on the days of one inventory."""
        meter, reason, by_time, field = self.plan(line)
        if meter is None or reason is not None:
            return reason or UnallocatedReason.UNKNOWN_METER
        candidates = self.fitting(group, meter)
        if not candidates:
            return UnallocatedReason.NO_MATCHING_DEPLOYMENT
        if by_time:
            return _ByTime(meter, candidates)
        return SplitRoute(meter.kind, field, candidates)

    def allocate_by_time(
        self, line: CostLine, meter: MeterInfo, candidates: tuple[int, ...]
    ) -> UnallocatedReason | list[AllocatedLine]:
        """PTU units (capacity x hours, with the idle part) and fine-tuning hosting (hours)."""
        day, ptu = line.date, _is_ptu_unit(meter)
        ids = [self.ids[c] for c in candidates]
        weigh = self.timeline.capacity_hours if ptu else self.timeline.hours
        weights = [weigh(day, deployment_id) for deployment_id in ids]
        if sum(weights, ZERO) <= 0:
            return UnallocatedReason.NO_USAGE
        parts = split_by_weights(line.cost, weights)
        usage = self.usage.rows if ptu else {}
        return [
            AllocatedLine(
                date=day,
                deployment_id=deployment_id,
                account_id=self.deployments[c].account_id,  # the inventory's spelling
                meter_id=line.meter_id,
                meter_name=line.meter_name,
                kind=meter.kind,
                charge_type=line.charge_type,
                pricing_model=line.pricing_model,
                cost=part,
                weight=weight,
                idle_cost=_idle(part, usage.get((day, self.keys[c]))) if ptu else None,
            )
            for c, deployment_id, weight, part in zip(candidates, ids, weights, parts, strict=True)
            if weight > 0
        ]


_NONE: dict[str, tuple[int, ...]] = {}
_CHARGE = attrgetter("charge_type")
_COST = attrgetter("cost")
_DEPLOYMENT_ID = attrgetter("deployment_id")
_ACCOUNT_KEY = attrgetter("account.norm")


def _same_objects(a: tuple[Deployment, ...], b: tuple[Deployment, ...] | None) -> bool:
    if a is b:
        return True
    return b is not None and len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _is_ptu_unit(meter: MeterInfo) -> bool:
    """Provisioned units: billed per deployment type and family, whatever the model."""
    return meter.mode is Mode.PROVISIONED and not meter.model


def _profile(dep: Deployment) -> tuple[str, str, str, str]:
    """Everything `_fits` reads of a deployment (its SKU type, fine-tuning base and family are
    derived from these), as text: quick to hash."""
    return (dep.sku, dep.model, dep.model_version, dep.model_format)


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
