"""In-memory fakes of the ports and of the table gateway, for unit tests of services and adapters.

Each keeps the semantics of the real thing that a test can observe, and records what was asked of
it. The real adapters are tested against Azurite and HTTPS doubles (tests/integration).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from shared.adapters.storage.table_gateway import (
    MAX_BATCH,
    PK,
    RK,
    ConditionalWrite,
    Entity,
    EtagMismatch,
    Value,
    Versioned,
    _batches,  # the Azure gateway's transactions: the fake checks and counts the same ones
    check_property_names,
    check_transaction,
)
from shared.core.arm_ids import deployment_key_of
from shared.core.callers import Caller, CallerKind, CallerUsage, TelemetrySource, kinds_of
from shared.core.catalogue import RetailPriceItem, item_identity, unique_items
from shared.core.inputs import InputScope, InputVersion, Writer
from shared.core.outcomes import EVENT_ID, EVENT_ID_RULE, DailyOutcomes, OutcomeEvent, PushReport
from shared.core.period import BillingPeriod, DateWindow
from shared.core.requests import AllocationRequest, PoisonedMessage, QueuedMessage
from shared.core.resource_id import id_key
from shared.core.shards import AccountShard
from shared.core.use_cases import SLUG, SLUG_RULE
from shared.errors import CollectionInProgress, Conflict, InvalidInput
from shared.services.allocation import AllocationOutcome, AllocationStatus
from tests.builders import NOW


@dataclass
class MemoryTableGateway:
    """A TableGateway in memory with the Azure gateway's semantics: every write is checked to be
    transactions of at most 100 entities of one partition (`writes` counts them, and the
    conditional writes), and ETags guard `get` / `put_if`."""

    tables: dict[str, dict[tuple[str, str], Entity]] = field(default_factory=dict)
    writes: int = 0
    etags: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def ensure(self, tables: Iterable[str]) -> None:
        for name in tables:
            self.tables.setdefault(name, {})

    def query(self, table: str, pk_from: str, pk_to: str) -> list[Entity]:
        rows = self.tables.get(table, {})
        found = [dict(e) for (pk, _rk), e in rows.items() if pk_from <= pk < pk_to]
        return sorted(found, key=lambda e: (str(e[PK]), str(e[RK])))

    def write(self, table: str, upserts: Sequence[Entity], deletes: Sequence[Entity]) -> None:
        rows = self.tables.setdefault(table, {})
        for batch in _batches(upserts, deletes):
            if len(batch) > MAX_BATCH or len({op[1][PK] for op in batch}) != 1:
                raise AssertionError("a transaction must hold <= 100 entities of one partition")
            self.writes += 1
        for ent in upserts:
            key = (str(ent[PK]), str(ent[RK]))
            rows[key] = dict(ent)
            self.etags[(table, *key)] = self.etags.get((table, *key), 0) + 1
        for ent in deletes:
            rows.pop((str(ent[PK]), str(ent[RK])), None)

    def get(self, table: str, pk: str, rk: str) -> Versioned | None:
        found = self.tables.get(table, {}).get((pk, rk))
        if found is None:
            return None
        return Versioned(dict(found), str(self.etags.get((table, pk, rk), 0)))

    def put_if(self, table: str, entity: Entity, etag: str | None) -> str:
        key = (str(entity[PK]), str(entity[RK]))
        rows = self.tables.setdefault(table, {})
        current = str(self.etags.get((table, *key), 0)) if key in rows else None
        if current != etag:
            raise EtagMismatch(f"{table} {key[0]}/{key[1]} changed meanwhile")
        rows[key] = dict(entity)
        self.etags[(table, *key)] = self.etags.get((table, *key), 0) + 1
        self.writes += 1
        return str(self.etags[(table, *key)])

    def exists(self, table: str, pk_from: str, pk_to: str) -> bool:
        return any(pk_from <= pk < pk_to for pk, _rk in self.tables.get(table, {}))

    def transact(self, table: str, writes: Sequence[ConditionalWrite]) -> None:
        """Every condition checked first, then every write applied (one transaction counted)."""
        check_transaction(writes)
        if not writes:
            return
        rows = self.tables.setdefault(table, {})
        for w in writes:
            key = (str(w.entity[PK]), str(w.entity[RK]))
            current = str(self.etags.get((table, *key), 0)) if key in rows else None
            if not w.force and current != w.etag:
                raise EtagMismatch(f"{table} {key[0]}/{key[1]} changed meanwhile")
        for w in writes:
            key = (str(w.entity[PK]), str(w.entity[RK]))
            rows[key] = dict(w.entity)
            self.etags[(table, *key)] = self.etags.get((table, *key), 0) + 1
        self.writes += 1

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

        def matches(e: Entity) -> bool:
            # Table Storage compares typed values: a bool property never equals an int one.
            return all(
                name in e and type(e[name]) is type(value) and e[name] == value
                for name, value in wanted.items()
            )

        found = [
            Versioned(dict(e), str(self.etags.get((table, p, r), 0)))
            for (p, r), e in self.tables.get(table, {}).items()
            if (pk is None or p == pk) and rk_from <= r < rk_to and matches(e)
        ]
        return sorted(found, key=lambda v: (str(v.entity[PK]), str(v.entity[RK])))


@dataclass
class ListQueue:
    """An AllocationQueue and AllocationDeferral: `sent` every period enqueued (each call's
    periods once, in order), `deferred` the delayed requests."""

    sent: list[BillingPeriod] = field(default_factory=list)
    deferred: list[tuple[BillingPeriod, timedelta]] = field(default_factory=list)
    requests: list[tuple[AllocationRequest, timedelta]] = field(default_factory=list)

    def enqueue(self, periods: Iterable[BillingPeriod]) -> None:
        self.sent.extend(sorted(set(periods)))

    def send(self, requests: Sequence[AllocationRequest], delay: timedelta = timedelta(0)) -> None:
        self.requests.extend((request, delay) for request in requests)

    def defer(self, period: BillingPeriod, delay: timedelta) -> None:
        """Recorded, not delivered: the fake has no clock to make it visible."""
        self.deferred.append((period, delay))


@dataclass
class MemoryAllocationQueue(ListQueue):
    """The AllocationRequestQueue port in memory: what ListQueue records, and the messages:
    `waiting` not yet received, `in_flight` received and not completed, `completed`, and
    `poisoned` what went to the poison queue."""

    waiting: list[QueuedMessage] = field(default_factory=list)
    in_flight: dict[str, QueuedMessage] = field(default_factory=dict)
    completed: list[QueuedMessage] = field(default_factory=list)
    poisoned: list[PoisonedMessage] = field(default_factory=list)
    name: str = "allocation-requests"
    ensured: bool = False
    _ids: int = 0

    def ensure(self) -> None:
        self.ensured = True

    def enqueue(self, periods: Iterable[BillingPeriod]) -> None:
        wanted = sorted(set(periods))
        super().enqueue(wanted)
        for period in wanted:
            self.put(AllocationRequest(period).to_json())

    def send(self, requests: Sequence[AllocationRequest], delay: timedelta = timedelta(0)) -> None:
        """Delivered at once: the fake has no clock to hold a delay."""
        super().send(requests, delay)
        for request in requests:
            self.put(request.to_json())

    def put(self, text: str, undecodable: str | None = None) -> QueuedMessage:
        """Add a raw message (a bad one, in tests), as a producer or another tool would."""
        self._ids += 1
        message = QueuedMessage(str(self._ids), text, 0, undecodable=undecodable)
        self.waiting.append(message)
        return message

    def receive(self, max_messages: int = 32, visibility_timeout: int = 60) -> list[QueuedMessage]:
        del visibility_timeout  # a received message stays in flight until completed
        taken, self.waiting = self.waiting[:max_messages], self.waiting[max_messages:]
        batch = []
        for message in taken:
            delivered = QueuedMessage(
                message.id, message.text, message.dequeue_count + 1, undecodable=message.undecodable
            )
            self.in_flight[delivered.id] = delivered
            batch.append(delivered)
        return batch

    def complete(self, message: QueuedMessage) -> None:
        self.completed.append(self.in_flight.pop(message.id))

    def poison(self, message: PoisonedMessage) -> None:
        self.poisoned.append(message)


@dataclass
class FakeAllocator:
    """The Allocator port (the allocation service) by recording: `done` every period allocated;
    raises what `failures` says for a period."""

    failures: dict[BillingPeriod, Exception] = field(default_factory=dict)
    done: list[BillingPeriod] = field(default_factory=list)

    def allocate(self, period: BillingPeriod) -> AllocationOutcome:
        if period in self.failures:
            raise self.failures[period]
        self.done.append(period)
        return AllocationOutcome(period, AllocationStatus.ALLOCATED, detail="recorded")

    def allocate_shard(self, period: BillingPeriod, shard: AccountShard) -> AllocationOutcome:
        self.allocate(period)  # records it, or raises what `failures` says
        return AllocationOutcome(period, AllocationStatus.PART, detail="recorded", shard=shard)


@dataclass
class MemoryInputVersions:
    """The InputVersions port in memory (the rules of shared/core/inputs.py): `begin` marks the
    scopes as being written since the clock's time (CollectionInProgress if a live writer holds
    one), `end` clears the marks and bumps the sequences of the changed scopes (and of scopes
    taken over from a writer that stopped half-way)."""

    clock: Callable[[], datetime] = lambda: NOW
    sequences: dict[InputScope, int] = field(default_factory=dict)
    writing: dict[InputScope, datetime] = field(default_factory=dict)
    taken_over: set[InputScope] = field(default_factory=set)
    collected_at: dict[InputScope, datetime] = field(default_factory=dict)

    def begin(self, scopes: Iterable[InputScope]) -> None:
        wanted = set(scopes)
        held = wanted & set(self.writing)
        if live := held - self.stalled(held):
            raise CollectionInProgress(f"{min(live, key=str)} is being written by another one")
        self.taken_over |= held
        self.writing.update(dict.fromkeys(wanted, self.clock()))

    def end(self, scopes: Iterable[InputScope], changed: Collection[InputScope]) -> set[InputScope]:
        bumped = set()
        for scope in set(scopes):
            self.writing.pop(scope, None)
            if scope in changed or scope in self.taken_over:
                self.sequences[scope] = self.sequences.get(scope, 0) + 1
                bumped.add(scope)
            self.taken_over.discard(scope)
        return bumped

    def version(self, period: BillingPeriod) -> InputVersion:
        def seen(scope: InputScope) -> bool:
            return scope.period in (None, period) and scope.source.feeds_allocation

        writers = tuple(
            Writer(s, since)
            for s, since in sorted(self.writing.items(), key=lambda kv: str(kv[0]))
            if seen(s)
        )
        return InputVersion(sum(n for s, n in self.sequences.items() if seen(s)), writers)

    def collected(self, scopes: Iterable[InputScope]) -> None:
        self.collected_at.update({s: self.clock() for s in scopes})

    def collection_stamps(self) -> dict[InputScope, datetime]:
        return dict(self.collected_at)

    def stalled(self, scopes: Iterable[InputScope]) -> set[InputScope]:
        now = self.clock()
        return {s for s in scopes if s in self.writing and Writer(s, self.writing[s]).stale(now)}


@dataclass
class MemoryPriceStore:
    """The PriceStore port in memory: the stored items by identity (the first of each kept, as the
    price table does), and `refreshes` every (refreshed_at, source) it was asked to store."""

    items: dict[tuple[str, ...], RetailPriceItem] = field(default_factory=dict)
    refreshes: list[tuple[datetime, str]] = field(default_factory=list)

    def replace_items(
        self, items: Sequence[RetailPriceItem], refreshed_at: datetime, source: str
    ) -> bool:
        if not items:
            raise InvalidInput("items", "refusing to replace the stored catalogue with no items")
        unique, _conflicts = unique_items(items)
        wanted = {item_identity(i): i for i in unique}
        changed = wanted != self.items
        self.items = wanted
        self.refreshes.append((refreshed_at, source))
        return changed


@dataclass
class MemoryWrite:
    """A PendingWrite in memory: the rows of `target` to set and to drop, computed when planned
    (a diff: falsy when nothing changes); `apply` counts itself in `log` when it writes."""

    target: dict[Any, Any]
    put: dict[Any, Any] = field(default_factory=dict)
    drop: tuple[Any, ...] = ()
    log: list[MemoryWrite] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.put or self.drop)

    def apply(self) -> bool:
        for key in self.drop:
            self.target.pop(key, None)
        self.target.update(self.put)
        if self:
            self.log.append(self)
        return bool(self)


def _memory_diff(
    target: dict[Any, Any],
    wanted: dict[Any, Any],
    in_scope: Callable[[Any], bool],
    log: list[MemoryWrite],
) -> MemoryWrite:
    put = {k: v for k, v in wanted.items() if target.get(k) != v}
    drop = tuple(k for k in target if in_scope(k) and k not in wanted)
    return MemoryWrite(target, put, drop, log)


@dataclass
class MemoryCallerUsage:
    """The CallerUsageStore port in memory (the rules of callers_table.py): usage by (day,
    deployment id in any casing, caller), one day's duplicates summed with the first spelling;
    a window's plan replaces the source's kinds on the window's days only; `writes` every
    planned write applied that changed something."""

    rows: dict[tuple[date, str, Caller], CallerUsage] = field(default_factory=dict)
    writes: list[MemoryWrite] = field(default_factory=list)

    def plan_window(
        self, window: DateWindow, source: TelemetrySource, usage: Sequence[CallerUsage]
    ) -> dict[BillingPeriod, MemoryWrite]:
        kinds = kinds_of(source)
        wanted: dict[tuple[date, str, Caller], CallerUsage] = {}
        for u in usage:
            if u.caller.kind not in kinds:
                raise InvalidInput("usage", f"caller {u.caller} is not of {source.value}")
        for u in usage:
            if u.date not in window:
                continue
            deployment_key_of(u.deployment_id)  # a deployment id, or InvalidInput
            key = (u.date, id_key(u.deployment_id), u.caller)
            seen = wanted.get(key)
            wanted[key] = (
                u
                if seen is None
                else replace(
                    seen,
                    input_tokens=seen.input_tokens + u.input_tokens,
                    output_tokens=seen.output_tokens + u.output_tokens,
                    requests=seen.requests + u.requests,
                )
            )

        def plan(period: BillingPeriod) -> MemoryWrite:
            def mine(key: tuple[date, str, Caller]) -> bool:
                day, _dep, caller = key
                return day in window and BillingPeriod.of(day) == period and caller.kind in kinds

            own = {k: u for k, u in wanted.items() if BillingPeriod.of(k[0]) == period}
            return _memory_diff(self.rows, own, mine, self.writes)

        return {period: plan(period) for period in window.periods()}

    def count_window(self, window: DateWindow, source: TelemetrySource) -> int:
        return sum(1 for d, _, c in self.rows if d in window and c.kind.source is source)

    def usage_for(
        self, period: BillingPeriod, kinds: Collection[CallerKind] | None = None
    ) -> list[CallerUsage]:
        wanted = set(CallerKind) if kinds is None else set(kinds)
        found = [
            u
            for (day, _dep, caller), u in self.rows.items()
            if BillingPeriod.of(day) == period and caller.kind in wanted
        ]
        return sorted(
            found, key=lambda u: (u.date, id_key(u.deployment_id), u.caller.kind, u.caller.name)
        )


@dataclass
class MemoryOutcomes:
    """The OutcomeStore port in memory (the rules of outcomes_table.py): `collected` counts by
    (use case, day), replaced per window; `events` by (use case, id), whatever their period: an
    id stored with another date or count is Conflict at the first such event's index, and then
    nothing is stored; `writes` every planned write applied that changed something."""

    collected: dict[tuple[str, date], int] = field(default_factory=dict)
    events: dict[tuple[str, str], OutcomeEvent] = field(default_factory=dict)
    writes: list[MemoryWrite] = field(default_factory=list)

    def plan_collected(
        self, use_case: str, window: DateWindow, days: Sequence[DailyOutcomes]
    ) -> dict[BillingPeriod, MemoryWrite]:
        wanted: dict[tuple[str, date], int] = {}
        for row in days:
            if row.date in window:
                wanted[(use_case, row.date)] = wanted.get((use_case, row.date), 0) + row.count

        def plan(period: BillingPeriod) -> MemoryWrite:
            def mine(key: tuple[str, date]) -> bool:
                name, day = key
                return name == use_case and day in window and BillingPeriod.of(day) == period

            own = {k: n for k, n in wanted.items() if BillingPeriod.of(k[1]) == period}
            return _memory_diff(self.collected, own, mine, self.writes)

        return {period: plan(period) for period in window.periods()}

    def count_collected(self, use_case: str, window: DateWindow) -> int:
        return sum(1 for name, day in self.collected if name == use_case and day in window)

    def add_events(self, use_case: str, events: Sequence[OutcomeEvent]) -> PushReport:
        if not SLUG.fullmatch(use_case):
            raise InvalidInput("useCase", SLUG_RULE)
        for i, event in enumerate(events):
            if not EVENT_ID.fullmatch(event.id):
                raise InvalidInput(f"outcomes[{i}].id", EVENT_ID_RULE)
        first: dict[str, int] = {}
        for i, event in enumerate(events):
            stored = self.events.get((use_case, event.id))
            if event.id in first and events[first[event.id]] != event:
                detail = f"also at outcomes[{first[event.id]}] with another date or count"
                raise Conflict(f"outcomes[{i}].id", detail, i)
            if stored is not None and stored != event:
                detail = (
                    f"event {event.id!r} is already stored with date {stored.date} and count "
                    f"{stored.count}, not {event.date} and {event.count}"
                )
                raise Conflict(f"outcomes[{i}].id", detail, i)
            first.setdefault(event.id, i)
        accepted = [i for i in first if (use_case, i) not in self.events]
        repeated = [i for i in first if (use_case, i) in self.events]
        self.events.update({(use_case, i): events[first[i]] for i in accepted})
        return PushReport(tuple(accepted), tuple(repeated))

    def daily(self, use_case: str, period: BillingPeriod) -> dict[date, int]:
        days: dict[date, int] = {}
        counted = [(d, n) for (name, d), n in self.collected.items() if name == use_case]
        counted += [(e.date, e.count) for (name, _), e in self.events.items() if name == use_case]
        for day, count in counted:
            if BillingPeriod.of(day) == period:
                days[day] = days.get(day, 0) + count
        return dict(sorted(days.items()))
