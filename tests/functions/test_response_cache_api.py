"""The kept answers of the published routes (shared/entrypoints/http/published_reads.py) through
the app, on the real table adapters over one in-memory gateway: a kept answer is byte for byte
what the same app without the cache answers (ETag included), a republished period or a new
collection stamp is never answered from the old entry, errors and no-data are the app's own,
the bound evicts, and concurrent requests (with a publisher racing them) each get the whole
answer of their own URL.

The November of tests/functions/test_unit_costs_api.py (billed 111.50); `reuse_ms=0` unless a
test says otherwise, so every request reads the live token.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message

from shared.adapters.storage.table_gateway import Entity, Versioned
from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.costs import CostType
from shared.core.inputs import InputScope, InputSource
from shared.core.inventory import InventorySnapshot
from shared.core.reports import Publication
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.parts import ApiParts
from shared.entrypoints.http.published_inputs import PublishedSources
from shared.entrypoints.http.response_cache import ResponseCache
from shared.services.economics import EconomicsService
from shared.services.provenance import ProvenanceService
from shared.services.series import SeriesService
from shared.services.views import ViewService
from tests.asgi import send
from tests.builders import (
    NOV,
    OTHER,
    TableStores,
    days,
    dep,
    line,
    month_of_lines,
    month_of_usage,
    use,
)
from tests.builders import publication as published
from tests.fakes import MemoryCallerUsage, MemoryOutcomes, MemoryTableGateway
from tests.functions.test_economics_api import CHAT, SOLO, TEST, TODAY, entry, push_use_case
from tests.unit.catalogue_double import GPT4O_IN

MINI = dep("mini", model="gpt-4o-mini", version="2024-07-18")
SNAPSHOT = InventorySnapshot.on(date(2026, 10, 1), (CHAT, TEST, SOLO, MINI))
Q = "period=2026-11&costType=actual"
PUBLISHED_PATHS = (
    f"/api/unit-costs?{Q}",
    f"/api/unit-costs?{Q}&limit=2",
    f"/api/unit-costs?{Q}&limit=1&account=acc",
    f"/api/unit-costs?{Q}&model=GPT-4O&code=a-function-key",
    f"/api/deployments/{SOLO.key}/unit-costs?{Q}",
    f"/api/deployments/{SOLO.key.upper()}/unit-costs?{Q}",
    f"/api/deployments/{CHAT.key}/unit-costs?period=2026-11",  # amortized: never published
    f"/api/reconciliation?{Q}",
    f"/api/daily?{Q}",
)
START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class LockedGateway(MemoryTableGateway):
    """The in-memory gateway, one call at a time (the publisher and the readers race)."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.RLock()
        self.gets = 0

    def get(self, table: str, pk: str, rk: str) -> Versioned | None:
        with self.lock:
            self.gets += 1
            return super().get(table, pk, rk)

    def query(self, table: str, pk_from: str, pk_to: str) -> list[Entity]:
        with self.lock:
            return super().query(table, pk_from, pk_to)

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        with self.lock:
            super().write(table, upserts, deletes)

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        with self.lock:
            return super().put_if(table, entity, etag)


def november(cost: str = "10.00", sequence: int = 1) -> Publication:
    """The month's publication, its acc lines at `cost` a meter-day (10.00: billed 111.50)."""
    lines = [
        *month_of_lines(cost=cost),
        line("m-unknown", "2.50"),
        *(line(GPT4O_IN.meter_id, "3.00", d, OTHER) for d in days(NOV, 3)),
    ]
    usage = [*month_of_usage(), *(use("solo", 100, 0, 1, d, OTHER) for d in days(NOV, 3))]
    return published(lines, usage, sequence, (SNAPSHOT,))


