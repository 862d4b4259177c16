"""Table Storage access: range and point reads, conditional writes and diff-based replacement
(the in-memory fake with the same semantics is tests/fakes.py).

`TransactionGateway` adds what the target status table needs: `transact`, one entity-group
transaction of conditional writes in one partition (all land or none), and `rows`, RowKey-range
reads (of one partition, or of every partition: a table scan) with the entities' ETags.

`replace` is what makes every write idempotent: it reads what is stored in a key range, writes
only the entities that differ and deletes the ones that are gone, in transactions of at most 100
entities of one partition. Re-running with the same input writes nothing, so even the service's
Timestamp column stays the same.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import (
    EdmType,
    EntityProperty,
    TableServiceClient,
    TableTransactionError,
    UpdateMode,
)

from shared.adapters.storage.storage_errors import storage_adapter
from shared.core.shards import AccountShard
from shared.errors import InvalidInput

Value = str | int | bool
Entity = dict[str, Value]
MAX_BATCH = 100
PK = "PartitionKey"
RK = "RowKey"


@dataclass(frozen=True)
class Change:
    """What a replace did, by partition key."""

    upserted: frozenset[str] = frozenset()
    deleted: frozenset[str] = frozenset()

    @property
    def partitions(self) -> frozenset[str]:
        return self.upserted | self.deleted

    def __bool__(self) -> bool:
        return bool(self.upserted or self.deleted)


class EtagMismatch(Exception):
    """A conditional write lost: the entity changed (or appeared) since it was read."""


@dataclass(frozen=True)
class Versioned:
    """An entity as read, with the ETag a conditional write must match."""

    entity: Entity
    etag: str


class TableGateway(Protocol):
    def ensure(self, tables: Iterable[str]) -> None: ...

    def get(self, table: str, pk: str, rk: str) -> Versioned | None:
        """One entity by key (a point read), or None."""
        ...

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        """Create the entity (etag None: only if absent) or replace it only if its ETag is still
        `etag`; returns the new ETag; raises EtagMismatch when the condition fails."""
        ...

    def exists(self, table: str, pk_from: str, pk_to: str) -> bool:
        """Whether any entity has a PartitionKey in [pk_from, pk_to) (reads one entity at most)."""
        ...

    def query(self, table: str, pk_from: str, pk_to: str) -> list[Entity]:
        """Entities whose PartitionKey is in [pk_from, pk_to), ordered by (PK, RK)."""
        ...

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        """Upsert (replace) and delete entities, batched per partition."""
        ...


@dataclass(frozen=True)
class ConditionalWrite:
    """One entity of a transaction: created only if absent (`etag` None), replaced only if its
    ETag is still `etag`, or, with `force`, replaced whatever is stored (an upsert)."""

    entity: Entity
    etag: str | None = None
    force: bool = False


# The failures of a transaction that mean "a condition failed": the entity exists (create), its
# ETag changed (update), it is gone (update).
LOST_CONDITION_CODES = frozenset(
    {"EntityAlreadyExists", "UpdateConditionNotSatisfied", "ResourceNotFound"}
)
_PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")


class TransactionGateway(TableGateway, Protocol):
    def transact(self, table: str, writes: Sequence[ConditionalWrite]) -> None:
        """All `writes` (one partition, at most 100, each entity once) in one entity-group
        transaction: every one lands or none does; EtagMismatch when a condition fails."""
        ...

    def rows(
        self,
        table: str,
        rk_from: str,
        rk_to: str,
        pk: str | None = None,
        equals: Mapping[str, Value] | None = None,
    ) -> list[Versioned]:
        """Entities with their ETags whose RowKey is in [rk_from, rk_to), of partition `pk` (None:
        of every partition, a scan of the whole table) and whose properties equal `equals`,
        ordered by (PK, RK)."""
        ...


def check_transaction(writes: Sequence[ConditionalWrite]) -> None:
    """InvalidInput unless the writes can be one transaction (one partition, <= 100, distinct)."""
    partitions = {str(w.entity[PK]) for w in writes}
    keys = {str(w.entity[RK]) for w in writes}
    if len(partitions) > 1 or len(writes) > MAX_BATCH or len(keys) != len(writes):
        detail = "a transaction is at most 100 distinct entities of one partition"
        raise InvalidInput("writes", detail)


def check_property_names(equals: Mapping[str, Value]) -> None:
    for name in equals:
        if not _PROPERTY_NAME.match(name):
            raise InvalidInput("equals", f"{name!r} is not a property name")


def prefix_range(prefix: str) -> tuple[str, str]:
    """The PartitionKey range [prefix, prefix + U+FFFF): every key that starts with prefix."""
    return prefix, prefix + "\uffff"


def shard_range(prefix: str, shard: AccountShard | None) -> tuple[str, str]:
    """The PartitionKeys `{prefix}{account key}` of the shard's accounts (all: no shard)."""
    if shard is None:
        return prefix_range(prefix)
    return prefix + shard.lower, prefix + shard.upper if shard.upper else prefix + "\uffff"


