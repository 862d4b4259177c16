"""Benchmark (d) of issue 14: HTTP p50/p99 of a period's list (`/api/unit-costs?period=...`) and
of one deployment (`/api/deployments/{key}/unit-costs?period=...`) at 100 concurrent clients,
against a raw partition scan and a raw point read of the same data (the published unit costs of
the period's live generation) with azure-data-tables, at the same concurrency, side by side in
one run against the same Azurite.

Two tenants: the demo's (bench/served.py: its pipeline, as `make demo`), and a generated one of
1,000 deployments over 31 days (bench/tenant.py), allocated with `allocate_period` and published
into Azurite through the project's `AllocationTables` (its ActualCost basis only, so the routes
are asked for `costType=actual`). The HTTP side is `python -m shared.cli serve` on loopback; both
sides run on the same client stack, each 100 threads sharing one pooled `requests` session (100
connections): the HTTP side calls the route with it, the raw side one `TableClient` over it (the
SDK's transport is `requests` too), so the ratio is the server's, not the clients'. Each
measurement is a few runs of a fixed number of requests, each run preceded by a warm-up on the
same connections; the report is p50 and p99 per run (min and median over the runs) and their
ratios. Before any timing, every route's answer is checked against the raw entities.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import cast

import httpx
import requests
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
CENT = Decimal("0.01")


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


def http_get(session: requests.Session, url: str) -> bytes:
    """One GET of the served API: its body (raises unless 200)."""
    response = session.get(url, timeout=TIMEOUT)
    response.raise_for_status()
    return response.content


def timed_run(call: Callable[[], object], count: int, pool: ThreadPoolExecutor) -> list[float]:
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


def checked(served: Mapping[str, object], raw: Mapping[str, object]) -> None:
    """A served deployment against its raw unit-costs entity: the same tokens, and the cost
    within the cent the largest-remainder rounding may move it by."""
    cost = abs(Decimal(str(served["cost"])) - Decimal(str(raw["Cost"])))
    tokens = (served["inputTokens"], served["outputTokens"])
    stored = tuple(getattr(raw[k], "value", raw[k]) for k in ("InputTokens", "OutputTokens"))
    if tokens != stored or cost > CENT:  # an Int64 property comes as an EntityProperty
        raise RuntimeError(f"served {dict(served)} does not match the stored {dict(raw)}")


def compare(name: str, connection_string: str, period: str, basis: CostType, runs: int) -> None:
    with serving(connection_string) as served:
        q = f"period={period}&costType={API_NAMES[basis]}"
        listed = httpx.get(f"{served.base_url}/api/unit-costs?{q}&limit=1000", timeout=TIMEOUT)
        listed.raise_for_status()
        keys = sorted(d["key"] for d in listed.json()["deployments"])
        key = keys[len(keys) // 2]
        raw = Raw.of(connection_string, period, basis, key)
        urls = {
            "list": f"{served.base_url}/api/unit-costs?{q}",
            "deployment": f"{served.base_url}/api/deployments/{key}/unit-costs?{q}",
        }
        session = pooled_session(CONCURRENCY)
        one = json.loads(http_get(session, urls["deployment"]))
        checked(one, cast(Mapping[str, object], raw.point()))
        page = json.loads(http_get(session, urls["list"]))["deployments"]
        stored = {str(e["RowKey"]): e for e in cast(list[Mapping[str, object]], raw.scan())}
        if len(page) != min(len(keys), 100) or not {d["key"] for d in page} <= stored.keys():
            raise RuntimeError("the served page is not the stored partition's deployments")
        for served_one in page:
            checked(served_one, stored[served_one["key"]])
        calls = {"list": (raw.scan, "partition scan"), "deployment": (raw.point, "point read")}
        print(f"{name}: {len(keys)} deployments, {REQUESTS} requests x {runs} runs, "
              f"{CONCURRENCY} concurrent (min / median over runs)", flush=True)  # fmt: skip
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            for what, url in urls.items():
                theirs_call, base = calls[what]
                theirs = measured(partial(timed_run, theirs_call, REQUESTS, pool), runs)
                ours = measured(
                    partial(timed_run, partial(http_get, session, url), REQUESTS, pool), runs
                )
                p50 = statistics.median(ours.p50) / statistics.median(theirs.p50)
                p99 = statistics.median(ours.p99) / statistics.median(theirs.p99)
                p50_min = min(ours.p50) / min(theirs.p50)
                print(f"  {what:<11} HTTP        {ours.text()}")
                print(f"  {'':<11} {base:<11} {theirs.text()}")
                print(f"  {'':<11} ratio p50 x{p50_min:.2f} (min) x{p50:.2f} (median), "
                      f"p99 x{p99:.2f} (median); goal <= {GOALS[what]}", flush=True)  # fmt: skip
        problems = [w for w in served.warnings() if "Traceback" in w or "ERROR" in w]
        if problems:
            raise RuntimeError(f"serve wrote errors: {problems[:3]}")


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
