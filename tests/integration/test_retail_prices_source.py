"""RetailPricesSource against the HTTPS Retail Prices double, through azure-core's pipeline."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from shared.adapters.azure.retail_prices import RetailPricesSource
from shared.adapters.formats.catalogue_snapshot import load_bundled_items
from shared.core.catalogue import RetailPriceItem
from shared.errors import SourceError, ThrottledError
from tests.doubles.retail_prices import (
    RetailPricesDouble,
    RunningPrices,
    snapshot_items,
)

Serve = Callable[[RetailPricesDouble], RunningPrices]


def renamed(items: list[dict[str, Any]], every: int) -> list[dict[str, Any]]:
    """Every `every`-th item moved to the 2026 service name `Foundry Models`."""
    return [
        {**item, "serviceName": "Foundry Models"} if n % every == 0 else item
        for n, item in enumerate(items)
    ]


def other_products() -> list[dict[str, Any]]:
    """Items the services also list that are no model meters (shapes of real items)."""
    base = snapshot_items()[0]
    speech = {**base, "meterId": "speech-1", "productName": "Azure AI Speech",
              "meterName": "S1 Speech to Text Hours", "unitOfMeasure": "1 Hour"}  # fmt: skip
    compute = {**base, "meterId": "compute-1", "productName": "Managed Compute",
               "serviceName": "Foundry Models", "meterName": "NC24ads A100 v4 Hours"}  # fmt: skip
    deepseek = {**base, "meterId": "deepseek-1", "productName": "Azure Deepseek Models",
                "serviceName": "Foundry Models", "meterName": "R1 Inp glbl Tokens"}  # fmt: skip
    return [speech, compute, deepseek]


def fast_source(endpoint: str, **kwargs: Any) -> RetailPricesSource:
    return RetailPricesSource(endpoint, retry_backoff_seconds=0.01, **kwargs)


def by_identity(items: list[RetailPriceItem]) -> list[RetailPriceItem]:
    return sorted(items, key=repr)


def test_every_openai_item_of_both_service_names_is_fetched_across_pages(
    serve_prices: Serve,
) -> None:
    snapshot = renamed(snapshot_items(), every=3)
    items = snapshot + other_products()
    running = serve_prices(RetailPricesDouble(items, page_size=100))

    found = fast_source(running.endpoint).fetch()

    expected = [
        RetailPriceItem.from_json(i) for i in items if i["meterId"] not in {"speech-1", "compute-1"}
    ]
    assert by_identity(found) == by_identity(expected)
    assert sum(i.service_name == "Foundry Models" for i in found) == len(snapshot[::3]) + 1
    assert not {"speech-1", "compute-1"} & {i.meter_id for i in found}
    filters = {r.param("$filter") for r in running.double.page_requests()}
    assert filters == {"serviceName eq 'Cognitive Services'", "serviceName eq 'Foundry Models'"}
    assert {r.param("api-version") for r in running.double.page_requests()} == {
        "2023-01-01-preview"
    }
    gpt_4o = next(i for i in found if i.meter_id == "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5")
    assert gpt_4o.retail_price == Decimal("0.0025")


def test_pages_are_followed_by_next_page_link(serve_prices: Serve) -> None:
    items = snapshot_items()
    running = serve_prices(RetailPricesDouble(items, page_size=400))

    found = fast_source(running.endpoint, service_names=["Cognitive Services"]).fetch()

    assert len(found) == len(items)
    skips = [r.param("$skip") for r in running.double.page_requests()]
    assert skips == [None, "400", "800", "1200", "1600"]  # 1,710 items: the last page is short


def test_a_missing_next_page_link_on_a_full_page_falls_back_to_skip(serve_prices: Serve) -> None:
    items = snapshot_items()
    double = RetailPricesDouble(items, page_size=500, drop_next_link_on_full_pages=True)
    running = serve_prices(double)

    found = fast_source(running.endpoint, service_names=["Cognitive Services"]).fetch()

    assert by_identity(found) == by_identity(load_bundled_items())
    assert [r.param("$skip") for r in double.page_requests()] == [None, "500", "1000", "1500"]
    assert all(r.param("$filter") == "serviceName eq 'Cognitive Services'" for r in double.requests)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retried(serve_prices: Serve, status: int) -> None:
    double = RetailPricesDouble(snapshot_items(), fail_first_n=3, fail_status=status)
    running = serve_prices(double)
    sleeps: list[float] = []

    found = fast_source(
        running.endpoint, service_names=["Cognitive Services"], sleep=sleeps.append
    ).fetch()

    assert len(found) == len(snapshot_items())
    assert len(double.requests) == 3 + 2  # three failures, then both pages (1,710 items)
    assert sleeps == [0.0, 0.0, 0.0]  # the double's `Retry-After: 0`, not the backoff


def test_throttling_that_outlasts_the_retries_is_a_throttled_error(serve_prices: Serve) -> None:
    running = serve_prices(RetailPricesDouble(snapshot_items(), fail_first_n=100))

    with pytest.raises(ThrottledError, match=r"retail prices of 'Cognitive Services'.*HTTP 429"):
        fast_source(running.endpoint, retry_total=2).fetch()
    assert len(running.double.requests) == 3


def test_a_truncated_page_is_a_clear_error(serve_prices: Serve) -> None:
    running = serve_prices(RetailPricesDouble(snapshot_items(), page_size=500, truncate_page=2))

    with pytest.raises(SourceError, match=r"\$skip=500.*not JSON"):
        fast_source(running.endpoint).fetch()


def test_an_unreachable_endpoint_is_a_source_error() -> None:
    source = RetailPricesSource("https://127.0.0.1:9", retry_total=0)
    with pytest.raises(SourceError, match="retail prices of 'Cognitive Services'"):
        source.fetch()