class Tenant:
    """The stores, the services over them, and two apps: with kept answers, and without."""

    def __init__(self, reuse_ms: int = 0, cache: ResponseCache | None = None) -> None:
        self.now = START
        self.gateway = LockedGateway()
        self.stores = TableStores(self.gateway, clock=lambda: self.now)
        self.stores.results.publish(november())
        self.first = self.stores.results.live_token(NOV, CostType.ACTUAL)
        self.stores.versions.collected([InputScope.of(InputSource.ACTUAL_COSTS, NOV)])
        self.use_cases = UseCaseTable(MemoryTableGateway())
        self.use_cases.put(push_use_case("support-bot", "support", entry(CHAT), entry(TEST, "a")))
        results = self.stores.results
        self.views = ViewService(results, lambda: TODAY, self.use_cases)
        economics = EconomicsService(
            results, self.stores.usage, MemoryCallerUsage(), MemoryOutcomes(), self.use_cases
        )
        series = SeriesService(results, self.stores.usage, economics, lambda: TODAY)
        provenance = ProvenanceService(results, self.stores.versions, lambda: TODAY)
        self.built: Counter[str] = Counter()  # route runs: a kept answer runs none
        self.during_route: Callable[[], None] | None = None  # called once, as a route starts
        self.parts = ApiParts(
            views=self._counted("views", lambda: self.views),
            series=self._counted("series", lambda: series),
            provenance=lambda: provenance,
        )
        self.sources = PublishedSources(results, self.stores.versions, lambda: TODAY, reuse_ms)
        self.cache = cache if cache is not None else ResponseCache()
        self.app = create_api(
            ApiParts(**{**self.parts.__dict__, "published": lambda: self.sources}), self.cache
        )
        self.plain = create_api(self.parts)

    def _counted(self, name: str, made: Callable[[], Any]) -> Callable[[], Any]:
        def factory() -> Any:
            self.built[name] += 1
            hook, self.during_route = self.during_route, None
            if hook is not None:
                hook()
            return made()

        return factory

    def publish(self, cost: str, sequence: int) -> None:
        self.now += timedelta(minutes=1)
        self.stores.results.publish(november(cost, sequence))

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return send(self.app, "GET", path, **kw)

    def uncached(self, path: str, **kw: Any) -> httpx.Response:
        return send(self.plain, "GET", path, **kw)


def same(kept: httpx.Response, fresh: httpx.Response) -> None:
    """Two answers alike: status, body bytes and the headers a client reads."""
    assert (kept.status_code, kept.content) == (fresh.status_code, fresh.content), kept.text
    for name in ("etag", "cache-control", "content-type", "content-length"):
        assert kept.headers.get(name) == fresh.headers.get(name), name


@pytest.fixture
def tenant() -> Tenant:
    return Tenant()


# --- kept answers are the app's answers -----------------------------------------------------------


def test_a_kept_answer_is_byte_for_byte_the_uncached_apps(tenant: Tenant) -> None:
    for path in PUBLISHED_PATHS:
        first, again = tenant.get(path), tenant.get(path)
        same(first, tenant.uncached(path))
        same(again, tenant.uncached(path))
    assert len(tenant.cache) == len(PUBLISHED_PATHS) - 1  # the amortized 404 is not kept
    runs = sum(tenant.built.values())
    for path in PUBLISHED_PATHS:
        tenant.get(path)
    assert sum(tenant.built.values()) == runs + 1  # only the 404 ran its route again


def test_a_kept_list_pages_on_with_its_own_next_link(tenant: Tenant) -> None:
    first = tenant.get(f"/api/unit-costs?{Q}&limit=2&code=k1").json()
    assert "code=" not in first["nextLink"]
    again = tenant.get(f"/api/unit-costs?code=k2&{Q}&limit=2").json()  # another key, same list
    assert again == first
    second = tenant.get(first["nextLink"].removeprefix("http://api")).json()
    assert second["nextLink"] is None
    keys = [d["key"] for page in (first, second) for d in page["deployments"]]
    assert keys == sorted([CHAT.key, TEST.key, MINI.key, SOLO.key])
    other_host = send(tenant.app, "GET", f"/api/unit-costs?{Q}&limit=2", headers={"host": "h2"})
    assert other_host.json()["nextLink"].startswith("http://h2/")  # not the first host's entry


