"""Pushed outcomes: the service (idempotent by id, a conflict stores nothing of the batch, only
push use cases) on the memory fakes, and the outcomes file of the CLI (CSV id,date,count or
JSON), every bad row named by its line or JSON path."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from shared.adapters.storage.use_cases_table import UseCaseTable
from shared.core.outcomes import MAX_COUNT, MAX_EVENTS, EventBatch, OutcomeEvent, PushReport
from shared.core.use_cases import (
    DeploymentEntry,
    Outcome,
    OutcomeSource,
    Problem,
    SourceType,
    UseCase,
)
from shared.entrypoints.cli.outcomes_file import read_outcomes_file
from shared.errors import Conflict, InvalidDefinitions, InvalidInput, NotFound
from shared.services.outcomes import OutcomeService
from tests.builders import GUID, NOV, OUTCOME_QUERY, dep
from tests.fakes import MemoryOutcomes, MemoryTableGateway

D3, D4 = date(2026, 11, 3), date(2026, 11, 4)
DEC1 = date(2026, 12, 1)
CHAT = dep("chat-prod")


def use_case(name: str, source: OutcomeSource) -> UseCase:
    entry = DeploymentEntry(CHAT.key, CHAT.deployment_id)
    return UseCase(name, "support", "CC-1042", Outcome("resolved query", source), (entry,))


def service() -> tuple[OutcomeService, MemoryOutcomes]:
    store, use_cases = MemoryOutcomes(), UseCaseTable(MemoryTableGateway())
    use_cases.put(use_case("support-bot", OutcomeSource(SourceType.PUSH)))
    queried = OutcomeSource(SourceType.LOG_ANALYTICS, GUID, OUTCOME_QUERY)
    use_cases.put(use_case("queried", queried))
    return OutcomeService(store, use_cases), store


def event(event_id: str, day: str = "2026-11-03", count: object = 1) -> dict[str, object]:
    return {"id": event_id, "date": day, "count": count}


def body(*events: dict[str, object]) -> dict[str, object]:
    return {"outcomes": list(events)}


def problems_of(error: pytest.ExceptionInfo[InvalidDefinitions]) -> list[tuple[str, str]]:
    return list(error.value.problems)


# --- the service ------------------------------------------------------------------------------


def test_a_push_stores_each_event_once_and_a_resent_one_is_repeated_not_counted_again() -> None:
    outcomes, store = service()
    sent = body(event("e1", count=4), event("e2", "2026-11-04", 3), event("e3", "2026-12-01", 9))
    assert outcomes.push("support-bot", sent) == PushReport(("e1", "e2", "e3"), ())
    assert store.daily("support-bot", NOV) == {D3: 4, D4: 3}
    assert store.daily("support-bot", NOV.next()) == {DEC1: 9}  # its own period

    again = body(event("e2", "2026-11-04", 3), event("e4", count=2))
    assert outcomes.push("support-bot", again) == PushReport(("e4",), ("e2",))
    assert store.daily("support-bot", NOV) == {D3: 4 + 2, D4: 3}  # e2 not counted twice


def test_an_event_given_twice_the_same_in_one_push_counts_once() -> None:
    outcomes, store = service()
    report = outcomes.push("support-bot", body(event("e1", count=5), event("e1", count=5)))
    assert report == PushReport(("e1",), ())
    assert store.daily("support-bot", NOV) == {D3: 5}


def test_a_stored_id_with_another_count_is_a_conflict_and_nothing_of_the_batch_is_stored() -> None:
    outcomes, store = service()
    outcomes.push("support-bot", body(event("e1", count=4)))
    before = copy.deepcopy(store.events)
    with pytest.raises(Conflict) as refused:
        outcomes.push("support-bot", body(event("new"), event("e1", count=5)))
    assert refused.value.field == "outcomes[1].id"
    assert "count 4" in refused.value.problem and "5" in refused.value.problem
    assert store.events == before  # "new" was not stored either
    assert store.daily("support-bot", NOV) == {D3: 4}


def test_an_id_given_twice_with_two_counts_in_one_push_is_refused_naming_the_second() -> None:
    outcomes, store = service()
    with pytest.raises(InvalidDefinitions) as refused:
        outcomes.push("support-bot", body(event("e1", count=1), event("e1", count=2)))
    assert problems_of(refused) == [
        ("outcomes[1].id", "also at outcomes[0] with another date or count")
    ]
    assert store.events == {}


def test_a_conflict_after_a_repeated_event_names_the_conflicting_item_of_the_request() -> None:
    outcomes, _ = service()
    outcomes.push("support-bot", body(event("e2", count=4)))
    with pytest.raises(Conflict) as refused:
        outcomes.push("support-bot", body(event("e1"), event("e1"), event("e2", count=5)))
    assert refused.value.field == "outcomes[2].id"  # the request's third item is e2


def test_an_unknown_use_case_is_not_found_and_a_queried_one_refuses_pushes() -> None:
    outcomes, store = service()
    with pytest.raises(NotFound) as missing:
        outcomes.push("nobody", body(event("e1")))
    assert (missing.value.what, missing.value.key) == ("useCase", "nobody")
    with pytest.raises(NotFound):  # the use case first, even when the events are bad too
        outcomes.push_batch("nobody", EventBatch(problems=(("line 2.count", "not whole"),)))
    with pytest.raises(InvalidInput) as queried:
        outcomes.push("queried", body(event("e1")))
    assert queried.value.field == "outcomes" and "Log Analytics" in queried.value.problem
    assert store.events == {} and store.collected == {}


BAD_BODIES: list[tuple[object, list[str]]] = [
    ([event("e1")], ["body"]),  # not an object
    ({}, ["outcomes"]),
    ({"outcomes": "e1"}, ["outcomes"]),
    ({"outcomes": []}, ["outcomes"]),
    ({"outcomes": [event("e1")], "extra": 1}, ["extra"]),
    (body(event("e1", count=-1)), ["outcomes[0].count"]),
    (body(event("e1", count=1.5)), ["outcomes[0].count"]),
    (body(event("e1", count=True)), ["outcomes[0].count"]),
    (body(event("e1", count=MAX_COUNT + 1)), ["outcomes[0].count"]),
    (body({"id": "e1", "date": "2026-11-03"}), ["outcomes[0].count"]),
    (body(event("e1", "2026-02-30")), ["outcomes[0].date"]),
    (body(event("e1", "03/11/2026")), ["outcomes[0].date"]),
    (body(event("has space")), ["outcomes[0].id"]),
    (body(event("e" * 129)), ["outcomes[0].id"]),
    (body({**event("e1"), "user": "x"}), ["outcomes[0].user"]),
    ({"outcomes": ["e1"]}, ["outcomes[0]"]),
    (body(event("ok"), event("e2", count=-2), event("", "x", "y")),
     ["outcomes[1].count", "outcomes[2].id", "outcomes[2].date", "outcomes[2].count"]),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "fields"), BAD_BODIES)
def test_a_bad_body_names_every_bad_field_and_stores_nothing(
    raw: object, fields: list[str]
) -> None:
    outcomes, store = service()
    with pytest.raises(InvalidDefinitions) as refused:
        outcomes.push("support-bot", raw)
    assert [f for f, _ in problems_of(refused)] == fields
    assert refused.value.field == fields[0]
    assert store.events == {}


def test_problem_details_say_what_is_wrong() -> None:
    outcomes, _ = service()
    sent = body(event("a", count=-1), event("b", count=1.5), event("c", "2026-02-30"),
                event("d", "2026-11-3"), {"id": "e", "date": "2026-11-03"})  # fmt: skip
    with pytest.raises(InvalidDefinitions) as refused:
        outcomes.push("support-bot", sent)
    assert problems_of(refused) == [
        ("outcomes[0].count", "must not be negative, got -1"),
        ("outcomes[1].count", "must be a whole number"),
        ("outcomes[2].date", "not a calendar date: 2026-02-30"),
        ("outcomes[3].date", "must be YYYY-MM-DD"),
        ("outcomes[4].count", "required"),
    ]


def test_more_events_than_one_push_takes_is_refused() -> None:
    outcomes, store = service()
    many = body(*(event(f"e{i}") for i in range(MAX_EVENTS + 1)))  # 1000 + 1
    with pytest.raises(InvalidDefinitions) as refused:
        outcomes.push("support-bot", many)
    assert refused.value.field == "outcomes" and str(MAX_EVENTS + 1) in refused.value.problem
    assert store.events == {}
    exactly = body(*(event(f"e{i}") for i in range(MAX_EVENTS)))
    assert len(outcomes.push("support-bot", exactly).accepted) == MAX_EVENTS
    assert store.daily("support-bot", NOV) == {D3: MAX_EVENTS}  # 1000 events of 1


def test_push_batch_stores_a_files_events_and_refuses_a_file_with_problems() -> None:
    outcomes, store = service()
    events = (OutcomeEvent("e1", D3, 2), OutcomeEvent("e2", D4, 3))
    bad = EventBatch(events, ("line 2", "line 3"), (("line 4.count", "must be a whole number"),))
    with pytest.raises(InvalidDefinitions) as refused:
        outcomes.push_batch("support-bot", bad)
    assert refused.value.field == "line 4.count"
    assert store.events == {}
    good = EventBatch(events, ("line 2", "line 3"))
    assert outcomes.push_batch("support-bot", good) == PushReport(("e1", "e2"), ())
    changed = EventBatch(
        (OutcomeEvent("e0", D3, 1), OutcomeEvent("e2", D4, 4)), ("line 2", "line 5")
    )
    with pytest.raises(Conflict) as conflict:  # named as the file names it
        outcomes.push_batch("support-bot", changed)
    assert conflict.value.field == "line 5.id"
    assert store.daily("support-bot", NOV) == {D3: 2, D4: 3}


# --- the outcomes file ------------------------------------------------------------------------


def read_file(path: Path) -> tuple[list[OutcomeEvent], list[Problem]]:
    """The file's events and problems as lists (what the tests compare)."""
    batch = read_outcomes_file(path)
    return list(batch.events), list(batch.problems)


