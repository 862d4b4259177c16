"""Allocation benchmark: a large month, with one inventory snapshot (baseline) and with hourly
snapshots full of scale changes; prints each case's time as a ratio of the baseline.

Ratios, not seconds, because machines differ: what matters is how the timeline and the number of
snapshots scale the allocation against the same month allocated with one snapshot.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.core.allocation import allocate_period
from shared.core.costs import CostLine
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.period import BillingPeriod
from shared.core.usage import UsageRecord

PERIOD = BillingPeriod(2026, 10)
ACCOUNT_PREFIX = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts"
ACCOUNTS = 20
DEPLOYMENTS_PER_ACCOUNT = 10
METERS = (
    "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5",  # gpt-4o 1120 input, global
    "e8a1d52f-14fa-5436-8399-0ceedfe47bef",  # gpt-4o 1120 cached input
    "39ae1495-1ea6-51c4-b153-3b303891275b",  # gpt-4o 1120 output
    "6dcdbfc4-1d28-5883-84c2-dcdb88e21b56",  # PTU global
)


def tenant(rng: random.Random) -> tuple[list[Deployment], list[UsageRecord], list[CostLine]]:
    deployments, usage, lines = [], [], []
    for a in range(ACCOUNTS):
        account = f"{ACCOUNT_PREFIX}/a{a}"
        for d in range(DEPLOYMENTS_PER_ACCOUNT):
            sku = "GlobalProvisionedManaged" if d % 3 == 0 else "GlobalStandard"
            deployments.append(Deployment(account, f"d{d}", "gpt-4o", "2024-11-20", sku, 50))
        for day in PERIOD.window.days():
            for d in range(DEPLOYMENTS_PER_ACCOUNT):
                usage.append(UsageRecord(day, account, f"d{d}", rng.randint(0, 10**7),
                                         rng.randint(0, 10**6), rng.randint(0, 5000),
                                         Decimal(rng.randint(0, 100))))  # fmt: skip
            for meter in METERS:
                cost = Decimal(rng.randint(1, 10**6)) / 100
                lines.append(CostLine(day, account, meter, "m", Decimal(1), cost, "USD"))
    return deployments, usage, lines


def hourly_snapshots(deployments: list[Deployment], rng: random.Random) -> list[InventorySnapshot]:
    """A snapshot every hour of the month in which a few deployments change capacity."""
    start = datetime(2026, 10, 1, tzinfo=UTC)
    current = list(deployments)
    snaps = []
    for hour in range(31 * 24):
        at = start + timedelta(hours=hour)
        i = rng.randrange(len(current))
        current[i] = replace(current[i], capacity=current[i].capacity + 5, modified_at=at)
        snaps.append(InventorySnapshot(at, tuple(current)))
    return snaps


def timed(run: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    rng = random.Random(7)
    deployments, usage, lines = tenant(rng)
    catalogue = load_bundled_catalogue()
    one = [InventorySnapshot(datetime(2026, 10, 1, tzinfo=UTC), tuple(deployments))]
    hourly = hourly_snapshots(deployments, rng)
    cases = {
        "one snapshot (baseline)": one,
        "hourly snapshots, 744 scale changes": hourly,
    }
    print(f"allocate_period: {len(lines):,} cost lines, {len(deployments)} deployments, "
          f"{len(usage):,} usage records")  # fmt: skip
    baseline = None
    for name, snaps in cases.items():
        took = timed(functools.partial(allocate_period, PERIOD, lines, usage, snaps, catalogue))
        baseline = baseline or took
        print(f"  {name:<40} x{took / baseline:6.2f}")


if __name__ == "__main__":
    main()