def test_a_kept_answer_is_revalidated_by_its_etag(tenant: Tenant) -> None:
    path = f"/api/deployments/{SOLO.key}/unit-costs?{Q}"
    tag = tenant.get(path).headers["etag"]
    assert tag == tenant.uncached(path).headers["etag"]
    runs = sum(tenant.built.values())
    revalidated = tenant.get(path, headers={"If-None-Match": tag})
    assert (revalidated.status_code, revalidated.content) == (304, b"")
    assert revalidated.headers["etag"] == tag and "content-length" not in revalidated.headers
    other = tenant.get(path, headers={"If-None-Match": '"another"'})
    assert other.status_code == 200 and other.json()["cost"] == 9.0
    assert sum(tenant.built.values()) == runs  # both answered from the kept entry
    # a first request that names the tag gets its 304 from a miss too
    fresh = Tenant()
    assert fresh.get(path, headers={"If-None-Match": tag}).status_code == 304
    assert fresh.get(path).content == tenant.uncached(path).content


# --- never an old answer for new inputs ----------------------------------------------------------


def test_a_republished_period_is_answered_with_its_new_numbers(tenant: Tenant) -> None:
    path, one = f"/api/unit-costs?{Q}", f"/api/deployments/{CHAT.key}/unit-costs?{Q}"
    before, chat = tenant.get(path).json(), tenant.get(one).json()
    assert (before["billedCost"], chat["cost"]) == (111.5, 33.33)
    tenant.publish("20.00", 2)  # acc's lines doubled
    after = tenant.get(path)
    same(after, tenant.uncached(path))
    assert after.json()["billedCost"] == 211.5
    assert tenant.get(one).json()["cost"] == 66.67
    assert tenant.get(f"/api/daily?{Q}").json()["billedCost"] == 211.5
    tenant.publish("10.00", 3)  # back to the first numbers, as a new publication
    assert tenant.get(path).json()["billedCost"] == 111.5
    assert (
        tenant.get(path).json()["provenance"]["publishedAt"] != before["provenance"]["publishedAt"]
    )


def test_an_answer_built_while_the_period_was_republished_is_not_kept(tenant: Tenant) -> None:
    path = f"/api/unit-costs?{Q}"
    tenant.during_route = lambda: tenant.publish("20.00", 2)  # moves while the route builds
    assert tenant.get(path).json()["billedCost"] == 211.5  # what the route read
    assert len(tenant.cache) == 0  # its inputs moved meanwhile: not kept under the old ones
    again = tenant.get(path)
    same(again, tenant.uncached(path))
    assert len(tenant.cache) == 1


def test_a_new_collection_stamp_is_shown_at_once(tenant: Tenant) -> None:
    path = f"/api/unit-costs?{Q}"

    def stamps() -> dict[str, str | None]:
        sources = tenant.get(path).json()["provenance"]["sources"]
        return {s["source"]: s["lastCollectedAt"] for s in sources}

    assert stamps()["usage"] is None
    tenant.now += timedelta(hours=1)
    tenant.stores.versions.collected([InputScope.of(InputSource.USAGE, NOV)])
    assert stamps()["usage"] == "2026-11-20T13:00:00Z"
    same(tenant.get(path), tenant.uncached(path))
    tenant.stores.versions.collected([InputScope.of(InputSource.USAGE, NOV.next())])
    runs = tenant.built["views"]
    assert stamps()["usage"] == "2026-11-20T13:00:00Z"  # another period's: still kept
    assert tenant.built["views"] == runs


def test_within_the_reuse_window_a_reader_gets_the_whole_previous_answer() -> None:
    tenant = Tenant(reuse_ms=60_000)
    path = f"/api/unit-costs?{Q}"
    before = tenant.get(path)
    tenant.publish("20.00", 2)
    runs = tenant.built["views"]
    assert tenant.get(path).content == before.content  # the previous publication, whole
    assert tenant.built["views"] == runs
    other_clock = PublishedSources(tenant.stores.results, tenant.stores.versions, lambda: TODAY)
    tenant.sources = other_clock  # sources that differ start afresh
    assert tenant.get(path).json()["billedCost"] == 211.5


