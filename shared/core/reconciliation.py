"""Reconciliation: billed token quantities against the tokens telemetry observed, per meter.

Azure bills input, cached input and cache write as separate meters, but Azure Monitor has one
prompt-token count that includes the cached tokens. So billed and observed tokens are compared per
account x model meter group (model, version, deployment type, mode) x side (input or output):
the side's billed tokens on the lines that were allocated (the part telemetry can confirm) against
the side's telemetry tokens of the deployments and days those lines were allocated to. A side whose
billed tokens exceed the observed ones by more than the tolerance (relative) is flagged: Azure once
billed cached tokens twice (azure-rest-api-specs#45178).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import Enum

from shared.core.allocation import PeriodAllocation
from shared.core.costs import CostLine, CostType
from shared.core.meters import MeterCatalogue, MeterInfo, TokenKind
from shared.core.money import ZERO, in_money_context
from shared.core.period import BillingPeriod
from shared.core.resource_id import id_key
from shared.core.usage import UsageIndex, UsageRecord
from shared.errors import InvalidInput

DEFAULT_TOLERANCE = Decimal("0.02")
_KIND_ORDER = {kind: i for i, kind in enumerate(TokenKind)}

# (account id_key, meter id_key, meter name): one report row.
RowKey = tuple[str, str, str]


class TokenSide(Enum):
    """The telemetry count a token meter is compared with."""

    INPUT = "input"
    OUTPUT = "output"

    @classmethod
    def of(cls, kind: TokenKind | None) -> TokenSide | None:
        """Input side for input, cached input and cache write; output for output; else None."""
        if kind is None or not kind.is_token:
            return None
        return cls.INPUT if kind.is_input_side else cls.OUTPUT


@dataclass(frozen=True)
class SideTotals:
    """One account's billed and observed tokens of one side of one model meter group."""

    billed_tokens: Decimal
    observed_tokens: int
    flagged: bool

    @classmethod
    @in_money_context
    def compare(cls, billed: Decimal, observed: int, tolerance: Decimal) -> SideTotals:
        """Flagged when billed exceeds observed by more than `tolerance` x observed."""
        return cls(billed, observed, billed - observed > tolerance * observed)

    @property
    @in_money_context
    def variance(self) -> Decimal:
        """Billed minus observed tokens (positive: billed more than telemetry saw)."""
        return self.billed_tokens - self.observed_tokens

    @property
    def variance_ratio(self) -> Decimal | None:
        """Variance / observed tokens, or None when nothing was observed."""
        return self.variance / self.observed_tokens if self.observed_tokens else None


@dataclass(frozen=True)
class ReconciliationRow:
    """One account x meter of a period: its cost and coverage, billed and observed tokens.

    `billed_tokens` is every line's quantity x the meter block; `allocated_tokens` the same for
    the lines that were allocated; `observed_tokens` the telemetry tokens of the meter's side on
    the deployments and days it was allocated to. Token fields are None for non-token meters.
    """

    account_id: str
    meter_id: str
    meter_name: str
    kind: TokenKind | None
    group: str
    cost: Decimal
    allocated_cost: Decimal
    billed_quantity: Decimal
    billed_tokens: Decimal | None = None
    allocated_tokens: Decimal | None = None
    observed_tokens: int | None = None
    side: TokenSide | None = None
    side_totals: SideTotals | None = None

    @property
    def coverage(self) -> Decimal | None:
        """The share of the cost allocated by usage; None when the cost is zero."""
        return self.allocated_cost / self.cost if self.cost else None

    @property
    def flagged(self) -> bool:
        return self.side_totals is not None and self.side_totals.flagged


