"""The Azure Retail Prices API (`GET /api/retail/prices`) served over HTTPS on loopback.

Pages carry the real envelope (`BillingCurrency, CustomerEntityId, CustomerEntityType, Items,
NextPageLink, Count`, Microsoft Q&A 348412) and real items (the snapshot saved from the API in
`shared/data/retail_prices/`). `$filter` takes `field eq 'value'` clauses joined by `and`, values
case-sensitive as in 2023-01-01-preview; pages are `$skip`-based, like the real NextPageLink.
Knobs: page size, the 2023-03-10 incident (no NextPageLink on full pages), the first N requests
failing (429/5xx), a permanent 500 after some pages, a truncated body, and `faults`
(tests/doubles/faults.py: a share of the requests answered 429 or 503, or dropped; endpoint
`prices`).
"""

from __future__ import annotations

import json
import re
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import trustme

from tests.doubles.faults import Faults, faulted
from tests.doubles.server import HttpsDoubleServer, RecordedRequest, Reply

SNAPSHOT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "retail_prices"
PRICES_PATH = "/api/retail/prices"
_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$")
_PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def snapshot_items(pattern: str = "*.ndjson") -> list[dict[str, Any]]:
    """The saved API items (numbers as Decimal, so they are served with all of their digits)."""
    items: list[dict[str, Any]] = []
    for file in sorted(SNAPSHOT_DIR.glob(pattern)):
        with file.open(encoding="utf-8") as lines:
            items.extend(json.loads(line, parse_float=Decimal) for line in lines if line.strip())
    return items


def parse_filter(text: str) -> list[tuple[str, str]]:
    """`a eq 'x' and b eq 'y'` -> [(a, x), (b, y)]; ValueError for anything else."""
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip()):
        found = _CLAUSE.match(part)
        if found is None:
            raise ValueError(f"unsupported filter clause {part!r}")
        clauses.append((found.group(1), found.group(2).replace("''", "'")))
    return clauses


@dataclass
class RetailPricesDouble:
    """The API over `items`; every request is recorded in `requests`, in arrival order."""

    items: Sequence[dict[str, Any]]
    page_size: int = 1000
    drop_next_link_on_full_pages: bool = False
    fail_first_n: int = 0
    fail_status: int = 429
    retry_after: str | None = "0"
    fail_after_pages: int | None = None
    truncate_page: int | None = None
    base_url: str = ""
    faults: Faults = field(default_factory=Faults)
    requests: list[RecordedRequest] = field(default_factory=list)
    pages_served: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def handle(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            number = len(self.requests)
        if (kind := self.faults.draw("prices", request)) is not None:
            return faulted(kind, "prices")
        if request.method != "GET" or request.path != PRICES_PATH:
            return _error(404, "NotFound", f"{request.method} {request.path}")
        if number <= self.fail_first_n:
            return self._failure(self.fail_status)
        if self.fail_after_pages is not None and self.pages_served >= self.fail_after_pages:
            return self._failure(500)
        try:
            clauses = parse_filter(request.param("$filter") or "")
            skip = int(request.param("$skip") or "0")
        except ValueError as err:
            return _error(400, "BadRequest", str(err))
        selected = [i for i in self.items if all(str(i.get(k)) == v for k, v in clauses)]
        page = selected[skip : skip + self.page_size]
        more = skip + len(page) < len(selected)
        dropped = self.drop_next_link_on_full_pages and len(page) == self.page_size
        link = self._link(request, skip + len(page)) if more and not dropped else None
        with self._lock:
            self.pages_served += 1
            served = self.pages_served
        reply = Reply.json(200, _envelope(page, link))
        if served == self.truncate_page:
            return Reply(200, reply.body[: len(reply.body) // 2], reply.headers)
        return reply

    def page_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == PRICES_PATH]

    def _link(self, request: RecordedRequest, skip: int) -> str:
        query = {"api-version": request.param("api-version") or "", "$skip": str(skip)}
        if request.param("$filter"):
            query["$filter"] = request.param("$filter") or ""
        return f"{self.base_url}{PRICES_PATH}?{urlencode(query, quote_via=quote, safe='$')}"

    def _failure(self, status: int) -> Reply:
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        return _error(status, "TooManyRequests" if status == 429 else "ServerError", "", headers)


def _envelope(items: list[dict[str, Any]], link: str | None) -> dict[str, Any]:
    return {
        "BillingCurrency": "USD",
        "CustomerEntityId": "Default",
        "CustomerEntityType": "Retail",
        "Items": items,
        "NextPageLink": link,
        "Count": len(items),
    }


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply.json(status, {"error": {"code": code, "message": message}}, headers)


@dataclass(frozen=True)
class RunningPrices:
    double: RetailPricesDouble
    endpoint: str


@contextmanager
def prices_server(
    tls: tuple[trustme.CA, trustme.LeafCert], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[RetailPricesDouble], RunningPrices]]:
    """A starter of doubles on https://127.0.0.1:<port>, trusted through REQUESTS_CA_BUNDLE and
    SSL_CERT_FILE (no proxies); every server started is stopped on exit."""
    ca, leaf = tls
    ca_path = tmp_path / "retail-prices-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    for name in _PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_path))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_path))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    servers: list[HttpsDoubleServer] = []

    def start(double: RetailPricesDouble) -> RunningPrices:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(context)
        server = HttpsDoubleServer(double.handle, context)
        double.base_url = server.base_url
        server.start()
        servers.append(server)
        return RunningPrices(double, server.base_url)

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
