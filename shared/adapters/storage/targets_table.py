"""The `targets` table: the unit-cost targets, one row per target.

PartitionKey `target`, RowKey the target's id (a slug). `Definition` holds the target as JSON in
the file's shape (`target_json`, shared/core/targets.py: the scope as written with its resolved
`deploymentId` / `accountId`, threshold and warning ratio as exact decimal strings), read back by
`stored_target`; ScopeKind (`deployment`, `useCase`, `account`, `tenant`), ScopeValue (the ARM
id as the inventory spells it, the use case's name, or "" for the tenant), Metric and CostType
(`ActualCost`, `AmortizedCost`) are columns of their own for queries (written, never read). Every
write is a diff of the one partition, so storing the same targets twice writes nothing
(definition_table.py).
"""

from __future__ import annotations

import re

from shared.adapters.storage.definition_table import DefinitionTable
from shared.adapters.storage.table_gateway import TableGateway
from shared.core.target_records import Target
from shared.core.targets import stored_target, target_json
from shared.errors import InvalidInput

TABLE = "targets"
PARTITION = "target"
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


class TargetTable(DefinitionTable[Target]):
    """The TargetStore port (shared/services/ports.py)."""

    def __init__(self, gateway: TableGateway) -> None:
        super().__init__(
            gateway,
            TABLE,
            PARTITION,
            what="target",
            key=lambda t: t.id,
            to_json=target_json,
            from_json=lambda raw: stored_target(dict(raw)),
            columns=_columns,
            checked=lambda key: checked_key(key, "id"),
        )


def _columns(target: Target) -> dict[str, str]:
    return {
        "ScopeKind": target.scope.kind.value,
        "ScopeValue": target.scope.value,
        "Metric": target.metric.value,
        "CostType": target.cost_type.value,
    }
