"""What readers are shown of a published allocation: the views the API and the CLI both render.

Every amount here is already rounded, once, by shared/core/rounding.py. Money: the period's
canonical totals (billed, and allocated + unallocated == billed to the cent), then each column by
the largest remainder toward its total, so every view sums exactly and shows the same cents as
every other view of the period: the deployments' costs toward the allocated total, the
unallocated lines' toward the unallocated total, a reconciliation row's allocated and unallocated
parts toward the same two totals (its cost is their sum). A deployment's provisioned cost is its
share of its rounded cost, and its used + idle parts sum to the rounded provisioned cost.

Unit costs are rounded to 1e-8, percentages to four decimals (`coverage_pct` 66.6667) and tokens
to whole tokens, each on its own (half even); a value that does not exist (no tokens, no cost) is
None, never zero. Renderers (shared/entrypoints: JSON, text) only format these values; they never
sum or round money again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.core.allocation import UnallocatedReason
from shared.core.arm_ids import is_account_id, parse_account_id
from shared.core.costs import CostType
from shared.core.meters import TokenKind
from shared.core.period import BillingPeriod
from shared.core.period_status import PeriodStatus, closes_on, period_status
from shared.core.reconciliation import Reconciliation, ReconciliationRow, TokenSide
from shared.core.reports import PeriodReport
from shared.core.resource_id import same_id
from shared.core.rounding import (
    RoundedTotals,
    round_amount,
    round_rows,
    round_share,
    round_to_total,
)
from shared.core.unit_costs import UnallocatedTotal, UnitCost
from shared.errors import InvalidInput

UNIT_QUANTUM = Decimal("1e-8")
PCT_QUANTUM = Decimal("0.0001")
TOKEN_QUANTUM = Decimal(1)
HUNDRED = Decimal(100)

# The readers' names of the price bases (the API's `costType`, the CLI's `--cost-type`).
COST_TYPES: Mapping[str, CostType] = {"actual": CostType.ACTUAL, "amortized": CostType.AMORTIZED}
API_NAMES: Mapping[CostType, str] = {basis: name for name, basis in COST_TYPES.items()}
DEFAULT_COST_TYPE = CostType.AMORTIZED  # showback: reservations spread over their term


@dataclass(frozen=True)
class PeriodQuery:
    """Which published allocation a reader asks for: a period and a price basis."""

    period: BillingPeriod
    cost_type: CostType = DEFAULT_COST_TYPE

    @classmethod
    def parse(cls, period: str | None, cost_type: str | None) -> PeriodQuery:
        """From a reader's text (`YYYY-MM`, `actual`/`amortized`, any case; amortized when
        missing); InvalidInput names the bad field: `period` first, then `costType`."""
        if not period:
            raise InvalidInput("period", "required, as YYYY-MM")
        parsed = BillingPeriod.parse(period)
        basis = COST_TYPES.get((cost_type or API_NAMES[DEFAULT_COST_TYPE]).lower())
        if basis is None:
            raise InvalidInput("costType", f"expected actual or amortized, got {cost_type!r}")
        return cls(parsed, basis)

    @property
    def cost_type_name(self) -> str:
        return API_NAMES[self.cost_type]


@dataclass(frozen=True)
class StatusView:
    """Whether Azure may still restate the period (`open`) or not (`closed`), as of a day, and
    the first day it is closed (shared/core/period_status.py)."""

    status: PeriodStatus
    closes_on: date

    @classmethod
    def of(cls, period: BillingPeriod, today: date) -> StatusView:
        return cls(period_status(period, today), closes_on(period))


@dataclass(frozen=True)
class DeploymentCostView:
    """One deployment of a period: its identity, rounded cost, usage and unit costs."""

    key: str
    deployment_id: str
    account_id: str
    account: str
    deployment: str
    model: str
    model_version: str
    sku: str
    capacity: int
    cost: Decimal
    input_tokens: int
    output_tokens: int
    requests: int
    cost_per_1k_tokens: Decimal | None
    cost_per_1k_input_tokens: Decimal | None
    cost_per_1k_output_tokens: Decimal | None
    cost_per_request: Decimal | None
    provisioned_cost: Decimal
    provisioned_idle_cost: Decimal | None  # None: not provisioned, or Azure measured no use
    provisioned_used_cost: Decimal | None


@dataclass(frozen=True)
class UnallocatedCostView:
    """The unallocated cost of one account, meter and reason, rounded for the period."""

    account_id: str
    meter: str
    meter_id: str
    reason: UnallocatedReason
    cost: Decimal


@dataclass(frozen=True)
class PeriodUnitCostsView:
    """A period's unit costs in one price basis: its canonical rounded totals, its deployments
    (summing to the allocated total), its unallocated lines (to the unallocated total), status."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    totals: RoundedTotals
    deployments: tuple[DeploymentCostView, ...]
    unallocated_lines: tuple[UnallocatedCostView, ...]
    status: StatusView

    def deployment(self, key: str) -> DeploymentUnitCostsView | None:
        """The deployment of that key (any case), rounded as in this period's list; or None."""
        for dep in self.deployments:
            if same_id(dep.key, key):
                return DeploymentUnitCostsView(
                    self.period, self.cost_type, self.currency, self.status, dep
                )
        return None


