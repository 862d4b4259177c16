"""The retail price items the what-if prices with: the `retailprices` table's, merged with the
bundled snapshot as `StoredCatalogue` merges them (catalogue_source.py); the bundled items alone
when the table is empty or unreadable. Reloaded when the table's marker says the items changed."""

from __future__ import annotations

import logging
import threading

from shared.adapters.formats.catalogue_snapshot import load_bundled_items
from shared.adapters.storage.catalogue_source import merge_with_bundled
from shared.adapters.storage.price_table import PriceTable
from shared.core.catalogue import RetailPriceItem
from shared.errors import FinOpsError

log = logging.getLogger(__name__)


class StoredRetailItems:
    """A `RetailItemsSource` over the price table (one marker point read per call)."""

    def __init__(self, prices: PriceTable) -> None:
        self._prices = prices
        self._lock = threading.Lock()
        self._loaded: list[RetailPriceItem] | None = None
        self._version: tuple[object, ...] | None = None

    def items(self) -> list[RetailPriceItem]:
        with self._lock:
            marker = self._prices.marker()
            version = None if marker is None else (marker.changed_at, marker.items)
            if self._loaded is None or version != self._version:
                self._loaded = _load(self._prices)
                self._version = version
            return list(self._loaded)


def _load(prices: PriceTable) -> list[RetailPriceItem]:
    try:
        stored = prices.items()
    except (FinOpsError, KeyError, ValueError, ArithmeticError) as err:
        log.error("retail prices table unreadable (%s); using the bundled catalogue", err)
        return list(load_bundled_items())
    return merge_with_bundled(stored, load_bundled_items())
