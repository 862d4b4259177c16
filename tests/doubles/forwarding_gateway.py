"""A TableGateway that hands every call to another: the base of the tests' and benchmarks'
gateways that count, fail or run something meanwhile (each overrides only what it hooks)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.adapters.storage.table_gateway import Entity, TableGateway, Versioned


@dataclass
class ForwardingGateway:
    inner: TableGateway

    def ensure(self, tables: Iterable[str]) -> None:
        self.inner.ensure(tables)

    def get(self, table: str, pk: str, rk: str) -> Versioned | None:
        return self.inner.get(table, pk, rk)

    def exists(self, table: str, pk_from: str, pk_to: str) -> bool:
        return self.inner.exists(table, pk_from, pk_to)

    def query(self, table: str, pk_from: str, pk_to: str) -> list[Entity]:
        return self.inner.query(table, pk_from, pk_to)

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        return self.inner.put_if(table, entity, etag)

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        self.inner.write(table, upserts, deletes)
