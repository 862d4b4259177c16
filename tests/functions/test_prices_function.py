"""The `refresh_prices` timer: binding metadata, and a run through the azure-functions objects."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme
from azure.functions.timer import TimerRequest

from functions import composition
from shared.adapters.storage.catalogue_source import StoredCatalogue
from shared.errors import SourceError
from tests.doubles.retail_prices import (
    RetailPricesDouble,
    RunningPrices,
    prices_server,
    snapshot_items,
)

# The app is indexed once per process (a second get_functions() reports duplicate names).
from tests.functions.test_functions import registered, trigger_of

NEW_METER = "0f0e0d0c-0000-5000-8000-000000000002"
GPT_4O_1120_INPUT_EASTUS2 = "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5"


@pytest.fixture
def serve_prices(
    azure_tls: tuple[trustme.CA, trustme.LeafCert],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    storage_env: dict[str, str],
) -> Iterator[Callable[[RetailPricesDouble], RunningPrices]]:
    """Start a double and point RETAIL_PRICES_ENDPOINT (and a clean Azurite) at it."""
    del storage_env  # requested for its side effect: AzureWebJobsStorage on a clean Azurite
    with prices_server(azure_tls, tmp_path, monkeypatch) as start:

        def serve(double: RetailPricesDouble) -> RunningPrices:
            running = start(double)
            monkeypatch.setenv("RETAIL_PRICES_ENDPOINT", running.endpoint)
            composition.reset()
            return running

        yield serve
    composition.reset()


def test_the_timer_takes_its_schedule_from_prices_schedule() -> None:
    trigger = trigger_of("refresh_prices")
    assert trigger["type"] == "timerTrigger"
    assert trigger["schedule"] == "%PRICES_SCHEDULE%"
    assert trigger["useMonitor"] is True


def test_the_timer_refreshes_the_stored_catalogue_that_allocation_then_uses(
    serve_prices: Callable[[RetailPricesDouble], RunningPrices],
) -> None:
    gpt_4o = next(i for i in snapshot_items() if i["meterId"] == GPT_4O_1120_INPUT_EASTUS2)
    running = serve_prices(
        RetailPricesDouble([*snapshot_items(), {**gpt_4o, "meterId": NEW_METER}])
    )

    registered("refresh_prices").get_user_function()(TimerRequest(past_due=False))

    assert running.double.page_requests()
    marker = composition.container().stores.prices.marker()
    assert marker is not None and marker.items == len(snapshot_items()) + 1
    catalogue = composition.container().allocation.catalogue
    assert isinstance(catalogue, StoredCatalogue)
    assert catalogue.current().classify(NEW_METER, "") is not None


def test_a_failed_refresh_raises_for_the_host_to_record(
    serve_prices: Callable[[RetailPricesDouble], RunningPrices],
) -> None:
    serve_prices(RetailPricesDouble([]))
    with pytest.raises(SourceError, match="no items"):
        registered("refresh_prices").get_user_function()(TimerRequest(past_due=False))
    assert composition.container().stores.prices.items() == []
