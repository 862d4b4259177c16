"""Azure Storage (Azurite) for tests: emptied between the tests that use it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from shared.adapters.storage.allocation_tables import stored_lines
from shared.adapters.storage.input_versions_table import TABLE as INPUTS


def clear_storage(connection_string: str) -> None:
    """Delete every table and queue of the storage account at `connection_string`."""
    from azure.data.tables import TableServiceClient
    from azure.storage.queue import QueueServiceClient

    tables = TableServiceClient.from_connection_string(connection_string)
    for table in tables.list_tables():
        tables.delete_table(table.name)
    queues = QueueServiceClient.from_connection_string(connection_string)
    for queue in queues.list_queues():
        queues.delete_queue(queue.name)


COLLECTION_STAMP = "CollectedAt"  # rewritten in `inputs` by every collection, changed or not


def without_stamp(table: str, row: Mapping[str, object]) -> dict[str, object]:
    """A row as a rerun must leave it: of the `inputs` table, all but its collection stamp."""
    if table != INPUTS:
        return dict(row)
    return {k: v for k, v in row.items() if k != COLLECTION_STAMP}


def cost_of(row: Mapping[str, object]) -> Decimal:
    """The cost a stored daily row holds: the sum of the lines packed in it."""
    return sum((line.cost for line in stored_lines(row)), Decimal(0))
