"""The `inputs` table: per period and source, the sequence of its stored inputs and who writes it.

PK the period (`2026-10`) or `_shared` (inventory, prices), RK the source (`costs-actual`, ...).
Seq grows by one each time a collection changed that input; WritingSince is set while a
collection writes it; CollectedAt is when a collection last read it whole (changed or not).
Every update is conditional on the ETag read, so concurrent writers of different sources never
lose each other's bumps. See shared/core/inputs.py for the rules.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime

from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    Entity,
    EtagMismatch,
    TableGateway,
    exact_range,
    prefix_range,
)
from shared.core.clock import utc_now
from shared.core.inputs import InputScope, InputSource, InputVersion, Writer
from shared.core.period import BillingPeriod
from shared.errors import CollectionInProgress

TABLE = "inputs"
SHARED = "_shared"
ATTEMPTS = 8


class InputVersionsTable:
    def __init__(self, gateway: TableGateway, clock: Callable[[], datetime] = utc_now) -> None:
        self._gateway = gateway
        self._clock = clock

    def begin(self, scopes: Iterable[InputScope]) -> None:
        """Mark the scopes as being written; CollectionInProgress if a live writer holds one.

        A mark older than the writer lease is taken over (its writer stopped half-way), and the
        takeover is remembered so that `end` bumps the sequence even if nothing else changes.
        """
        begun: list[InputScope] = []
        try:
            for scope in sorted(set(scopes), key=str):
                self._update(scope, functools.partial(self._begun, scope))
                begun.append(scope)
        except CollectionInProgress:
            self.end(begun, changed=())
            raise

    def end(self, scopes: Iterable[InputScope], changed: Collection[InputScope]) -> set[InputScope]:
        """Clear the marks; bump the changed scopes (and taken-over ones). Returns the bumped."""
        bumped: set[InputScope] = set()
        for scope in sorted(set(scopes), key=str):
            row = self._update(scope, functools.partial(_ended, changed=scope in changed))
            if row.get("Bumped"):
                bumped.add(scope)
        return bumped

    def version(self, period: BillingPeriod) -> InputVersion:
        """The sum of the period's and the shared sequences of the allocation's inputs, and
        those of them being written."""
        rows = [
            r
            for r in (
                *self._gateway.query(TABLE, *exact_range(str(period))),
                *self._gateway.query(TABLE, *exact_range(SHARED)),
            )
            if InputSource(str(r[RK])).feeds_allocation
        ]
        writers = tuple(
            Writer(InputScope.of(InputSource(str(r[RK])), period), _time(r["WritingSince"]))
            for r in rows
            if r.get("WritingSince")
        )
        return InputVersion(sum(int(r.get("Seq", 0)) for r in rows), writers)

    def collected(self, scopes: Iterable[InputScope]) -> None:
        """Stamp `CollectedAt` on each scope: a collection read it whole now, changed or not."""
        at = _text(self._clock())
        for scope in sorted(set(scopes), key=str):
            self._update(scope, lambda row: {**row, "CollectedAt": at})

    def collection_stamps(self) -> dict[InputScope, datetime]:
        """Every scope's `CollectedAt`, in one query of the (small: sources x periods) table."""
        return {
            _scope(r): _time(r["CollectedAt"])
            for r in self._gateway.query(TABLE, *prefix_range(""))
            if r.get("CollectedAt")
        }

    def stalled(self, scopes: Iterable[InputScope]) -> set[InputScope]:
        """The scopes whose writer stopped half-way (a mark older than the writer lease)."""
        now, found = self._clock(), set()
        for scope in set(scopes):
            row = self._gateway.get(TABLE, *_key(scope))
            since = str(row.entity.get("WritingSince", "")) if row else ""
            if since and Writer(scope, _time(since)).stale(now):
                found.add(scope)
        return found

    def _begun(self, scope: InputScope, row: Entity) -> Entity:
        since = str(row.get("WritingSince", ""))
        now = self._clock()
        if since and not Writer(scope, _time(since)).stale(now):
            raise CollectionInProgress(
                f"{scope} is being written by another collection since {since}; "
                "try again when it is done"
            )
        return {**row, "WritingSince": _text(now), "TakenOver": bool(since), "Bumped": False}

    def _update(self, scope: InputScope, change: Callable[[Entity], Entity]) -> Entity:
        key = _key(scope)
        for _ in range(ATTEMPTS):
            found = self._gateway.get(TABLE, *key)
            row: Entity = found.entity if found else {PK: key[0], RK: key[1], "Seq": 0}
            updated = change(dict(row))
            try:
                self._gateway.put_if(TABLE, updated, found.etag if found else None)
            except EtagMismatch:
                continue
            return updated
        raise CollectionInProgress(f"{scope}: the input version kept changing; try again")


def _scope(row: Entity) -> InputScope:
    period = str(row[PK])
    return InputScope(
        InputSource(str(row[RK])), None if period == SHARED else BillingPeriod.parse(period)
    )


def _key(scope: InputScope) -> tuple[str, str]:
    return (SHARED if scope.period is None else str(scope.period), scope.source.value)


def _ended(row: Entity, changed: bool) -> Entity:
    bump = changed or bool(row.get("TakenOver"))
    seq = int(row.get("Seq", 0)) + (1 if bump else 0)
    return {**row, "Seq": seq, "WritingSince": "", "TakenOver": False, "Bumped": bump}


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _time(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
