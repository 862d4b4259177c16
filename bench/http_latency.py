"""Benchmark (d) of issue 14: HTTP p50/p99 of a period's list (`/api/unit-costs?period=...`) and
of one deployment (`/api/deployments/{key}/unit-costs?period=...`) at 100 concurrent clients,
against a raw partition scan and a raw point read of the same data (the published unit costs of
the period's live generation) with azure-data-tables, at the same concurrency, side by side in
one run against the same Azurite.

Two tenants: the demo's (bench/served.py: its pipeline, as `make demo`), and a generated one of
1,000 deployments over 31 days (bench/tenant.py), allocated with `allocate_period` and published
into Azurite through the project's `AllocationTables` (its ActualCost basis only, so the routes
are asked for `costType=actual`). The HTTP side is `python -m shared.cli serve` on loopback, the
client httpx (asyncio); the raw side one `TableClient` shared by 100 threads (a pool of 100
connections). Each measurement is a few runs of a fixed number of requests, each run preceded by
a warm-up; the report is p50 and p99 per run (min and median over the runs) and their ratios.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
from azure.core.pipeline.transport import RequestsTransport
from azure.data.tables import TableClient

from bench.served import load_demo, serving
from bench.tenant import Tenant
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.adapters.storage.allocation_tables import PERIODS, UNITCOSTS
from shared.adapters.storage.transport import pooled_session
from shared.bootstrap import Container
from shared.core.allocation import allocate_period
from shared.core.costs import CostType
from shared.core.reconciliation import reconcile
from shared.core.reports import Publication
from shared.core.unit_costs import unallocated_totals, unit_costs
from shared.core.views import API_NAMES
from shared.demo.azurite import running_azurite, sigterm_as_exit
from shared.settings import STORAGE, Settings

CONCURRENCY = 100
RUNS = 3
REQUESTS = 300  # per run and measurement
LARGE = 1_000  # deployments of the generated tenant
GOALS = {"list": 1.5, "deployment": 1.2}
TIMEOUT = 60.0


@dataclass(frozen=True)
class Percentiles:
    p50: list[float]
    p99: list[float]

    def text(self) -> str:
        ms = {k: (min(v) * 1e3, statistics.median(v) * 1e3) for k, v in self.__dict__.items()}
        return "  ".join(f"{k} {lo:7.1f} / {mid:7.1f} ms" for k, (lo, mid) in ms.items())


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def measured(run_once: Callable[[], list[float]], runs: int) -> Percentiles:
    p50, p99 = [], []
    for _ in range(runs):
        took = run_once()
        p50.append(percentile(took, 50))
        p99.append(percentile(took, 99))
    return Percentiles(p50, p99)


async def _http(base_url: str, paths: Sequence[str], concurrency: int) -> list[float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    took: list[float] = []
    todo = iter(paths)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=TIMEOUT) as client:

        async def worker() -> None:
            for path in todo:
                began = time.perf_counter()
                response = await client.get(path)
                response.raise_for_status()
                took.append(time.perf_counter() - began)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return took


def http_run(base_url: str, path: str, count: int, concurrency: int) -> list[float]:
    asyncio.run(_http(base_url, [path] * concurrency, concurrency))  # warm-up: connections open
    return asyncio.run(_http(base_url, [path] * count, concurrency))


def raw_run(call: Callable[[], object], count: int, pool: ThreadPoolExecutor) -> list[float]:
    def one(_: int) -> float:
        began = time.perf_counter()
        call()
        return time.perf_counter() - began

    list(pool.map(one, range(CONCURRENCY)))  # warm-up
    return list(pool.map(one, range(count)))


@dataclass(frozen=True)
class Raw:
    """The same data read straight from the table: the live generation's unit-costs partition."""

    client: TableClient
    partition: str
    key: str

    @classmethod
    def of(cls, connection_string: str, period: str, basis: CostType, key: str) -> Raw:
        transport = RequestsTransport(session=pooled_session(CONCURRENCY), session_owner=False)
        periods = TableClient.from_connection_string(connection_string, PERIODS)
        head = periods.get_entity(basis.value, period)
        partition = f"{period}|{basis.value}|{head['Generation']}"  # allocation_tables._partition
        client = TableClient.from_connection_string(
            connection_string, UNITCOSTS, transport=transport
        )
        raw = cls(client, partition, key)
        if not raw.scan() or raw.point() is None:
            raise RuntimeError(f"no unit costs in partition {partition!r} (layout changed?)")
        return raw

    def scan(self) -> list[object]:
        return list(
            self.client.query_entities("PartitionKey eq @pk", parameters={"pk": self.partition})
        )

    def point(self) -> object:
        return self.client.get_entity(self.partition, self.key)


