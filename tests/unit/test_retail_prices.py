"""Retail Prices paging, filter and page parsing; the price table in memory (the refresh service:
test_price_refresh.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.adapters.azure.retail_prices import (
    PricesPage,
    is_wanted_product,
    parse_page,
    prices_url,
    walk_pages,
    wanted_items,
    with_skip,
)
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue, load_bundled_items
from shared.adapters.storage.catalogue_source import (
    StoredCatalogue,
    load_catalogue,
    merge_with_bundled,
)
from shared.adapters.storage.price_table import PriceTable
from shared.errors import InvalidInput, SourceError
from tests.fakes import MemoryTableGateway

FIRST = prices_url("https://prices.example", "Foundry Models")
GPT_4O_1120_INPUT_EASTUS2 = "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5"
NOW = datetime(2026, 11, 3, 3, 30, tzinfo=UTC)


def raw_item(meter_id: str = "m-1", product: str = "Azure OpenAI", **extra: object) -> dict:
    item = {
        "currencyCode": "USD",
        "retailPrice": Decimal("0.0025"),
        "armRegionName": "eastus2",
        "effectiveStartDate": "2024-12-01T00:00:00Z",
        "meterId": meter_id,
        "meterName": "gpt 4o 1120 Inp glbl Tokens",
        "productName": product,
        "skuName": "gpt 4o 1120 Inp glbl",
        "serviceName": "Foundry Models",
        "unitOfMeasure": "1K",
        "type": "Consumption",
        "armSkuName": "gpt 4o 1120 Inp glbl",
    }
    item.update(extra)
    return item


def page(count: int, link: str = "") -> PricesPage:
    return PricesPage(tuple(raw_item(f"m-{i}") for i in range(count)), link)


def skip_of(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("$skip")
    return values[0] if values else None


class Pages:
    """A fake API: URL -> page, recording the URLs asked for."""

    def __init__(self, by_url: dict[str, PricesPage]) -> None:
        self.by_url = by_url
        self.asked: list[str] = []

    def __call__(self, url: str) -> PricesPage:
        self.asked.append(url)
        return self.by_url[url]


def test_the_first_url_filters_one_service_with_the_preview_api_version() -> None:
    query = parse_qs(urlsplit(FIRST).query)
    assert urlsplit(FIRST).path == "/api/retail/prices"
    assert query == {
        "api-version": ["2023-01-01-preview"],
        "$filter": ["serviceName eq 'Foundry Models'"],
    }
    assert "$filter=serviceName%20eq%20'Foundry%20Models'" in FIRST


def test_with_skip_sets_or_replaces_the_skip_parameter() -> None:
    assert skip_of(with_skip(FIRST, 1000)) == "1000"
    assert skip_of(with_skip(with_skip(FIRST, 1000), 2000)) == "2000"
    assert parse_qs(urlsplit(with_skip(FIRST, 5)).query)["$filter"] == [
        "serviceName eq 'Foundry Models'"
    ]


def test_pages_follow_next_page_link_until_it_is_null() -> None:
    second, third = with_skip(FIRST, 3), with_skip(FIRST, 6)
    api = Pages({FIRST: page(3, second), second: page(3, third), third: page(2)})
    assert [len(p.items) for p in walk_pages(FIRST, api)] == [3, 3, 2]
    assert api.asked == [FIRST, second, third]


def test_a_full_page_without_a_link_is_followed_by_skip() -> None:
    """The 2023-03-10 incident: NextPageLink empty although more pages existed."""
    second = with_skip(FIRST, 3)
    api = Pages({FIRST: page(3, second), second: page(3, ""), with_skip(FIRST, 6): page(1, "")})
    assert [len(p.items) for p in walk_pages(FIRST, api)] == [3, 3, 1]
    assert [skip_of(u) for u in api.asked] == [None, "3", "6"]


def test_a_short_page_without_a_link_is_the_last() -> None:
    second = with_skip(FIRST, 3)
    api = Pages({FIRST: page(3, second), second: page(2, "")})
    assert [len(p.items) for p in walk_pages(FIRST, api)] == [3, 2]
    assert len(api.asked) == 2


def test_a_single_page_without_a_link_is_probed_once_with_skip() -> None:
    api = Pages({FIRST: page(4, ""), with_skip(FIRST, 4): page(0, "")})
    assert [len(p.items) for p in walk_pages(FIRST, api)] == [4, 0]
    api = Pages({FIRST: page(0, "")})
    assert [len(p.items) for p in walk_pages(FIRST, api)] == [0]


def test_a_link_that_repeats_itself_or_endless_pages_fail() -> None:
    with pytest.raises(SourceError, match="repeats"):
        list(walk_pages(FIRST, Pages({FIRST: page(1, FIRST)})))
    endless = {FIRST: page(1, with_skip(FIRST, 1))}
    endless.update({with_skip(FIRST, i): page(1, with_skip(FIRST, i + 1)) for i in range(1, 9)})
    with pytest.raises(SourceError, match="more than 5 pages"):
        list(walk_pages(FIRST, Pages(endless), max_pages=5))


@pytest.mark.parametrize(
    "product",
    ["Azure OpenAI", "Azure OpenAI GPT5", "Azure OpenAI Reasoning", "azure openai media",
     "Azure AI Foundry Provisioned Throughput Reservation", "Azure Deepseek Models",
     "Deepseek model family", "Llama models", "Azure Mistral Models", "Azure Kimi", "MAI Models",
     "Azure AI Content Safety"],
)  # fmt: skip
def test_openai_products_and_other_model_families_are_kept(product: str) -> None:
    assert is_wanted_product(product)


@pytest.mark.parametrize(
    "product",
    ["Managed Compute", "Microsoft Agent Pre-Purchase Plan", "Azure AI Speech", "Translator Text",
     "Computer Vision", ""],
)  # fmt: skip
def test_other_products_of_the_services_are_dropped(product: str) -> None:
    assert not is_wanted_product(product)


def test_wanted_items_parse_with_decimal_prices_and_skip_other_products() -> None:
    body = json.dumps(
        {
            "BillingCurrency": "USD",
            "Items": [
                {"productName": "Azure AI Speech", "meterId": "speech"},  # not parsed at all
                raw_item(retailPrice=0.0025),
            ],
            "NextPageLink": None,
            "Count": 2,
        }
    )
    found = wanted_items(parse_page(body, "page 1"), "page 1")
    assert [i.meter_id for i in found] == ["m-1"]
    assert found[0].retail_price == Decimal("0.0025")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{not json", "not JSON"),
        ("[]", "not a JSON object"),
        ('{"Items": {}}', "Items"),
        ('{"Items": [1]}', "Items"),
        ('{"Items": [], "NextPageLink": 5}', "NextPageLink"),
        ('{"Items": [], "NextPageLink": "http://prices.azure.com/x"}', "non-https"),
    ],
)
def test_a_malformed_page_is_a_clear_error(body: str, problem: str) -> None:
    with pytest.raises(SourceError, match=problem):
        parse_page(body, "page 3")


def test_a_malformed_wanted_item_names_the_page_item_and_field() -> None:
    broken = raw_item()
    del broken["unitOfMeasure"]
    with pytest.raises(SourceError, match=r"page 2, item 1: unitOfMeasure"):
        wanted_items(PricesPage((raw_item(), broken), ""), "page 2")


# The price table, on the in-memory gateway.

ITEMS = load_bundled_items()


def test_stored_items_read_back_equal_and_a_second_replace_writes_nothing() -> None:
    gateway = MemoryTableGateway()
    table = PriceTable(gateway)
    assert table.replace_items(ITEMS, NOW, "https://prices.example")
    assert sorted(table.items(), key=repr) == sorted(ITEMS, key=repr)
    writes = gateway.writes
    later = datetime(2026, 11, 4, 3, 30, tzinfo=UTC)
    assert not table.replace_items(list(reversed(ITEMS)), later, "https://prices.example")
    assert gateway.writes == writes + 1  # the marker's RefreshedAt only
    marker = table.marker()
    assert marker is not None
    assert (marker.refreshed_at, marker.changed_at, marker.items) == (later, NOW, len(ITEMS))


def test_a_full_rewrite_takes_few_transactions() -> None:
    gateway = MemoryTableGateway()
    PriceTable(gateway).replace_items(ITEMS, NOW, "x")
    assert gateway.writes <= 257  # 256 item partitions of <= 100 entities, and the marker


def test_the_table_never_replaces_items_with_none() -> None:
    with pytest.raises(InvalidInput, match="no items"):
        PriceTable(MemoryTableGateway()).replace_items([], NOW, "x")


def test_merge_adds_bundled_items_of_meter_ids_the_stored_items_lack() -> None:
    stored = [i for i in ITEMS if i.meter_id != GPT_4O_1120_INPUT_EASTUS2][:10]
    merged = merge_with_bundled(stored, ITEMS)
    assert merged[:10] == stored
    ids = {i.meter_id.lower() for i in merged}
    assert GPT_4O_1120_INPUT_EASTUS2 in ids
    assert not [i for i in merged[10:] if i.meter_id.lower() in {s.meter_id for s in stored}]


def test_an_empty_table_gives_the_bundled_catalogue() -> None:
    assert load_catalogue(PriceTable(MemoryTableGateway())) is load_bundled_catalogue()


def test_the_stored_catalogue_reloads_after_a_refresh_changed_the_items() -> None:
    table = PriceTable(MemoryTableGateway())
    now = [0.0]
    catalogue = StoredCatalogue(table, recheck_seconds=60, clock=lambda: now[0])
    on = date(2025, 8, 25)
    assert catalogue.current().price(GPT_4O_1120_INPUT_EASTUS2, "eastus2", on) == Decimal("0.0025")
    dearer = [
        replace(i, retail_price=Decimal("0.003"))
        if i.meter_id == GPT_4O_1120_INPUT_EASTUS2 and i.arm_region_name == "eastus2"
        else i
        for i in ITEMS
    ]
    table.replace_items(dearer, NOW, "x")
    now[0] = 30.0  # not yet time to look again
    assert catalogue.current().price(GPT_4O_1120_INPUT_EASTUS2, "eastus2", on) == Decimal("0.0025")
    now[0] = 61.0
    assert catalogue.current().price(GPT_4O_1120_INPUT_EASTUS2, "eastus2", on) == Decimal("0.003")
    loaded = catalogue.current()
    table.replace_items(dearer, NOW, "x")  # an unchanged refresh: no reload
    now[0] = 200.0
    assert catalogue.current() is loaded


def test_the_stored_catalogue_answers_like_the_catalogue_it_loaded() -> None:
    bundled = load_bundled_catalogue()
    catalogue = StoredCatalogue(PriceTable(MemoryTableGateway()))
    for item in ITEMS:
        args = (item.meter_id, item.meter_name)
        assert catalogue.current().classify(*args) == bundled.classify(*args)
        assert catalogue.current().is_account_level(*args) == bundled.is_account_level(*args)
    assert any(catalogue.current().is_account_level(i.meter_id, i.meter_name) for i in ITEMS)
