"""The port fakes of tests/fakes.py answer as the table adapters they stand for (which are tested on
Azurite), so that a service test over a fake says something about the real composition."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from shared.adapters.storage.input_versions_table import InputVersionsTable
from shared.adapters.storage.price_table import PriceTable
from shared.core.inputs import WRITER_LEASE, InputScope, InputSource
from shared.errors import CollectionInProgress, InvalidInput
from shared.services.ports import InputVersions, PriceStore
from tests.builders import NOV, NOW, price_item
from tests.fakes import MemoryInputVersions, MemoryPriceStore, MemoryTableGateway

USAGE = InputScope.of(InputSource.USAGE, NOV)
PRICES = InputScope.of(InputSource.PRICES)
Clock = list[datetime]


def fake_versions(clock: Callable[[], datetime]) -> InputVersions:
    return MemoryInputVersions(clock=clock)


def table_versions(clock: Callable[[], datetime]) -> InputVersions:
    return InputVersionsTable(MemoryTableGateway(), clock=clock)


@pytest.fixture(params=[fake_versions, table_versions], ids=["fake", "table"])
def versions(request: pytest.FixtureRequest) -> tuple[InputVersions, Clock]:
    now = [NOW]
    return request.param(lambda: now[0]), now


def test_versions_sum_the_periods_and_the_shared_sequences_bumped_by_changes(
    versions: tuple[InputVersions, Clock],
) -> None:
    store, _now = versions
    store.begin([USAGE, PRICES])
    marked = store.version(NOV)
    assert {w.scope for w in marked.writers} == {USAGE, PRICES}
    assert store.end([USAGE, PRICES], {USAGE}) == {USAGE}
    store.begin([PRICES])
    assert store.end([PRICES], {PRICES}) == {PRICES}
    assert store.version(NOV).sequence == 2 and store.version(NOV).writers == ()
    assert store.version(NOV.next()).sequence == 1  # the shared prices only


def test_a_live_writer_refuses_a_second_one_and_a_stalled_one_is_taken_over_and_bumped(
    versions: tuple[InputVersions, Clock],
) -> None:
    store, now = versions
    store.begin([PRICES])
    with pytest.raises(CollectionInProgress):
        store.begin([PRICES])
    assert store.stalled([PRICES]) == set()
    now[0] += WRITER_LEASE + timedelta(seconds=1)
    assert store.stalled([PRICES]) == {PRICES}
    store.begin([PRICES])
    assert store.end([PRICES], changed=()) == {PRICES}  # unchanged, but its writer had stopped
    assert store.version(NOV).sequence == 1


@pytest.fixture(params=["fake", "table"])
def prices(request: pytest.FixtureRequest) -> PriceStore:
    return MemoryPriceStore() if request.param == "fake" else PriceTable(MemoryTableGateway())


def test_price_stores_say_whether_the_items_changed_whatever_their_order(
    prices: PriceStore,
) -> None:
    items = [price_item("m-1"), price_item("m-2", "0.01")]
    assert prices.replace_items(items, NOW, "x")
    assert not prices.replace_items(list(reversed(items)), NOW + timedelta(days=1), "x")
    assert not prices.replace_items([*items, price_item("m-1", "0.5")], NOW, "x")  # first kept
    assert prices.replace_items(items[:1], NOW, "x")
    with pytest.raises(InvalidInput, match="no items"):
        prices.replace_items([], NOW, "x")
