"""The FOCUS 1.3 allocated export: each bill line of a period (the origin charge) as its
deployments' shares (allocated charges) plus the unallocated remainder, both price bases on one row.

FOCUS 1.3 calls this data generator-calculated split cost allocation (docs/focus-export.md).

Inputs: the published allocation of each price basis (`PeriodDays`: one row per deployment x day
x bill line, and one unallocated row per bill line that no deployment carries) and the stored cost
lines of each basis (their dimensions: quantity, unit, meter category). Rules:

1. One whole state. Within a basis every published row must name a stored line of the same
   identity (CostLine.identity: date, account, meter id, meter name, charge type, pricing model)
   whose cost its rows sum to, and every stored line must be published. Otherwise the lines
   changed since the allocation was published (a collection ran, the re-allocation is queued):
   `ConcurrentPublication`, never an export that mixes two states.
2. The bases are joined on the identity without the cost type, and on the deployment. A line of
   one basis only has 0 in the other (a reservation purchase is billed but has no effective cost;
   unused reservation hours have an effective cost only). Where both bases hold a line, both must
   have split it alike (same deployments, same weights), else they were allocated from different
   inputs: `ConcurrentPublication` again.
3. The ratio of a deployment is its weight (the driver quantity its share was computed from:
   tokens, PTU-hours, hours, requests) over the line's total weight, split exactly
   (`split_by_weights` of 1 at 1e-12), so the ratios of one line sum to exactly 1. A line no
   deployment carries is one remainder row of ratio 1 with its reason.
4. Summable metrics are split exactly: costs as the allocation split them (each basis's published
   shares), quantities by the same weights (`split_by_weights`), so the allocated charges of a
   line sum to the line in every metric; every dimension is the line's own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.core.allocation import UnallocatedReason
from shared.core.costs import ChargeType, CostLine, CostType, PricingModel
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.money import ZERO, in_money_context, split_by_weights
from shared.core.period import BillingPeriod
from shared.core.reports import DailyCost, PeriodDays
from shared.core.resource_id import id_key
from shared.core.units import normalise_unit
from shared.core.use_cases import UseCase
from shared.errors import ConcurrentPublication, CurrencyMismatch, InvalidInput

# The one method of this export (docs/focus-export.md names it): each deployment's share of an
# account's bill line by the usage that drives the meter that day.
METHOD_ID = "DeploymentUsageShare-1"

OriginKey = tuple[date, str, str, str, ChargeType, PricingModel]
CallerSlices = Mapping[str, Mapping[str, tuple[str, ...]]]  # use case -> caller kind -> callers


@dataclass(frozen=True)
class OriginCharge:
    """One bill line in both price bases: its dimensions and its cost in each (0: not in it)."""

    date: date
    account_id: str  # as billed; "" for a line with no resource (a reservation purchase)
    meter_id: str
    meter_name: str
    charge_type: ChargeType
    pricing_model: PricingModel
    currency: str
    quantity: Decimal  # in pricing blocks: the ActualCost line's when both bases hold one
    unit_of_measure: str
    meter_category: str
    meter_subcategory: str
    billed: Decimal
    effective: Decimal


@dataclass(frozen=True)
class Driver:
    """What a share's ratio was derived from: the FOCUS `UsageUnit` and our name for it."""

    usage_unit: str
    name: str


@dataclass(frozen=True)
class AllocatedCharge:
    """One allocated charge: a deployment's share of an origin charge, or its remainder."""

    origin: OriginCharge
    deployment_id: str  # the deployment's ARM id; "" for the remainder
    deployment: Deployment | None  # the inventory's record (None: remainder, or not listed)
    kind: TokenKind | None  # the meter's token kind (None: remainder)
    reason: UnallocatedReason | None  # why the remainder is not allocated (None: allocated)
    ratio: Decimal
    driver: Driver | None
    usage_quantity: Decimal | None  # this deployment's driver quantity
    total_usage_quantity: Decimal | None  # the line's, over every deployment carrying it
    billed_cost: Decimal
    effective_cost: Decimal
    pricing_quantity: Decimal
    consumed_quantity: Decimal | None  # in base units (tokens, hours); None: not usage
    consumed_unit: str | None
    use_case: UseCase | None = None  # the use case taking the deployment whole
    use_case_callers: CallerSlices | None = None  # the use cases slicing it by callers

    @property
    def is_remainder(self) -> bool:
        return not self.deployment_id


