"""The `exportruns` table: which Cost Management export run stored each period's costs, per
price basis (shared/core/export_runs.py; docs/exports.md).

PartitionKey the period (`2026-10`), RowKey the price basis (`ActualCost`, `AmortizedCost`);
RunId, SubmittedTime (ISO 8601 UTC, microseconds), ExportName and Manifest (the manifest's blob
name). One point read per key; a record is an upsert, so recording the same run twice writes
the same entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from shared.adapters.storage.table_gateway import PK, RK, Entity, TableGateway
from shared.core.costs import CostType
from shared.core.export_runs import RunStamp, StampKey

TABLE = "exportruns"


class ExportRunsTable:
    """The ExportRunStore port (shared/services/ports.py)."""

    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def stamps(self, keys: Iterable[StampKey]) -> Mapping[StampKey, RunStamp]:
        found: dict[StampKey, RunStamp] = {}
        for period, basis in dict.fromkeys(keys):
            row = self._gateway.get(TABLE, str(period), basis.value)
            if row is not None:
                found[(period, basis)] = _stamp(row.entity)
        return found

    def record(self, keys: Iterable[StampKey], stamp: RunStamp) -> None:
        entities = [_entity(period, basis, stamp) for period, basis in dict.fromkeys(keys)]
        if entities:
            self._gateway.write(TABLE, entities, [])


def _entity(period: object, basis: CostType, stamp: RunStamp) -> Entity:
    return {
        PK: str(period),
        RK: basis.value,
        "RunId": stamp.run_id,
        "SubmittedTime": stamp.submitted.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "ExportName": stamp.export_name,
        "Manifest": stamp.manifest,
    }


def _stamp(row: Entity) -> RunStamp:
    return RunStamp(
        submitted=datetime.fromisoformat(str(row["SubmittedTime"]).replace("Z", "+00:00")),
        run_id=str(row["RunId"]),
        export_name=str(row.get("ExportName", "")),
        manifest=str(row.get("Manifest", "")),
    )
