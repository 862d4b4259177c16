"""The catalogue refresh end to end: Retail Prices double -> `retailprices` on Azurite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from shared.adapters.azure.retail_prices import RetailPricesSource
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.adapters.storage.catalogue_source import load_catalogue
from shared.adapters.storage.price_table import TABLE
from shared.bootstrap import ALL_TABLES, Stores, build_allocation, build_price_refresh
from shared.bootstrap import build_stores as make_stores
from shared.core.catalogue import RetailPriceItem
from shared.core.meters import Mode, TokenKind
from shared.core.period import BillingPeriod
from shared.errors import SourceError
from shared.services.price_refresh import PriceRefreshService
from shared.settings import Settings
from tests.doubles.retail_prices import (
    RetailPricesDouble,
    RunningPrices,
    snapshot_items,
)

Serve = Callable[[RetailPricesDouble], RunningPrices]
GPT_4O_1120_INPUT_EASTUS2 = "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5"
RESERVATION_ONLY_PTU_WESTUS2 = "c7abed63-3b8b-5277-a6fa-a2bbf35a7f76"
NEW_METER = "0f0e0d0c-0000-5000-8000-000000000001"
ON = date(2025, 8, 25)


@pytest.fixture
def stores(storage_env: dict[str, str]) -> Stores:
    return make_stores(Settings.from_env(storage_env))


def refresh(stores: Stores, running: RunningPrices) -> Any:
    source = RetailPricesSource(running.endpoint, retry_total=1, retry_backoff_seconds=0.01)
    return PriceRefreshService(source, stores.prices, stores.queue, stores.versions).refresh()


def stored_rows(storage_env: dict[str, str]) -> dict[tuple[str, str], tuple[str, dict]]:
    """(PartitionKey, RowKey) -> (etag, properties) of every stored entity."""
    service = TableServiceClient.from_connection_string(storage_env["AzureWebJobsStorage"])
    return {
        (e["PartitionKey"], e["RowKey"]): (str(e.metadata["etag"]), dict(e))
        for e in service.get_table_client(TABLE).list_entities()
    }


def items_of(raw: list[dict[str, Any]]) -> list[RetailPriceItem]:
    return sorted((RetailPriceItem.from_json(i) for i in raw), key=repr)


def test_a_refresh_stores_every_item_and_a_marker(
    serve_prices: Serve,
    stores: Stores,
    storage_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = snapshot_items()
    running = serve_prices(RetailPricesDouble(raw, page_size=500))
    monkeypatch.setenv("RETAIL_PRICES_ENDPOINT", running.endpoint)
    assert TABLE in ALL_TABLES

    report = build_price_refresh(Settings.from_env(), stores).refresh()

    assert (report.items, report.changed) == (len(raw), True)
    assert sorted(stores.prices.items(), key=repr) == items_of(raw)
    marker = stores.prices.marker()
    assert marker is not None and marker.items == len(raw) and marker.source == running.endpoint
    rows = stored_rows(storage_env)
    assert len(rows) == len(raw) + 1
    gpt_4o = [p for _etag, p in rows.values() if p.get("MeterId") == GPT_4O_1120_INPUT_EASTUS2]
    assert [(p["RetailPrice"], p["ArmRegionName"]) for p in gpt_4o] == [("0.0025", "eastus2")]


def test_a_second_refresh_rewrites_no_item(
    serve_prices: Serve, stores: Stores, storage_env: dict[str, str]
) -> None:
    running = serve_prices(RetailPricesDouble(snapshot_items(), page_size=500))
    assert refresh(stores, running).changed
    before = stored_rows(storage_env)
    version = stores.versions.version(BillingPeriod(2026, 11))
    assert version.sequence == 1 and version.writers == ()  # the prices input, bumped once

    again = refresh(stores, running)

    after = stored_rows(storage_env)
    assert again.changed is False and again.enqueued == ()
    assert stores.versions.version(BillingPeriod(2026, 11)) == version
    changed = {key for key in before if before[key][0] != after[key][0]}
    assert changed == {("refresh", "latest")}  # the marker's RefreshedAt, nothing else
    assert after.keys() == before.keys()


def test_a_changed_price_rewrites_only_that_item(
    serve_prices: Serve, stores: Stores, storage_env: dict[str, str]
) -> None:
    raw = snapshot_items()
    assert refresh(stores, serve_prices(RetailPricesDouble(raw))).changed
    before = stored_rows(storage_env)
    dearer = [
        {**i, "retailPrice": Decimal("0.003")} if i["meterId"] == GPT_4O_1120_INPUT_EASTUS2 else i
        for i in raw
    ]

    assert refresh(stores, serve_prices(RetailPricesDouble(dearer))).changed

    after = stored_rows(storage_env)
    changed = {after[k][1].get("MeterId") for k in after if before[k][0] != after[k][0]}
    assert changed == {GPT_4O_1120_INPUT_EASTUS2, None}  # the item, and the marker


def test_a_failure_midway_stores_nothing(
    serve_prices: Serve, stores: Stores, storage_env: dict[str, str]
) -> None:
    raw = snapshot_items()
    failing = RetailPricesDouble(raw, page_size=500, fail_after_pages=2, fail_status=500)
    with pytest.raises(SourceError, match=r"\$skip=1000.*HTTP 500"):
        refresh(stores, serve_prices(failing))
    assert stored_rows(storage_env) == {}

    assert refresh(stores, serve_prices(RetailPricesDouble(raw))).changed
    before = stored_rows(storage_env)
    renamed = [{**i, "meterName": i["meterName"] + " v2"} for i in raw]
    broken = RetailPricesDouble(renamed, page_size=500, truncate_page=3)
    with pytest.raises(SourceError, match="not JSON"):
        refresh(stores, serve_prices(broken))
    assert stored_rows(storage_env) == before


def test_an_empty_result_keeps_the_stored_catalogue(
    serve_prices: Serve, stores: Stores, storage_env: dict[str, str]
) -> None:
    assert refresh(stores, serve_prices(RetailPricesDouble(snapshot_items()))).changed
    before = stored_rows(storage_env)

    with pytest.raises(SourceError, match="no items; the stored catalogue was kept"):
        refresh(stores, serve_prices(RetailPricesDouble([])))

    assert stored_rows(storage_env) == before


def test_loading_prefers_stored_items_and_keeps_bundled_meters_the_api_dropped(
    serve_prices: Serve, stores: Stores
) -> None:
    eastus2 = snapshot_items("*eastus2_consumption*.ndjson")
    gpt_4o = next(i for i in eastus2 if i["meterId"] == GPT_4O_1120_INPUT_EASTUS2)
    new_meter = {**gpt_4o, "meterId": NEW_METER, "serviceName": "Foundry Models"}
    served = [{**i, "retailPrice": Decimal("0.003")} if i is gpt_4o else i for i in eastus2] + [
        new_meter
    ]
    refresh(stores, serve_prices(RetailPricesDouble(served)))

    catalogue = load_catalogue(stores.prices)

    assert catalogue.price(GPT_4O_1120_INPUT_EASTUS2, "eastus2", ON) == Decimal("0.003")
    assert load_bundled_catalogue().price(GPT_4O_1120_INPUT_EASTUS2, "eastus2", ON) == Decimal(
        "0.0025"
    )
    info = catalogue.classify(NEW_METER, "")
    assert info is not None and (info.model, info.version, info.kind, info.mode) == (
        "gpt-4o", "1120", TokenKind.INPUT, Mode.STANDARD,
    )  # fmt: skip
    assert not load_bundled_catalogue().knows(NEW_METER)
    # Not served any more, still known from the bundled snapshot: no meter becomes unknown.
    assert catalogue.knows(RESERVATION_ONLY_PTU_WESTUS2)
    assert set(load_bundled_catalogue().entries) <= set(catalogue.entries)


def test_without_a_refresh_allocation_uses_the_bundled_catalogue(stores: Stores) -> None:
    assert stores.prices.items() == [] and stores.prices.marker() is None
    assert load_catalogue(stores.prices) is load_bundled_catalogue()
    catalogue = build_allocation(stores).catalogue.current()
    bundled = load_bundled_catalogue()
    for meter_id in (GPT_4O_1120_INPUT_EASTUS2, RESERVATION_ONLY_PTU_WESTUS2, NEW_METER):
        assert catalogue.classify(meter_id, "") == bundled.classify(meter_id, "")


def test_allocation_built_after_a_refresh_classifies_with_the_stored_items(
    serve_prices: Serve, stores: Stores
) -> None:
    gpt_4o = next(i for i in snapshot_items() if i["meterId"] == GPT_4O_1120_INPUT_EASTUS2)
    refresh(stores, serve_prices(RetailPricesDouble([{**gpt_4o, "meterId": NEW_METER}])))

    assert build_allocation(stores).catalogue.current().classify(NEW_METER, "") is not None
