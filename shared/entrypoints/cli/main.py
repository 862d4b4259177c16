"""Command line: `python -m shared.cli demo|collect|allocate|backfill|reconcile|prices|serve|apply|
outcomes|report|what-if|insights|plan|export|ingest`.

The same services as the Functions triggers, for demos, backfills and operations. Each command's
`--help` has examples; docs/cli.md has them all, and the exit statuses.
"""

# A command is one module of commands/ with `add(subparsers)` and `run(args)`, listed once in
# COMMANDS; main() maps every failure to one line on stderr and its exit status (failures.py).

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from typing import Protocol

from shared.entrypoints.cli.arguments import PROG, CommandParser, Subparsers
from shared.entrypoints.cli.commands import (
    allocate,
    apply,
    backfill,
    collect,
    demo,
    export,
    ingest,
    insights,
    outcomes,
    plan,
    prices,
    reconcile,
    report,
    serve,
    what_if,
)
from shared.entrypoints.cli.failures import ExitCode, failure


class Command(Protocol):
    def add(self, subparsers: Subparsers) -> argparse.ArgumentParser: ...

    def run(self, args: argparse.Namespace) -> int: ...


COMMANDS: tuple[Command, ...] = (
    demo, collect, allocate, backfill, reconcile, prices, serve, apply, outcomes, report, what_if,
    insights, plan, export, ingest,
)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Warnings (duplicate export rows, refused sources) are one line each on stderr.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except Exception as exc:  # one line and its status, no traceback (failures.py)
        code, lines = failure(exc)
        if code is ExitCode.UNEXPECTED and args.debug:
            traceback.print_exception(exc)
        else:
            print("".join(f"{line}\n" for line in lines), end="", file=sys.stderr)
        return code


DEBUG_HELP = "print the traceback of an unexpected error instead of its one line"


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog=PROG, description=__doc__)
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(required=True, metavar="command")
    for command in COMMANDS:
        found = command.add(sub)
        # Also after the command's name; SUPPRESS keeps a --debug given before it.
        found.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                           help=DEBUG_HELP)  # fmt: skip
        found.set_defaults(run=command.run)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