@dataclass(frozen=True)
class FocusExport:
    """A period's allocated charges, in origin order (remainders after their shares)."""

    period: BillingPeriod
    currency: str
    charges: tuple[AllocatedCharge, ...]


# What drives a meter's split (shared/core/allocation.py `_weight`) -> the driver named.
_TOKENS = "Tokens"
DRIVERS: Mapping[TokenKind, Driver] = {
    TokenKind.INPUT: Driver(_TOKENS, "InputTokens"),
    TokenKind.CACHED_INPUT: Driver(_TOKENS, "InputTokens"),  # Azure has no cached-token metric
    TokenKind.CACHE_WRITE: Driver(_TOKENS, "InputTokens"),
    TokenKind.OUTPUT: Driver(_TOKENS, "OutputTokens"),
    TokenKind.PTU_HOUR: Driver("PTU-Hours", "ProvisionedCapacityHours"),
    TokenKind.HOSTING_HOUR: Driver("Hours", "DeployedHours"),
}
REQUESTS = Driver("Requests", "Requests")  # images, audio and video seconds, characters, other

# A base unit (shared/core/units.py) -> the FOCUS ConsumedUnit / PricingUnit word.
UNIT_WORDS: Mapping[str, str] = {
    "token": "Tokens", "hour": "Hours", "image": "Images", "second": "Seconds",
    "character": "Characters", "request": "Requests", "other": "Units",
}  # fmt: skip


def driver_of(kind: TokenKind) -> Driver:
    return DRIVERS.get(kind, REQUESTS)


def line_key(line: CostLine) -> OriginKey:
    """A line's identity without its price basis (CostLine.identity)."""
    return (line.date, id_key(line.account_id), id_key(line.meter_id), line.meter_name,
            line.charge_type, line.pricing_model)  # fmt: skip


def row_key(row: DailyCost) -> OriginKey:
    """The identity of the bill line a published row is a share of."""
    return (row.date, id_key(row.account_id), id_key(row.meter_id), row.meter_name,
            row.charge_type, row.pricing_model)  # fmt: skip


@in_money_context
def focus_export(
    actual: PeriodDays,
    amortized: PeriodDays,
    actual_lines: Sequence[CostLine],
    amortized_lines: Sequence[CostLine],
    use_cases: Iterable[UseCase] = (),
) -> FocusExport:
    """The period's allocated charges from the two bases' published allocations and stored lines
    (rules in the module docstring). Raises ConcurrentPublication when they are not one whole
    state, CurrencyMismatch when the bases bill in two currencies."""
    if (actual.cost_type, amortized.cost_type) != (CostType.ACTUAL, CostType.AMORTIZED):
        raise InvalidInput("costType", "give the ActualCost allocation, then the AmortizedCost")
    if actual.period != amortized.period:
        raise InvalidInput("period", f"{actual.period} and {amortized.period} are two periods")
    if actual.currency != amortized.currency:
        raise CurrencyMismatch({actual.currency, amortized.currency})
    bases = {
        CostType.ACTUAL: _published(actual, actual_lines),
        CostType.AMORTIZED: _published(amortized, amortized_lines),
    }
    listed = {id_key(d.deployment_id): d for d in (*actual.deployments, *amortized.deployments)}
    owners = _owners(use_cases)
    charges: list[AllocatedCharge] = []
    keys = set(bases[CostType.ACTUAL]) | set(bases[CostType.AMORTIZED])
    for key in sorted(keys, key=_order):
        billed = bases[CostType.ACTUAL].get(key)
        effective = bases[CostType.AMORTIZED].get(key)
        charges.extend(_split(actual.period, billed, effective, listed, owners))
    return FocusExport(actual.period, actual.currency, tuple(charges))


