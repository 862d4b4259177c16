"""The `inventory` table: timed snapshots of the deployment inventory, stored only when it changes.

PartitionKey the snapshot time (`2026-10-15T06:50:00Z`; older rows hold a bare date, read as
midnight UTC), RowKey the deployment key; a marker row `_snapshot` makes an empty inventory a
snapshot too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.adapters.storage.table_gateway import (
    PK,
    Entity,
    PlannedWrite,
    TableGateway,
    exact_range,
    plan_replace,
)
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.period import BillingPeriod, midnight_utc

TABLE = "inventory"
MARKER = "_snapshot"


class InventoryTable:
    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def plan_save(self, snapshot: InventorySnapshot) -> PlannedWrite:
        """The writes that store the snapshot, none if it equals the one in force before it."""
        key = time_text(snapshot.taken_at)
        earlier = self._all(before=key)
        same_as_before = bool(earlier) and _same(earlier[-1], snapshot)
        entities = [] if same_as_before else _entities(snapshot)
        return PlannedWrite(
            self._gateway, (plan_replace(self._gateway, TABLE, exact_range(key), entities),)
        )

    def save(self, snapshot: InventorySnapshot) -> bool:
        """Store the snapshot unless it equals the one in force before it; True if changed."""
        return bool(self.plan_save(snapshot).apply())

    def snapshots_for(self, period: BillingPeriod) -> list[InventorySnapshot]:
        """The snapshot in force at the period's start and every snapshot taken within it.

        A period older than the first snapshot (a backfill) gets the earliest snapshot: ARM only
        tells what exists now, so that is the best knowledge of what ran then.
        """
        snaps = self._all(before="9999-12-31")
        begins, ends = midnight_utc(period.start), midnight_utc(period.end)
        start = [s for s in snaps if s.taken_at <= begins][-1:]
        inside = [s for s in snaps if begins < s.taken_at < ends]
        if not start and not inside:
            return snaps[:1]
        return start + inside

    def latest(self) -> InventorySnapshot | None:
        snaps = self._all(before="9999-12-31")
        return snaps[-1] if snaps else None

    def _all(self, before: str) -> list[InventorySnapshot]:
        rows = self._gateway.query(TABLE, "0000-00-00", before)
        by_time: dict[str, list[Entity]] = {}
        for row in rows:
            by_time.setdefault(str(row[PK]), []).append(row)
        snapshots = [
            InventorySnapshot(
                taken_at=parse_time(key),
                deployments=tuple(_deployment(r) for r in key_rows if r["RowKey"] != MARKER),
            )
            for key, key_rows in by_time.items()
        ]
        return sorted(snapshots, key=lambda s: s.taken_at)


def time_text(moment: datetime) -> str:
    """A snapshot time as a sortable key: UTC, whole seconds, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime:
    """A stored time (ISO 8601, or a bare date meaning midnight UTC) as an aware datetime."""
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _optional_time(value: object) -> datetime | None:
    return parse_time(str(value)) if value else None


def _same(a: InventorySnapshot, b: InventorySnapshot) -> bool:
    return set(a.deployments) == set(b.deployments)


def _entities(snapshot: InventorySnapshot) -> list[Entity]:
    key = time_text(snapshot.taken_at)
    marker: Entity = {PK: key, "RowKey": MARKER, "Deployments": len(snapshot.deployments)}
    rows: list[Entity] = [
        {
            PK: key,
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
            "CreatedAt": time_text(d.created_at) if d.created_at else "",
            "ModifiedAt": time_text(d.modified_at) if d.modified_at else "",
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
        created_at=_optional_time(row.get("CreatedAt")),
        modified_at=_optional_time(row.get("ModifiedAt")),
    )
