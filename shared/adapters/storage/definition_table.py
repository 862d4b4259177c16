"""One partition of definitions (use cases, targets), one row per definition: what the two
definitions tables share.

PartitionKey a fixed name, RowKey the definition's key (a slug); `Definition` holds it as JSON in
the definitions file's shape, read back by the kind's own parser; a kind adds columns of its own
for queries (written, never read). Every write is a diff of the one partition, so storing the
same definitions twice writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    Entity,
    TableGateway,
    exact_range,
    replace,
)
from shared.errors import InvalidInput

MAX_DEFINITION_CHARS = 32_000  # a string property holds at most 64 KiB (UTF-16)
T = TypeVar("T")


class DefinitionTable(Generic[T]):
    """The definitions of one kind: `key` names one, `to_json`/`from_json` are the file's shape,
    `columns` the extra query columns, `what` how messages name the kind (`use case`)."""

    def __init__(
        self,
        gateway: TableGateway,
        table: str,
        partition: str,
        *,
        what: str,
        key: Callable[[T], str],
        to_json: Callable[[T], Mapping[str, object]],
        from_json: Callable[[Mapping[str, object]], T],
        columns: Callable[[T], Mapping[str, str]] = lambda _: {},
        checked: Callable[[str], str] = lambda key: key,
    ) -> None:
        self._gateway = gateway
        self._table = table
        self._partition = partition
        self._what = what
        self._key = key
        self._to_json = to_json
        self._from_json = from_json
        self._columns = columns
        self._checked = checked  # a key as given by a caller, checked before a storage call

    def all(self) -> list[T]:
        """Every stored definition, sorted by key."""
        rows = self._gateway.query(self._table, *exact_range(self._partition))
        return sorted((self._read(row) for row in rows), key=self._key)

    def get(self, key: str) -> T | None:
        found = self._gateway.get(self._table, self._partition, self._checked(key))  # point read
        return self._read(found.entity) if found else None

    def replace_all(self, definitions: Sequence[T]) -> bool:
        """Make the stored set exactly `definitions`; True if anything was written."""
        rows = [self._entity(d) for d in definitions]
        return bool(replace(self._gateway, self._table, exact_range(self._partition), rows))

    def put(self, definition: T) -> bool:
        return self._replace_one(self._key(definition), [self._entity(definition)])

    def delete(self, key: str) -> bool:
        return self._replace_one(self._checked(key), [])

    def _replace_one(self, key: str, rows: list[Entity]) -> bool:
        def mine(e: Entity) -> bool:
            return e[RK] == key

        scope = exact_range(self._partition)
        return bool(replace(self._gateway, self._table, scope, rows, in_scope=mine))

    def _entity(self, definition: T) -> Entity:
        key = self._checked(self._key(definition))
        text = json.dumps(self._to_json(definition), ensure_ascii=False, separators=(",", ":"))
        if len(text) > MAX_DEFINITION_CHARS:
            detail = f"{self._what} {key!r} is too long to store ({len(text)} chars of JSON)"
            raise InvalidInput("definition", detail)
        return {PK: self._partition, RK: key, **self._columns(definition), "Definition": text}

    def _read(self, row: Entity) -> T:
        try:
            return self._from_json(json.loads(str(row["Definition"])))
        except ValueError as err:
            raise InvalidInput("definition", f"stored {self._what} {row[RK]!r}: {err}") from None
