"""What the triggers need, each built once per worker on first use (no I/O at import).

An HTTP cold start builds only the stores; the collectors add the live sources, the allocator the
meter catalogue. Storage and sources share one credential.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

from azure.core.credentials import TokenCredential

from shared.adapters.allocation_tables import AllocationTables
from shared.adapters.credentials import make_credential
from shared.core.period import DateWindow
from shared.core.period_status import collection_window
from shared.services.allocation import AllocationService
from shared.services.allocation_requests import AllocationRequestService
from shared.services.bootstrap import (
    Stores,
    build_allocation,
    build_allocation_requests,
    build_price_refresh,
    build_stores,
    live_collection,
)
from shared.services.collection import CollectionService
from shared.services.price_refresh import PriceRefreshService
from shared.settings import Settings


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def credential() -> TokenCredential:
    return make_credential()


@cache
def stores() -> Stores:
    config = settings()
    if config.storage.uses_identity:
        # In Azure the Bicep creates every table and the queue (infra/main.bicep): a cold start
        # does not pay a create call for each of them.
        return build_stores(config, credential=credential(), ensure=False)
    return build_stores(config)  # a connection string: Azurite or a hand-made account


@cache
def collection() -> CollectionService:
    return live_collection(settings(), stores(), credential())


@cache
def allocation() -> AllocationService:
    return build_allocation(stores())


@cache
def allocation_requests() -> AllocationRequestService:
    return build_allocation_requests(stores(), allocation())


@cache
def price_refresh() -> PriceRefreshService:
    return build_price_refresh(settings(), stores())


def reports() -> AllocationTables:
    return stores().results


def reset() -> None:
    """Forget everything built, so the next invocation reads the settings again."""
    built_once = (settings, credential, stores, collection, allocation, allocation_requests)
    for built in (*built_once, price_refresh):
        built.cache_clear()


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def trailing_window(lookback_days: int, until: date | None = None) -> DateWindow:
    """The days to re-read up to `until` (default: today, UTC): shared/core/period_status.py."""
    return collection_window(until or today(), lookback_days)