def exact_range(pk: str) -> tuple[str, str]:
    return pk, pk + "\x00"


@dataclass(frozen=True)
class Replacement:
    """The writes that make one key range what was wanted (computed, not yet done)."""

    table: str
    upserts: tuple[Entity, ...] = ()
    deletes: tuple[Entity, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.upserts or self.deletes)

    @property
    def change(self) -> Change:
        return Change(
            upserted=frozenset(str(e[PK]) for e in self.upserts),
            deleted=frozenset(str(e[PK]) for e in self.deletes),
        )


@dataclass(frozen=True)
class PlannedWrite:
    """Replacements planned against one gateway, applied together (the PendingWrite port):
    services read and check every source first, then apply what changes."""

    gateway: TableGateway
    replacements: tuple[Replacement, ...] = ()

    def __bool__(self) -> bool:
        return any(self.replacements)

    def apply(self) -> Change:
        upserted: set[str] = set()
        deleted: set[str] = set()
        for r in self.replacements:
            if r:
                self.gateway.write(r.table, r.upserts, r.deletes)
                upserted |= r.change.upserted
                deleted |= r.change.deleted
        return Change(frozenset(upserted), frozenset(deleted))


def plan_replace(
    gateway: TableGateway,
    table: str,
    pk_range: tuple[str, str],
    entities: Iterable[Entity],
    in_scope: Callable[[Entity], bool] = lambda _e: True,
) -> Replacement:
    """The writes that make the in-scope entities of a key range exactly `entities`; an entity
    outside the range, or two with one key, is InvalidInput (nothing is planned)."""
    wanted: dict[tuple[str, str], Entity] = {}
    for ent in entities:
        key = (str(ent[PK]), str(ent[RK]))
        if not pk_range[0] <= key[0] < pk_range[1]:
            raise InvalidInput("entities", f"entity {key} is outside the range being replaced")
        if key in wanted:
            raise InvalidInput("entities", f"duplicate entity key {key}")
        wanted[key] = ent
    stored = {(str(e[PK]), str(e[RK])): e for e in gateway.query(table, *pk_range) if in_scope(e)}
    upserts = tuple(ent for key, ent in wanted.items() if stored.get(key) != ent)
    deletes = tuple(ent for key, ent in stored.items() if key not in wanted)
    return Replacement(table, upserts, deletes)


def replace(
    gateway: TableGateway,
    table: str,
    pk_range: tuple[str, str],
    entities: Iterable[Entity],
    in_scope: Callable[[Entity], bool] = lambda _e: True,
) -> Change:
    """Make the in-scope entities of a key range exactly `entities`; touch nothing else."""
    return PlannedWrite(
        gateway, (plan_replace(gateway, table, pk_range, entities, in_scope),)
    ).apply()