@dataclass(frozen=True)
class Reconciliation:
    """The reconciliation report of one period and price basis."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    tolerance: Decimal
    rows: tuple[ReconciliationRow, ...]

    @property
    @in_money_context
    def cost(self) -> Decimal:
        return sum((r.cost for r in self.rows), ZERO)

    @property
    @in_money_context
    def allocated_cost(self) -> Decimal:
        return sum((r.allocated_cost for r in self.rows), ZERO)

    @property
    def coverage(self) -> Decimal | None:
        cost = self.cost
        return self.allocated_cost / cost if cost else None

    @property
    def flagged_rows(self) -> int:
        return sum(1 for r in self.rows if r.flagged)


@dataclass
class _Meter:
    """What is summed for one row while reading the lines."""

    line: CostLine
    info: MeterInfo | None
    cost: Decimal = ZERO
    quantity: Decimal = ZERO
    allocated_quantity: Decimal = ZERO


@in_money_context
def reconcile(
    allocation: PeriodAllocation,
    lines: Sequence[CostLine],
    usage: Sequence[UsageRecord],
    catalogue: MeterCatalogue,
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> Reconciliation:
    """The report of an allocated period, from the lines and usage it was allocated from."""
    if not tolerance.is_finite() or tolerance < 0:
        raise InvalidInput("tolerance", f"must be a number >= 0, got {tolerance}")
    window = allocation.period.window
    # Not merged again: the lines are the allocation's (one per identity), and rows sum per meter.
    own = [ln for ln in lines if ln.cost_type is allocation.cost_type and ln.date in window]
    allocated_cost: dict[RowKey, Decimal] = defaultdict(Decimal)
    targets: dict[RowKey, set[tuple[date, str]]] = defaultdict(set)
    for part in allocation.allocated:
        key = _key(part.account_id, part.meter_id, part.meter_name)
        allocated_cost[key] += part.cost
        targets[key].add((part.date, id_key(part.deployment_id)))
    allocated_days = {(key, day) for key, pairs in targets.items() for day, _dep in pairs}

    meters: dict[RowKey, _Meter] = {}
    for ln in own:
        key = _key(ln.account_id, ln.meter_id, ln.meter_name)
        seen = meters.get(key)
        if seen is None:
            seen = meters[key] = _Meter(ln, catalogue.classify(ln.meter_id, ln.meter_name))
        seen.cost += ln.cost
        seen.quantity += ln.quantity
        if (key, ln.date) in allocated_days:
            seen.allocated_quantity += ln.quantity

    observed = UsageIndex.build(u for u in usage if u.date in window)
    sides: dict[tuple[str, str, TokenSide], list[RowKey]] = defaultdict(list)
    for key, m in meters.items():
        side = TokenSide.of(m.info.kind if m.info else None)
        if m.info is not None and side is not None:
            sides[(key[0], _group(m.info), side)].append(key)
    totals: dict[RowKey, SideTotals] = {}
    for (_account, _grp, side), keys in sides.items():
        billed = sum((meters[k].allocated_quantity * _block(meters[k]) for k in keys), ZERO)
        pairs = set().union(*(targets.get(k, set()) for k in keys))
        side_totals = SideTotals.compare(billed, _observed(observed, pairs, side), tolerance)
        totals.update(dict.fromkeys(keys, side_totals))

    rows = [
        _row(m, allocated_cost.get(key, ZERO), observed, targets.get(key, set()), totals.get(key))
        for key, m in meters.items()
    ]
    return Reconciliation(
        period=allocation.period,
        cost_type=allocation.cost_type,
        currency=allocation.currency,
        tolerance=tolerance,
        rows=tuple(sorted(rows, key=_row_order)),
    )


def merged(parts: Sequence[Reconciliation], currency: str) -> Reconciliation:
    """One report of the reports of a period's shards (their rows are of disjoint accounts), in
    the period's billing currency (a shard without lines has none of its own)."""
    rows = [row for part in parts for row in part.rows]
    return replace(parts[0], currency=currency, rows=tuple(sorted(rows, key=_row_order)))


def _observed(usage: UsageIndex, pairs: set[tuple[date, str]], side: TokenSide) -> int:
    """The side's telemetry tokens of the (day, deployment id) pairs."""
    total = 0
    for day, deployment_id in pairs:
        rec = usage.get(day, deployment_id)
        if rec is not None:
            total += rec.input_tokens if side is TokenSide.INPUT else rec.output_tokens
    return total


def _key(account_id: str, meter_id: str, meter_name: str) -> RowKey:
    return id_key(account_id), id_key(meter_id), meter_name


def _group(info: MeterInfo) -> str:
    """The model meter group: the meters of one model, version, deployment type and mode."""
    parts = (info.model, info.version, info.deployment_type.value, info.mode.value)
    return " ".join(p for p in parts if p)


def _block(m: _Meter) -> Decimal:
    assert m.info is not None
    return m.info.block


def _row(
    m: _Meter,
    allocated_cost: Decimal,
    observed: UsageIndex,
    pairs: set[tuple[date, str]],
    side_totals: SideTotals | None,
) -> ReconciliationRow:
    kind = m.info.kind if m.info else None
    side = TokenSide.of(kind)
    row = ReconciliationRow(
        account_id=m.line.account_id,
        meter_id=m.line.meter_id,
        meter_name=m.line.meter_name,
        kind=kind,
        group=_group(m.info) if m.info else "",
        cost=m.cost,
        allocated_cost=allocated_cost,
        billed_quantity=m.quantity,
    )
    if side is None or side_totals is None:
        return row
    return replace(
        row,
        billed_tokens=m.quantity * _block(m),
        allocated_tokens=m.allocated_quantity * _block(m),
        observed_tokens=_observed(observed, pairs, side),
        side=side,
        side_totals=side_totals,
    )


def _row_order(row: ReconciliationRow) -> tuple[object, ...]:
    side = row.side.value if row.side else "~"
    kind = _KIND_ORDER[row.kind] if row.kind else len(_KIND_ORDER)
    return (
        id_key(row.account_id),
        row.group == "",
        row.group,
        side,
        kind,
        row.meter_name,
        id_key(row.meter_id),
    )
