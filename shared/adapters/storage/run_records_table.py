"""The `runs` table: each collection task's latest run and its last success
(shared/core/run_records.py), the RunRecordStore port.

PartitionKey `task`, RowKey the task name (`costs`, `usage`, `inventory`, `telemetry`);
StartedAt, FinishedAt and LastSuccess (ISO 8601 UTC, absent when unset), Status (`running`,
`succeeded`, `failed`), Counts (JSON: what the run read, by name) and Failure (one line). One
partition: the health route reads every task in one query, and a run writes one entity twice
(when it starts and when it ends).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from shared.adapters.storage.table_gateway import PK, RK, Entity, TableGateway, exact_range
from shared.core.run_records import RunRecord, RunStatus
from shared.errors import InvalidInput

TABLE = "runs"
PARTITION = "task"


class RunRecordsTable:
    """The RunRecordStore port (shared/services/ports.py) over Table Storage."""

    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def get(self, task: str) -> RunRecord | None:
        found = self._gateway.get(TABLE, PARTITION, task)
        return _record(found.entity) if found else None

    def save(self, record: RunRecord) -> None:
        self._gateway.write(TABLE, [_entity(record)], [])

    def all(self) -> list[RunRecord]:
        return sorted(map(_record, self._gateway.query(TABLE, *exact_range(PARTITION))), key=_task)


def _task(record: RunRecord) -> str:
    return record.task


def _entity(record: RunRecord) -> Entity:
    entity: Entity = {
        PK: PARTITION,
        RK: record.task,
        "StartedAt": _text(record.started_at),
        "Status": record.status.value,
        "Counts": json.dumps(dict(record.counts), sort_keys=True),
    }
    if record.finished_at is not None:
        entity["FinishedAt"] = _text(record.finished_at)
    if record.last_success is not None:
        entity["LastSuccess"] = _text(record.last_success)
    if record.failure is not None:
        entity["Failure"] = record.failure
    return entity


def _record(row: Entity) -> RunRecord:
    try:
        counts = json.loads(str(row.get("Counts") or "{}"))
        if not isinstance(counts, dict):
            raise ValueError("Counts is not an object")
        return RunRecord(
            task=str(row[RK]),
            started_at=_time(row["StartedAt"]),
            status=RunStatus(str(row["Status"])),
            finished_at=_time(row["FinishedAt"]) if "FinishedAt" in row else None,
            counts=tuple(sorted((str(k), int(v)) for k, v in counts.items())),
            failure=str(row["Failure"]) if "Failure" in row else None,
            last_success=_time(row["LastSuccess"]) if "LastSuccess" in row else None,
        )
    except (KeyError, ValueError, TypeError) as error:
        raise InvalidInput(f"{TABLE} row {row.get(RK)!r}", f"unreadable ({error})") from None


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _time(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
