"""Where a period's figures come from: the allocation that published them (when, with which
meter catalogue, what share of the bill it allocated) and when each input was last collected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shared.core.costs import CostType
from shared.core.inputs import InputScope, InputSource
from shared.core.money import ZERO
from shared.core.period import BillingPeriod
from shared.core.period_status import PeriodStatus, period_status
from shared.core.reports import PeriodSummary
from shared.core.rounding import round_amount

SHARE_QUANTUM = Decimal("0.0001")


@dataclass(frozen=True)
class SourceCollected:
    """One stored input and when a collection last read it whole (None: never)."""

    source: InputSource
    at: datetime | None


@dataclass(frozen=True)
class ProvenanceView:
    cost_type: CostType
    status: PeriodStatus
    published_at: datetime | None
    allocated_share: Decimal | None  # allocated / billed, 4 decimals (None: nothing billed)
    sources: tuple[SourceCollected, ...]
    catalogue_version: str | None


def stamps_of(
    stamps: Mapping[InputScope, datetime], period: BillingPeriod
) -> dict[InputSource, datetime]:
    """When each input of `period` (its own and the shared ones) was last collected."""
    return {s.source: at for s, at in stamps.items() if s.period in (None, period)}


def provenance_view(
    summary: PeriodSummary, collected: Mapping[InputSource, datetime], today: date
) -> ProvenanceView:
    """The provenance of a published summary, every input listed (never collected: None)."""
    share = (
        None if summary.billed == ZERO else round_amount(summary.allocated / summary.billed,
                                                         SHARE_QUANTUM)
    )  # fmt: skip
    return ProvenanceView(
        cost_type=summary.cost_type,
        status=period_status(summary.period, today),
        published_at=summary.published_at,
        allocated_share=share,
        sources=tuple(SourceCollected(s, collected.get(s)) for s in InputSource),
        catalogue_version=summary.catalogue_version or None,
    )
