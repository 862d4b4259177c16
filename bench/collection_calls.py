"""Benchmark (c) of issue 14: Azure calls per collection cycle, counted at the HTTPS doubles.

A cycle is what the timers read: the inventory, both price bases of the costs, and the usage of
every account (metrics batches, two calls each: peak tokens per minute and the daily totals), as
`live_collection` composes them (COLLECTION_CONCURRENCY 4), through the real SDK clients against
the loopback HTTPS Azure double (tests/doubles/: Entra, Cost Management, ARM, Resource Graph,
metrics). Generated tenants of 10, 100 and 1,000 accounts (ten deployments each; accounts spread
over 1, 2 and 5 subscriptions, each subscription a cost scope) are collected over a 7-day and a
31-day window, and with 20 deployments per account, once with the inventory from Resource Graph
(the default) and once from the ARM listing (`INVENTORY_SOURCE=arm`). Token requests are not
counted. Printed per case: the calls by API, their total, and the ratio to scopes + accounts/50
(the goal: a ratio that stays flat as accounts, deployments and days grow).

The double serves no usage and one cost line per account (one page per scope): data volume adds
pages, which are the platform's page sizes, not the collection's shape; Resource Graph pages
(1,000 rows) are counted, the deployment rows being the inventory itself.
"""

from __future__ import annotations

import contextlib
import math
import os
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import trustme

from shared.adapters.azure.arm_inventory import ArmInventorySource
from shared.adapters.azure.cost_management import CostManagementSource
from shared.adapters.azure.credentials import make_credential
from shared.adapters.azure.monitor_metrics import MonitorUsageSource
from shared.adapters.azure.qpu_pacing import QpuPacer
from shared.adapters.azure.resource_graph import ResourceGraphInventorySource
from shared.core.costs import CostLine, CostType
from shared.core.inventory import Deployment
from shared.core.period import DateWindow
from shared.demo.https_double import HttpsDoubleServer
from shared.services.ports import InventorySource
from tests.doubles.azure import AzureDouble, endpoint_of, sdk_environment

CONCURRENCY = 4
ACCOUNTS = "providers/Microsoft.CognitiveServices/accounts"
INPUT = ("e44b94b3-934f-5f67-bf3a-c9a64d3a83d5", "gpt 4o 1120 Inp glbl Tokens")
# (accounts, subscriptions, deployments per account, days)
CASES = (
    (10, 1, 10, 7),
    (10, 1, 10, 31),
    (100, 2, 10, 31),
    (100, 2, 20, 31),
    (1_000, 5, 10, 7),
    (1_000, 5, 10, 31),
)


@dataclass(frozen=True)
class Cycle:
    calls: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def subscription(n: int) -> str:
    return f"6f1c2a3b-0000-4000-8000-{n:012d}"


def tenant(accounts: int, subscriptions: int, per_account: int) -> list[Deployment]:
    made: list[Deployment] = []
    for a in range(accounts):
        sub = subscription(a % subscriptions)
        account = f"/subscriptions/{sub}/resourceGroups/rg/{ACCOUNTS}/a{a}"
        made.extend(
            Deployment(
                account, f"d{d}", "gpt-4o", "2024-11-20", "GlobalStandard", 50, "OpenAI", "eastus2"
            )
            for d in range(per_account)
        )
    return made


@contextlib.contextmanager
def served(double: AzureDouble) -> Iterator[str]:
    """The double on loopback HTTPS, the SDKs' environment pointed at it (restored after)."""
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    server = HttpsDoubleServer(double.handle, context)
    double.bind(server.base_url)
    with tempfile.TemporaryDirectory() as folder:
        ca_path = Path(folder) / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        env = sdk_environment(double, server.base_url, ca_path)
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        server.start()
        try:
            yield server.base_url
        finally:
            server.stop()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def cycle(accounts: int, subscriptions: int, per_account: int, days: int, source: str) -> Cycle:
    made = tenant(accounts, subscriptions, per_account)
    ids = sorted({d.account_id for d in made})
    window = DateWindow(date(2026, 10, 1), date(2026, 10, 1) + timedelta(days=days))
    bill = [
        CostLine(
            window.start, a, INPUT[0], INPUT[1], Decimal(1), Decimal("1.00"), "USD", cost_type=basis
        )
        for a in ids
        for basis in CostType
    ]
    double = AzureDouble(costs=bill, deployments=made, page_size=5000)
    subs = [subscription(n) for n in range(subscriptions)]
    scopes = [f"/subscriptions/{s}" for s in subs]
    with served(double) as base:
        credential = make_credential()
        inventory: InventorySource = (
            ResourceGraphInventorySource(credential, subs, base)
            if source == "resource-graph"
            else ArmInventorySource(credential, subs, base, concurrency=CONCURRENCY)
        )
        found = inventory.fetch()
        pacer = QpuPacer()
        for basis in CostType:
            CostManagementSource(
                credential, scopes, base, basis, pacer=pacer, concurrency=CONCURRENCY
            ).fetch(window)
        located = sorted({(d.account_id, d.account_location) for d in found})
        MonitorUsageSource(credential, base, concurrency=CONCURRENCY).fetch(window, located)
        close = getattr(credential, "close", None)
        if close is not None:
            close()
    if len(found) != len(made):
        raise AssertionError(f"the inventory found {len(found)} of {len(made)} deployments")
    calls: dict[str, int] = {}
    for request in double.azure_calls():
        kind = endpoint_of(request.path)
        calls[kind] = calls.get(kind, 0) + 1
    return Cycle(calls)


def main() -> None:
    print("Azure calls per collection cycle (benchmark c): inventory + both price bases + usage,")
    print(f"counted at the HTTPS doubles, COLLECTION_CONCURRENCY {CONCURRENCY}; ratio = calls /")
    print("(scopes + accounts/50), the goal: flat as accounts, deployments and days grow")
    header = f"  {'accounts':>8} {'scopes':>6} {'deps':>6} {'days':>4}  {'inventory':<15}"
    print(f"{header} {'cost':>5} {'graph':>5} {'arm':>5} {'metrics':>7} {'total':>6} {'ratio':>6}")
    for accounts, subs, per_account, days in CASES:
        base = subs + accounts / 50
        for source in ("resource-graph", "arm"):
            made = cycle(accounts, subs, per_account, days, source)
            c = made.calls
            print(
                f"  {accounts:>8,} {subs:>6} {accounts * per_account:>6,} {days:>4}  {source:<15}"
                f" {c.get('cost', 0):>5} {c.get('graph', 0):>5} {c.get('arm', 0):>5}"
                f" {c.get('metrics', 0):>7} {made.total:>6} {made.total / base:>6.2f}"
            )
    print(
        f"  (metrics: 2 calls per batch of <= 50 accounts of one subscription and region; "
        f"cost: one query per scope, month and price basis; ceil(1000/50) = {math.ceil(1000 / 50)})"
    )
