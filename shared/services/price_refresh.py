"""Refresh the stored meter catalogue from the Retail Prices API (the `refresh_prices` timer).

The whole catalogue is fetched before anything is written; a failure, or a fetch with no items
(a renamed service, a broken filter), raises and leaves the stored catalogue as it was. A refresh
that changed the catalogue re-enqueues the open periods, whose allocation may classify differently
now; closed periods keep the allocation they were closed with until something else changes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.core.catalogue import RetailPriceItem, unique_items
from shared.core.clock import utc_now
from shared.core.inputs import InputScope, InputSource
from shared.core.period import BillingPeriod
from shared.core.period_status import open_periods
from shared.errors import SourceError
from shared.services.ports import AllocationQueue, InputVersions, PriceStore

log = logging.getLogger(__name__)


class PriceSource(Protocol):
    """Every retail price item wanted, complete or an exception."""

    @property
    def endpoint(self) -> str: ...

    def fetch(self) -> list[RetailPriceItem]: ...


@dataclass(frozen=True)
class PriceRefreshReport:
    items: int
    changed: bool
    refreshed_at: datetime
    enqueued: tuple[BillingPeriod, ...] = ()


@dataclass
class PriceRefreshService:
    source: PriceSource
    prices: PriceStore
    queue: AllocationQueue
    versions: InputVersions
    clock: Callable[[], datetime] = field(default=utc_now)

    def refresh(self) -> PriceRefreshReport:
        """Fetch everything, then replace the stored items by diff; idempotent."""
        items, conflicts = unique_items(self.source.fetch())
        for key in conflicts:
            log.warning("retail prices: two items share the identity %s; the first is kept", key)
        if not items:
            log.warning(
                "retail prices from %s: no items; stored catalogue kept", self.source.endpoint
            )
            raise SourceError(
                f"retail prices from {self.source.endpoint} returned no items; "
                "the stored catalogue was kept"
            )
        now = self.clock()
        scope = InputScope.of(InputSource.PRICES)
        self.versions.begin([scope])
        changed = self.prices.replace_items(items, now, self.source.endpoint)
        # A refresh that took over the mark of one that stopped half-way bumps the version even
        # when the items now read as unchanged: the open periods are allocated again either way.
        bumped = self.versions.end([scope], {scope} if changed else set())
        enqueued = open_periods(now.date()) if bumped else ()
        self.queue.enqueue(enqueued)
        return PriceRefreshReport(len(items), changed, now, enqueued)
