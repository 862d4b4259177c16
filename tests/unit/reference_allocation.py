"""A frozen, straightforward copy of `allocate_period` as it was before the per-period index
(issue 14, item 3): the reference the optimized allocation must match output for output.

Self-contained on purpose: it parses ids with its own regex, re-derives every id on every use,
finds the running deployments day by day span by span, looks usage up line by line and splits
with its own copy of the largest-remainder rule. Only the record types, the meter catalogue and
`DeploymentTimeline.build` (unchanged) are shared. Keep it slow and obvious; never optimize it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from shared.core.allocated_lines import AllocatedLine
from shared.core.allocation import (
    PeriodAllocation,
    UnallocatedLine,
    UnallocatedReason,
)
from shared.core.costs import ChargeType, CostLine, CostType, billing_currency, ensure_merged
from shared.core.deployment_timeline import DeploymentTimeline
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.meters import MeterCatalogue, MeterInfo, Mode, TokenKind
from shared.core.model_families import deployment_family
from shared.core.money import ZERO, money_context
from shared.core.period import BillingPeriod
from shared.core.usage import UsageRecord, merge_usage
from shared.errors import InvalidInput

_ACCOUNT = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)"
    r"/providers/microsoft\.cognitiveservices/accounts/(?P<account>[^/]+)"
    r"(?:/deployments/(?P<deployment>[^/]+))?/?$",
    re.IGNORECASE,
)
_SKUS = {
    "globalstandard": ("GLOBAL", Mode.STANDARD),
    "datazonestandard": ("DATA_ZONE", Mode.STANDARD),
    "standard": ("REGIONAL", Mode.STANDARD),
    "globalprovisionedmanaged": ("GLOBAL", Mode.PROVISIONED),
    "datazoneprovisionedmanaged": ("DATA_ZONE", Mode.PROVISIONED),
    "provisionedmanaged": ("REGIONAL", Mode.PROVISIONED),
    "globalbatch": ("GLOBAL", Mode.BATCH),
    "datazonebatch": ("DATA_ZONE", Mode.BATCH),
    "developertier": ("GLOBAL", Mode.FINE_TUNING),
}
_DATED_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$|-\d{4}$")
HUNDRED = Decimal(100)
IDLE_QUANTUM = Decimal("1e-12")


def key(text: str) -> str:
    return text.lower()


def account_id(resource_id: str) -> str:
    """The account's id as `AccountRef.id` renders it (InvalidInput for another id)."""
    match = _ACCOUNT.match((resource_id or "").strip())
    if not match:
        raise InvalidInput("resourceId", f"not a Cognitive Services account id: {resource_id!r}")
    return (
        f"/subscriptions/{match.group('sub')}/resourceGroups/{match.group('rg')}"
        f"/providers/Microsoft.CognitiveServices/accounts/{match.group('account')}"
    )


def deployment_id(dep: Deployment) -> str:
    return f"{account_id(dep.account_id)}/deployments/{dep.name}"


def reference_allocate(
    period: BillingPeriod,
    lines: Sequence[CostLine],
    usage: Sequence[UsageRecord],
    snapshots: Sequence[InventorySnapshot],
    catalogue: MeterCatalogue,
    cost_type: CostType = CostType.ACTUAL,
) -> PeriodAllocation:
    with money_context():
        return _allocate(period, lines, usage, snapshots, catalogue, cost_type)


def _allocate(
    period: BillingPeriod,
    lines: Sequence[CostLine],
    usage: Sequence[UsageRecord],
    snapshots: Sequence[InventorySnapshot],
    catalogue: MeterCatalogue,
    cost_type: CostType,
) -> PeriodAllocation:
    own = [ln for ln in lines if ln.cost_type is cost_type]
    ensure_merged(own)
    if any(ln.date not in period.window for ln in own):
        raise InvalidInput("lines", f"cost lines outside period {period} were given")
    currency = billing_currency(own) or "USD"
    index = {
        (r.date, key(f"{r.account_id}/deployments/{r.deployment}")): r
        for r in merge_usage(u for u in usage if u.date in period.window)
    }
    timeline = DeploymentTimeline.build(snapshots)
    running = {day: _by_account(_on(timeline, day)) for day in period.window.days()}
    allocated: list[AllocatedLine] = []
    unallocated: list[UnallocatedLine] = []
    for line in sorted(own, key=_line_order):
        shares, reason = _allocate_line(line, index, timeline, running, catalogue)
        if reason is not None:
            unallocated.append(
                UnallocatedLine(line.date, line.account_id, line.meter_id, line.meter_name,
                                line.charge_type, line.pricing_model, reason, line.cost)
            )  # fmt: skip
        else:
            allocated.extend(shares)
    seen = {
        key(deployment_id(d)): d
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
        deployments=tuple(sorted(seen.values(), key=lambda d: key(deployment_id(d)))),
    )


def _on(timeline: DeploymentTimeline, day: date) -> list[Deployment]:
    found: dict[str, Deployment] = {}
    for k, spans in timeline.by_id.items():
        for span in spans:
            if span.hours_on(day) > 0:
                found[k] = span.deployment
    return list(found.values())


def _by_account(deployments: Iterable[Deployment]) -> dict[str, list[Deployment]]:
    groups: dict[str, list[Deployment]] = {}
    for dep in deployments:
        groups.setdefault(key(account_id(dep.account_id)), []).append(dep)
    return groups


