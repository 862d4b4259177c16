"""The command line's contract: every failure is one stderr line with its exit status (no
traceback unless --debug), a usage error too, and every command's help has examples."""

from __future__ import annotations

import argparse

import pytest

from shared.entrypoints.cli import main as cli_main
from shared.entrypoints.cli.commands import prices
from shared.entrypoints.cli.failures import ExitCode, failure
from shared.errors import (
    CollectionRefused,
    InvalidDefinitions,
    NotFound,
    StorageUnavailable,
    ThrottledError,
)


def commands() -> list[str]:
    parser = cli_main._parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_the_projects_errors_are_one_line_and_status_2() -> None:
    assert failure(NotFound("period", "2026-10")) == (
        ExitCode.REFUSED, ["error: period not found: 2026-10"]
    )  # fmt: skip
    assert failure(StorageUnavailable("http://127.0.0.1:1/dev", "refused")) == (
        ExitCode.REFUSED,
        ["error: storage http://127.0.0.1:1/dev unreachable (refused): start Azurite or check "
         "AzureWebJobsStorage"],
    )  # fmt: skip
    code, lines = failure(ThrottledError("cost query still throttled\n(429); retry after 9 s", 9))
    assert (code, lines) == (
        ExitCode.REFUSED, ["error: cost query still throttled (429); retry after 9 s"]
    )  # fmt: skip
    assert failure(CollectionRefused("usage answered 0 rows  where 40 are stored"))[1] == [
        "error: usage answered 0 rows  where 40 are stored"  # a one-line message as it is
    ]


def test_every_problem_of_a_definitions_file_is_one_line() -> None:
    refused = InvalidDefinitions([("useCases[0].name", "must be a slug"), ("", "no targets")])
    assert failure(refused) == (
        ExitCode.REFUSED, ["error: useCases[0].name: must be a slug", "error: no targets"]
    )  # fmt: skip


def test_an_unexpected_error_is_one_line_naming_it_and_pointing_at_debug() -> None:
    assert failure(RuntimeError("boom\n  at line 3")) == (
        ExitCode.UNEXPECTED,
        ["error: unexpected RuntimeError: boom at line 3; run again with --debug for the "
         "traceback"],
    )  # fmt: skip
    assert failure(ZeroDivisionError())[1] == [
        "error: unexpected ZeroDivisionError; run again with --debug for the traceback"
    ]


def test_the_exit_statuses_are_the_documented_ones() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0, "UNEXPECTED": 1, "REFUSED": 2, "INTERRUPTED": 130,
    }  # fmt: skip


def broken(*args: object) -> object:
    raise RuntimeError("the container broke")


def test_main_ends_an_unexpected_error_in_one_line_and_status_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(prices, "container", broken)
    assert cli_main.main(["prices"]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "error: unexpected RuntimeError: the container broke; run again with --debug for the "
        "traceback\n"
    )
    assert captured.out == ""


@pytest.mark.parametrize("argv", [["--debug", "prices"], ["prices", "--debug"]])
def test_debug_prints_the_traceback_instead(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(prices, "container", broken)
    assert cli_main.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert err.rstrip().endswith("RuntimeError: the container broke")


def test_ctrl_c_is_status_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(prices, "container", interrupted)
    assert cli_main.main(["prices"]) == 130


@pytest.mark.parametrize(
    "argv,expected",
    [
        ([], "error: the following arguments are required: command "
             "(usage: python -m shared.cli --help)"),
        (["nope"], "error: argument command: invalid choice: 'nope' (choose from "),
        (["report", "--period", "2026-10", "--by", "model"],
         "error: argument --by: invalid choice: 'model' (choose from "),
        (["report", "--period", "2026-10", "--by", "owner", "--use-case", "bot"],
         "error: argument --use-case: not allowed with argument --by "
         "(usage: python -m shared.cli report --help)"),
        (["backfill", "--from", "2026-13", "--to", "2026-10"],
         "error: argument --from: month must be 01..12, got '2026-13' "
         "(usage: python -m shared.cli backfill --help)"),
        (["backfill", "--from", "2026-09"],
         "error: the following arguments are required: --to "
         "(usage: python -m shared.cli backfill --help)"),
    ],
)  # fmt: skip
def test_a_usage_error_is_one_line_pointing_at_the_help(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main.main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert line.startswith(expected)
    assert line.endswith(" --help)")
    assert captured.out == ""


def test_every_command_is_listed_and_its_help_has_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = commands()
    assert {"backfill", "report", "collect", "allocate"} <= set(names)
    for name in names:
        with pytest.raises(SystemExit) as exited:
            cli_main.main([name, "--help"])
        assert exited.value.code == 0
        text = capsys.readouterr().out
        assert f"examples:\n  python -m shared.cli {name}" in text, name
        assert "--debug" in text
