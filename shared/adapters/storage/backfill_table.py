"""The `backfill` table: each billing period a backfill finished (shared/core/backfill.py).

PartitionKey `period`, RowKey the period (`2026-10`); CollectedAt and AllocatedAt (ISO 8601
UTC), InputSeq (the inputs' version it allocated), Result (`allocated` or `no-cost`) and
CostLines. One partition: a backfill reads every record once, and writes one row per period.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.adapters.storage.table_gateway import PK, RK, Entity, TableGateway, exact_range
from shared.core.backfill import BackfillRecord, BackfillResult
from shared.core.period import BillingPeriod

TABLE = "backfill"
PARTITION = "period"


class BackfillTable:
    """The BackfillStore port (shared/services/backfill.py)."""

    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def records(self) -> dict[BillingPeriod, BackfillRecord]:
        rows = self._gateway.query(TABLE, *exact_range(PARTITION))
        return {record.period: record for record in map(_record, rows)}

    def save(self, record: BackfillRecord) -> None:
        self._gateway.write(TABLE, [_entity(record)], [])


def _entity(record: BackfillRecord) -> Entity:
    return {
        PK: PARTITION,
        RK: str(record.period),
        "CollectedAt": _text(record.collected_at),
        "AllocatedAt": _text(record.allocated_at),
        "InputSeq": record.input_sequence,
        "Result": record.result.value,
        "CostLines": record.cost_lines,
    }


def _record(row: Entity) -> BackfillRecord:
    return BackfillRecord(
        period=BillingPeriod.parse(str(row[RK])),
        collected_at=_time(row["CollectedAt"]),
        allocated_at=_time(row["AllocatedAt"]),
        input_sequence=int(row["InputSeq"]),
        result=BackfillResult(str(row["Result"])),
        cost_lines=int(row.get("CostLines", 0)),
    )


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _time(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