def _line_order(line: CostLine) -> tuple[object, ...]:
    return (line.date, key(line.account_id), line.meter_id, line.meter_name,
            line.charge_type.value)  # fmt: skip


def _allocate_line(
    line: CostLine,
    index: Mapping[tuple[date, str], UsageRecord],
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
    in_account = running.get(line.date, {}).get(key(line.account_id), [])
    candidates = [d for d in in_account if _fits(meter, d)]
    if not candidates:
        return [], UnallocatedReason.NO_MATCHING_DEPLOYMENT
    used = [index.get((line.date, key(deployment_id(d)))) for d in candidates]
    weights = [_weight(meter, d, u, line.date, timeline) for d, u in zip(candidates, used)]  # noqa: B905
    if sum(weights, ZERO) <= 0:
        return [], UnallocatedReason.NO_USAGE
    parts = reference_split(line.cost, weights)
    shares = [
        AllocatedLine(
            date=line.date,
            deployment_id=deployment_id(dep),
            account_id=dep.account_id,
            meter_id=line.meter_id,
            meter_name=line.meter_name,
            kind=meter.kind,
            charge_type=line.charge_type,
            pricing_model=line.pricing_model,
            cost=part,
            weight=weight,
            idle_cost=_idle(meter, part, u),
        )
        for dep, u, weight, part in zip(candidates, used, weights, parts)  # noqa: B905
        if weight > 0
    ]
    return shares, None


def _is_ptu_unit(meter: MeterInfo) -> bool:
    return meter.mode is Mode.PROVISIONED and not meter.model


def _fits(meter: MeterInfo, dep: Deployment) -> bool:
    sku = _SKUS.get(dep.sku.lower())
    if sku is None:
        return False
    model = dep.model
    tuned = ".ft-" in model.lower()
    if meter.mode is Mode.FINE_TUNING:
        cut = model.lower().find(".ft-")
        base = model if cut < 0 else model[:cut]
        found = _DATED_SUFFIX.search(base) if tuned else None
        version = found.group(0).lstrip("-") if found else ""
        base_model = _DATED_SUFFIX.sub("", base) if tuned else model
        return (
            tuned
            and sku[0] == meter.deployment_type.name
            and base_model.lower() == meter.model.lower()
            and meter.matches_version(version)
        )
    if sku != (meter.deployment_type.name, meter.mode):
        return False
    if _is_ptu_unit(meter):
        return meter.family == deployment_family(dep.model, dep.model_format)
    return dep.model.lower() == meter.model.lower() and meter.matches_version(dep.model_version)


def _weight(
    meter: MeterInfo, dep: Deployment, used: UsageRecord | None, day: date,
    timeline: DeploymentTimeline,
) -> Decimal:  # fmt: skip
    spans = timeline.by_id.get(key(deployment_id(dep)), ())
    if _is_ptu_unit(meter):
        return sum((Decimal(max(s.deployment.capacity, 0)) * s.hours_on(day) for s in spans), ZERO)
    if meter.kind is TokenKind.HOSTING_HOUR:
        return sum((s.hours_on(day) for s in spans), ZERO)
    if used is None:
        return ZERO
    if meter.kind.is_input_side:
        return Decimal(used.input_tokens)
    if meter.kind is TokenKind.OUTPUT:
        return Decimal(used.output_tokens)
    return Decimal(used.requests)


def _idle(meter: MeterInfo, part: Decimal, used: UsageRecord | None) -> Decimal | None:
    if not _is_ptu_unit(meter) or used is None or used.ptu_utilization is None:
        return None
    used_share = min(max(used.ptu_utilization, ZERO), HUNDRED) / HUNDRED
    return (part * (1 - used_share)).quantize(IDLE_QUANTUM)


def reference_split(amount: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """The largest-remainder split as `split_by_weights` did it (digits tuples, a sort per line)."""
    decimals = [w if isinstance(w, Decimal) else Decimal(w) for w in weights]
    exponents = [_exponent(w, "weights") for w in decimals]
    lowest = min([0, *exponents])
    scaled = []
    for w, exponent in zip(decimals, exponents):  # noqa: B905
        sign, digits, _ = w.as_tuple()
        magnitude = int("".join(map(str, digits)) or "0") * 10 ** (exponent - lowest)
        scaled.append(-magnitude if sign else magnitude)
    total = sum(scaled)
    if total <= 0 or any(w < 0 for w in scaled):
        raise InvalidInput("weights", "must be non-negative with a positive sum")
    exponent = _exponent(amount, "amount")
    sign, digits, _ = amount.as_tuple()
    quantum_exponent = min(-12, exponent)
    units = int("".join(map(str, digits)) or "0") * 10 ** (exponent - quantum_exponent)
    shares = [divmod(units * w, total) for w in scaled]
    floors = [whole for whole, _ in shares]
    leftover = units - sum(floors)
    order = sorted(range(len(scaled)), key=lambda i: (-shares[i][1], i))
    for i in order[:leftover]:
        floors[i] += 1
    return [
        Decimal((sign if n else 0, tuple(int(c) for c in str(n)), quantum_exponent)) for n in floors
    ]


def _exponent(value: Decimal, field: str) -> int:
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise InvalidInput(field, f"not a finite number: {value}")
    return exponent
