"""`outcomes --use-case NAME --file F` on Azurite: a file pushed twice is counted once; a bad file
is refused with one line per problem and exit status 2, storing nothing; an unknown use case is
one line and exit status 2."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from shared import cli
from shared.bootstrap import ALL_TABLES, Stores, build_stores
from shared.core.use_cases import DeploymentEntry, Outcome, OutcomeSource, SourceType, UseCase
from shared.settings import Settings
from tests.builders import NOV, dep

pytestmark = pytest.mark.azurite

CHAT = dep("chat-prod")
Tables = dict[str, dict[tuple[str, str], tuple[str, str | None]]]


def snapshot(conn: str) -> Tables:
    """Every entity of every table with its ETag: a rewrite shows even if nothing changed."""
    service = TableServiceClient.from_connection_string(conn)
    return {
        name: {
            (r["PartitionKey"], r["RowKey"]): (repr(sorted(r.items())), r.metadata["etag"])
            for r in service.get_table_client(name).list_entities()
        }
        for name in ALL_TABLES
    }


@pytest.fixture
def stores(storage_env: dict[str, str]) -> Stores:
    """Clean Azurite holding one use case whose outcomes are pushed."""
    found = build_stores(Settings.from_env())
    entry = DeploymentEntry(CHAT.key, CHAT.deployment_id)
    outcome = Outcome("resolved query", OutcomeSource(SourceType.PUSH))
    found.use_cases.put(UseCase("support-bot", "support", "CC-1042", outcome, (entry,)))
    return found


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_csv_pushed_twice_is_counted_once(
    stores: Stores, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write(tmp_path / "outcomes.csv", "id,date,count\nq-1,2026-11-03,4\nq-2,2026-11-04,3\n")
    args = ["outcomes", "--use-case", "support-bot", "--file", csv]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "2 events stored, 0 already stored" in out
    assert stores.outcomes.daily("support-bot", NOV) == {date(2026, 11, 3): 4, date(2026, 11, 4): 3}

    assert cli.main(args) == 0
    assert "0 events stored, 2 already stored" in capsys.readouterr().out
    assert stores.outcomes.daily("support-bot", NOV) == {date(2026, 11, 3): 4, date(2026, 11, 4): 3}


def test_a_bad_file_is_refused_one_line_per_problem_and_stores_nothing(
    stores: Stores,
    tmp_path: Path,
    storage_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    conn = storage_env["AzureWebJobsStorage"]
    before = snapshot(conn)
    bad = write(
        tmp_path / "bad.csv",
        "id,date,count\n"
        "q-1,2026-11-03,4\n"  # line 2: good, and not stored either
        "q-2,2026-11-03,-1\n"  # line 3
        "q-3,2026-11-31,1\n"  # line 4
        "q-4,2026-11-03,2.5\n",  # line 5
    )
    assert cli.main(["outcomes", "--use-case", "support-bot", "--file", bad]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "error: line 3.count: must not be negative, got -1",
        "error: line 4.date: not a calendar date: 2026-11-31",
        "error: line 5.count: must be a whole number",
    ]
    assert captured.out == ""
    missing_column = write(tmp_path / "header.csv", "id,day,count\nq-1,2026-11-03,4\n")
    assert cli.main(["outcomes", "--use-case", "support-bot", "--file", missing_column]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: file: the CSV header must have the columns id,date,count")
    assert snapshot(conn) == before


def test_a_conflicting_file_stores_nothing_of_it(
    stores: Stores,
    tmp_path: Path,
    storage_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = write(tmp_path / "first.csv", "id,date,count\nq-1,2026-11-03,4\n")
    assert cli.main(["outcomes", "--use-case", "support-bot", "--file", first]) == 0
    capsys.readouterr()
    before = snapshot(storage_env["AzureWebJobsStorage"])
    changed = write(tmp_path / "changed.csv", "id,date,count\nq-9,2026-11-05,1\nq-1,2026-11-03,5\n")
    assert cli.main(["outcomes", "--use-case", "support-bot", "--file", changed]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: line 3.id: ") and "'q-1'" in line  # named by its line
    assert snapshot(storage_env["AzureWebJobsStorage"]) == before
    assert stores.outcomes.daily("support-bot", NOV) == {date(2026, 11, 3): 4}


def test_an_unknown_use_case_is_one_line_and_exit_2(
    stores: Stores,
    tmp_path: Path,
    storage_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = snapshot(storage_env["AzureWebJobsStorage"])
    csv = write(tmp_path / "outcomes.csv", "id,date,count\nq-1,2026-11-03,4\n")
    assert cli.main(["outcomes", "--use-case", "nobody", "--file", csv]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["error: useCase not found: nobody"]
    assert captured.out == ""
    assert snapshot(storage_env["AzureWebJobsStorage"]) == before