def test_the_day_is_an_input(tenant: Tenant) -> None:
    path = f"/api/reconciliation?{Q}"
    today = [TODAY]

    def clock() -> date:
        return today[0]

    tenant.views = ViewService(tenant.stores.results, clock)
    tenant.sources = PublishedSources(tenant.stores.results, tenant.stores.versions, clock, 0)
    assert tenant.get(path).json()["status"] == "open"
    runs = tenant.built["views"]
    assert tenant.get(path).json()["status"] == "open"
    assert tenant.built["views"] == runs  # kept for the day
    today[0] = date(2026, 12, 7)  # the period has closed
    assert tenant.get(path).json()["status"] == "closed"


# --- errors and no data are the app's -----------------------------------------------------------


def test_no_data_and_404s_are_answered_by_the_app_and_not_kept(tenant: Tenant) -> None:
    never = "/api/unit-costs?period=2026-10&costType=actual"
    missing = f"/api/deployments/nowhere/unit-costs?{Q}"
    for path in (never, missing, never, missing):
        response = tenant.get(path)
        same(response, tenant.uncached(path))
        assert response.status_code == 404
    assert tenant.get(missing).json()["field"] == "deployment"
    twice = (f"/api/unit-costs?{Q}&period=2026-10", f"/api/unit-costs?{Q}&costType=actual")
    for bad in ("/api/unit-costs?period=2026-13", f"/api/unit-costs?{Q}&limit=0", *twice):
        response = tenant.get(bad)
        same(response, tenant.uncached(bad))
    assert len(tenant.cache) == 0
    tenant.stores.results.publish_no_data(NOV, CostType.ACTUAL, "no ActualCost lines", 5)
    gone = tenant.get(f"/api/unit-costs?{Q}")
    assert gone.status_code == 404 and "no ActualCost lines" in gone.json()["detail"]
    tenant.publish("10.00", 6)
    assert tenant.get(f"/api/unit-costs?{Q}").json()["billedCost"] == 111.5


def test_a_list_filtered_by_use_case_or_owner_is_never_kept(tenant: Tenant) -> None:
    path = f"/api/unit-costs?{Q}&useCase=support-bot"
    assert [d["key"] for d in tenant.get(path).json()["deployments"]] == [CHAT.key, TEST.key]
    tenant.use_cases.put(push_use_case("support-bot", "support", entry(SOLO)))
    assert [d["key"] for d in tenant.get(path).json()["deployments"]] == [SOLO.key]
    owned = tenant.get(f"/api/unit-costs?{Q}&owner=support")
    assert [d["key"] for d in owned.json()["deployments"]] == [SOLO.key]
    assert len(tenant.cache) == 0


# --- bounds, stores, concurrency ----------------------------------------------------------------


def test_the_bound_evicts_the_least_recently_used() -> None:
    tenant = Tenant(cache=ResponseCache(max_entries=2))
    a, b, c = (f"/api/deployments/{d.key}/unit-costs?{Q}" for d in (CHAT, TEST, SOLO))
    for path in (a, b, a, c):  # b is the least recently used when c comes
        tenant.get(path)
    assert len(tenant.cache) == 2
    runs = tenant.built["views"]
    tenant.get(a)
    tenant.get(c)
    assert tenant.built["views"] == runs  # kept
    tenant.get(b)
    assert tenant.built["views"] == runs + 1  # evicted: built again
    small = Tenant(cache=ResponseCache(max_bytes=4 * 1024))  # a list is over a quarter of it
    small.get(f"/api/unit-costs?{Q}")
    assert len(small.cache) == 0 and small.cache.kept_bytes == 0