_Published = dict[OriginKey, tuple[CostLine, list[DailyCost]]]


def _published(days: PeriodDays, lines: Sequence[CostLine]) -> _Published:
    """Each stored line of the basis with its published rows; ConcurrentPublication unless the
    rows and the lines are one state (rule 1)."""
    stored: dict[OriginKey, CostLine] = {}
    for line in lines:
        if line.cost_type is not days.cost_type:
            continue
        key = line_key(line)
        if key in stored:
            raise InvalidInput("lines", f"two stored lines of one bill line: {_describe(key)}")
        stored[key] = line
    rows: dict[OriginKey, list[DailyCost]] = defaultdict(list)
    for row in days.rows:
        rows[row_key(row)].append(row)
    for key, group in rows.items():
        found = stored.get(key)
        if found is None:
            raise _stale(days, f"the published {_describe(key)} is not a stored cost line")
        published = sum((r.cost for r in group), ZERO)
        if published != found.cost:
            detail = f"published {published.normalize():f}, stored {found.cost.normalize():f}"
            raise _stale(days, f"{_describe(key)}: {detail}")
    unpublished = sorted(stored.keys() - rows.keys(), key=_order)
    if unpublished:
        raise _stale(days, f"the stored {_describe(unpublished[0])} is not published")
    return {key: (line, rows[key]) for key, line in stored.items()}


def _stale(days: PeriodDays, detail: str) -> ConcurrentPublication:
    return ConcurrentPublication(
        f"{days.period} {days.cost_type.value}: the stored cost lines changed since its "
        f"allocation was published ({detail}); retry once it is allocated again "
        f"(or allocate it: python -m shared.cli allocate --period {days.period})"
    )


def _split(
    period: BillingPeriod,
    billed: tuple[CostLine, list[DailyCost]] | None,
    effective: tuple[CostLine, list[DailyCost]] | None,
    listed: Mapping[str, Deployment],
    owners: _Owners,
) -> list[AllocatedCharge]:
    first = billed or effective
    assert first is not None
    line, rows = first
    if billed and effective and _shape(billed[1]) != _shape(effective[1]):
        raise ConcurrentPublication(
            f"{period}: the ActualCost and AmortizedCost allocations split "
            f"{_describe(line_key(line))} differently (allocated from different inputs); "
            "retry once both are allocated again"
        )
    if billed and effective and billed[0].currency != effective[0].currency:
        raise CurrencyMismatch({billed[0].currency, effective[0].currency})
    origin = _origin(billed[0] if billed else None, effective[0] if effective else None)
    costs = {
        "billed": _costs(billed[1]) if billed else {},
        "effective": _costs(effective[1]) if effective else {},
    }
    consumed, consumed_unit = _consumed(origin)
    remainders = [r for r in rows if not r.deployment_id]
    shares = sorted((r for r in rows if r.deployment_id), key=lambda r: id_key(r.deployment_id))
    if remainders and shares:
        raise InvalidInput("period", f"{_describe(line_key(line))} is partly allocated")
    if remainders:
        (rest,) = remainders
        remainder = AllocatedCharge(
            origin=origin,
            deployment_id="",
            deployment=None,
            kind=None,
            reason=rest.reason,
            ratio=Decimal(1),
            driver=None,
            usage_quantity=None,
            total_usage_quantity=None,
            billed_cost=costs["billed"].get("", ZERO),
            effective_cost=costs["effective"].get("", ZERO),
            pricing_quantity=origin.quantity,
            consumed_quantity=consumed,
            consumed_unit=consumed_unit,
        )
        return [remainder]
    weights = [_weight(r, line) for r in shares]
    ratios = split_by_weights(Decimal(1), weights)
    quantities = split_by_weights(origin.quantity, weights)
    consumed_parts = split_by_weights(consumed, weights) if consumed is not None else None
    total = sum(weights, ZERO)
    charges = []
    for i, row in enumerate(shares):
        key = id_key(row.deployment_id)
        kind = row.kind or TokenKind.OTHER
        share = AllocatedCharge(
            origin=origin,
            deployment_id=row.deployment_id,
            deployment=listed.get(key),
            kind=kind,
            reason=None,
            ratio=ratios[i],
            driver=driver_of(kind),
            usage_quantity=weights[i],
            total_usage_quantity=total,
            billed_cost=costs["billed"].get(key, ZERO),
            effective_cost=costs["effective"].get(key, ZERO),
            pricing_quantity=quantities[i],
            consumed_quantity=None if consumed_parts is None else consumed_parts[i],
            consumed_unit=consumed_unit,
            use_case=owners.whole.get(key),
            use_case_callers=owners.slices.get(key),
        )
        charges.append(share)
    return charges


