"""Services built once per worker, on first invocation (no I/O at import)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from shared.adapters.allocation_tables import AllocationTables
from shared.core.period import DateWindow
from shared.services.allocation import AllocationService
from shared.services.bootstrap import build_allocation, build_stores, live_collection
from shared.services.collection import CollectionService
from shared.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    collection: CollectionService
    allocation: AllocationService
    reports: AllocationTables


@cache
def services() -> Services:
    settings = Settings.from_env()
    stores = build_stores(settings)
    return Services(
        settings=settings,
        collection=live_collection(settings, stores),
        allocation=build_allocation(stores),
        reports=stores.results,
    )


def reports() -> AllocationTables:
    return services().reports


def today() -> date:
    return datetime.now(UTC).date()


def trailing_window(lookback_days: int, until: date | None = None) -> DateWindow:
    """The last `lookback_days` days up to and including `until` (default: today, UTC)."""
    end = until or today()
    return DateWindow.inclusive(end - timedelta(days=lookback_days - 1), end)
