"""The `usecases` table: the use-case definitions, one row per use case.

PartitionKey `usecase`, RowKey the use case's name (a slug); `Definition` holds the use case as
JSON in the file's shape (`use_case_json`, with each entry's resolved `deploymentId`), `Owner`
and `CostCenter` are columns of their own for showback queries. Every write is a diff of the one
partition, so applying the same definitions twice writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    Entity,
    TableGateway,
    exact_range,
    replace,
)
from shared.core.use_cases import UseCase, stored_use_case, use_case_json
from shared.errors import InvalidInput

TABLE = "usecases"
PARTITION = "usecase"
MAX_DEFINITION_CHARS = 32_000  # a string property holds at most 64 KiB (UTF-16)


class UseCaseTable:
    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def all(self) -> list[UseCase]:
        rows = self._gateway.query(TABLE, *exact_range(PARTITION))
        return sorted((_use_case(row) for row in rows), key=lambda u: u.name)

    def get(self, name: str) -> UseCase | None:
        found = self._gateway.get(TABLE, PARTITION, name)  # a point read
        return _use_case(found.entity) if found else None

    def replace_all(self, use_cases: Sequence[UseCase]) -> bool:
        rows = [_entity(u) for u in use_cases]
        return bool(replace(self._gateway, TABLE, exact_range(PARTITION), rows))

    def put(self, use_case: UseCase) -> bool:
        return self._replace_one(use_case.name, [_entity(use_case)])

    def delete(self, name: str) -> bool:
        return self._replace_one(name, [])

    def _replace_one(self, name: str, rows: list[Entity]) -> bool:
        def mine(e: Entity) -> bool:
            return e[RK] == name

        return bool(replace(self._gateway, TABLE, exact_range(PARTITION), rows, in_scope=mine))


def _entity(use_case: UseCase) -> Entity:
    text = json.dumps(use_case_json(use_case), ensure_ascii=False, separators=(",", ":"))
    if len(text) > MAX_DEFINITION_CHARS:
        detail = f"use case {use_case.name!r} is too long to store ({len(text)} chars of JSON)"
        raise InvalidInput("definition", detail)
    return {
        PK: PARTITION,
        RK: use_case.name,
        "Owner": use_case.owner,
        "CostCenter": use_case.cost_center,
        "Definition": text,
    }


def _use_case(row: Entity) -> UseCase:
    return stored_use_case(json.loads(str(row["Definition"])))