def write(tmp_path: Path, text: str, name: str = "outcomes.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_a_csv_file_is_read_with_a_bom_crlf_and_padded_cells(tmp_path: Path) -> None:
    text = "\ufeffid, date ,count\r\nq-1,2026-11-03, 4\r\nq-2, 2026-11-04 ,3\r\n"
    assert read_file(write(tmp_path, text)) == (
        [OutcomeEvent("q-1", D3, 4), OutcomeEvent("q-2", D4, 3)],
        [],
    )


def test_every_bad_csv_row_is_named_by_its_line(tmp_path: Path) -> None:
    text = (
        "id,date,count\n"  # line 1
        "q-1,2026-11-03,4\n"  # line 2: good
        "q-2,2026-11-03,-1\n"  # line 3: negative
        "q-3,2026-11-03,1.5\n"  # line 4: fractional
        "q-4,2026-02-30,1\n"  # line 5: no such day
        "q-5,03/11/2026,1\n"  # line 6: not ISO
        "q-1,2026-11-03,5\n"  # line 7: q-1 again with another count
        "q-6,,\n"  # line 8: date and count missing
    )
    events, problems = read_file(write(tmp_path, text))
    assert [f for f, _ in problems] == [
        "line 3.count", "line 4.count", "line 5.date", "line 6.date", "line 7.id",
        "line 8.date", "line 8.count",
    ]  # fmt: skip
    assert problems[0] == ("line 3.count", "must not be negative, got -1")
    assert problems[1] == ("line 4.count", "must be a whole number")
    assert problems[2] == ("line 5.date", "not a calendar date: 2026-02-30")
    assert problems[5] == ("line 8.date", "required")
    assert events[0] == OutcomeEvent("q-1", D3, 4)


def test_a_csv_id_given_twice_the_same_is_one_event(tmp_path: Path) -> None:
    text = "id,date,count\nq-1,2026-11-03,4\nq-1,2026-11-03,4\n"
    assert read_file(write(tmp_path, text)) == ([OutcomeEvent("q-1", D3, 4)], [])


def test_a_csv_duplicate_with_another_count_names_the_first_rows_line(tmp_path: Path) -> None:
    text = "id,date,count\nq-1,2026-11-03,4\nq-1,2026-11-03,5\n"
    _events, problems = read_file(write(tmp_path, text))
    assert problems == [("line 3.id", "also at line 2 with another date or count")]


def test_a_bad_row_after_a_blank_line_is_named_by_its_own_line(tmp_path: Path) -> None:
    text = "id,date,count\nq-1,2026-11-03,4\n\nq-2,2026-11-03,-1\n"  # q-2 is on line 4
    _events, problems = read_file(write(tmp_path, text))
    assert problems == [("line 4.count", "must not be negative, got -1")]


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("id,date\nq-1,2026-11-03\n", "file", "missing ['count']"),
        ("ID,Date,Count\nq-1,2026-11-03,4\n", "file", "missing ['id', 'date', 'count']"),
        ("", "file", "missing ['id', 'date', 'count']"),
        ("id,date,count\n", "file", "at least one outcome"),
        ("id,date,count\nq-1,2026-11-03,4\nq-2,2026-11-03,4,extra\n", "line 3", "more cells"),
    ],
    ids=["missing column", "header case", "empty file", "header only", "extra cell"],
)
def test_a_bad_csv_file_is_one_problem_naming_the_file_or_line(
    tmp_path: Path, text: str, field: str, says: str
) -> None:
    events, problems = read_file(write(tmp_path, text))
    [(found, detail)] = problems
    assert found == field and says in detail
    assert events == []


def test_a_json_file_is_read_in_the_apis_shape_and_bad_items_named_by_path(
    tmp_path: Path,
) -> None:
    good = json.dumps(body(event("q-1", count=4), event("q-2", "2026-11-04", 3)))
    assert read_file(write(tmp_path, good, "o.json")) == (
        [OutcomeEvent("q-1", D3, 4), OutcomeEvent("q-2", D4, 3)],
        [],
    )
    bad = "\ufeff" + json.dumps(body(event("q-1"), event("q-2", count=-3)))  # BOM, no suffix
    events, problems = read_file(write(tmp_path, bad, "o.txt"))
    assert problems == [("outcomes[1].count", "must not be negative, got -3")]
    del events  # meaningful only without problems


def test_an_unreadable_file_is_one_problem_naming_the_file(tmp_path: Path) -> None:
    broken = write(tmp_path, '{"outcomes": [', "o.json")
    missing = tmp_path / "missing.csv"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,date,count\ncaf\xe9,2026-11-03,1\n".encode("latin-1"))
    for path, says in ((broken, "is not JSON"), (missing, "cannot read"), (latin, "not UTF-8")):
        events, problems = read_file(path)
        [(field, detail)] = problems
        assert field == "file" and says in detail, (path, detail)
        assert events == []
