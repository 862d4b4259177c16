"""Command line: `python -m shared.cli demo|collect|allocate|reconcile|prices|serve|apply|outcomes|
report|what-if|insights|plan`.

The same services as the Functions triggers, for demos, backfills and operations.
"""

# A command is one module of commands/ with `add(subparsers)` and `run(args)`, listed once in
# COMMANDS; main() maps the project's errors to one line on stderr and exit status 2.

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Protocol

from shared.entrypoints.cli.arguments import Subparsers
from shared.entrypoints.cli.commands import (
    allocate,
    apply,
    collect,
    demo,
    insights,
    outcomes,
    plan,
    prices,
    reconcile,
    report,
    serve,
    what_if,
)
from shared.errors import FinOpsError, InvalidDefinitions, StorageUnavailable
from shared.settings import STORAGE


class Command(Protocol):
    def add(self, subparsers: Subparsers) -> argparse.ArgumentParser: ...

    def run(self, args: argparse.Namespace) -> int: ...


COMMANDS: tuple[Command, ...] = (
    demo, collect, allocate, reconcile, prices, serve, apply, outcomes, report, what_if,
    insights, plan,
)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Warnings (duplicate export rows, refused sources) are one line each on stderr.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except StorageUnavailable as exc:  # one line, no traceback: the adapters translate outages
        print(f"error: {exc}: start Azurite or check {STORAGE}", file=sys.stderr)
        return 2
    except InvalidDefinitions as exc:  # every problem, one line each
        print("".join(f"error: {line}\n" for line in exc.lines()), end="", file=sys.stderr)
        return 2
    except FinOpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shared.cli", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="command")
    for command in COMMANDS:
        command.add(sub).set_defaults(run=command.run)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
