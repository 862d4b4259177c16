"""`collect --since --until [--from-files DIR] [--allow-shrink]`: costs, usage, inventory and (live)
the caller telemetry and use-case outcome queries."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from shared.core.period import DateWindow, midnight_utc
from shared.entrypoints.cli.arguments import Subparsers, day, examples
from shared.entrypoints.cli.composition import container


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "collect",
        help="collect costs, usage, inventory and telemetry for a window",
        description="Collect a window of days from every source (Azure, or a folder of export "
        "files), store what changed and enqueue the periods to allocate.",
        epilog=examples(
            "collect --since 2026-10-01 --until 2026-10-31",
            "collect --since 2026-10-01 --until 2026-10-31 --from-files exports/",
        ),
    )
    parser.add_argument("--since", type=day, required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--until", type=day, required=True, help="last day (included)")
    parser.add_argument("--from-files", type=Path, help="a folder of export files instead of Azure")
    parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help="store a source's answer even when it has far fewer rows than are stored "
        "for the window (deleted deployments, a corrected export)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    parts = container()
    window = DateWindow.inclusive(args.since, args.until)
    if args.from_files:
        service = parts.file_collection(args.from_files)
        taken_at = midnight_utc(window.start)
    else:
        service = parts.live_collection
        taken_at = datetime.now(UTC)
    report = service.collect_all(window, taken_at, allow_shrink=args.allow_shrink)
    changed = ", ".join(sorted(map(str, report.changed_periods))) or "none"
    print(
        f"collected {report.cost_lines} cost lines, {report.usage_records} usage records, "
        f"{report.deployments} deployments, {report.caller_records} caller records, "
        f"{report.outcome_days} outcome days; periods enqueued for allocation: {changed}"
    )
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for failure in report.failures:  # the others were stored
        print(f"error: {failure}", file=sys.stderr)
    return 2 if report.failures else 0