def compare(name: str, connection_string: str, period: str, basis: CostType, runs: int) -> None:
    with serving(connection_string) as served:
        q = f"period={period}&costType={API_NAMES[basis]}"
        listed = httpx.get(f"{served.base_url}/api/unit-costs?{q}&limit=1000", timeout=TIMEOUT)
        listed.raise_for_status()
        keys = sorted(d["key"] for d in listed.json()["deployments"])
        key = keys[len(keys) // 2]
        raw = Raw.of(connection_string, period, basis, key)
        paths = {
            "list": f"/api/unit-costs?{q}",
            "deployment": f"/api/deployments/{key}/unit-costs?{q}",
        }
        raws = {"list": raw.scan, "deployment": raw.point}
        print(f"{name}: {len(keys)} deployments, {REQUESTS} requests x {runs} runs, "
              f"{CONCURRENCY} concurrent (min / median over runs)", flush=True)  # fmt: skip
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            for what, path in paths.items():
                base = "partition scan" if what == "list" else "point read"
                theirs = measured(partial(raw_run, raws[what], REQUESTS, pool), runs)
                ours = measured(
                    partial(http_run, served.base_url, path, REQUESTS, CONCURRENCY), runs
                )
                p50 = statistics.median(ours.p50) / statistics.median(theirs.p50)
                p99 = statistics.median(ours.p99) / statistics.median(theirs.p99)
                p50_min = min(ours.p50) / min(theirs.p50)
                print(f"  {what:<11} HTTP        {ours.text()}")
                print(f"  {'':<11} {base:<11} {theirs.text()}")
                print(f"  {'':<11} ratio p50 x{p50_min:.2f} (min) x{p50:.2f} (median), "
                      f"p99 x{p99:.2f} (median); goal <= {GOALS[what]}", flush=True)  # fmt: skip


def publish_generated(connection_string: str, deployments: int) -> str:
    """A generated tenant allocated and published (ActualCost) into the storage; its period."""
    made = Tenant.generate(deployments)
    catalogue = load_bundled_catalogue()
    parts = Container(Settings.from_env({STORAGE: connection_string}))
    allocation = allocate_period(made.period, made.lines, made.usage, made.snapshots, catalogue)
    publication = Publication(
        allocation=allocation,
        unit_costs=tuple(unit_costs(allocation, made.usage)),
        unallocated_totals=tuple(unallocated_totals(allocation)),
        reconciliation=reconcile(allocation, made.lines, made.usage, catalogue),
        input_sequence=1,
        catalogue_version=catalogue.version,
    )
    parts.stores.results.publish(publication)
    return str(made.period)


def main(runs: int = RUNS) -> None:
    print("benchmark (d): HTTP against raw table reads, on a shared 2-core machine")
    with sigterm_as_exit():
        with running_azurite() as azurite:
            began = time.monotonic()
            out = Path(tempfile.mkdtemp(prefix="bench-d-"))
            try:
                tenant = load_demo(out, azurite.connection_string)
            finally:
                shutil.rmtree(out, ignore_errors=True)
            print(f"demo tenant loaded in {time.monotonic() - began:.0f} s", flush=True)
            compare("demo tenant", azurite.connection_string, str(tenant.period),
                    CostType.AMORTIZED, runs)  # fmt: skip
        with running_azurite() as azurite:
            began = time.monotonic()
            period = publish_generated(azurite.connection_string, LARGE)
            print(f"\n{LARGE:,} deployments x 31 days allocated and published in "
                  f"{time.monotonic() - began:.0f} s", flush=True)  # fmt: skip
            compare(f"{LARGE:,} deployments", azurite.connection_string, period,
                    CostType.ACTUAL, runs)  # fmt: skip


if __name__ == "__main__":
    main()
