"""Outcomes: the business units a use case's cost is divided by (resolved queries, summaries).

Two sources (a use case's `outcome.source.type`): a Log Analytics query the collector runs, one
row per day (`DailyOutcomes`), or events the application pushes (`OutcomeEvent`), idempotent by
id: a re-sent event counts once, the same id with another date or count is a conflict. A day
with no row and no event has no outcome data, which is not zero outcomes.

`parse_events` reads the API's body (`{"outcomes": [{"id", "date", "count"}]}`) and the CLI's
CSV rows (`id,date,count`) alike, naming every bad field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
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


def parse_body(raw: object) -> tuple[list[OutcomeEvent], list[Problem]]:
    """The API's body: `{"outcomes": [...]}`."""
    if not isinstance(raw, dict):
        return [], [("", 'the body must be a JSON object {"outcomes": [...]}')]
    problems: list[Problem] = [(str(k), "unknown field") for k in raw if k != "outcomes"]
    items = raw.get("outcomes")
    if not isinstance(items, list):
        return [], [*problems, ("outcomes", "required: a list of {id, date, count}")]
    events, more = parse_events(items, "outcomes")
    return events, problems + more


def parse_events(items: Sequence[object], path: str) -> tuple[list[OutcomeEvent], list[Problem]]:
    """Events from objects (JSON) or mappings of strings (CSV rows); every problem named by its
    path (`outcomes[2].count`); the events are meaningful only without problems."""
    problems: list[Problem] = []
    if not items:
        problems.append((path, "must list at least one outcome"))
    if len(items) > MAX_EVENTS:
        problems.append((path, f"at most {MAX_EVENTS} outcomes per request, got {len(items)}"))
    events: list[OutcomeEvent] = []
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        at = f"{path}[{i}]"
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
            earlier = events[first[event_id]]
            if earlier != event:
                problems.append(
                    (f"{at}.id", f"also at {path}[{first[event_id]}] with another date or count")
                )
            continue  # the same event twice in one request counts once
        first[event_id] = len(events)
        events.append(event)
    return events, problems


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
