"""The `inventory` table: dated snapshots of the deployment inventory, stored only when it changes.

PartitionKey `{snapshot date}`, RowKey the deployment key; a marker row `_snapshot` makes an empty
inventory a snapshot too.
"""

from __future__ import annotations

from shared.adapters.table_gateway import PK, Entity, TableGateway, exact_range, replace
from shared.adapters.table_keys import day_text, parse_day
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.period import BillingPeriod

TABLE = "inventory"
MARKER = "_snapshot"


class InventoryTable:
    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def save(self, snapshot: InventorySnapshot) -> bool:
        """Store the snapshot unless it equals the one in force before its day; True if changed."""
        day = day_text(snapshot.as_of)
        earlier = self._all(before=day)
        same_as_before = bool(earlier) and _same(earlier[-1], snapshot)
        entities = [] if same_as_before else _entities(snapshot)
        return bool(replace(self._gateway, TABLE, exact_range(day), entities))

    def snapshots_for(self, period: BillingPeriod) -> list[InventorySnapshot]:
        """The snapshot in force at the period's start and every snapshot taken within it.

        A period older than the first snapshot (a backfill) gets the earliest snapshot: ARM only
        tells what exists now, so that is the best knowledge of what ran then.
        """
        snaps = self._all(before="9999-12-31")
        start = [s for s in snaps if s.as_of <= period.start][-1:]
        inside = [s for s in snaps if period.start < s.as_of < period.end]
        if not start and not inside:
            return snaps[:1]
        return start + inside

    def latest(self) -> InventorySnapshot | None:
        snaps = self._all(before="9999-12-31")
        return snaps[-1] if snaps else None

    def _all(self, before: str) -> list[InventorySnapshot]:
        rows = self._gateway.query(TABLE, "0000-00-00", before)
        by_day: dict[str, list[Entity]] = {}
        for row in rows:
            by_day.setdefault(str(row[PK]), []).append(row)
        return [
            InventorySnapshot(
                as_of=parse_day(day),
                deployments=tuple(_deployment(r) for r in day_rows if r["RowKey"] != MARKER),
            )
            for day, day_rows in sorted(by_day.items())
        ]


def _same(a: InventorySnapshot, b: InventorySnapshot) -> bool:
    return set(a.deployments) == set(b.deployments)


def _entities(snapshot: InventorySnapshot) -> list[Entity]:
    day = day_text(snapshot.as_of)
    marker: Entity = {PK: day, "RowKey": MARKER, "Deployments": len(snapshot.deployments)}
    rows = [
        {
            PK: day,
            "RowKey": d.key,
            "DeploymentId": d.deployment_id,
            "AccountId": d.account_id,
            "AccountLocation": d.account_location,
            "Deployment": d.name,
            "Model": d.model,
            "ModelVersion": d.model_version,
            "ModelFormat": d.model_format,
            "Sku": d.sku,
            "Capacity": d.capacity,
        }
        for d in sorted(snapshot.deployments, key=lambda d: d.key)
    ]
    return [marker, *rows]


def _deployment(row: Entity) -> Deployment:
    return Deployment(
        account_id=str(row["AccountId"]),
        name=str(row["Deployment"]),
        model=str(row["Model"]),
        model_version=str(row["ModelVersion"]),
        sku=str(row["Sku"]),
        capacity=int(row["Capacity"]),
        model_format=str(row.get("ModelFormat", "")),
        account_location=str(row.get("AccountLocation", "")),
    )
