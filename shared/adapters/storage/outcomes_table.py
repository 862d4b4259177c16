"""The `outcomes` table: a use case's outcomes, collected per day or pushed as events by id.

Rows (`{useCase}` is the use case's slug, `{period}` `YYYY-MM`):

- PartitionKey `{useCase}|{period}`, RowKey `c|{date}`: Date, Count, the count the use case's
  query collected that day;
- PartitionKey `{useCase}|{period}`, RowKey `e|{id}`: Id, Date, Count, a pushed event, in the
  period of its date;
- PartitionKey `{useCase}|ids`, RowKey `{id}`: Date, Count, the id index (every id ever pushed).

`daily` is one partition read (`{useCase}|{period}`), the two kinds summed per day. Collected rows
are replaced per window by diff (`plan_collected`: a planned write per period, nothing written
when nothing changes).

Pushed events are idempotent by id across periods: the id index, one partition per use case,
says whether an id is stored, whatever period its date is in. `add_events`:

1. point-reads the index for every id; an id stored with another date or count (or given twice in
   the batch with two) is `Conflict` at the first such event's index, and nothing is written;
2. claims each new id by a create-only insert of its index row (`put_if` without an ETag): of two
   pushes racing with one id exactly one creates it. A push that loses to the same date and count
   reports the id repeated; one that loses to another date or count raises `Conflict`;
3. writes the event rows of the ids it claimed, batched per period partition, and those of
   repeated ids whose event row is missing (a push that died between 2 and 3 is completed when
   the event is re-sent).

A claim is never taken back: a racing push of the same event may already count on it. So when a
concurrent push of another count wins one id in the middle of a batch, the events claimed before
it are stored (each once) and the push answers the Conflict; sent again once fixed, they are
repeated and the rest is stored. Nothing is lost and nothing counts twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from shared.adapters.storage.table_gateway import (
    PK,
    RK,
    Entity,
    EtagMismatch,
    PlannedWrite,
    TableGateway,
    exact_range,
    plan_replace,
)
from shared.adapters.storage.table_keys import day_text, parse_day
from shared.core.outcomes import EVENT_ID, EVENT_ID_RULE, DailyOutcomes, OutcomeEvent, PushReport
from shared.core.period import BillingPeriod, DateWindow
from shared.core.use_cases import SLUG, SLUG_RULE
from shared.errors import Conflict, InvalidInput, excerpt

TABLE = "outcomes"
COLLECTED = "c|"
EVENT = "e|"
IDS = "ids"
CLAIM_ATTEMPTS = 3  # an index row that keeps vanishing between the insert and the read: give up


class OutcomeTable:
    def __init__(self, gateway: TableGateway) -> None:
        self._gateway = gateway

    def plan_collected(
        self, use_case: str, window: DateWindow, days: Sequence[DailyOutcomes]
    ) -> dict[BillingPeriod, PlannedWrite]:
        """Per period of the window, the writes that make the collected counts of the window's
        days exactly `days` (two counts of one day are summed; days outside the window ignored;
        pushed events untouched)."""
        counts = collected_counts(window, days)
        plans: dict[BillingPeriod, PlannedWrite] = {}
        for period in window.periods():
            pk = partition(use_case, period)
            plan = plan_replace(
                self._gateway,
                TABLE,
                exact_range(pk),
                (
                    {PK: pk, RK: f"{COLLECTED}{day_text(d)}", "Date": day_text(d), "Count": n}
                    for d, n in sorted(counts.items())
                    if BillingPeriod.of(d) == period
                ),
                in_scope=lambda e: _collected(e) and parse_day(e["Date"]) in window,
            )
            plans[period] = PlannedWrite(self._gateway, (plan,))
        return plans

    def count_collected(self, use_case: str, window: DateWindow) -> int:
        """How many collected days of the window are stored."""
        return sum(
            1
            for period in window.periods()
            for row in self._gateway.query(TABLE, *exact_range(partition(use_case, period)))
            if _collected(row) and parse_day(row["Date"]) in window
        )

    def add_events(self, use_case: str, events: Sequence[OutcomeEvent]) -> PushReport:
        """Store the events not yet stored; see the module docstring."""
        ids_pk = partition(use_case, IDS)
        batch, twice = unique_events(events)
        stored = {e.id: self._indexed(ids_pk, e.id) for _i, e in batch}
        conflicts = [c for i, e in batch if (c := stored_conflict(i, e, stored[e.id]))]
        if twice is not None or conflicts:
            raise min([*conflicts, *([twice] if twice else [])], key=lambda c: c.index or 0)
        claimed: list[OutcomeEvent] = []
        known: list[OutcomeEvent] = []  # stored the same already, or by a racing push
        try:
            for i, event in batch:
                if stored[event.id] is not None:
                    known.append(event)
                elif self._claim(ids_pk, i, event):
                    claimed.append(event)
                else:
                    known.append(event)
        finally:
            # A claim stands once made (a racing push of the same event may already count on
            # it), so even when a concurrent push of another count wins a later id, the events
            # claimed so far are stored, each once; the push then answers the Conflict.
            self._store_events(use_case, claimed, known)
        repeated = {e.id for e in known}
        return PushReport(
            accepted=tuple(e.id for _i, e in batch if e.id not in repeated),
            repeated=tuple(e.id for _i, e in batch if e.id in repeated),
        )

    def daily(self, use_case: str, period: BillingPeriod) -> dict[date, int]:
        """The period's collected counts and pushed events summed per day (one partition read);
        a day without either is absent."""
        days: dict[date, int] = {}
        for row in self._gateway.query(TABLE, *exact_range(partition(use_case, period))):
            day = parse_day(row["Date"])
            days[day] = days.get(day, 0) + int(row["Count"])
        return dict(sorted(days.items()))

    def _indexed(self, ids_pk: str, event_id: str) -> tuple[date, int] | None:
        found = self._gateway.get(TABLE, ids_pk, event_id)
        if found is None:
            return None
        return parse_day(found.entity["Date"]), int(found.entity["Count"])

    def _claim(self, ids_pk: str, index: int, event: OutcomeEvent) -> bool:
        """Create the event's index row: True if this push created it, False if a racing push
        stored the same; Conflict if it stored another date or count."""
        row: Entity = {PK: ids_pk, RK: event.id, "Date": day_text(event.date), "Count": event.count}
        for _attempt in range(CLAIM_ATTEMPTS):
            try:
                self._gateway.put_if(TABLE, row, None)
                return True
            except EtagMismatch:
                found = self._indexed(ids_pk, event.id)
            if found == (event.date, event.count):
                return False
            conflict = stored_conflict(index, event, found)
            if conflict is not None:
                raise conflict
        detail = f"event {excerpt(event.id)} is being stored by another push; try again"
        raise EventConflict(index, detail)

    def _store_events(
        self, use_case: str, claimed: Sequence[OutcomeEvent], known: Sequence[OutcomeEvent]
    ) -> None:
        """The event rows of the ids claimed, and of known ids whose row is missing (a push
        that stopped between its claim and its event rows)."""
        missing = [e for e in known if self._gateway.get(TABLE, *_event_key(use_case, e)) is None]
        rows = [_event_entity(use_case, e) for e in [*claimed, *missing]]
        if rows:
            self._gateway.write(TABLE, rows, ())


def partition(use_case: str, tail: BillingPeriod | str) -> str:
    """`{useCase}|{period}` (collected days and events) or `{useCase}|ids` (the id index)."""
    if not isinstance(use_case, str) or not SLUG.fullmatch(use_case):
        raise InvalidInput("useCase", SLUG_RULE)
    return f"{use_case}|{tail}"


def collected_counts(window: DateWindow, days: Sequence[DailyOutcomes]) -> dict[date, int]:
    """The window's collected counts per day, two rows of one day summed."""
    counts: dict[date, int] = {}
    for row in days:
        if row.date in window:
            counts[row.date] = counts.get(row.date, 0) + row.count
    return counts


