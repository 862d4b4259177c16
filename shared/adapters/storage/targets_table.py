"""The `targets` table: the unit-cost targets, one row per target.

PartitionKey `target`, RowKey the target's id (a slug). `Definition` holds the target as JSON in
the file's shape (`target_json`, shared/core/targets.py: the scope as written with its resolved
`deploymentId` / `accountId`, threshold and warning ratio as exact decimal strings), read back by
`stored_target`; ScopeKind (`deployment`, `useCase`, `account`, `tenant`), ScopeValue (the ARM
id as the inventory spells it, the use case's name, or "" for the tenant), Metric and CostType
(`ActualCost`, `AmortizedCost`) are columns of their own for queries (written, never read). Every
write is a diff of the one partition, so storing the same targets twice writes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    Entity,
    TableGateway,
    exact_range,
    replace,
)
from shared.core.target_records import Target
from shared.core.targets import stored_target, target_json
from shared.errors import InvalidInput

TABLE = "targets"
PARTITION = "target"
MAX_DEFINITION_CHARS = 32_000  # a string property holds at most 64 KiB (UTF-16)
MAX_KEY_CHARS = 512  # a key holds at most 1 KiB (UTF-16)
# Characters Table Storage refuses in PartitionKey and RowKey: / \\ # ? and control characters.
_UNSAFE_KEY = re.compile(r"[/\\#?\x00-\x1f\x7f-\x9f]")


def checked_key(value: str, field: str) -> str:
    """`value` if it can be a PartitionKey or RowKey, else InvalidInput naming `field`."""
    if not isinstance(value, str) or not value or len(value) > MAX_KEY_CHARS:
        raise InvalidInput(field, f"must be 1 to {MAX_KEY_CHARS} characters")
    if _UNSAFE_KEY.search(value):
        raise InvalidInput(field, "must not hold / \\ # ? or control characters")
    return value


class TargetTable:
    """The TargetStore port (shared/services/ports.py)."""

    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def all(self) -> list[Target]:
        rows = self._gateway.query(TABLE, *exact_range(PARTITION))
        return sorted((_target(row) for row in rows), key=lambda t: t.id)

    def get(self, target_id: str) -> Target | None:
        found = self._gateway.get(TABLE, PARTITION, checked_key(target_id, "id"))
        return _target(found.entity) if found else None

    def replace_all(self, targets: Sequence[Target]) -> bool:
        rows = [_entity(t) for t in targets]
        return bool(replace(self._gateway, TABLE, exact_range(PARTITION), rows))

    def put(self, target: Target) -> bool:
        return self._replace_one(target.id, [_entity(target)])

    def delete(self, target_id: str) -> bool:
        return self._replace_one(checked_key(target_id, "id"), [])

    def _replace_one(self, target_id: str, rows: list[Entity]) -> bool:
        def mine(e: Entity) -> bool:
            return e[RK] == target_id

        return bool(replace(self._gateway, TABLE, exact_range(PARTITION), rows, in_scope=mine))


def _entity(target: Target) -> Entity:
    text = json.dumps(target_json(target), ensure_ascii=False, separators=(",", ":"))
    if len(text) > MAX_DEFINITION_CHARS:
        detail = f"target {target.id!r} is too long to store ({len(text)} chars of JSON)"
        raise InvalidInput("definition", detail)
    return {
        PK: PARTITION,
        RK: checked_key(target.id, "id"),
        "ScopeKind": target.scope.kind.value,
        "ScopeValue": target.scope.value,
        "Metric": target.metric.value,
        "CostType": target.cost_type.value,
        "Definition": text,
    }


def _target(row: Entity) -> Target:
    try:
        return stored_target(json.loads(str(row["Definition"])))
    except ValueError as err:
        raise InvalidInput("definition", f"stored target {row[RK]!r}: {err}") from None
