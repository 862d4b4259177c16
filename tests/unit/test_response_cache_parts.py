"""The parts of the published routes' cache on their own: coalesced reads (one in flight per key,
reuse within the window by the read's start, `fresh` never older than its call, failures never
kept) and the bounded store of answers (entries and bytes, least recently used out first)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.entrypoints.http.coalesced import Coalesced
from shared.entrypoints.http.response_cache import CachedResponse, ResponseCache
from shared.errors import StorageUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Reads:
    """A blocking read that counts its calls, answers `key@n` (n: the call's number), and waits
    for `gate` when it is closed."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.gate = threading.Event()
        self.gate.set()
        self.failing = False
        self.lock = threading.Lock()

    def __call__(self, key: str) -> str:
        with self.lock:
            self.calls[key] += 1
            n = self.calls[key]
        assert self.gate.wait(10)
        if self.failing:
            raise StorageUnavailable(key, "refused")
        return f"{key}@{n}"


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as executor:
        yield executor


def made(
    pool: ThreadPoolExecutor, clock: Clock | None = None, keys: int = 1024
) -> tuple[Coalesced[str, str], Reads]:
    reads = Reads()
    return Coalesced(reads, pool, clock or Clock(), keys), reads


def test_concurrent_asks_share_one_read_per_key(pool: ThreadPoolExecutor) -> None:
    coalesced, reads = made(pool)
    reads.gate.clear()

    async def go() -> list[str]:
        asks = [coalesced.get(k, 0.0) for k in ("a", "b") * 20]
        gathered = asyncio.gather(*asks)
        await asyncio.sleep(0.05)  # every ask is waiting on its key's read
        reads.gate.set()
        return list(await gathered)

    assert asyncio.run(go()) == ["a@1", "b@1"] * 20
    assert reads.calls == {"a": 1, "b": 1}


def test_a_value_is_reused_only_within_the_window_from_its_reads_start(
    pool: ThreadPoolExecutor,
) -> None:
    clock = Clock()
    coalesced, reads = made(pool, clock)
    assert asyncio.run(coalesced.get("a", 1.0)) == "a@1"
    clock.now += 0.999
    assert asyncio.run(coalesced.get("a", 1.0)) == "a@1"
    assert coalesced.recent("a", 1.0) is not None and coalesced.recent("a", 0.5) is None
    clock.now += 0.001
    assert asyncio.run(coalesced.get("a", 1.0)) == "a@2"
    assert asyncio.run(coalesced.get("a", 0.0)) == "a@3"  # no window: every ask reads
    assert reads.calls["a"] == 3


def test_fresh_never_joins_a_read_begun_before_it(pool: ThreadPoolExecutor) -> None:
    clock = Clock()
    coalesced, reads = made(pool, clock)
    reads.gate.clear()

    async def go() -> tuple[str, str, str]:
        early = asyncio.ensure_future(coalesced.get("a", 10.0))
        await asyncio.sleep(0.05)
        clock.now += 1
        late = asyncio.ensure_future(coalesced.fresh("a"))
        joined = asyncio.ensure_future(coalesced.fresh("a"))  # begun at the same moment: joins
        await asyncio.sleep(0.05)
        reads.gate.set()
        return await early, await late, await joined

    assert asyncio.run(go()) == ("a@1", "a@2", "a@2")
    assert reads.calls["a"] == 2
    assert asyncio.run(coalesced.get("a", 10.0)) == "a@2"  # the later read is the one kept


def test_a_failed_read_reaches_every_asker_and_is_not_kept(pool: ThreadPoolExecutor) -> None:
    coalesced, reads = made(pool)
    reads.failing = True
    reads.gate.clear()

    async def go() -> list[BaseException | str]:
        asks = asyncio.gather(*(coalesced.get("a", 60.0) for _ in range(5)), return_exceptions=True)
        await asyncio.sleep(0.05)
        reads.gate.set()
        return list(await asks)

    assert all(isinstance(r, StorageUnavailable) for r in asyncio.run(go()))
    assert reads.calls["a"] == 1 and coalesced.recent("a", 60.0) is None
    reads.failing = False
    assert asyncio.run(coalesced.get("a", 60.0)) == "a@2"  # read again, not the failure
    assert coalesced.recent("a", 60.0) is not None


def test_the_values_kept_are_bounded(pool: ThreadPoolExecutor) -> None:
    coalesced, _ = made(pool, keys=2)
    for key in ("a", "b", "c"):
        asyncio.run(coalesced.get(key, 60.0))
    assert coalesced.recent("a", 60.0) is None  # the oldest read went first
    assert coalesced.recent("b", 60.0) is not None and coalesced.recent("c", 60.0) is not None


def answer(size: int, tag: str = '"t"') -> CachedResponse:
    return CachedResponse(((b"etag", tag.encode()),), b"x" * size, tag)


def test_the_store_evicts_by_entries_and_by_bytes_least_recently_used_first() -> None:
    one = answer(1000)
    cache = ResponseCache(max_bytes=4 * one.size, max_entries=3)
    for key in "abc":
        assert cache.put(key, one)
    assert cache.get("a") is one  # b is now the least recently used
    cache.put("d", one)
    assert (len(cache), cache.get("b")) == (3, None)
    assert cache.kept_bytes == 3 * one.size
    bytes_bound = ResponseCache(max_bytes=4 * one.size + 10, max_entries=100)  # 4 of them
    for key in "abcde":
        assert bytes_bound.put(key, one)
    assert len(bytes_bound) == 4 and bytes_bound.get("a") is None
    assert bytes_bound.kept_bytes <= bytes_bound.max_bytes


def test_an_answer_over_a_quarter_of_the_bound_is_not_kept_a_replaced_one_counted_once() -> None:
    cache = ResponseCache(max_bytes=8000)
    assert not cache.put("huge", answer(2001))
    assert len(cache) == 0 and cache.kept_bytes == 0
    assert cache.put("k", answer(100)) and cache.put("k", answer(300, '"u"'))
    assert (len(cache), cache.kept_bytes) == (1, answer(300, '"u"').size)
    found = cache.get("k")
    assert found is not None and found.tag == '"u"' and found.start()["status"] == 200
    cache.clear()
    assert (len(cache), cache.kept_bytes, cache.get("k")) == (0, 0, None)
