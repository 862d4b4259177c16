"""What the commands share about arguments: the parser (one-line usage errors, help kept as
written), the sub-parsers' type, the examples of a command's help and the argument types."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any, NoReturn, TypeAlias

from shared.core.period import BillingPeriod
from shared.errors import InvalidInput, one_line

PROG = "python -m shared.cli"
USAGE_EXIT = 2  # argparse's own status for a usage error (docs/cli.md)


class CommandParser(argparse.ArgumentParser):
    """argparse's parser with a usage error on one line, naming the fix (`--help`), and
    descriptions and epilogs shown as written (the examples keep their lines). Sub-parsers are
    of the same class (argparse makes them of its parser's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_EXIT, usage_error(self.prog, message) + "\n")


Subparsers: TypeAlias = "argparse._SubParsersAction[CommandParser]"


def usage_error(prog: str, message: str) -> str:
    """The one line of a usage error: what is wrong, and where the usage is."""
    return f"error: {one_line(message)} (usage: {prog} --help)"


def examples(*lines: str) -> str:
    """A help epilog listing example command lines, one a line."""
    return "examples:\n" + "".join(f"  {PROG} {line}\n" for line in lines)


def day(text: str) -> date:
    """`YYYY-MM-DD`, or argparse's one-line usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from None


def period(text: str) -> BillingPeriod:
    """`YYYY-MM`, or argparse's one-line usage error."""
    try:
        return BillingPeriod.parse(text)
    except InvalidInput as exc:  # argparse names the argument itself
        raise argparse.ArgumentTypeError(exc.problem) from None