@dataclass(frozen=True)
class DeploymentUnitCostsView:
    """One deployment's unit costs of a period, with the period's basis, currency and status."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    status: StatusView
    deployment: DeploymentCostView


@dataclass(frozen=True)
class ReconciliationRowView:
    """One account x meter: its rounded cost and allocated cost, billed against observed tokens.

    `account` is the account's name ("" for a line with no resource); the `side_*` and
    `variance_*` fields compare the meter's whole side (input or output) of its model meter
    group, and are None for a meter that is not compared (not a token meter)."""

    account_id: str
    account: str
    meter_id: str
    meter: str
    token_kind: TokenKind | None
    meter_group: str | None
    side: TokenSide | None
    cost: Decimal
    allocated_cost: Decimal
    coverage_pct: Decimal | None
    billed_quantity: Decimal
    billed_tokens: int | None
    allocated_tokens: int | None
    observed_tokens: int | None
    side_billed_tokens: int | None
    side_observed_tokens: int | None
    variance_tokens: int | None
    variance_pct: Decimal | None
    flagged: bool


@dataclass(frozen=True)
class ReconciliationSummaryView:
    """The rows' count and flagged count, their totals (the period's canonical rounded totals,
    the same as the unit costs': billed is the rows' cost) and coverage."""

    rows: int
    flagged_rows: int
    totals: RoundedTotals
    coverage_pct: Decimal | None


@dataclass(frozen=True)
class ReconciliationView:
    """The reconciliation of a period in one price basis: tolerance, summary, rows, status."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    tolerance_pct: Decimal
    summary: ReconciliationSummaryView
    rows: tuple[ReconciliationRowView, ...]
    status: StatusView


def unit_costs_view(report: PeriodReport, today: date) -> PeriodUnitCostsView:
    """The period's view, its money rounded once and its status as of `today`."""
    # The totals come from the published summary (the reader checked the rows add up to it).
    totals = RoundedTotals.of(report.allocated, report.unallocated)
    dep_costs = round_to_total([u.cost for u in report.unit_costs], totals.allocated)
    left_costs = round_to_total([t.cost for t in report.unallocated_totals], totals.unallocated)
    return PeriodUnitCostsView(
        period=report.period,
        cost_type=report.cost_type,
        currency=report.currency,
        totals=totals,
        deployments=tuple(
            _deployment(u, c) for u, c in zip(report.unit_costs, dep_costs, strict=True)
        ),
        unallocated_lines=tuple(
            _unallocated(t, c) for t, c in zip(report.unallocated_totals, left_costs, strict=True)
        ),
        status=StatusView.of(report.period, today),
    )


