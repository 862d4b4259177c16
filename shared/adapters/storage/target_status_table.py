"""The `targetstatus` table: each target's latest evaluation per period, its transitions, and the
outbox of the CloudEvents they send (docs/targets.md).

One partition per target (PartitionKey the target's id), three kinds of rows:

- `e|{period}`: the latest evaluation of the period: Period, State, EvaluatedAt, Transitions (how
  many transitions of the period are stored) and the Evaluation as JSON text
  (evaluation_codec.py);
- `t|{period}|{seq:06d}`: a transition (seq 1, 2, ... within the period): Period, Seq, At, State,
  Previous ("" for a first evaluation) and the evaluation it came with, as JSON text;
- `o|{event id}`: an outbox event: Id, Type, Subject, Time, Data (its JSON), Period, Sent (false
  until Event Grid accepted it; then true with SentAt, kept for audit, never sent again).

JSON text longer than a string property holds (64 KiB of UTF-16: `CHUNK_CHARS` ASCII characters,
with margin; the evaluation's JSON is ASCII) is split into chunks, `Evaluation`, `Evaluation1`,
`Evaluation2`... with `EvaluationChunks` (likewise `Data`); at most `MAX_CHUNKS` (the entity
stays under 1 MiB), beyond which `record` refuses the evaluation (InvalidInput), storing nothing.

`record` writes the evaluation row, the transition row and the outbox row in ONE entity-group
transaction of the target's partition: the evaluation row is replaced only if its ETag is still
`expected.version` (created only if absent when `expected` is None), the transition and outbox
rows are created only if absent; a failed condition stores nothing and answers False. The
transition's seq is the count the expected row holds, plus one (read with it, guarded by its
ETag). Event ids are idempotent: an event whose id is in the target's outbox already (pending or
sent) is not written again, and the evaluation and transition are recorded without it.

`pending` is one query across every partition, `RowKey` in the `o|` range and `Sent eq false`:
Table Storage serves it by scanning the table (it has no secondary index), which is cheap at this
scale (a few rows per target and period, thousands at most). An index partition of pending
events would be cheaper to read, but could not be written in the same transaction as the
evaluation (a transaction is one partition). `sent` reads the pending rows the same way and marks
the given events' rows Sent, batched per target; events not pending (already marked) are left as
they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from shared.adapters.storage import evaluation_codec
from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    ConditionalWrite,
    Entity,
    EtagMismatch,
    TransactionGateway,
    Versioned,
)
from shared.adapters.storage.targets_table import checked_key
from shared.core.clock import utc_now
from shared.core.period import BillingPeriod
from shared.core.target_records import (
    Evaluation,
    OutboxEvent,
    StoredEvaluation,
    TargetState,
    Transition,
)
from shared.errors import InvalidInput

TABLE = "targetstatus"
EVALUATION = "e|"
TRANSITION = "t|"
OUTBOX = "o|"
RANGE_END = "\uffff"
# Characters per string property, which holds 64 KiB of UTF-16: 30,000 of ASCII text (60,000
# bytes), 16,000 of any other (64,000 bytes even if every one takes two UTF-16 code units).
CHUNK_CHARS = 30_000
CHUNK_CHARS_NON_ASCII = 16_000
MAX_CHUNKS = 14  # at most 840 KB (ASCII) or 896 KB, under the 1 MiB entity limit


class TargetStatusTable:
    """The TargetStatusStore port (shared/services/ports.py)."""

    def __init__(
        self, gateway: TransactionGateway, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._gateway = gateway
        self._clock = clock

    def latest(self, target_id: str, period: BillingPeriod) -> StoredEvaluation | None:
        pk = checked_key(target_id, "targetId")
        found = self._gateway.get(TABLE, pk, f"{EVALUATION}{period}")
        return _stored(found) if found else None

    def record(
        self,
        evaluation: Evaluation,
        transition: Transition | None,
        event: OutboxEvent | None,
        expected: StoredEvaluation | None,
    ) -> bool:
        target_id, period = evaluation.target.id, evaluation.period
        pk = checked_key(target_id, "targetId")
        _check_same(evaluation, transition, expected)
        rk = f"{EVALUATION}{period}"
        count = 0
        if expected is not None:
            current = self._gateway.get(TABLE, pk, rk)
            if current is None or current.etag != expected.version:
                return False  # another evaluation ran meanwhile
            count = int(current.entity.get("Transitions", 0))
        seq = count + 1 if transition is not None else count
        writes = [
            ConditionalWrite(
                _evaluation_entity(pk, evaluation, self._clock(), seq),
                etag=expected.version if expected is not None else None,
            )
        ]
        if transition is not None:
            writes.append(ConditionalWrite(_transition_entity(pk, transition, seq)))
        if event is not None and not self._in_outbox(pk, event):
            writes.append(ConditionalWrite(_outbox_entity(pk, period, event)))
        try:
            self._gateway.transact(TABLE, writes)
        except EtagMismatch:
            return False
        return True

    def history(self, target_id: str) -> list[Transition]:
        pk = checked_key(target_id, "targetId")
        rows = self._gateway.rows(TABLE, TRANSITION, TRANSITION + RANGE_END, pk=pk)
        found = [(_transition(pk, r.entity), int(r.entity["Seq"])) for r in rows]
        found.sort(key=lambda ts: (_utc(ts[0].at), str(ts[0].period), ts[1]))
        return [t for t, _seq in found]

    def evaluations(self, target_id: str) -> list[StoredEvaluation]:
        pk = checked_key(target_id, "targetId")
        rows = self._gateway.rows(TABLE, EVALUATION, EVALUATION + RANGE_END, pk=pk)
        stored = [_stored(r) for r in rows]
        return sorted(stored, key=lambda s: s.evaluation.period)

    def pending(self, limit: int = 100) -> list[OutboxEvent]:
        if limit <= 0:
            return []
        events = [_event(r.entity) for r in self._pending_rows()]
        events.sort(key=lambda e: (_utc(e.time), e.id))
        return events[:limit]

    def sent(self, events: Sequence[OutboxEvent]) -> None:
        wanted = {e.id for e in events}
        if not wanted:
            return
        now = self._clock().isoformat()
        marked = [
            {**r.entity, "Sent": True, "SentAt": now}
            for r in self._pending_rows()
            if r.entity.get("Id") in wanted
        ]
        if marked:
            self._gateway.write(TABLE, marked, ())

    def _in_outbox(self, pk: str, event: OutboxEvent) -> bool:
        """Whether the event's id is in the outbox already (pending or sent): then it is not
        written again (a racing create of it fails the transaction: `record` answers False)."""
        rk = f"{OUTBOX}{checked_key(event.id, 'event.id')}"
        return self._gateway.get(TABLE, pk, rk) is not None

    def _pending_rows(self) -> list[Versioned]:
        return self._gateway.rows(TABLE, OUTBOX, OUTBOX + RANGE_END, equals={"Sent": False})


def _check_same(
    evaluation: Evaluation, transition: Transition | None, expected: StoredEvaluation | None
) -> None:
    key = (evaluation.target.id, evaluation.period)
    if transition is not None and (transition.target_id, transition.period) != key:
        raise InvalidInput("transition", "must be of the evaluation's target and period")
    if expected is not None:
        was = expected.evaluation
        if (was.target.id, was.period) != key:
            raise InvalidInput("expected", "must be of the evaluation's target and period")


def _evaluation_entity(pk: str, e: Evaluation, at: datetime, transitions: int) -> Entity:
    return {
        PK: pk,
        RK: f"{EVALUATION}{e.period}",
        "Period": str(e.period),
        "State": e.state.value,
        "EvaluatedAt": at.isoformat(),
        "Transitions": transitions,
        **_chunked("Evaluation", evaluation_codec.dumps(e), f"target {pk} {e.period}"),
    }


def _transition_entity(pk: str, t: Transition, seq: int) -> Entity:
    return {
        PK: pk,
        RK: f"{TRANSITION}{t.period}|{seq:06d}",
        "Period": str(t.period),
        "Seq": seq,
        "At": t.at.isoformat(),
        "State": t.state.value,
        "Previous": t.previous.value if t.previous is not None else "",
        **_chunked(
            "Evaluation", evaluation_codec.dumps(t.evaluation), f"transition {pk} {t.period}"
        ),
    }


def _outbox_entity(pk: str, period: BillingPeriod, event: OutboxEvent) -> Entity:
    event_id = checked_key(event.id, "event.id")
    return {
        PK: pk,
        RK: f"{OUTBOX}{event_id}",
        "Id": event_id,
        "Type": event.type,
        "Subject": event.subject,
        "Time": event.time.isoformat(),
        "Period": str(period),
        "Sent": False,
        **_chunked("Data", event.data_json, f"event {event_id}"),
    }


def _stored(found: Versioned) -> StoredEvaluation:
    row = found.entity
    return StoredEvaluation(
        evaluation=evaluation_codec.loads(_joined("Evaluation", row)),
        evaluated_at=datetime.fromisoformat(str(row["EvaluatedAt"])),
        version=found.etag,
    )


def _transition(pk: str, row: Entity) -> Transition:
    previous = str(row.get("Previous", ""))
    return Transition(
        target_id=pk,
        period=BillingPeriod.parse(str(row["Period"])),
        at=datetime.fromisoformat(str(row["At"])),
        state=TargetState(str(row["State"])),
        previous=TargetState(previous) if previous else None,
        evaluation=evaluation_codec.loads(_joined("Evaluation", row)),
    )


def _event(row: Entity) -> OutboxEvent:
    return OutboxEvent(
        id=str(row["Id"]),
        type=str(row["Type"]),
        subject=str(row["Subject"]),
        time=datetime.fromisoformat(str(row["Time"])),
        data_json=_joined("Data", row),
    )


def _chunked(name: str, text: str, what: str) -> Entity:
    """`text` as the properties `name`, `name1`, ... and `{name}Chunks`."""
    size = CHUNK_CHARS if text.isascii() else CHUNK_CHARS_NON_ASCII
    chunks = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    if len(chunks) > MAX_CHUNKS:
        detail = (
            f"{what} is {len(text)} characters of JSON, over the {MAX_CHUNKS * size} a row holds"
        )
        raise InvalidInput(name[0].lower() + name[1:], detail)
    out: Entity = {f"{name}Chunks": len(chunks)}
    for i, chunk in enumerate(chunks):
        out[name if i == 0 else f"{name}{i}"] = chunk
    return out


def _joined(name: str, row: Entity) -> str:
    count = int(row.get(f"{name}Chunks", 1))
    return "".join(str(row[name if i == 0 else f"{name}{i}"]) for i in range(count))


def _utc(moment: datetime) -> datetime:
    """For ordering: a naive instant is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


__all__ = ["TABLE", "TargetStatusTable"]
