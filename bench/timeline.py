"""Allocation with a timeline: a large month, with one inventory snapshot (baseline) and with
hourly snapshots full of scale changes; prints each case's time as a ratio of the baseline.

Ratios, not seconds, because machines differ: what matters is how the timeline and the number of
snapshots scale the allocation against the same month allocated with one snapshot.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from bench.tenant import Tenant
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.core.allocation import allocate_period


def timed(run: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    made = Tenant.generate(deployments=200)
    catalogue = load_bundled_catalogue()
    cases = {
        "one snapshot (baseline)": made.snapshots,
        "hourly snapshots, 744 scale changes": made.with_hourly_changes().snapshots,
    }
    print(f"allocate_period: {len(made.lines):,} cost lines, {len(made.deployments)} deployments, "
          f"{len(made.usage):,} usage records")  # fmt: skip
    baseline = None
    for name, snaps in cases.items():
        run = functools.partial(allocate_period, made.period, made.lines, made.usage, snaps,
                                catalogue)  # fmt: skip
        took = timed(run)
        baseline = baseline or took
        print(f"  {name:<40} x{took / baseline:6.2f}")