class EventConflict(Conflict):
    """A Conflict about the event at `index` of the pushed list."""

    def __init__(self, index: int, problem: str) -> None:
        super().__init__(_field(index), problem, index)


def unique_events(
    events: Sequence[OutcomeEvent],
) -> tuple[list[tuple[int, OutcomeEvent]], EventConflict | None]:
    """Each event once with its index in `events` (an id given twice the same counts once), and
    the Conflict of the first id given again with another date or count (at its second index).
    An id that is no event id is InvalidInput."""
    first: dict[str, int] = {}
    batch: list[tuple[int, OutcomeEvent]] = []
    twice: EventConflict | None = None
    for i, event in enumerate(events):
        if not isinstance(event.id, str) or not EVENT_ID.fullmatch(event.id):
            raise InvalidInput(_field(i), EVENT_ID_RULE)
        if event.id in first:
            if twice is None and events[first[event.id]] != event:
                detail = f"also at outcomes[{first[event.id]}] with another date or count"
                twice = EventConflict(i, detail)
            continue
        first[event.id] = i
        batch.append((i, event))
    return batch, twice


def stored_conflict(
    index: int, event: OutcomeEvent, stored: tuple[date, int] | None
) -> EventConflict | None:
    """The Conflict of an event whose id is stored with another date or count, else None."""
    if stored is None or stored == (event.date, event.count):
        return None
    day, count = stored
    detail = (
        f"event {excerpt(event.id)} is already stored with date {day_text(day)} and count "
        f"{count}, not {day_text(event.date)} and {event.count}"
    )
    return EventConflict(index, detail)


def _field(index: int) -> str:
    return f"outcomes[{index}].id"


def _collected(row: Entity) -> bool:
    return str(row[RK]).startswith(COLLECTED)


def _event_key(use_case: str, event: OutcomeEvent) -> tuple[str, str]:
    return partition(use_case, BillingPeriod.of(event.date)), f"{EVENT}{event.id}"


def _event_entity(use_case: str, event: OutcomeEvent) -> Entity:
    pk, rk = _event_key(use_case, event)
    return {PK: pk, RK: rk, "Id": event.id, "Date": day_text(event.date), "Count": event.count}
