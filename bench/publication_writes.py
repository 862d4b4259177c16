"""Benchmark (a): allocate and publish one period of 1,000 deployments x 31 days into Azurite,
against raw batched writes of the same entities (the SDK's transactions of 100 per partition,
nothing else), side by side in one run; then the same allocation published again (it writes
nothing) against one raw scan of the daily rows.

It prints the entities the publication wrote per table and the daily rows per price basis
against the goal (at most deployments x days), the min and median of a few runs of each, and
the ratios (goal: publish / raw <= 1.2).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import partial

from azure.data.tables import TableServiceClient, UpdateMode

from bench.tenant import TOKEN_METERS, Tenant
from shared.adapters.formats.catalogue_snapshot import load_bundled_catalogue
from shared.adapters.storage import reconciliation_table
from shared.adapters.storage.allocation_tables import ALLOCATIONS, TABLES, AllocationTables
from shared.adapters.storage.table_gateway import AzureTableGateway
from shared.core.allocation import allocate_period
from shared.core.meters import MeterCatalogue
from shared.core.publication import publication_of
from shared.core.reports import PublishStatus
from shared.demo.azurite import running_azurite

DEPLOYMENTS, DAYS, RUNS = 1_000, 31, 3
RESULT_TABLES = (*TABLES, reconciliation_table.TABLE)
STORED = {"PartitionKey", "RowKey"}


def allocate_and_publish(
    tenant: Tenant, catalogue: MeterCatalogue, tables: AllocationTables
) -> PublishStatus:
    allocation = allocate_period(
        tenant.period, tenant.lines, tenant.usage, tenant.snapshots, catalogue
    )
    return tables.publish(
        publication_of(allocation, tenant.lines, tenant.usage, catalogue, input_sequence=1)
    )


def fresh(service: TableServiceClient) -> None:
    for name in RESULT_TABLES:
        service.delete_table(name)
        service.create_table(name)


def stored(service: TableServiceClient) -> dict[str, list[dict[str, object]]]:
    return {
        name: [dict(e) for e in service.get_table_client(name).list_entities()]
        for name in RESULT_TABLES
    }


def raw_write(service: TableServiceClient, entities: dict[str, list[dict[str, object]]]) -> None:
    """The same entities, upserted in transactions of 100 per partition: the floor."""
    for name, rows in entities.items():
        client = service.get_table_client(name)
        by_pk: dict[str, list[dict[str, object]]] = defaultdict(list)
        for row in rows:
            by_pk[str(row["PartitionKey"])].append(row)
        for part in by_pk.values():
            for i in range(0, len(part), 100):
                ops = [("upsert", row, {"mode": UpdateMode.REPLACE}) for row in part[i : i + 100]]
                client.submit_transaction(ops)


def seconds(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def line(name: str, times: list[float], baseline: list[float] | None = None) -> str:
    text = f"    {name:<44}{min(times):8.2f} {statistics.median(times):8.2f}"
    if baseline:
        text += f"   x{statistics.median(times) / statistics.median(baseline):.2f}"
    return text


def main() -> None:
    catalogue = load_bundled_catalogue()
    tenant = Tenant.generate(DEPLOYMENTS, DAYS, meters=TOKEN_METERS)
    print(
        f"publication vs raw writes (benchmark a): {DEPLOYMENTS:,} deployments x {DAYS} days, "
        f"{len(tenant.lines):,} cost lines, one price basis; {RUNS} runs, Azurite in memory"
    )
    with running_azurite() as azurite:
        service = TableServiceClient.from_connection_string(azurite.connection_string)
        for name in RESULT_TABLES:
            service.create_table(name)
        ours, raw, again, scan = [], [], [], []
        counts: Counter[str] = Counter()
        for _ in range(RUNS):
            fresh(service)
            tables = AllocationTables(AzureTableGateway(service))
            publish = partial(allocate_and_publish, tenant, catalogue, tables)
            ours.append(seconds(publish))
            again.append(seconds(publish))
            entities = {
                name: [{k: v for k, v in row.items() if k in STORED or k[0].isupper()}
                       for row in rows]
                for name, rows in stored(service).items()
            }  # fmt: skip
            counts = Counter({name: len(rows) for name, rows in entities.items()})
            scan.append(
                seconds(lambda: list(service.get_table_client(ALLOCATIONS).list_entities()))
            )
            fresh(service)
            raw.append(seconds(partial(raw_write, service, entities)))
    goal = DEPLOYMENTS * DAYS
    print(
        f"  entities written: {', '.join(f'{n} {c:,}' for n, c in counts.items())}; "
        f"daily rows {counts[ALLOCATIONS]:,} per basis (goal <= {goal:,}: "
        f"{'met' if counts[ALLOCATIONS] <= goal else 'NOT met'}; the layout before: 68,200)"
    )
    print(f"    {'seconds':<44}{'min':>8} {'median':>8}   ratio (median)")
    print(line("allocate + publish (exact, generations)", ours, raw))
    print(line("raw batched writes of the same entities", raw))
    print(line("the same allocation again (writes nothing)", again, scan))
    print(line("raw scan of the daily rows", scan))


if __name__ == "__main__":
    main()
