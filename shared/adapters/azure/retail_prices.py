"""Azure OpenAI meters from the Azure Retail Prices API (`{endpoint}/api/retail/prices`).

The API is unauthenticated and read through an azure-core `PipelineClient` whose
`SourceRetryPolicy` (shared/adapters/azure/calls.py) retries 408, 429, 500, 502, 503 and 504,
honouring `Retry-After`. Azure OpenAI is listed under the service `Cognitive Services` (until
2025) and `Foundry Models` (2026): each is queried with its own `$filter`, and the products kept
are chosen here (`is_wanted_product`), because the API filters only with `eq`. Pages follow
`NextPageLink`; when it is empty on a full page (the 2023-03-10 incident) the next page is asked
for with `$skip`. Bodies are read with `parse_float=Decimal`. The whole catalogue is fetched
before anything is returned: any failure raises `SourceError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from azure.core import PipelineClient
from azure.core.pipeline.policies import HeadersPolicy, HttpLoggingPolicy, UserAgentPolicy
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest, HttpResponse

from shared.adapters.azure.calls import (
    TRANSIENT_STATUSES,
    CallOptions,
    RetryRules,
    mapped,
    read_json,
    send,
)
from shared.core.catalogue import RetailPriceItem
from shared.core.model_families import is_model_product, normalise_product_name
from shared.core.service_names import AI_SERVICE_NAMES
from shared.errors import ConfigurationError, SourceError

API_VERSION = "2023-01-01-preview"
PRICES_PATH = "/api/retail/prices"
# Azure OpenAI moved from "Cognitive Services" to "Foundry Models": ask for both.
SERVICE_NAMES: tuple[str, ...] = AI_SERVICE_NAMES
# Non-model products billed on the same accounts, kept so their meters are known by id.
ACCOUNT_PRODUCTS: frozenset[str] = frozenset({"azure ai content safety"})
DEFAULT_RETRY_TOTAL = 6
DEFAULT_RETRY_BACKOFF_SECONDS = 0.8
DEFAULT_MAX_PAGES = 1000
# Transient statuses, waited as `Retry-After` asks, else the backoff doubling up to 60 s.
RETRY = RetryRules(
    TRANSIENT_STATUSES,
    max_attempts=DEFAULT_RETRY_TOTAL + 1,
    first_wait_seconds=DEFAULT_RETRY_BACKOFF_SECONDS,
    max_backoff_seconds=60.0,
)


def is_wanted_product(product_name: str) -> bool:
    """Model products (shared/core/model_families.py: Azure OpenAI, the PTU reservation, other
    model families and vendors' models) and the account products (content safety)."""
    return (
        is_model_product(product_name) or normalise_product_name(product_name) in ACCOUNT_PRODUCTS
    )


def service_filter(service_name: str) -> str:
    """The OData filter of one service (values are case-sensitive in 2023-01-01-preview)."""
    return "serviceName eq '{}'".format(service_name.replace("'", "''"))


def prices_url(endpoint: str, service_name: str) -> str:
    """The first page of one service's items."""
    query = {"api-version": API_VERSION, "$filter": service_filter(service_name)}
    return f"{endpoint.rstrip('/')}{PRICES_PATH}?{_encode(query)}"


def with_skip(url: str, skip: int) -> str:
    """`url` with its `$skip` parameter set to `skip` (added when absent)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "$skip"]
    query.append(("$skip", str(skip)))
    return urlunsplit(parts._replace(query=_encode(dict(query))))


def _encode(query: dict[str, str]) -> str:
    return urlencode(query, quote_via=quote, safe="$'")


@dataclass(frozen=True)
class PricesPage:
    """One page of the API: its raw items and the link to the next page ("" at the end)."""

    items: tuple[dict[str, Any], ...]
    next_link: str


def parse_page(text: str, where: str) -> PricesPage:
    """A page from its body: `{BillingCurrency, ..., Items, NextPageLink, Count}`."""
    body = read_json(text, where, exact=True)
    if not isinstance(body, dict):
        raise SourceError(f"{where}: response is not a JSON object")
    items = body.get("Items")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise SourceError(f"{where}: `Items` is not a list of objects")
    link = body.get("NextPageLink")
    if link is not None and not isinstance(link, str):
        raise SourceError(f"{where}: `NextPageLink` is not a string")
    if link and urlsplit(link).scheme != "https":
        raise SourceError(f"{where}: refusing a non-https NextPageLink")
    return PricesPage(tuple(items), link or "")


def walk_pages(
    first_url: str, get_page: Callable[[str], PricesPage], max_pages: int = DEFAULT_MAX_PAGES
) -> Iterator[PricesPage]:
    """Every page from `first_url`: follow `NextPageLink`; without one, a page that holds as many
    items as the largest page seen so far may not be the last, so ask again with `$skip`."""
    url, offset, largest, pages = first_url, 0, 0, 0
    followed: set[str] = set()
    while url:
        if url in followed:
            raise SourceError(f"retail prices: the page link repeats itself ({url})")
        if pages == max_pages:
            raise SourceError(f"retail prices: more than {max_pages} pages from {first_url}")
        followed.add(url)
        page = get_page(url)
        pages += 1
        yield page
        count = len(page.items)
        offset += count
        largest = max(largest, count)
        if page.next_link:
            url = page.next_link
        elif count and count == largest:
            url = with_skip(first_url, offset)
        else:
            url = ""


def wanted_items(page: PricesPage, where: str) -> list[RetailPriceItem]:
    """The page's items of the wanted products, parsed; a malformed one fails the page."""
    found: list[RetailPriceItem] = []
    for index, raw in enumerate(page.items):
        if not is_wanted_product(str(raw.get("productName") or "")):
            continue
        with mapped(f"{where}, item {index}"):
            found.append(RetailPriceItem.from_json(raw))
    return found


class RetailPricesSource:
    """Every wanted item of the Retail Prices API at `endpoint`, all of it or a `SourceError`."""

    def __init__(
        self,
        endpoint: str,
        *,
        service_names: Sequence[str] = SERVICE_NAMES,
        retry_total: int = DEFAULT_RETRY_TOTAL,
        retry_backoff_seconds: float = DEFAULT_RETRY_BACKOFF_SECONDS,
        max_pages: int = DEFAULT_MAX_PAGES,
        sleep: Callable[[float], None] = time.sleep,
        transport: HttpTransport[HttpRequest, HttpResponse] | None = None,
    ) -> None:
        if max_pages < 1:
            raise ConfigurationError("max_pages", f"must be at least 1, not {max_pages}")
        if retry_total < 0:
            raise ConfigurationError("retry_total", f"must be at least 0, not {retry_total}")
        rules = replace(
            RETRY, max_attempts=retry_total + 1, first_wait_seconds=retry_backoff_seconds
        )
        self._calls = CallOptions(rules, sleep, transport)
        self._endpoint = endpoint.rstrip("/")
        self._service_names = tuple(service_names)
        self._max_pages = max_pages

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def fetch(self) -> list[RetailPriceItem]:
        """The wanted items of every service name, in API order."""
        items: list[RetailPriceItem] = []
        policies = [
            HeadersPolicy({"Accept": "application/json"}),
            UserAgentPolicy(sdk_moniker="aoai-finops-retail-prices"),
            self._calls.retry_policy(),
            HttpLoggingPolicy(),
        ]
        client: PipelineClient[HttpRequest, HttpResponse] = PipelineClient(
            self._endpoint, policies=policies, transport=self._calls.transport
        )
        with client:
            for service in self._service_names:

                def get(url: str, service: str = service) -> PricesPage:
                    return self._get(client, url, service)

                pages = walk_pages(prices_url(self._endpoint, service), get, self._max_pages)
                for number, page in enumerate(pages, start=1):
                    items.extend(wanted_items(page, f"retail prices of {service!r}, page {number}"))
        return items

    def _get(
        self, client: PipelineClient[HttpRequest, HttpResponse], url: str, service: str
    ) -> PricesPage:
        where = f"retail prices of {service!r} ({_path_and_skip(url)})"
        return parse_page(send(client, HttpRequest("GET", url), where).text(), where)


def _path_and_skip(url: str) -> str:
    parts = urlsplit(url)
    skip = dict(parse_qsl(parts.query)).get("$skip")
    return parts.path + (f" $skip={skip}" if skip else "")
