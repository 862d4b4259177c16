"""The `usecases` table: the use-case definitions, one row per use case (definition_table.py).

PartitionKey `usecase`, RowKey the use case's name (a slug); `Definition` holds the use case as
JSON in the file's shape (`use_case_json`, with each entry's resolved `deploymentId`), `Owner`
and `CostCenter` are columns of their own for showback queries.
"""

from __future__ import annotations

from shared.adapters.storage.definition_table import DefinitionTable
from shared.adapters.storage.table_gateway import TableGateway
from shared.core.use_cases import UseCase, stored_use_case, use_case_json

TABLE = "usecases"
PARTITION = "usecase"


class UseCaseTable(DefinitionTable[UseCase]):
    """The UseCaseStore port (shared/services/ports.py)."""

    def __init__(self, gateway: TableGateway) -> None:
        super().__init__(
            gateway,
            TABLE,
            PARTITION,
            what="use case",
            key=lambda u: u.name,
            to_json=use_case_json,
            from_json=lambda raw: stored_use_case(dict(raw)),
            columns=lambda u: {"Owner": u.owner, "CostCenter": u.cost_center},
        )
