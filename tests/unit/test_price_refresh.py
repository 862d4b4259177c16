"""The price refresh service against in-memory fakes of its ports: the whole catalogue is fetched
before anything is marked or stored; a failed or empty fetch keeps the stored catalogue; a change
bumps the prices input and enqueues the open periods, no change enqueues nothing."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from shared.core.catalogue import RetailPriceItem
from shared.core.inputs import WRITER_LEASE, InputScope, InputSource
from shared.core.period import BillingPeriod
from shared.errors import CollectionInProgress, SourceError, StorageUnavailable
from shared.services.price_refresh import PriceRefreshReport, PriceRefreshService
from tests.builders import price_item
from tests.fakes import ListQueue, MemoryInputVersions, MemoryPriceStore

SEP, OCT, NOV = BillingPeriod(2026, 9), BillingPeriod(2026, 10), BillingPeriod(2026, 11)
ON_3_NOV = datetime(2026, 11, 3, 3, 30, tzinfo=UTC)  # October may still be restated (to 5 Nov)
PRICES = InputScope.of(InputSource.PRICES)
ITEMS = [price_item("m-1"), price_item("m-2", "0.01"), price_item("m-1", region="westus")]


@dataclass
class FixedPrices:
    """A PriceSource answering fixed items (or raising); counts its fetches."""

    items: list[RetailPriceItem] | Exception
    endpoint: str = "https://prices.example"
    fetches: int = 0

    def fetch(self) -> list[RetailPriceItem]:
        self.fetches += 1
        if isinstance(self.items, Exception):
            raise self.items
        return list(self.items)


class Refresh:
    """The service over fakes of every port, on a clock the test moves."""

    def __init__(self, items: list[RetailPriceItem] | Exception, store: MemoryPriceStore) -> None:
        self.now = ON_3_NOV
        self.source = FixedPrices(items)
        self.store = store
        self.queue = ListQueue()
        self.versions = MemoryInputVersions(clock=lambda: self.now)

    def run(self) -> PriceRefreshReport:
        return PriceRefreshService(
            self.source, self.store, self.queue, self.versions, lambda: self.now
        ).refresh()


def rig(items: list[RetailPriceItem] | Exception = ITEMS) -> Refresh:
    return Refresh(items, MemoryPriceStore())


@dataclass
class WatchedStore(MemoryPriceStore):
    """Records, at each replace, how often the source had been fetched and what was marked."""

    watched: Refresh | None = None
    seen: list[tuple[int, set[InputScope]]] = field(default_factory=list)

    def replace_items(
        self, items: Sequence[RetailPriceItem], refreshed_at: datetime, source: str
    ) -> bool:
        assert self.watched is not None
        self.seen.append((self.watched.source.fetches, set(self.watched.versions.writing)))
        return super().replace_items(items, refreshed_at, source)


class BrokenStore(MemoryPriceStore):
    def replace_items(
        self, items: Sequence[RetailPriceItem], refreshed_at: datetime, source: str
    ) -> bool:
        raise StorageUnavailable("http://127.0.0.1:1/acct", "[Errno 111] Connection refused")


def test_the_whole_catalogue_is_fetched_then_stored_while_the_prices_input_is_marked() -> None:
    store = WatchedStore()
    refresh = Refresh([*ITEMS, ITEMS[0]], store)  # a paging overlap repeats an item
    store.watched = refresh

    report = refresh.run()

    assert store.seen == [(1, {PRICES})]  # one write, after the fetch, under the prices mark
    assert list(store.items.values()) == ITEMS
    assert store.refreshes == [(ON_3_NOV, refresh.source.endpoint)]
    assert (report.items, report.changed, report.refreshed_at) == (len(ITEMS), True, ON_3_NOV)
    assert refresh.versions.writing == {}  # the mark is cleared once the items are stored


@pytest.mark.parametrize(
    ("now", "enqueued"),
    [
        (ON_3_NOV, (OCT, NOV)),
        (datetime(2026, 11, 5, 23, 59, tzinfo=UTC), (OCT, NOV)),  # the last day October may change
        (datetime(2026, 11, 6, tzinfo=UTC), (NOV,)),  # October closed
    ],
)
def test_a_changed_catalogue_bumps_the_prices_input_and_enqueues_the_open_periods(
    now: datetime, enqueued: tuple[BillingPeriod, ...]
) -> None:
    refresh = rig()
    refresh.now = now

    report = refresh.run()

    assert report.changed and report.enqueued == enqueued
    assert refresh.queue.sent == list(enqueued)
    assert refresh.versions.sequences == {PRICES: 1}
    # A shared input: every period's version moved, so an allocation read before the refresh
    # loses; a closed period is not enqueued for it, though.
    assert [refresh.versions.version(p).sequence for p in (SEP, OCT, NOV)] == [1, 1, 1]


def test_an_unchanged_catalogue_bumps_nothing_and_enqueues_nothing_until_a_price_changes() -> None:
    refresh = rig()
    refresh.run()
    sent = list(refresh.queue.sent)
    refresh.source.items = list(reversed(ITEMS))  # the same items, in another order
    refresh.now += timedelta(days=1)

    again = refresh.run()

    assert (again.changed, again.enqueued, again.items) == (False, (), len(ITEMS))
    assert refresh.queue.sent == sent
    assert refresh.versions.sequences == {PRICES: 1}
    assert refresh.store.refreshes[-1] == (refresh.now, refresh.source.endpoint)  # still recorded
    assert refresh.versions.writing == {}

    refresh.source.items = [price_item("m-1", "0.003"), *ITEMS[1:]]
    dearer = refresh.run()

    assert dearer.changed and refresh.versions.sequences == {PRICES: 2}
    assert refresh.queue.sent == sent + list(dearer.enqueued)


@pytest.mark.parametrize(
    ("fetched", "error"),
    [
        ([], "returned no items; the stored catalogue was kept"),
        (SourceError("page 3 failed"), "page 3 failed"),
    ],
    ids=["no items", "a failing page"],
)
def test_a_failed_or_empty_fetch_keeps_the_stored_catalogue_and_bumps_no_version(
    fetched: list[RetailPriceItem] | Exception, error: str
) -> None:
    refresh = rig()
    refresh.run()
    stored, sent = dict(refresh.store.items), list(refresh.queue.sent)
    refresh.source.items = fetched

    with pytest.raises(SourceError, match=error):
        refresh.run()

    assert refresh.store.items == stored and len(refresh.store.refreshes) == 1  # not asked
    assert refresh.versions.sequences == {PRICES: 1} and refresh.versions.writing == {}
    assert refresh.queue.sent == sent


def test_a_store_failing_half_way_leaves_the_prices_input_marked_and_enqueues_nothing() -> None:
    refresh = Refresh(ITEMS, BrokenStore())

    with pytest.raises(StorageUnavailable):
        refresh.run()

    # Allocations defer while the mark stands, rather than read a half-written catalogue.
    assert set(refresh.versions.writing) == {PRICES}
    assert refresh.versions.sequences == {} and refresh.queue.sent == []


def test_a_refresh_while_another_writes_the_catalogue_is_refused_and_stores_nothing() -> None:
    refresh = rig()
    refresh.versions.begin([PRICES])  # another refresh, writing since now

    with pytest.raises(CollectionInProgress, match="prices"):
        refresh.run()
    assert refresh.store.refreshes == [] and refresh.queue.sent == []

    refresh.now += WRITER_LEASE + timedelta(minutes=1)  # that one stopped half-way
    report = refresh.run()

    assert report.changed and refresh.versions.sequences == {PRICES: 1}
    assert refresh.versions.writing == {}


def test_a_refresh_taking_over_one_that_stopped_after_its_writes_enqueues_the_open_periods() -> (
    None
):
    """The items were stored, then the refresh died before clearing its mark: the next one reads
    them as unchanged, yet their version moves and the open periods are allocated again."""
    refresh = rig()
    refresh.run()
    refresh.queue.sent.clear()
    refresh.versions.begin([PRICES])  # a refresh that wrote the same items, then died
    refresh.now += WRITER_LEASE + timedelta(minutes=1)
    report = refresh.run()
    assert not report.changed
    assert refresh.versions.sequences == {PRICES: 2}
    assert refresh.queue.sent == [BillingPeriod(2026, 10), BillingPeriod(2026, 11)]


def test_two_different_items_of_one_identity_keep_the_first_and_say_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cheap, dear = price_item("m-1", "0.0025"), price_item("m-1", "0.005")
    refresh = rig([cheap, dear])

    with caplog.at_level(logging.WARNING):
        report = refresh.run()

    assert report.items == 1 and list(refresh.store.items.values()) == [cheap]
    assert "share the identity" in caplog.text and "m-1" in caplog.text
