"""Read models of a published allocation: what readers (API, CLI) are served."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from shared.core.allocation import PeriodAllocation, UnallocatedReason
from shared.core.costs import ChargeType, CostType, PricingModel
from shared.core.inventory import Deployment
from shared.core.meters import TokenKind
from shared.core.period import BillingPeriod
from shared.core.reconciliation import Reconciliation
from shared.core.unit_costs import UnallocatedTotal, UnitCost


@dataclass(frozen=True)
class PeriodReport:
    """One published allocation of a period and price basis: its summary and per-deployment rows."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    billed: Decimal
    allocated: Decimal
    unallocated: Decimal
    unit_costs: tuple[UnitCost, ...]
    unallocated_totals: tuple[UnallocatedTotal, ...]


class PublishStatus(Enum):
    """What a publication did."""

    PUBLISHED = "published"  # readers now see this allocation
    UNCHANGED = "unchanged"  # the published one is the same: nothing was written
    STALE = "stale"  # a newer allocation (of newer inputs) is published: nothing left behind
    WAITING = "waiting"  # a shard's part is stored: the period publishes once every shard's is


@dataclass(frozen=True)
class Publication:
    """An allocation of one period and price basis with all its read models, ready to publish.

    `input_sequence` is the version of the inputs it was computed from (shared/core/inputs.py):
    a publication never replaces one of a larger sequence.
    """

    allocation: PeriodAllocation
    unit_costs: tuple[UnitCost, ...]
    unallocated_totals: tuple[UnallocatedTotal, ...]
    reconciliation: Reconciliation
    input_sequence: int
    catalogue_version: str = ""  # the meter catalogue it was allocated with (MeterCatalogue)


@dataclass(frozen=True)
class DailyCost:
    """One published daily row: a deployment's (or the unallocated) share of one bill line."""

    deployment_key: str | None  # None for an unallocated line
    date: date
    meter_id: str
    meter_name: str
    cost: Decimal
    kind: TokenKind | None = None  # the meter's token kind (None: unallocated)
    deployment_id: str = ""  # the deployment's ARM id ("": unallocated)
    reason: UnallocatedReason | None = None  # why it is unallocated (None: allocated)
    # The bill line's identity beyond date and meter (CostLine.identity), and the deployment's
    # driver quantity that weighed its share (tokens, PTU-hours, hours, requests; None:
    # unallocated, or a row published before weights were stored).
    account_id: str = ""  # as stored: the inventory's spelling (allocated), the bill's (not)
    charge_type: ChargeType = ChargeType.USAGE
    pricing_model: PricingModel = PricingModel.ON_DEMAND
    weight: Decimal | None = None


@dataclass(frozen=True)
class PeriodDays:
    """One published allocation's daily rows, with its totals and deployments (read whole)."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    billed: Decimal
    allocated: Decimal
    unallocated: Decimal
    deployments: tuple[Deployment, ...]
    rows: tuple[DailyCost, ...]
    unit_costs: tuple[UnitCost, ...] = ()  # the report's, of the same generation as the rows


@dataclass(frozen=True)
class PeriodSummary:
    """What one published summary says of its allocation, read without its rows: the period,
    price basis, currency and exact totals (billed == allocated + unallocated)."""

    period: BillingPeriod
    cost_type: CostType
    currency: str
    billed: Decimal
    allocated: Decimal
    unallocated: Decimal
    published_at: datetime | None = None  # when readers first saw this allocation
    catalogue_version: str = ""  # the meter catalogue it was allocated with ("": unknown)


@dataclass(frozen=True)
class Unpublished:
    """A period whose allocation found nothing to publish (no cost lines), and why."""

    reason: str