def test_other_stores_start_afresh(tenant: Tenant) -> None:
    path = f"/api/unit-costs?{Q}"
    tenant.get(path)
    assert len(tenant.cache) == 1
    other = TableStores(MemoryTableGateway())
    other.results.publish(november("20.00"))
    tenant.views = ViewService(other.results, lambda: TODAY)
    tenant.sources = PublishedSources(other.results, None, lambda: TODAY, 60_000)
    assert tenant.get(path).status_code == 200  # provenance but no stamps: nothing kept
    assert len(tenant.cache) == 0
    tenant.sources = PublishedSources(other.results, other.versions, lambda: TODAY, 60_000)
    assert tenant.get(path).json()["billedCost"] == 211.5
    assert len(tenant.cache) == 1


def concurrently(app: FastAPI, paths: Sequence[str]) -> list[httpx.Response]:
    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return list(await asyncio.gather(*(client.get(p) for p in paths)))

    return asyncio.run(go())


def test_concurrent_requests_each_get_their_own_urls_answer(tenant: Tenant) -> None:
    paths = [p for p in PUBLISHED_PATHS for _ in range(8)]
    expected = {p: tenant.uncached(p) for p in PUBLISHED_PATHS}
    for response, path in zip(concurrently(tenant.app, paths), paths, strict=True):
        same(response, expected[path])
    runs = tenant.built["views"]
    again = concurrently(tenant.app, paths)
    assert [r.content for r in again] == [expected[p].content for p in paths]
    assert tenant.built["views"] == runs + 8  # only the amortized 404s ran again


@pytest.fixture
def publishing(tenant: Tenant) -> Iterator[Callable[[], None]]:
    """A thread republishing the period (two sets of numbers in turn) until stopped."""
    stop = threading.Event()

    def run() -> None:
        sequence = 2
        while not stop.wait(0.005):
            tenant.publish("20.00" if sequence % 2 == 0 else "10.00", sequence)
            sequence += 1

    thread = threading.Thread(target=run)
    thread.start()

    def stopped() -> None:
        stop.set()
        thread.join(30)
        assert not thread.is_alive()

    yield stopped
    stopped()


def test_a_publisher_racing_the_readers_never_mixes_two_publications(
    tenant: Tenant, publishing: Callable[[], None]
) -> None:
    path, one = f"/api/unit-costs?{Q}", f"/api/deployments/{CHAT.key}/unit-costs?{Q}"
    seen: set[tuple[float, float]] = set()
    costs: set[float] = set()
    for _ in range(6):
        for r in concurrently(tenant.app, [path] * 10):
            assert r.status_code == 200, r.text
            body = r.json()
            chat = next(d["cost"] for d in body["deployments"] if d["key"] == CHAT.key)
            seen.add((body["billedCost"], chat))
        for r in concurrently(tenant.app, [one] * 10):
            assert r.status_code == 200, r.text
            costs.add(r.json()["cost"])
    assert seen <= {(111.5, 33.33), (211.5, 66.67)}  # one whole publication or the other
    assert costs <= {33.33, 66.67}
    assert tenant.stores.results.live_token(NOV, CostType.ACTUAL) != tenant.first
    publishing()
    tenant.publish("20.00", 10_000)
    settled = tenant.get(path)
    same(settled, tenant.uncached(path))
    assert settled.json()["billedCost"] == 211.5


def test_a_server_given_as_a_list_is_kept_too(tenant: Tenant) -> None:
    path = f"/api/deployments/{SOLO.key}/unit-costs"

    async def call() -> list[Message]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": Q.encode(), "root_path": "", "server": ["api", 80],
                 "headers": [(b"host", b"api")], "client": ["127.0.0.1", 1]}  # fmt: skip
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def collect(message: Message) -> None:
            sent.append(message)

        await tenant.app(scope, receive, collect)
        return sent

    first, again = asyncio.run(call()), asyncio.run(call())
    assert first[0]["status"] == again[0]["status"] == 200
    assert first[1]["body"] == again[1]["body"] == tenant.uncached(f"{path}?{Q}").content
    assert len(tenant.cache) == 1