@storage_adapter(lambda gateway: gateway._service.url)
class AzureTableGateway:
    """Azure Table Storage (or Azurite) through azure-data-tables; storage that cannot be reached
    raises StorageUnavailable from every method (shared/adapters/storage_errors.py)."""

    def __init__(self, service: TableServiceClient) -> None:
        self._service = service

    def ensure(self, tables: Iterable[str]) -> None:
        for name in tables:
            with contextlib.suppress(ResourceExistsError):
                self._service.create_table(name)

    def query(self, table: str, pk_from: str, pk_to: str) -> list[Entity]:
        client = self._service.get_table_client(table)
        rows = client.query_entities(
            "PartitionKey ge @lo and PartitionKey lt @hi",
            parameters={"lo": pk_from, "hi": pk_to},
        )
        return sorted((_from_table(dict(row)) for row in rows), key=_order)

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        client = self._service.get_table_client(table)
        for ops in _batches(upserts, deletes):
            client.submit_transaction(ops)

    def get(self, table: str, pk: str, rk: str) -> Versioned | None:
        client = self._service.get_table_client(table)
        try:
            row = client.get_entity(pk, rk)
        except ResourceNotFoundError:
            return None
        return Versioned(_from_table(dict(row)), str(row.metadata["etag"]))

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        client = self._service.get_table_client(table)
        try:
            if etag is None:
                written = client.create_entity(_to_table(entity))
            else:
                written = client.update_entity(
                    _to_table(entity),
                    mode=UpdateMode.REPLACE,
                    etag=etag,
                    match_condition=MatchConditions.IfNotModified,
                )
        except (ResourceExistsError, ResourceModifiedError):
            raise EtagMismatch(f"{table} {entity[PK]}/{entity[RK]} changed meanwhile") from None
        return str(written["etag"])

    def transact(self, table: str, writes: Sequence[ConditionalWrite]) -> None:
        check_transaction(writes)
        if not writes:
            return
        ops: list[tuple] = []
        for w in writes:
            ent = _to_table(w.entity)
            if w.force:
                ops.append(("upsert", ent, {"mode": UpdateMode.REPLACE}))
            elif w.etag is None:
                ops.append(("create", ent))
            else:
                condition = {"etag": w.etag, "match_condition": MatchConditions.IfNotModified}
                ops.append(("update", ent, {"mode": UpdateMode.REPLACE, **condition}))
        client = self._service.get_table_client(table)
        try:
            client.submit_transaction(ops)
        except TableTransactionError as err:
            code = str(getattr(err, "error_code", None) or "")
            if code not in LOST_CONDITION_CODES:
                raise
            failed = writes[err.index] if 0 <= err.index < len(writes) else writes[0]
            key = f"{failed.entity[PK]}/{failed.entity[RK]}"
            raise EtagMismatch(f"{table} {key} changed meanwhile ({code})") from None

    def rows(
        self,
        table: str,
        rk_from: str,
        rk_to: str,
        pk: str | None = None,
        equals: Mapping[str, Value] | None = None,
    ) -> list[Versioned]:
        wanted = dict(equals or {})
        check_property_names(wanted)
        clauses = ["RowKey ge @rk_from", "RowKey lt @rk_to"]
        parameters: dict[str, object] = {"rk_from": rk_from, "rk_to": rk_to}
        if pk is not None:
            clauses.insert(0, "PartitionKey eq @pk")
            parameters["pk"] = pk
        for i, (name, value) in enumerate(sorted(wanted.items())):
            clauses.append(f"{name} eq @v{i}")
            parameters[f"v{i}"] = value
        client = self._service.get_table_client(table)
        found = client.query_entities(" and ".join(clauses), parameters=parameters)
        rows = [Versioned(_from_table(dict(row)), str(row.metadata["etag"])) for row in found]
        return sorted(rows, key=lambda v: _order(v.entity))

    def exists(self, table: str, pk_from: str, pk_to: str) -> bool:
        client = self._service.get_table_client(table)
        rows = client.query_entities(
            "PartitionKey ge @lo and PartitionKey lt @hi",
            parameters={"lo": pk_from, "hi": pk_to},
            results_per_page=1,
            select=[PK],
        )
        # A page may come back empty with a continuation token: stop at the first entity.
        return any(True for page in rows.by_page() for _ in page)


def _batches(upserts: Sequence[Entity], deletes: Sequence[Entity]) -> list[list[tuple]]:
    by_pk: dict[str, list[tuple]] = defaultdict(list)
    for ent in upserts:
        by_pk[str(ent[PK])].append(("upsert", _to_table(ent), {"mode": UpdateMode.REPLACE}))
    for ent in deletes:
        by_pk[str(ent[PK])].append(("delete", {PK: ent[PK], RK: ent[RK]}))
    batches: list[list[tuple]] = []
    for pk in sorted(by_pk):
        ops = by_pk[pk]
        batches.extend(ops[i : i + MAX_BATCH] for i in range(0, len(ops), MAX_BATCH))
    return batches


def _to_table(ent: Entity) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in ent.items():
        if isinstance(value, int) and not isinstance(value, bool):
            out[name] = EntityProperty(value, EdmType.INT64)
        else:
            out[name] = value
    return out


def _from_table(row: dict[str, object]) -> Entity:
    out: Entity = {}
    for name, value in row.items():
        if isinstance(value, EntityProperty):
            value = value.value
        if isinstance(value, str | int | bool):
            out[name] = value
    return out


def _order(ent: Entity) -> tuple[str, str]:
    return str(ent[PK]), str(ent[RK])