def reconciliation_view(report: Reconciliation, today: date) -> ReconciliationView:
    """The reconciliation's view, its money rounded once like the period's unit costs, and its
    status as of `today`."""
    # The rows hold every cost line of the period and basis and every allocated share of them,
    # so their exact cost and allocated cost are the allocation's billed and allocated cost.
    rounded = round_rows([r.cost for r in report.rows], [r.allocated_cost for r in report.rows])
    return ReconciliationView(
        period=report.period,
        cost_type=report.cost_type,
        currency=report.currency,
        tolerance_pct=_percent_of(report.tolerance),
        summary=ReconciliationSummaryView(
            rows=len(report.rows),
            flagged_rows=report.flagged_rows,
            totals=rounded.totals,
            coverage_pct=_percent(report.coverage),
        ),
        rows=tuple(
            _row(row, cost, allocated)
            for row, cost, allocated in zip(
                report.rows, rounded.costs, rounded.allocated, strict=True
            )
        ),
        status=StatusView.of(report.period, today),
    )


def _deployment(u: UnitCost, rounded_cost: Decimal) -> DeploymentCostView:
    """One deployment, with its cost as rounded for the period; its provisioned cost is the part
    of that rounded cost, and its used + idle parts sum to the rounded provisioned cost."""
    d = u.deployment
    provisioned = round_share(u.provisioned_cost, u.cost, rounded_cost)
    used = idle = None
    if u.idle_cost is not None:
        idle = round_share(u.idle_cost, u.provisioned_cost, provisioned)
        used = provisioned - idle
    return DeploymentCostView(
        key=d.key,
        deployment_id=d.deployment_id,
        account_id=d.account.id,
        account=d.account.name,
        deployment=d.name,
        model=d.model,
        model_version=d.model_version,
        sku=d.sku,
        capacity=d.capacity,
        cost=rounded_cost,
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        requests=u.requests,
        cost_per_1k_tokens=_unit(u.cost_per_1k_tokens),
        cost_per_1k_input_tokens=_unit(u.cost_per_1k_input_tokens),
        cost_per_1k_output_tokens=_unit(u.cost_per_1k_output_tokens),
        cost_per_request=_unit(u.cost_per_request),
        provisioned_cost=provisioned,
        provisioned_idle_cost=idle,
        provisioned_used_cost=used,
    )


def _unallocated(t: UnallocatedTotal, rounded_cost: Decimal) -> UnallocatedCostView:
    return UnallocatedCostView(t.account_id, t.meter_name, t.meter_id, t.reason, rounded_cost)


def _row(row: ReconciliationRow, cost: Decimal, allocated_cost: Decimal) -> ReconciliationRowView:
    """One row, with its cost and allocated cost as rounded for the whole report."""
    side = row.side_totals
    return ReconciliationRowView(
        account_id=row.account_id,
        account=_account_name(row.account_id),
        meter_id=row.meter_id,
        meter=row.meter_name,
        token_kind=row.kind,
        meter_group=row.group or None,
        side=row.side,
        cost=cost,
        allocated_cost=allocated_cost,
        coverage_pct=_percent(row.coverage),
        billed_quantity=row.billed_quantity,
        billed_tokens=_tokens(row.billed_tokens),
        allocated_tokens=_tokens(row.allocated_tokens),
        observed_tokens=row.observed_tokens,
        side_billed_tokens=_tokens(side.billed_tokens) if side else None,
        side_observed_tokens=side.observed_tokens if side else None,
        variance_tokens=_tokens(side.variance) if side else None,
        variance_pct=_percent(side.variance_ratio) if side else None,
        flagged=row.flagged,
    )


def _account_name(account_id: str) -> str:
    """The account's name, or "" for rows with no resource."""
    return parse_account_id(account_id).name if is_account_id(account_id) else ""


def _unit(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_amount(value, UNIT_QUANTUM)


def _tokens(value: Decimal | None) -> int | None:
    return None if value is None else int(round_amount(value, TOKEN_QUANTUM))


def _percent(ratio: Decimal | None) -> Decimal | None:
    return None if ratio is None else _percent_of(ratio)


def _percent_of(ratio: Decimal) -> Decimal:
    return round_amount(ratio * HUNDRED, PCT_QUANTUM)
