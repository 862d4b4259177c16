"""`python -m bench [name ...]` (`make bench`): runs the benchmarks below, all of them by default
or the ones named, one after the other, each printing its own report.

One module per benchmark, each with a `main()`; add a benchmark by adding its module here.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS: dict[str, str] = {
    "timeline": "bench.timeline",  # hourly snapshots against one snapshot (ratios)
    "publication": "bench.publication_writes",  # benchmark (a): publish vs raw writes
    "pandas": "bench.allocation_vs_pandas",  # benchmark (b): allocate_period vs pandas
    "calls": "bench.collection_calls",  # benchmark (c): Azure calls per collection cycle
    "http": "bench.http_latency",  # benchmark (d): HTTP p50/p99 vs raw table reads
    "import": "bench.import_time",  # benchmark (e): function_app's import vs the bare SDKs
    "sharded": "bench.sharded_allocation",  # 10,000 deployments allocated by shards via the queue
}


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for i, name in enumerate(argv or list(BENCHMARKS)):
        if i:
            print()
        print(f"== {name}")
        importlib.import_module(BENCHMARKS[name]).main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
