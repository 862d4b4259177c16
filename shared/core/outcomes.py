"""Outcomes: the business units a use case's cost is divided by (resolved queries, summaries).

Two sources (a use case's `outcome.source.type`): a Log Analytics query the collector runs, one
row per day (`DailyOutcomes`), or events the application pushes (`OutcomeEvent`), idempotent by
id: a re-sent event counts once, the same id with another date or count is a conflict. A day
with no row and no event has no outcome data, which is not zero outcomes.

`parse_body` reads the API's body (`{"outcomes": [{"id", "date", "count"}]}`), `parse_events` the
items of it or the CLI's CSV rows (`id,date,count`), naming every bad field as the input names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from shared.core.use_cases import Problem

MAX_EVENTS = 1000  # per push: one request, one bounded batch of writes
MAX_COUNT = 10**12
EVENT_ID = re.compile(r"[A-Za-z0-9._:~-]{1,128}")
EVENT_ID_RULE = "must be 1 to 128 letters, digits or . _ : ~ -"
EVENT_KEYS = ("id", "date", "count")


@dataclass(frozen=True)
class OutcomeEvent:
    """`count` outcomes of a use case on `date`, pushed once under `id`."""

    id: str
    date: date
    count: int


@dataclass(frozen=True)
class DailyOutcomes:
    """A use case's outcomes on one UTC day, as its Log Analytics query counted them."""

    date: date
    count: int


@dataclass(frozen=True)
class PushReport:
    """What one push did: events stored now, and events already stored the same (re-sent)."""

    accepted: tuple[str, ...]
    repeated: tuple[str, ...]


@dataclass(frozen=True)
class EventBatch:
    """Events as read from a request or a file: each once (an event given twice the same is one),
    how the input names each (`outcomes[2]`, `line 4`), and every problem found; the events are
    meaningful only without problems."""

    events: tuple[OutcomeEvent, ...] = ()
    names: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    def name_of(self, index: int) -> str:
        """How the input names the event at `index` of `events`."""
        return self.names[index] if 0 <= index < len(self.names) else f"outcomes[{index}]"


def parse_body(raw: object) -> EventBatch:
    """The API's body: `{"outcomes": [...]}`."""
    if not isinstance(raw, dict):
        return EventBatch(problems=(("body", 'must be a JSON object {"outcomes": [...]}'),))
    problems: list[Problem] = [(str(k), "unknown field") for k in raw if k != "outcomes"]
    items = raw.get("outcomes")
    if not isinstance(items, list):
        problems.append(("outcomes", "required: a list of {id, date, count}"))
        return EventBatch(problems=tuple(problems))
    batch = parse_events(items, lambda i: f"outcomes[{i}]", "outcomes")
    return EventBatch(batch.events, batch.names, (*problems, *batch.problems))


def parse_events(
    items: Sequence[object], name: Callable[[int], str], path: str = "outcomes"
) -> EventBatch:
    """Events from objects (JSON) or mappings of strings (CSV rows); `name(i)` is how the input
    names item i (`outcomes[2]`, `line 4`), `path` the whole list; every problem named."""
    problems: list[Problem] = []
    if not items:
        problems.append((path, "must list at least one outcome"))
    if len(items) > MAX_EVENTS:
        problems.append((path, f"at most {MAX_EVENTS} outcomes per request, got {len(items)}"))
    events: list[OutcomeEvent] = []
    names: list[str] = []
    first: dict[str, int] = {}  # event id -> its index in `events`
    for i, item in enumerate(items):
        at = name(i)
        if not isinstance(item, Mapping):
            problems.append((at, "must be an object with id, date and count"))
            continue
        problems += [(f"{at}.{k}", "unknown field") for k in item if k not in EVENT_KEYS]
        event_id = _event_id(item.get("id"), f"{at}.id", problems)
        day = _date(item.get("date"), f"{at}.date", problems)
        count = _count(item.get("count"), f"{at}.count", problems)
        if event_id is None or day is None or count is None:
            continue
        event = OutcomeEvent(event_id, day, count)
        if event_id in first:
            if events[first[event_id]] != event:
                problems.append(
                    (f"{at}.id", f"also at {names[first[event_id]]} with another date or count")
                )
            continue  # the same event twice in one request counts once
        first[event_id] = len(events)
        events.append(event)
        names.append(at)
    return EventBatch(tuple(events), tuple(names), tuple(problems))


def daily_counts(events: Iterable[OutcomeEvent]) -> dict[date, int]:
    """Pushed events summed per day."""
    days: dict[date, int] = {}
    for event in events:
        days[event.date] = days.get(event.date, 0) + event.count
    return days


def _event_id(value: object, field: str, problems: list[Problem]) -> str | None:
    if not isinstance(value, str) or not EVENT_ID.fullmatch(value):
        problems.append((field, "required" if value in (None, "") else EVENT_ID_RULE))
        return None
    return value


def _date(value: object, field: str, problems: list[Problem]) -> date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        problems.append((field, "required" if value in (None, "") else "must be YYYY-MM-DD"))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append((field, f"not a calendar date: {value}"))
        return None


def _count(value: object, field: str, problems: list[Problem]) -> int | None:
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value.strip())  # a CSV cell
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append((field, "required" if value in (None, "") else "must be a whole number"))
        return None
    if value < 0:
        problems.append((field, f"must not be negative, got {value}"))
        return None
    if value > MAX_COUNT:
        problems.append((field, f"at most {MAX_COUNT}"))
        return None
    return value
