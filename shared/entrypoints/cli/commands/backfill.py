"""`backfill --from YYYY-MM --to YYYY-MM [--from-files DIR] [--force] [--allow-shrink]`: collect,
allocate and evaluate past billing periods one at a time, resumably (shared/services/backfill.py).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from shared.bootstrap import Container
from shared.core.period import BillingPeriod, DateWindow, midnight_utc
from shared.entrypoints.cli.arguments import Subparsers, examples, period
from shared.entrypoints.cli.backfill_progress import BarProgress, LineProgress
from shared.entrypoints.cli.backfill_text import failure_line, interrupted_line, summary_line
from shared.entrypoints.cli.composition import container
from shared.entrypoints.cli.failures import ExitCode
from shared.entrypoints.cli.interrupts import StopRequest
from shared.errors import InvalidInput
from shared.services.backfill import Collect
from shared.services.collection import CollectionReport

DESCRIPTION = """\
Collect past billing periods from every source, one period at a time, then allocate each and
evaluate its targets (as `collect` and `allocate` do). Each period finished is recorded (the
`backfill` table), so a run that stops (Ctrl-C, a source that fails) resumes where it stopped: a
period is skipped when its window was collected whole once Azure no longer restates it (day 6 of
the next month) and its inputs have not changed since its allocation; one whose inputs changed
is allocated again without querying Azure; a period collected while open is collected again.
Cost Management queries are paced by the QPU budget Azure reports left, and a throttled query
waits as Azure asks.

Ctrl-C stops after the period at work (a second Ctrl-C stops at once); either way the exit
status is 130 and the next run resumes."""

FILES_HELP = """a folder of export files instead of Azure (as collect --from-files); a
subfolder named after a period (DIR/2026-10/) is used for that period when there is one"""


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "backfill",
        help="collect and allocate past periods, one at a time, resumably",
        description=DESCRIPTION,
        epilog=examples(
            "backfill --from 2026-01 --to 2026-10",
            "backfill --from 2026-09 --to 2026-10 --from-files exports/",
            "backfill --from 2026-10 --to 2026-10 --force",
        ),
    )
    parser.add_argument(
        "--from", dest="first", type=period, required=True, metavar="YYYY-MM",
        help="the first period",
    )  # fmt: skip
    parser.add_argument(
        "--to", dest="last", type=period, required=True, metavar="YYYY-MM",
        help="the last period (included; at most the current month)",
    )  # fmt: skip
    parser.add_argument("--from-files", type=Path, metavar="DIR", help=FILES_HELP)
    parser.add_argument(
        "--force", action="store_true", help="collect and allocate every period again, done or not"
    )
    parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help="store a source's answer even when it has far fewer rows than are stored (as collect)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    parts = container()
    folder: Path | None = args.from_files
    service = parts.backfill(_collector(parts, folder, args.allow_shrink))
    decisions = service.plan(args.first, args.last, force=args.force)
    source = f"files in {folder}" if folder else "Azure"
    terminal = sys.stdout.isatty()
    progress = BarProgress(Console(), source) if terminal else LineProgress(sys.stdout, source)
    with progress, StopRequest(progress.say) as stop:
        try:
            report = service.run(decisions, progress, stop)
        except KeyboardInterrupt:
            print(interrupted_line(decisions, progress.finished), file=sys.stderr)
            raise
    progress.say(summary_line(report))
    if report.failed:
        print(failure_line(report), file=sys.stderr)
        return ExitCode.REFUSED
    if report.stopped:
        print(interrupted_line(decisions, report.results), file=sys.stderr)
        return ExitCode.INTERRUPTED
    return ExitCode.OK


def _collector(parts: Container, folder: Path | None, allow_shrink: bool) -> Collect:
    """Each period's window from the files (its own subfolder when there is one, an inventory
    taken at the window's start, as `collect --from-files`) or from Azure (taken now). A
    missing setting or folder fails here, before any period."""
    if folder is None:
        service = parts.live_collection  # COST_SCOPES missing: one line, nothing started

        def live(period: BillingPeriod, window: DateWindow) -> CollectionReport:
            del period
            return service.collect_all(window, datetime.now(UTC), allow_shrink=allow_shrink)

        return live
    if not folder.is_dir():
        raise InvalidInput("--from-files", f"{folder} is not a folder of export files")

    def files(period: BillingPeriod, window: DateWindow) -> CollectionReport:
        own = folder / str(period)
        service = parts.file_collection(own if own.is_dir() else folder)
        return service.collect_all(window, midnight_utc(window.start), allow_shrink=allow_shrink)

    return files
