"""How a command that fails ends: its exit status and the lines on stderr (docs/cli.md).

Every failure is one line naming what is wrong and the fix, never a traceback: the project's
errors (bad input, a source or storage that failed, nothing to compute) exit 2, as argparse's
usage errors do; anything else is unexpected, one line naming its type and pointing at `--debug`
(which prints the traceback instead), exit 1; Ctrl-C exits 130.
"""

from __future__ import annotations

from enum import IntEnum

from shared.errors import FinOpsError, InvalidDefinitions, StorageUnavailable, one_line
from shared.settings import STORAGE


class ExitCode(IntEnum):
    """The exit statuses of `python -m shared.cli`."""

    OK = 0
    UNEXPECTED = 1  # a bug or an error the project does not name: see --debug
    REFUSED = 2  # bad input (usage too) or a project error: the line says what to fix
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT); a backfill resumes where it stopped


def failure(exc: Exception) -> tuple[ExitCode, list[str]]:
    """The exit status and stderr lines for an exception a command raised."""
    if isinstance(exc, StorageUnavailable):  # the adapters translate outages
        return ExitCode.REFUSED, [f"error: {_flat(exc)}: start Azurite or check {STORAGE}"]
    if isinstance(exc, InvalidDefinitions):  # every problem, one line each
        return ExitCode.REFUSED, [f"error: {_flat(line)}" for line in exc.lines()]
    if isinstance(exc, FinOpsError):
        return ExitCode.REFUSED, [f"error: {_flat(exc)}"]
    detail = one_line(str(exc))
    named = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return ExitCode.UNEXPECTED, [
        f"error: unexpected {named}; run again with --debug for the traceback"
    ]


def _flat(message: object) -> str:
    """A message on one line (whitespace runs made one space only when it has line breaks)."""
    text = str(message)
    return " ".join(text.split()) if "\n" in text or "\r" in text else text
