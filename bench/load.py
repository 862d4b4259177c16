"""`make load` (`python -m bench.load`): the bounded load test of issue 14.

10,000 GET requests, 100 at a time, against `python -m shared.cli serve` on loopback over the
demo's sample tenant in Azurite (bench/served.py), spread over the API's read routes: a period's
unit costs, one deployment's (each deployment in turn), the use cases, a use case's cost per
outcome, the showback, the periods, the daily series, the reconciliation and the health. The
requests are the same on every run and in the same order (request i is route i mod the routes);
only their interleaving depends on the machine.

Every answer must be a 200 within the per-request timeout: a transport error, a timeout or any
other status is an error, and any error makes the exit status 1 (as does running past the
overall deadline). Prints the elapsed time, requests/s and p50/p99 per route, and the latency of
/api/health when idle against under load (it must not queue behind the slow routes).

Not part of pytest's run; `.ci/run` runs it after `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.served import Served, load_demo, serving
from shared.demo.azurite import running_azurite, sigterm_as_exit

REQUESTS = 10_000
CONCURRENCY = 100
REQUEST_TIMEOUT = 60.0  # seconds per request: past it, the request is an error
DEADLINE = 900.0  # seconds for the whole run: past it, the run fails
IDLE_HEALTH_SAMPLES = 50


@dataclass(frozen=True)
class Route:
    name: str
    paths: tuple[str, ...]  # taken in turn (one deployment's route: every deployment)


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def error(self, route: str, kind: str) -> None:
        self.errors[f"{route}: {kind}"] += 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def routes(served: Served, period: str) -> list[Route]:
    """The mix, with the deployments' keys and a use case read from the API itself."""
    with httpx.Client(base_url=served.base_url, timeout=REQUEST_TIMEOUT) as client:
        listed = client.get("/api/unit-costs", params={"period": period, "limit": 1000})
        listed.raise_for_status()
        keys = sorted(d["key"] for d in listed.json()["deployments"])
        cases = client.get("/api/use-cases")
        cases.raise_for_status()
        names = sorted(u["name"] for u in cases.json()["useCases"] if u.get("status") != "planned")
    if not keys or not names:
        raise RuntimeError("the demo tenant has no deployments or use cases")
    q = f"period={period}"
    return [
        Route("unit costs", (f"/api/unit-costs?{q}",)),
        Route("deployment", tuple(f"/api/deployments/{k}/unit-costs?{q}" for k in keys)),
        Route("use cases", ("/api/use-cases",)),
        Route("use case", tuple(f"/api/use-cases/{n}/unit-costs?{q}" for n in names)),
        Route("showback", (f"/api/showback?{q}&by=owner",)),
        Route("periods", ("/api/periods",)),
        Route("daily", (f"/api/daily?{q}",)),
        Route("reconciliation", (f"/api/reconciliation?{q}",)),
        Route("health", ("/api/health",)),
    ]


def plan(mix: Sequence[Route], count: int) -> list[tuple[str, str]]:
    """The `count` requests, (route, path): route i mod len(mix), each route's paths in turn."""
    turns: Counter[str] = Counter()
    planned = []
    for i in range(count):
        route = mix[i % len(mix)]
        planned.append((route.name, route.paths[turns[route.name] % len(route.paths)]))
        turns[route.name] += 1
    return planned


async def run_load(base_url: str, planned: list[tuple[str, str]], concurrency: int) -> Results:
    results = Results()
    queue = iter(enumerate(planned))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(REQUEST_TIMEOUT)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:

        async def worker() -> None:
            for i, (route, path) in queue:  # one shared iterator: each request is taken once
                began = time.perf_counter()
                at = f"request {i} at {began - started:.1f} s"
                try:
                    response = await client.get(path)
                except httpx.TimeoutException as e:
                    results.error(route, "timeout")
                    results.examples.setdefault(route, f"{path} ({at}): {type(e).__name__}")
                    continue
                except httpx.TransportError as e:
                    took = time.perf_counter() - began
                    results.error(route, f"transport error {type(e).__name__}")
                    results.examples.setdefault(
                        route, f"{path} ({at}, after {took:.1f} s): {type(e).__name__} {e!r}"
                    )
                    continue
                took = time.perf_counter() - began
                if response.status_code != 200:
                    results.error(route, f"HTTP {response.status_code}")
                    results.examples.setdefault(route, f"{path} ({at}): {response.text[:200]}")
                    continue
                results.latencies.setdefault(route, []).append(took)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile `p` (0-100) of `values`."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n p / 100), at least 1
    return ordered[int(rank) - 1]


def idle_health(base_url: str, samples: int = IDLE_HEALTH_SAMPLES) -> list[float]:
    took = []
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:
        for _ in range(samples):
            began = time.perf_counter()
            client.get("/api/health").raise_for_status()
            took.append(time.perf_counter() - began)
    return took


def report(results: Results, elapsed: float, idle: list[float], warnings: list[str]) -> None:
    done = sum(len(v) for v in results.latencies.values())
    total = done + results.error_count
    print(f"{total:,} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s, "
          f"{results.error_count} errors")  # fmt: skip
    print(f"  {'route':<16} {'ok':>6} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    for route, took in results.latencies.items():
        print(f"  {route:<16} {len(took):>6} {percentile(took, 50) * 1e3:>9.1f} "
              f"{percentile(took, 99) * 1e3:>9.1f} {max(took) * 1e3:>9.1f}")  # fmt: skip
    if idle:
        loaded = results.latencies.get("health", [])
        under = (f", under load p50 {percentile(loaded, 50) * 1e3:.1f} ms / p99 "
                 f"{percentile(loaded, 99) * 1e3:.1f} ms" if loaded else "")  # fmt: skip
        print(f"  /api/health idle: p50 {statistics.median(idle) * 1e3:.1f} ms{under}")
    for kind, count in sorted(results.errors.items()):
        print(f"  error {kind}: {count}")
    for route, example in sorted(results.examples.items()):
        print(f"  first {route} error: {example}")
    pool = [w for w in warnings if "Connection pool is full" in w]
    print(f"  serve's stderr: {len(warnings)} lines ({len(pool)} 'Connection pool is full')")
    for line in warnings[:5]:
        print(f"    {line[:200]}")


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    args = parser.parse_args(argv)
    began = time.monotonic()
    with sigterm_as_exit(), running_azurite() as azurite:
        out = Path(tempfile.mkdtemp(prefix="bench-load-tenant-"))
        try:
            tenant = load_demo(out, azurite.connection_string)
        finally:
            shutil.rmtree(out, ignore_errors=True)  # the files are collected: Azurite has it
        print(f"demo tenant {tenant.period} in Azurite ({time.monotonic() - began:.0f} s)")
        with serving(azurite.connection_string) as served:
            mix = routes(served, str(tenant.period))
            idle = idle_health(served.base_url)
            planned = plan(mix, args.requests)
            print(f"{len(planned):,} requests over {len(mix)} routes, {args.concurrency} at a "
                  f"time, against {served.base_url}", flush=True)  # fmt: skip
            started = time.perf_counter()
            try:
                results = asyncio.run(
                    asyncio.wait_for(run_load(served.base_url, planned, args.concurrency), DEADLINE)
                )
            except TimeoutError:
                print(f"FAILED: the load did not finish within {DEADLINE:.0f} s")
                return 1
            elapsed = time.perf_counter() - started
            report(results, elapsed, idle, served.warnings())
    print(f"elapsed {time.monotonic() - began:.0f} s in all (Azurite, the demo tenant, the load)")
    if results.error_count:
        print(f"FAILED: {results.error_count} errors")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
