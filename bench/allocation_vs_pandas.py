"""Benchmark (b): the pure allocation (`allocate_period`, exact: integer quanta and Decimal)
against a float pandas merge/groupby of the same token rule (bench/pandas_baseline.py says exactly
what it covers), side by side in one run, on the same generated inputs: 100, 1,000 and 10,000
deployments.

Per size it prints the min and median of a few runs of each (the cyclic garbage collector paused
during a timed run, as `timeit` does; the median with it running too), the ratio pandas / ours
(> 1: ours is faster) against pandas from the same records (frames built in the timed run: the
goal's comparison, both sides start from the records the allocation is given) and against the
pandas merge alone (frames built beforehand), ours both as `allocate_period` returns it (the
token shares as integer columns) and with every share read as an `AllocatedLine` record; the
peak memory of each (tracemalloc, a separate run), and whether the totals agree to the cent.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from bench import pandas_baseline
from bench.tenant import TOKEN_METERS, Tenant
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.core.allocation import PeriodAllocation, allocate_period
from shared.core.meters import MeterCatalogue

# (deployments, days, runs): 10,000 deployments over a week keeps the whole bench in minutes.
SIZES = ((100, 31, 7), (1_000, 31, 5), (10_000, 7, 3))
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Timing:
    best: float
    median: float
    median_gc: float  # with the garbage collector running

    def text(self) -> str:
        return f"{self.best:7.3f} {self.median:7.3f} {self.median_gc:7.3f}"


def timed(run: Callable[[], object], runs: int) -> Timing:
    paused, running = [], []
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            began = time.perf_counter()
            run()
            paused.append(time.perf_counter() - began)
        finally:
            gc.enable()
        gc.collect()
        began = time.perf_counter()
        run()
        running.append(time.perf_counter() - began)
    return Timing(min(paused), statistics.median(paused), statistics.median(running))


def peak_mib(run: Callable[[], object]) -> float:
    """Peak memory (MiB) a run allocates beyond what exists when it starts."""
    gc.collect()
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def compare(deployments: int, days: int, runs: int, catalogue: MeterCatalogue) -> None:
    made = Tenant.generate(deployments, days, meters=TOKEN_METERS)

    def ours() -> PeriodAllocation:
        return allocate_period(made.period, made.lines, made.usage, made.snapshots, catalogue)

    def ours_as_records() -> object:  # every share read as a record (what the publisher does)
        return tuple(ours().allocated)

    def from_records() -> object:
        built = pandas_baseline.frames(made.lines, made.usage, made.deployments, catalogue)
        return pandas_baseline.allocate(built)

    frames = pandas_baseline.frames(made.lines, made.usage, made.deployments, catalogue)
    result = allocate_period(made.period, made.lines, made.usage, made.snapshots, catalogue)
    rows = pandas_baseline.allocate(frames)
    exact = result.allocated_cost
    floating = float(rows["share"].sum())
    agree = abs(Decimal(repr(floating)) - exact) < CENT / 2
    mine = timed(ours, runs)
    mine_records = timed(ours_as_records, runs)
    merge = timed(lambda: pandas_baseline.allocate(frames), runs)
    whole = timed(from_records, runs)
    print(f"\n  {deployments:,} deployments x {days} days: {len(made.lines):,} cost lines, "
          f"{len(made.usage):,} usage records -> {len(result.allocated):,} shares "
          f"(pandas {len(rows):,}); {runs} runs")  # fmt: skip
    print(f"    {'seconds':<34}{'min':>7} {'median':>7} {'gc on':>7}   pandas/ours (median)")
    print(f"    {'allocate_period (exact)':<34}{mine.text()}")
    print(f"    {'  and every share as a record':<34}{mine_records.text()}")
    print(f"    {'pandas merge/groupby (float)':<34}{merge.text()}   "
          f"x{merge.median / mine.median:.2f} (x{merge.median / mine_records.median:.2f} "
          "with records)")  # fmt: skip
    print(f"    {'pandas from the same records':<34}{whole.text()}   "
          f"x{whole.median / mine.median:.2f} (x{whole.median / mine_records.median:.2f} "
          "with records)  <- the goal: the same inputs")  # fmt: skip
    print(f"    peak memory: ours {peak_mib(ours):.1f} MiB "
          f"({peak_mib(ours_as_records):.1f} with records), pandas merge "
          f"{peak_mib(lambda: pandas_baseline.allocate(frames)):.1f} MiB, pandas from records "
          f"{peak_mib(from_records):.1f} MiB")  # fmt: skip
    print(f"    totals: ours {exact.quantize(CENT)}, pandas {floating:.2f}: "
          f"{'agree to the cent' if agree else 'DISAGREE'}")  # fmt: skip


def main() -> None:
    catalogue = load_bundled_catalogue()
    print("allocation vs pandas (benchmark b): token rule, one snapshot; ratio > 1: ours faster")
    for deployments, days, runs in SIZES:
        compare(deployments, days, runs, catalogue)
