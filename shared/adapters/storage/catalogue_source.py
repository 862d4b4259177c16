"""The meter catalogue allocation uses: the refreshed one in the `retailprices` table, else bundled.

Rule: when the table holds items, the catalogue is built from them plus every bundled item whose
meter id none of them has, so a meter classified by the bundled snapshot never becomes unknown
after a refresh (the API drops retired meters that old bills still carry). An empty table, or one
that cannot be read back, gives the bundled catalogue alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue, load_bundled_items
from shared.adapters.storage.price_table import PriceRefreshMarker, PriceTable
from shared.core.catalogue import RetailPriceItem, TableCatalogue, build_catalogue, meter_key
from shared.errors import FinOpsError

DEFAULT_RECHECK_SECONDS = 600.0

log = logging.getLogger(__name__)


def merge_with_bundled(
    stored: Sequence[RetailPriceItem], bundled: Sequence[RetailPriceItem]
) -> list[RetailPriceItem]:
    """The stored items, then the bundled items of meter ids the stored items lack."""
    known = {meter_key(item.meter_id) for item in stored}
    return [*stored, *(i for i in bundled if meter_key(i.meter_id) not in known)]


def load_catalogue(prices: PriceTable) -> TableCatalogue:
    """The refreshed catalogue merged with the bundled one, or the bundled one alone."""
    try:
        stored = prices.items()
    except (FinOpsError, KeyError, ValueError, ArithmeticError) as err:
        log.error("retail prices table unreadable (%s); using the bundled catalogue", err)
        return load_bundled_catalogue()
    if not stored:
        return load_bundled_catalogue()
    return build_catalogue(merge_with_bundled(stored, load_bundled_items()))


class StoredCatalogue:
    """A `CatalogueSource` that follows refreshes: it loads on first use and, at most every
    `recheck_seconds`, reloads when the table's marker says the items changed. An allocation
    takes `current()` once, so one period is always allocated with one catalogue.
    """

    def __init__(
        self,
        prices: PriceTable,
        recheck_seconds: float = DEFAULT_RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._prices = prices
        self._recheck = recheck_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._loaded: TableCatalogue | None = None
        self._version: PriceRefreshMarker | None = None
        self._checked_at = 0.0

    def current(self) -> TableCatalogue:
        """The catalogue in force, reloaded first if the stored one changed since the load."""
        with self._lock:
            now = self._clock()
            if self._loaded is not None and now - self._checked_at < self._recheck:
                return self._loaded
            self._checked_at = now
            marker = self._prices.marker()
            if self._loaded is None or _version(marker) != _version(self._version):
                self._loaded = load_catalogue(self._prices)
                self._version = marker
            return self._loaded


def _version(marker: PriceRefreshMarker | None) -> tuple[object, ...] | None:
    return None if marker is None else (marker.changed_at, marker.items)
