"""The `inventory` table: timed snapshots of the deployment inventory, stored only when it changes.

PartitionKey the snapshot time (`2026-10-15T06:50:00Z`; older rows hold a bare date, read as
midnight UTC), RowKey the deployment key; a marker row `_snapshot` makes an empty inventory a
snapshot too. The index (PK `_index`, one row per month listing its snapshot keys) lets readers
find the snapshots they need without reading the others.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

from shared.adapters.storage.deployment_columns import deployment_columns, deployment_of
from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    Entity,
    PlannedWrite,
    TableGateway,
    exact_range,
    plan_replace,
)
from shared.core.inventory import Deployment, InventorySnapshot
from shared.core.period import BillingPeriod, midnight_utc
from shared.core.resource_id import id_key

TABLE = "inventory"
MARKER = "_snapshot"
INDEX = "_index"  # PK of the index rows: RK the month, Keys its snapshot keys (JSON)
FIRST, LAST = "0000-00-00", "9999-12-31"  # every snapshot key (the index sorts after them)


class InventoryTable:
    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def plan_save(self, snapshot: InventorySnapshot) -> PlannedWrite:
        """The writes that store the snapshot and index it, none if it equals the one in force
        before it."""
        key = time_text(snapshot.taken_at)
        keys, indexed = self._keys()
        earlier = [k for k in keys if parse_time(k) < snapshot.taken_at]
        before = self._read(earlier[-1:])
        if before and _same(before[-1], snapshot):
            return PlannedWrite(self._gateway)
        rows = plan_replace(self._gateway, TABLE, exact_range(key), _entities(snapshot))
        months = _index_rows(sorted({*keys, key}, key=parse_time))
        touched = {_month(key)} if indexed else {str(row[RK]) for row in months}
        index = plan_replace(
            self._gateway,
            TABLE,
            exact_range(INDEX),
            [row for row in months if row[RK] in touched],
            in_scope=lambda e: str(e[RK]) in touched,
        )
        return PlannedWrite(self._gateway, (rows, index))

    def save(self, snapshot: InventorySnapshot) -> bool:
        """Store the snapshot unless it equals the one in force before it; True if changed."""
        return bool(self.plan_save(snapshot).apply())

    def snapshots_for(self, period: BillingPeriod) -> list[InventorySnapshot]:
        """The snapshot in force at the period's start and every snapshot taken within it.

        A period older than the first snapshot (a backfill) gets the earliest snapshot: ARM only
        tells what exists now, so that is the best knowledge of what ran then. Reads the index
        and those snapshots only.
        """
        keys, _ = self._keys()
        begins, ends = midnight_utc(period.start), midnight_utc(period.end)
        start = [k for k in keys if parse_time(k) <= begins][-1:]
        inside = [k for k in keys if begins < parse_time(k) < ends]
        return self._read(start + inside if start or inside else keys[:1])

    def latest(self) -> InventorySnapshot | None:
        """The newest snapshot (the index, then that snapshot's partition)."""
        keys, _ = self._keys()
        found = self._read(keys[-1:])
        return found[-1] if found else None

    def known_deployments(self) -> list[Deployment]:
        """Every deployment of every snapshot, once each (the newest snapshot's record), sorted by
        key: what use cases may name. Reads the index and every snapshot (one key range)."""
        keys, _ = self._keys()
        found: dict[str, Deployment] = {}
        for snapshot in self._read(keys):
            found.update((id_key(d.deployment_id), d) for d in snapshot.deployments)
        return sorted(found.values(), key=lambda d: d.key)

    def _keys(self) -> tuple[list[str], bool]:
        """Every snapshot key in time order, and whether it came from the index (a table stored
        before the index existed is scanned once; its next save writes the index)."""
        months = self._gateway.query(TABLE, *exact_range(INDEX))
        if months:
            keys = [str(k) for row in months for k in json.loads(str(row["Keys"]))]
            return sorted(set(keys), key=parse_time), True
        scanned = {str(row[PK]) for row in self._gateway.query(TABLE, FIRST, LAST)}
        return sorted(scanned, key=parse_time), False

    def _read(self, keys: list[str]) -> list[InventorySnapshot]:
        """The snapshots of these keys (consecutive in time), read as one key range."""
        if not keys:
            return []
        wanted = set(keys)
        rows = self._gateway.query(TABLE, keys[0], keys[-1] + "\x00")
        by_time: dict[str, list[Entity]] = {}
        for row in rows:
            if str(row[PK]) in wanted:
                by_time.setdefault(str(row[PK]), []).append(row)
        snapshots = [
            InventorySnapshot(
                taken_at=parse_time(key),
                deployments=tuple(_deployment(r) for r in key_rows if r[RK] != MARKER),
            )
            for key, key_rows in by_time.items()
        ]
        return sorted(snapshots, key=lambda s: s.taken_at)


def _month(key: str) -> str:
    return key[:7]


def _index_rows(keys: list[str]) -> list[Entity]:
    """One index row per month of snapshot keys."""
    by_month: dict[str, list[str]] = {}
    for key in keys:
        by_month.setdefault(_month(key), []).append(key)
    return [
        {PK: INDEX, RK: month, "Keys": json.dumps(month_keys)}
        for month, month_keys in sorted(by_month.items())
    ]


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
            RK: d.key,
            **deployment_columns(d),
            "CreatedAt": time_text(d.created_at) if d.created_at else "",
            "ModifiedAt": time_text(d.modified_at) if d.modified_at else "",
        }
        for d in sorted(snapshot.deployments, key=lambda d: d.key)
    ]
    return [marker, *rows]


def _deployment(row: Entity) -> Deployment:
    return dataclasses.replace(
        deployment_of(row),
        created_at=_optional_time(row.get("CreatedAt")),
        modified_at=_optional_time(row.get("ModifiedAt")),
    )