def _shape(rows: list[DailyCost]) -> list[tuple[str, Decimal | None]]:
    """How a basis split a line: (deployment, weight) each, "" for the remainder."""
    return sorted((id_key(r.deployment_id), r.weight) for r in rows)


def _costs(rows: list[DailyCost]) -> dict[str, Decimal]:
    return {id_key(r.deployment_id): r.cost for r in rows}


def _weight(row: DailyCost, line: CostLine) -> Decimal:
    if row.weight is None or row.weight <= 0:
        raise InvalidInput(
            "period",
            f"{_describe(line_key(line))}: the share of {row.deployment_id} has no weight "
            "(published before weights were stored); allocate the period again",
        )
    return row.weight


def _origin(actual: CostLine | None, amortized: CostLine | None) -> OriginCharge:
    line = actual or amortized
    assert line is not None
    return OriginCharge(
        date=line.date, account_id=line.account_id, meter_id=line.meter_id,
        meter_name=line.meter_name, charge_type=line.charge_type,
        pricing_model=line.pricing_model, currency=line.currency, quantity=line.quantity,
        unit_of_measure=line.unit_of_measure, meter_category=line.meter_category,
        meter_subcategory=line.meter_subcategory,
        billed=actual.cost if actual else ZERO, effective=amortized.cost if amortized else ZERO,
    )  # fmt: skip


def _consumed(origin: OriginCharge) -> tuple[Decimal | None, str | None]:
    """The origin's consumed quantity in base units and its unit; (None, None) for a line that is
    not usage consumed (purchases, unused reservations, taxes) or whose unit cannot be read."""
    if origin.charge_type is not ChargeType.USAGE:
        return None, None
    try:
        unit = normalise_unit(origin.unit_of_measure, origin.meter_name)
    except ValueError:
        return None, None
    return unit.to_base(origin.quantity), UNIT_WORDS[unit.base.value]


@dataclass(frozen=True)
class _Owners:
    whole: Mapping[str, UseCase]
    slices: Mapping[str, CallerSlices]


def _owners(use_cases: Iterable[UseCase]) -> _Owners:
    """Per deployment (id_key): the use case taking it whole, the use cases slicing it."""
    whole: dict[str, UseCase] = {}
    slices: dict[str, dict[str, dict[str, tuple[str, ...]]]] = defaultdict(dict)
    for use_case in sorted(use_cases, key=lambda u: u.name):
        for entry in use_case.deployments:
            key = id_key(entry.deployment_id)
            if entry.whole:
                whole.setdefault(key, use_case)
            else:
                slices[key][use_case.name] = {
                    kind.value: tuple(sorted(names)) for kind, names in entry.callers
                }
    return _Owners(whole, dict(slices))


def _order(key: OriginKey) -> tuple[object, ...]:
    day, account, meter_id, meter_name, charge, pricing = key
    return (day, account, meter_id, meter_name, charge.value, pricing.value)


def _describe(key: OriginKey) -> str:
    day, account, meter_id, meter_name, charge, pricing = key
    return (
        f"bill line of {day} {meter_name or meter_id!r} ({charge.value}, {pricing.value}) "
        f"of {account or 'no resource'}"
    )
