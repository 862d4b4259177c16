"""Generated tenants for the benchmarks: accounts of ten gpt-4o deployments (every third one
provisioned), a usage record per deployment and day, one cost line per meter, account and day."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.core.costs import CostLine
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.period import BillingPeriod
from shared.core.usage import UsageRecord

PERIOD = BillingPeriod(2026, 10)
ACCOUNT_PREFIX = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts"
DEPLOYMENTS_PER_ACCOUNT = 10
GPT4O_INPUT = "e44b94b3-934f-5f67-bf3a-c9a64d3a83d5"  # gpt-4o 1120 input, global
GPT4O_CACHED = "e8a1d52f-14fa-5436-8399-0ceedfe47bef"  # gpt-4o 1120 cached input
GPT4O_OUTPUT = "39ae1495-1ea6-51c4-b153-3b303891275b"  # gpt-4o 1120 output
PTU_GLOBAL = "6dcdbfc4-1d28-5883-84c2-dcdb88e21b56"  # PTU global
TOKEN_METERS = (GPT4O_INPUT, GPT4O_CACHED, GPT4O_OUTPUT)
ALL_METERS = (*TOKEN_METERS, PTU_GLOBAL)


@dataclass(frozen=True)
class Tenant:
    """One generated period: its inventory (one snapshot unless changed), usage and bill."""

    period: BillingPeriod
    days: int
    deployments: tuple[Deployment, ...]
    usage: list[UsageRecord]
    lines: list[CostLine]
    snapshots: list[InventorySnapshot]

    @classmethod
    def generate(
        cls,
        deployments: int,
        days: int = 31,
        seed: int = 7,
        meters: Sequence[str] = ALL_METERS,
    ) -> Tenant:
        """`deployments` (a multiple of ten) over the first `days` days of October 2026."""
        rng = random.Random(seed)
        made: list[Deployment] = []
        usage: list[UsageRecord] = []
        lines: list[CostLine] = []
        for a in range(max(deployments // DEPLOYMENTS_PER_ACCOUNT, 1)):
            account = f"{ACCOUNT_PREFIX}/a{a}"
            for d in range(DEPLOYMENTS_PER_ACCOUNT):
                sku = "GlobalProvisionedManaged" if d % 3 == 0 else "GlobalStandard"
                made.append(Deployment(account, f"d{d}", "gpt-4o", "2024-11-20", sku, 50))
            for day in list(PERIOD.window.days())[:days]:
                for d in range(DEPLOYMENTS_PER_ACCOUNT):
                    usage.append(UsageRecord(day, account, f"d{d}", rng.randint(0, 10**7),
                                             rng.randint(0, 10**6), rng.randint(0, 5000),
                                             Decimal(rng.randint(0, 100))))  # fmt: skip
                for meter in meters:
                    cost = Decimal(rng.randint(1, 10**6)) / 100
                    lines.append(CostLine(day, account, meter, "m", Decimal(1), cost, "USD"))
        first = InventorySnapshot(datetime(2026, 10, 1, tzinfo=UTC), tuple(made))
        return cls(PERIOD, days, tuple(made), usage, lines, [first])

    def with_hourly_changes(self, hours: int = 31 * 24, seed: int = 7) -> Tenant:
        """The same tenant with a snapshot every hour in which one deployment scales up."""
        rng = random.Random(seed)
        start = datetime(2026, 10, 1, tzinfo=UTC)
        current = list(self.deployments)
        snaps = []
        for hour in range(hours):
            at = start + timedelta(hours=hour)
            i = rng.randrange(len(current))
            current[i] = replace(current[i], capacity=current[i].capacity + 5, modified_at=at)
            snaps.append(InventorySnapshot(at, tuple(current)))
        return replace(self, snapshots=snaps)
